"""The audit trail: every stored decision is a link of a hash chain that `verify` walks, and tampering with
any record — edited, removed, reordered — or with the tables beside it is named."""

from __future__ import annotations

import itertools
import json
import sqlite3
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from store_helpers import drop_triggers

from aid_engine import AuditChainBroken, Declaration, evaluate
from aid_engine.store import Store
from aid_engine.store.purge import purge_before
from aid_engine.store.records import GENESIS, Record, declaration_json, kept, keyed_hex

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _declarations() -> list[Declaration]:
    return [Declaration.parse(json.loads(p.read_text(encoding="utf-8"))) for p in sorted(EXAMPLES.glob("*.json"))]


@pytest.fixture
def filled(store: Store) -> Store:
    """A store holding the decisions of the eight example declarations (audit records 1 … 8)."""
    for declaration in _declarations():
        store.save(declaration, evaluate(declaration), operator="tester")
    return store


def _broken(store: Store) -> AuditChainBroken:
    with pytest.raises(AuditChainBroken) as caught:
        store.verify()
    return caught.value


def test_an_untouched_chain_verifies_and_each_record_links_to_the_one_before(filled: Store) -> None:
    report = filled.verify()
    assert (report.records, report.decisions, report.recoveries) == (8, 8, 0)
    with filled.engine.connect() as c:
        rows = c.execute(text("SELECT * FROM audit_records ORDER BY id")).mappings().all()
    assert rows[0]["prev_hash"] == GENESIS
    for before, after in itertools.pairwise(rows):
        assert after["prev_hash"] == before["hash"]
    assert all(Record.of(r).hash() == r["hash"] and r["format"] == 2 for r in rows)
    assert report.head_hash == rows[-1]["hash"]


def test_the_record_keeps_the_keyed_digests_and_the_outcome_and_the_declaration_its_own_table(
        filled: Store) -> None:
    declaration = _declarations()[0]
    with filled.engine.connect() as c:
        record = c.execute(text("SELECT * FROM audit_records WHERE learner_id = :l"),
                           {"l": declaration.learner_id}).mappings().one()
        stored, secret = c.execute(text("SELECT payload, secret FROM declarations WHERE digest = :d"),
                                   {"d": record["declaration_digest"]}).one()
    decision = evaluate(declaration)
    assert record["declaration_digest"] == keyed_hex(bytes(secret), declaration_json(declaration))
    assert record["decision_digest"] == keyed_hex(bytes(secret), decision.model_dump_json())
    assert Declaration.parse(json.loads(stored)) == declaration
    payload = json.loads(record["payload"])
    full = decision.model_dump(mode="json")
    assert payload == {**{k: full[k] for k in ("status", "echelon", "points_de_charge", "months", "academic_year",
                                               "annual_amount", "monthly_amount", "total_amount")},
                       "reasons": [{"code": r["code"]} for r in full["reasons"]],
                       "training": {k: json.loads(stored)[k] for k in ("fabrique_id", "training_start_date",
                                                                      "training_end_date", "training_labelled")}}
    assert "trace" not in record["payload"] and str(declaration.revenu_brut_global) not in record["payload"]


def test_the_database_refuses_to_update_or_delete_an_audit_record(filled: Store) -> None:
    for statement in ("UPDATE audit_records SET operator = 'someone else' WHERE id = 3",
                      "DELETE FROM audit_records WHERE id = 8"):
        with pytest.raises(DBAPIError, match="append-only"), filled.engine.begin() as c:
            c.execute(text(statement))
    filled.verify()


def test_an_edited_record_is_named(filled: Store) -> None:
    with filled.engine.begin() as c:
        drop_triggers(c)
        c.execute(text("UPDATE audit_records SET payload = replace(payload, :a, :b) WHERE id = 5"),
                  {"a": '"status":"', "b": '"status":"x'})
    error = _broken(filled)
    assert error.record_id == 5
    assert "altered" in str(error)


def test_a_removed_record_is_named(filled: Store) -> None:
    with filled.engine.begin() as c:
        drop_triggers(c)
        c.execute(text("DELETE FROM decisions WHERE audit_id = 4"))
        c.execute(text("DELETE FROM audit_records WHERE id = 4"))
    error = _broken(filled)
    assert error.record_id == 4
    assert "removed" in str(error) and "record 5 follows record 3" in str(error)


