"""Recovery and the audit history on a store filled by a real batch run of `examples/batch.csv`: a recovery
applies to the current decision of a learner and training, reads the training's dates from the stored
declaration, refuses a date outside the training and a second recovery without `--replace`; `audit show`
marks the decisions a later one superseded."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text, update
from store_helpers import drop_triggers
from typer.testing import CliRunner

from aid_engine.cli import app
from aid_engine.store import open_store
from aid_engine.store.tables import audit_records

runner = CliRunner(env={"COLUMNS": "240", "NO_COLOR": "1", "TERM": "dumb"})
CORRECTED = "GEN-2024-000280"  # rows 281 and 282: a declaration and its correction, same training (2024-09-01)


def run(*args: str) -> Any:
    return runner.invoke(app, list(args))


def decision_ids(url: str, learner: str) -> list[int]:
    store = open_store(url)
    try:
        with store.engine.connect() as c:
            return list(c.execute(text("SELECT id FROM decisions WHERE learner_id = :l ORDER BY id"),
                                  {"l": learner}).scalars())
    finally:
        store.close()


@pytest.fixture
def batched(db_url: str, example_batch: Path) -> str:
    result = run("batch", str(example_batch), "--db", db_url, "--operator", "finance")
    assert result.exit_code == 0, result.stderr
    return db_url


def test_audit_show_marks_the_decision_a_correction_superseded(batched: str) -> None:
    _, second = decision_ids(batched, CORRECTED)
    shown = run("audit", "show", CORRECTED, "--db", batched)
    assert shown.exit_code == 0, shown.stderr
    lines = shown.stdout.splitlines()
    assert f"(superseded by decision {second})" in lines[0] and "superseded" not in lines[1]
    entries = json.loads(run("audit", "show", CORRECTED, "--db", batched, "--json").stdout)
    assert [e["superseded_by"] for e in entries] == [second, None]


def test_a_recovery_applies_to_the_current_decision_never_to_a_superseded_one(batched: str) -> None:
    first, second = decision_ids(batched, CORRECTED)
    result = run("recovery", CORRECTED, "--left-on", "2024-11-15", "--db", batched)
    assert result.exit_code == 0, result.stderr
    # The correction's decision: 216.30 a month from 2024-09 to 2025-01; December and January owed back.
    assert f"decision {second}:" in result.stdout and "amount owed back: 432.60 €" in result.stdout
    refused = run("recovery", CORRECTED, "--left-on", "2024-11-15", "--decision", str(first), "--db", batched)
    assert refused.exit_code == 2 and f"superseded by decision {second}" in refused.output


def test_the_training_dates_come_from_the_stored_declaration_not_the_trace(batched: str) -> None:
    """Every decision record's trace rewritten without its months step (triggers dropped for the test): the
    recovery still knows the training's dates."""
    _, second = decision_ids(batched, CORRECTED)
    store = open_store(batched)
    try:
        with store.engine.begin() as c:
            drop_triggers(c)
            audit = c.execute(text("SELECT audit_id FROM decisions WHERE id = :d"), {"d": second}).scalar_one()
            payload = json.loads(c.execute(text("SELECT payload FROM audit_records WHERE id = :a"),
                                           {"a": audit}).scalar_one())
            payload["trace"] = []
            c.execute(update(audit_records).where(audit_records.c.id == audit).values(payload=json.dumps(payload)))
    finally:
        store.close()
    result = run("recovery", CORRECTED, "--left-on", "2024-12-02", "--db", batched)
    assert result.exit_code == 0, result.output
    assert "training 2024-09-01 → 2025-01-27" in result.stdout and "amount owed back: 216.30 €" in result.stdout


@pytest.mark.parametrize(("left_on", "words"), [
    ("2030-01-15", "after the training end (2025-01-27)"),
    ("2025-01-28", "after the training end (2025-01-27)"),
    ("2024-08-31", "before the training start (2024-09-01)"),
])
def test_a_leaving_date_outside_the_training_is_bad_input_and_records_nothing(batched: str, left_on: str,
                                                                             words: str) -> None:
    result = run("recovery", CORRECTED, "--left-on", left_on, "--db", batched)
    assert result.exit_code == 2 and words in result.output
    assert "recovery" not in run("audit", "show", CORRECTED, "--db", batched).stdout


def test_a_second_recovery_replaces_the_first_only_with_replace(batched: str) -> None:
    assert run("recovery", CORRECTED, "--left-on", "2024-10-10", "--db", batched).exit_code == 0
    again = run("recovery", CORRECTED, "--left-on", "2024-10-10", "--db", batched)
    assert again.exit_code == 0 and "already recorded as audit record" in again.stdout
    other = run("recovery", CORRECTED, "--left-on", "2024-12-10", "--db", batched)
    assert other.exit_code == 2 and "already has a recovery" in other.output and "--replace" in other.output
    replaced = run("recovery", CORRECTED, "--left-on", "2024-12-10", "--replace", "--db", batched)
    assert replaced.exit_code == 0, replaced.output
    assert "replacing audit record" in replaced.stdout and "amount owed back: 216.30 €" in replaced.stdout
    history = json.loads(run("audit", "show", CORRECTED, "--db", batched, "--json").stdout)
    recoveries = [e for e in history if e["kind"] == "recovery"]
    assert [r["recovery"]["left_on"] for r in recoveries] == ["2024-10-10", "2024-12-10"]
    assert recoveries[1]["recovery"]["replaces"] == recoveries[0]["record"]
    assert run("audit", "verify", "--db", batched).exit_code == 0
