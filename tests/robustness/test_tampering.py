"""Tampering, as a database administrator could (the append-only triggers dropped first): an audit record
edited, deleted, inserted in the middle or forged at the end, a declaration edited then marked purged by
hand, a rules file changed after the decisions were made.  `aid-engine audit verify` exits 1 naming the
record; `aid-engine replay` names each decision whose stored content no longer matches or whose rules
changed.  (tests/store/test_chain.py checks the library's `verify` on more edits; here, through the CLI.)"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from robust_helpers import EXAMPLES, assert_clean_failure, cli
from sqlalchemy import Connection, text
from store_helpers import drop_triggers, head_lines, new_bareme

from aid_engine.store import open_store
from aid_engine.store.records import Record, keyed_hex


@pytest.fixture
def batched(db_url: str, tmp_path: Path) -> str:
    """A store holding the decisions of the first 60 rows of the example batch."""
    result = cli("batch", str(head_lines(EXAMPLES / "batch.csv", tmp_path / "in.csv", 60)), "--db", db_url,
                 "--operator", "finance", "--jobs", "1")
    assert result.exit_code == 0, result.stderr
    return db_url


def tamper(url: str) -> Iterator[Connection]:
    store = open_store(url)
    try:
        with store.engine.begin() as connection:
            drop_triggers(connection)
            yield connection
    finally:
        store.close()


def verify_fails(url: str, *words: str) -> str:
    result = cli("audit", "verify", "--db", url)
    assert result.exit_code == 1, result.stdout
    assert_clean_failure(result.stderr)
    for word in words:
        assert word in result.stderr, result.stderr
    return str(result.stderr)


def replay(url: str, *args: str) -> Any:
    result = cli("replay", *args, "--db", url)
    assert_clean_failure(result.stdout + result.stderr)
    return result


def _record(c: Connection, ident: int) -> dict[str, Any]:
    return dict(c.execute(text("SELECT * FROM audit_records WHERE id = :i"), {"i": ident}).mappings().one())


def _decision_of(c: Connection, record: int) -> int:
    return int(c.execute(text("SELECT id FROM decisions WHERE audit_id = :i"), {"i": record}).scalar_one())


def test_an_edited_record_is_named_by_verify_and_its_decision_by_replay(batched: str) -> None:
    for c in tamper(batched):
        c.execute(text("UPDATE audit_records SET payload = replace(payload, :a, :b) WHERE id = 9"),
                  {"a": '"months":', "b": '"months":1'})
        decision = _decision_of(c, 9)
    verify_fails(batched, "audit record 9: altered")
    replayed = replay(batched, str(decision))
    assert replayed.exit_code == 1
    assert f"decision {decision} " in replayed.stdout and "months:" in replayed.stdout
    every = replay(batched, "--all")
    assert f"decision {decision} " in every.stdout and "1 differs" in every.stdout


def test_a_deleted_record_is_named_by_verify_and_replay_says_its_decision_is_gone(batched: str) -> None:
    for c in tamper(batched):
        decision = _decision_of(c, 12)
        c.execute(text("DELETE FROM batch_lines WHERE decision_id = :d"), {"d": decision})
        c.execute(text("DELETE FROM decisions WHERE id = :d"), {"d": decision})
        c.execute(text("DELETE FROM audit_records WHERE id = 12"))
    verify_fails(batched, "audit record 12: removed", "record 13 follows record 11")
    gone = replay(batched, str(decision))
    assert gone.exit_code == 2 and f"no decision {decision}" in gone.stderr


def test_a_record_inserted_in_the_middle_is_named(batched: str) -> None:
    for c in tamper(batched):
        last = int(c.execute(text("SELECT max(id) FROM audit_records")).scalar_one())
        c.execute(text("ALTER TABLE decisions DROP CONSTRAINT decisions_audit_id_fkey")
                  if c.dialect.name == "postgresql" else text("PRAGMA defer_foreign_keys = ON"))
        for ident in range(last, 19, -1):  # make room at 20, from the end so ids never collide
            c.execute(text("UPDATE audit_records SET id = id + 1 WHERE id = :i"), {"i": ident})
            c.execute(text("UPDATE decisions SET audit_id = audit_id + 1 WHERE audit_id = :i"), {"i": ident})
        forged = _record(c, 19) | {"id": 20, "operator": "intruder", "prev_hash": _record(c, 19)["hash"]}
        forged["hash"] = Record.of(forged).hash()
        c.execute(text(f"INSERT INTO audit_records ({', '.join(forged)}) VALUES "
                       f"({', '.join(':' + k for k in forged)})"), forged)
    verify_fails(batched, "audit record 21: out of order")


def test_a_forged_record_appended_with_a_valid_hash_is_named_by_its_missing_decision(batched: str) -> None:
    for c in tamper(batched):
        last = int(c.execute(text("SELECT max(id) FROM audit_records")).scalar_one())
        head = _record(c, int(c.execute(text("SELECT max(id) FROM audit_records WHERE kind = 'decision'"))
                              .scalar_one()))
        forged = head | {"id": last + 1, "learner_id": "GHOST-1", "operator": "intruder",
                         "prev_hash": _record(c, last)["hash"],
                         "payload": head["payload"].replace(head["learner_id"], "GHOST-1")}
        forged["hash"] = Record.of(forged).hash()
        c.execute(text(f"INSERT INTO audit_records ({', '.join(forged)}) VALUES "
                       f"({', '.join(':' + k for k in forged)})"), forged)
    verify_fails(batched, f"audit record {last + 1}", "decision row was removed")


def test_a_forged_record_appended_with_a_wrong_hash_is_named(batched: str) -> None:
    for c in tamper(batched):
        last = int(c.execute(text("SELECT max(id) FROM audit_records")).scalar_one())
        forged = _record(c, last) | {"id": last + 1, "kind": "recovery", "prev_hash": _record(c, last)["hash"],
                                     "hash": "f" * 64}
        c.execute(text(f"INSERT INTO audit_records ({', '.join(forged)}) VALUES "
                       f"({', '.join(':' + k for k in forged)})"), forged)
    verify_fails(batched, f"audit record {last + 1}: altered")


def test_a_declaration_edited_then_marked_purged_by_hand_is_named(batched: str) -> None:
    for c in tamper(batched):
        row = c.execute(text("SELECT id, digest, payload FROM declarations WHERE id = 5")).mappings().one()
        edited = json.loads(row["payload"]) | {"revenu_brut_global": "1.00"}
        c.execute(text("UPDATE declarations SET payload = :p, purged_at = CURRENT_TIMESTAMP WHERE id = 5"),
                  {"p": json.dumps(edited)})
        record = int(c.execute(text("SELECT min(id) FROM audit_records WHERE declaration_digest = :d"),
                               {"d": row["digest"]}).scalar_one())
    verify_fails(batched, f"audit record {record}", "declaration 5", "purged without a purge record")


def test_a_declaration_edited_in_place_is_named_by_verify_and_replay(batched: str) -> None:
    for c in tamper(batched):
        row = c.execute(text("SELECT id, payload, digest, secret FROM declarations WHERE id = 3")).mappings().one()
        c.execute(text("UPDATE declarations SET payload = :p WHERE id = 3"),
                  {"p": row["payload"].replace('"jobseeker_aid":false', '"jobseeker_aid":true')})
        decision = int(c.execute(text("SELECT id FROM decisions WHERE declaration_id = 3")).scalars().first())
    assert keyed_hex(bytes(row["secret"]), row["payload"]) == row["digest"]
    verify_fails(batched, "declaration 3 was altered")
    replayed = replay(batched, str(decision))
    assert f"decision {decision} " in replayed.stdout and "difference(s)" in replayed.stdout


def test_rules_changed_after_the_decisions_leave_the_chain_intact_and_replay_uses_the_archive(
        batched: str, tmp_path: Path) -> None:
    changed = new_bareme(tmp_path)  # 2024-2025 gets new rates and ceilings: its sha256 and the later ones change
    assert cli("audit", "verify", "--db", batched).exit_code == 0
    store = open_store(batched)
    try:
        with store.engine.connect() as c:
            affected = set(c.execute(text("SELECT id FROM decisions WHERE academic_year >= '2024-2025'")).scalars())
            total = int(c.execute(text("SELECT count(*) FROM decisions")).scalar_one())
    finally:
        store.close()
    assert affected
    every = replay(batched, "--all", "--rules", str(changed))
    assert every.exit_code == 0 and f"{total} same" in every.stdout  # the archive holds the rules of that time
    for c in tamper(batched):  # the archive emptied by hand: replay names each decision it cannot re-decide
        c.execute(text("DELETE FROM rulesets"))
    verify_fails(batched, "is not in the archive")
    every = replay(batched, "--all", "--rules", str(changed))
    assert every.exit_code == 1
    named = {int(line.split()[1]) for line in every.stdout.splitlines() if "no rule set with sha256" in line}
    assert named == affected
    assert f"{len(affected)} rules_missing" in every.stdout and f"{total - len(affected)} same" in every.stdout
    one = replay(batched, str(min(affected)), "--rules", str(changed))
    assert one.exit_code == 1 and "no rule set with sha256" in one.stdout
