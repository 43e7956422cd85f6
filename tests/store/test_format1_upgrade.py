"""The upgrade to format 2, tried on a store the format-1 release made (tests/fixtures/format1.db, made by
tests/fixtures/make_format1.py): its records keep verifying as format 1, the chain goes on in format 2, and
tampering with either part is still named.  On PostgreSQL the fixture's rows are loaded into a schema at
revision 0002 first, as that release would have left them."""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from store_helpers import drop_triggers

from aid_engine import AuditChainBroken, Declaration, StoreError, evaluate
from aid_engine.store import database, open_store
from aid_engine.store.purge import purge_before
from aid_engine.store.records import GENESIS

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "fixtures" / "format1.db"
FORMAT1_RECORDS = 27  # 12 decisions, 12 purges, 2 decisions, 1 recovery
TABLES = ("declarations", "audit_records", "batch_runs", "decisions", "batch_lines")
TIMES = {"received_at", "purged_at", "decided_at", "started_at", "finished_at"}


def _load_into(engine: Engine) -> None:
    """The fixture's rows inserted into a database at revision 0002 (times as UTC)."""
    source = sqlite3.connect(FIXTURE)
    source.row_factory = sqlite3.Row
    with engine.begin() as c:
        for table in TABLES:
            for row in source.execute(f"SELECT * FROM {table} ORDER BY rowid"):
                values = {k: (datetime.fromisoformat(row[k]).replace(tzinfo=UTC) if k in TIMES and row[k] else row[k])
                          for k in row.keys()}  # noqa: SIM118 - a sqlite3.Row iterates values
                c.execute(text(f"INSERT INTO {table} ({', '.join(values)}) VALUES "
                               f"({', '.join(':' + k for k in values)})"), values)
        for table in ("declarations", "batch_runs", "decisions"):
            c.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"))
    source.close()


@pytest.fixture
def old_store(new_db: Callable[[], str], tmp_path: Path) -> str:
    """The URL of a store as the format-1 release left it (revision 0002)."""
    url = new_db()
    if url.startswith("sqlite"):
        target = tmp_path / "format1.db"
        shutil.copy(FIXTURE, target)
        return f"sqlite:///{target}"
    engine = database.create(url)
    try:
        database.upgrade(engine, "0002")
        _load_into(engine)
    finally:
        engine.dispose()
    return url


def _upgrade(url: str) -> None:
    engine = database.create(url)
    try:
        assert database.upgrade(engine) == ("0002", database.head_revision())
    finally:
        engine.dispose()


def test_the_fixture_is_a_format1_store_refused_until_upgraded(old_store: str) -> None:
    with pytest.raises(StoreError, match="db upgrade"):
        open_store(old_store)


def test_format1_records_verify_after_the_upgrade_and_the_chain_goes_on_in_format2(old_store: str) -> None:
    _upgrade(old_store)
    store = open_store(old_store)
    try:
        report = store.verify()
        assert (report.decisions, report.recoveries, report.purges, report.runs) == (14, 1, 12, 1)
        with store.engine.connect() as c:
            formats = c.execute(text("SELECT id, format, kind FROM audit_records ORDER BY id")).all()
            head = c.execute(text(f"SELECT hash FROM audit_records WHERE id = {FORMAT1_RECORDS}")).scalar_one()
            run_record_prev = c.execute(text(f"SELECT prev_hash FROM audit_records WHERE id = "
                                             f"{FORMAT1_RECORDS + 1}")).scalar_one()
        assert [f for _, f, _ in formats[:FORMAT1_RECORDS]] == [1] * FORMAT1_RECORDS
        assert formats[FORMAT1_RECORDS][1:] == (2, "run")  # the upgrade binds the finished run in format 2
        assert run_record_prev == head != GENESIS
        declaration = Declaration.parse(json.loads((ROOT / "examples" / "foreign_learner.json").read_text("utf-8")))
        assert store.save(declaration, evaluate(declaration), operator="next release").created
        # Format-1 idempotency: the same declaration under the rule set it was decided with (its sha256 as the
        # format-1 release stored it; the rules' text has changed since) is found, not stored again...
        again = Declaration.parse(json.loads((ROOT / "examples" / "granted_echelon_7.json").read_text("utf-8")))
        with store.engine.connect() as c:
            then = c.execute(text("SELECT ruleset_sha256 FROM decisions "
                                  "WHERE learner_id = 'GEN-2024-0001'")).scalar_one()
        now = evaluate(again)
        assert now.ruleset.sha256 != then
        as_then = now.model_copy(update={"ruleset": now.ruleset.model_copy(update={"sha256": then})})
        assert not store.save(again, as_then, operator="next release").created
        # ... while under today's rule set it is a new decision, chained in format 2.
        assert store.save(again, now, operator="next release").created
        assert store.verify().records == FORMAT1_RECORDS + 3
        purge_before(store.engine, date(2999, 1, 1), operator="tester")
        assert store.verify().purges == 12 + 4  # the two format-1 declarations, then the two format-2 ones
    finally:
        store.close()


@pytest.mark.parametrize(("record", "statement"), [
    (5, "UPDATE audit_records SET operator = 'intruder' WHERE id = 5"),
    (25, "UPDATE decisions SET total_cents = 1 WHERE audit_id = 25"),
    (26, "UPDATE declarations SET payload = replace(payload, '\"0.00\"', '\"9.00\"') "
         "WHERE learner_id = 'GEN-2019-0201'"),
])
def test_tampering_with_a_format1_part_is_still_named(old_store: str, record: int, statement: str) -> None:
    _upgrade(old_store)
    store = open_store(old_store)
    try:
        with store.engine.begin() as c:
            drop_triggers(c)
            assert c.execute(text(statement)).rowcount == 1
        with pytest.raises(AuditChainBroken) as caught:
            store.verify()
        assert caught.value.record_id == record
    finally:
        store.close()
