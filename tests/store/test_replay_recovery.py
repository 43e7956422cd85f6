"""Replay decides a stored declaration again with the stored rule set and names each difference; recovery
computes the instalments owed back after an early departure and records it in the audit chain."""

from __future__ import annotations

import dataclasses
import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import text
from store_helpers import new_bareme

from aid_engine import Declaration, NotFound, default_rulebook, evaluate
from aid_engine.ruleset import load
from aid_engine.store import Store
from aid_engine.store import recovery as recoveries
from aid_engine.store.queries import all_decisions, learner_decisions, learner_history, stored_decision
from aid_engine.store.replay import differences, replay

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _example(name: str, **changes: object) -> Declaration:
    declaration = Declaration.parse(json.loads((EXAMPLES / f"{name}.json").read_text(encoding="utf-8")))
    return declaration.with_changes(**changes) if changes else declaration


def _save(store: Store, declaration: Declaration) -> int:
    return store.save(declaration, evaluate(declaration), operator="tester").decision_id


@pytest.fixture
def examples_stored(store: Store) -> Store:
    for path in sorted(EXAMPLES.glob("*.json")):
        _save(store, _example(path.stem))
    return store


def test_every_stored_decision_replays_to_the_same_decision(examples_stored: Store) -> None:
    outcomes = [replay(s, default_rulebook()) for s in all_decisions(examples_stored.engine)]
    assert len(outcomes) == 8
    assert {o.state for o in outcomes} == {"same"}


def test_a_decision_that_would_now_differ_is_reported_field_by_field(examples_stored: Store) -> None:
    with examples_stored.engine.connect() as c:
        stored = stored_decision(c, 3)
    assert "trace" not in stored.decision and stored.record_format == 2
    older = dict(stored.decision, total_amount="1.00", echelon="6")
    outcome = replay(dataclasses.replace(stored, decision=older), default_rulebook())
    assert outcome.state == "differs"
    found = {d.path: (d.stored, d.replayed) for d in outcome.differences}
    assert found["total_amount"] == ("1.00", stored.decision["total_amount"])
    assert found["echelon"] == ("6", stored.decision["echelon"])
    # the same outcome with another trace: caught by the keyed digest of the full decision JSON
    other_trace = replay(dataclasses.replace(stored, decision_digest="0" * 64), default_rulebook())
    assert other_trace.state == "differs" and [d.path for d in other_trace.differences] == ["trace"]


def test_a_rule_set_no_longer_in_the_rules_is_said_clearly(examples_stored: Store, tmp_path: Path) -> None:
    changed = load(new_bareme(tmp_path))
    states = {s.decision["academic_year"]: replay(s, changed).state for s in all_decisions(examples_stored.engine)}
    assert states["2024-2025"] == "rules_missing"
    assert {state for year, state in states.items() if year != "2024-2025"} == {"same"}


def test_differences_name_the_path_of_each_changed_leaf() -> None:
    assert differences({"a": {"b": [1, {"rule": "x", "result": 1}]}}, {"a": {"b": [1, {"rule": "x", "result": 2}]}}
                       )[0].path == "a.b[1:x].result"
    assert differences({"engine_version": "1"}, {"engine_version": "2"}) == []
    assert [d.path for d in differences({"a": 1}, {"a": 1, "b": 2})] == ["b"]


def test_a_purged_declaration_cannot_be_replayed_and_says_why(examples_stored: Store) -> None:
    with examples_stored.engine.begin() as c:
        c.execute(text("UPDATE declarations SET payload = '{}', purged_at = CURRENT_TIMESTAMP"))
    assert {replay(s, default_rulebook()).state for s in all_decisions(examples_stored.engine)} == {"purged"}


# -- recovery ----------------------------------------------------------------------------------------------------


def _granted(store: Store, learner: str) -> recoveries.StoredDecision:
    with store.engine.connect() as c:
        return recoveries.choose(learner_decisions(c, learner), date(2025, 1, 10))


def test_leaving_in_january_owes_back_the_instalments_of_february_to_june(examples_stored: Store) -> None:
    stored = _granted(examples_stored, "GEN-2024-0001")  # 2024-09-16 → 2025-06-27, 10 × 633.50
    owed = recoveries.recovery_of(stored, date(2025, 1, 10))
    assert owed.months_paid == ("2024-09", "2024-10", "2024-11", "2024-12", "2025-01", "2025-02", "2025-03",
                                "2025-04", "2025-05", "2025-06")
    assert owed.months_undue == ("2025-02", "2025-03", "2025-04", "2025-05", "2025-06")
    assert owed.amount_owed == Decimal("3167.50")
    assert owed.payload()["amount_owed"] == "3167.50"


def test_a_recovery_is_recorded_once_in_the_audit_chain(examples_stored: Store) -> None:
    stored = _granted(examples_stored, "GEN-2024-0001")
    owed = recoveries.recovery_of(stored, date(2025, 1, 10))
    first = recoveries.record(examples_stored.engine, owed, stored, "finance")
    again = recoveries.record(examples_stored.engine, owed, stored, "finance")
    assert first.created and not again.created and first.record_id == again.record_id == 9
    report = examples_stored.verify()
    assert (report.records, report.recoveries) == (9, 1)
    history = learner_history(examples_stored.engine, "GEN-2024-0001")
    assert [h.kind for h in history] == ["decision", "recovery"]
    assert history[1].payload["months_undue"][0] == "2025-02" and history[1].decision_id == stored.id


@pytest.mark.parametrize(("left_on", "undue"), [
    (date(2024, 9, 16), 9), (date(2024, 9, 20), 9), (date(2025, 6, 27), 0), (date(2024, 12, 31), 6)])
def test_the_months_owed_are_those_after_the_month_of_leaving(examples_stored: Store, left_on: date,
                                                               undue: int) -> None:
    owed = recoveries.recovery_of(_granted(examples_stored, "GEN-2024-0001"), left_on)
    assert len(owed.months_undue) == undue
    assert owed.amount_owed == Decimal("633.50") * undue


def test_a_training_longer_than_ten_months_pays_ten_instalments_from_the_start(store: Store) -> None:
    _save(store, _example("granted_echelon_7", training_end_date="2025-08-29"))
    owed = recoveries.recovery_of(_granted(store, "GEN-2024-0001"), date(2025, 5, 2))
    assert owed.months_paid[-1] == "2025-06" and owed.months_undue == ("2025-06",)


def test_leaving_outside_the_training_or_a_decision_not_granted_is_refused(examples_stored: Store) -> None:
    with pytest.raises(ValueError, match="before the training start"):
        recoveries.recovery_of(_granted(examples_stored, "GEN-2024-0001"), date(2024, 9, 15))
    with pytest.raises(ValueError, match=r"after the training end \(2025-06-27\)"):
        recoveries.recovery_of(_granted(examples_stored, "GEN-2024-0001"), date(2025, 6, 28))
    with examples_stored.engine.connect() as c, pytest.raises(NotFound, match="no current granted decision"):
        recoveries.choose(learner_decisions(c, "GEN-2024-0777"), date(2025, 1, 1))