def test_reordered_records_are_named(filled: Store) -> None:
    columns = "kind, learner_id, declaration_digest, payload, ruleset_id, ruleset_sha256, engine_version, " \
              "operator, recorded_at, prev_hash, hash, format, decision_id, run_id, line, lang, decision_digest"
    with filled.engine.begin() as c:
        drop_triggers(c)
        r2, r3 = (c.execute(text(f"SELECT {columns} FROM audit_records WHERE id = {i}")).mappings().one()
                  for i in (2, 3))
        assignments = ", ".join(f"{name} = :{name}" for name in r2)
        c.execute(text(f"UPDATE audit_records SET {assignments} WHERE id = 2"), dict(r3))
        c.execute(text(f"UPDATE audit_records SET {assignments} WHERE id = 3"), dict(r2))
    error = _broken(filled)
    assert error.record_id == 2
    assert "out of order" in str(error)


def test_a_record_rewritten_with_a_fresh_hash_is_caught_at_the_next_one(filled: Store) -> None:
    with filled.engine.begin() as c:
        drop_triggers(c)
        row = dict(c.execute(text("SELECT * FROM audit_records WHERE id = 6")).mappings().one())
        row["operator"] = "someone else"
        forged = Record.of(row).hash()
        c.execute(text("UPDATE audit_records SET operator = :o, hash = :h WHERE id = 6"),
                  {"o": "someone else", "h": forged})
    error = _broken(filled)
    assert error.record_id == 7


def test_a_decision_row_edited_beside_the_chain_is_named_by_its_record(filled: Store) -> None:
    with filled.engine.begin() as c:
        c.execute(text("UPDATE decisions SET total_cents = total_cents + 100000 WHERE audit_id = 2"))
    error = _broken(filled)
    assert error.record_id == 2
    assert "total_cents" in str(error)


def test_a_removed_last_record_is_caught_by_its_decision_row(filled: Store) -> None:
    with filled.engine.begin() as c:
        drop_triggers(c)
        if c.dialect.name == "postgresql":
            c.execute(text("ALTER TABLE decisions DROP CONSTRAINT decisions_audit_id_fkey"))
            c.execute(text("DELETE FROM audit_records WHERE id = 8"))
    if filled.engine.dialect.name == "sqlite":  # the sqlite3 shell: foreign keys are off unless asked
        raw = sqlite3.connect(str(filled.engine.url.database))
        raw.execute("DELETE FROM audit_records WHERE id = 8")
        raw.commit()
        raw.close()
    error = _broken(filled)
    assert error.record_id == 8
    assert "removed" in str(error)


def test_an_edited_declaration_no_longer_matches_its_digest(filled: Store) -> None:
    with filled.engine.begin() as c:
        c.execute(text("UPDATE declarations SET payload = replace(payload, :a, :b) WHERE id = 3"),
                  {"a": '"income_year":20', "b": '"income_year":19'})
    error = _broken(filled)
    assert "declaration 3 was altered" in str(error)


def test_a_purged_declaration_leaves_the_chain_verifiable(filled: Store) -> None:
    purged = purge_before(filled.engine, date(2999, 1, 1), operator="tester")
    report = filled.verify()
    assert (report.records, report.decisions, report.purges) == (8 + purged.declarations, 8, purged.declarations)


def test_a_purge_mark_set_by_hand_is_named(filled: Store) -> None:
    with filled.engine.begin() as c:
        payload = c.execute(text("SELECT payload FROM declarations WHERE id = 2")).scalar_one()
        c.execute(text("UPDATE declarations SET payload = :p, secret = NULL, purged_at = CURRENT_TIMESTAMP "
                       "WHERE id = 2"), {"p": kept(payload)})
    assert "purged without a purge record" in str(_broken(filled))


def test_saving_the_same_decision_again_adds_nothing(filled: Store) -> None:
    declaration = _declarations()[2]
    saved = filled.save(declaration, evaluate(declaration), operator="someone else")
    assert not saved.created
    assert filled.verify().records == 8


def test_the_digested_text_is_the_declarations_not_its_spelling() -> None:
    base = json.loads((EXAMPLES / "granted_echelon_7.json").read_text(encoding="utf-8"))
    a = Declaration.parse(base)
    b = Declaration.from_csv_row({k: ("true" if v is True else "false" if v is False else str(v))
                                  for k, v in {**base, "revenu_brut_global": "180,0"}.items()})
    assert declaration_json(a) == declaration_json(b)
    assert declaration_json(a) != declaration_json(a.with_changes(revenu_brut_global="181"))
