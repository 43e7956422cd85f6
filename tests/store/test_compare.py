"""Comparing two runs learner by learner: the outcome that changed, and the reasons read from the decisions."""

from __future__ import annotations

import json
from pathlib import Path

from store_helpers import new_bareme

from aid_engine import Declaration, default_rulebook
from aid_engine.batch import run_batch
from aid_engine.ruleset import load
from aid_engine.store import Store
from aid_engine.store.compare import Tally, compare_runs

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
YEAR_BEFORE = {"application_date": "2023-10-06", "training_start_date": "2023-09-18",
               "training_end_date": "2024-06-28", "income_year": 2021}


def _file(path: Path, **income: str) -> Path:
    base = Declaration.parse(json.loads((EXAMPLES / "granted_echelon_7.json").read_text(encoding="utf-8")))
    rows = [
        base.with_changes(**YEAR_BEFORE),  # 2023-2024: the same rule set in both rule books
        base.with_changes(learner_id="L-RATE"),  # échelon 7 in 2024-2025: only the rate moves
        base.with_changes(learner_id="L-CEILING", revenu_brut_global=income.get("ceiling", "8500")),
    ]
    path.write_text("".join(d.model_dump_json() + "\n" for d in rows), encoding="utf-8")
    return path


def test_a_new_bareme_lists_the_learners_whose_outcome_moved_and_why(store: Store, tmp_path: Path) -> None:
    path = _file(tmp_path / "in.jsonl")
    before = run_batch(store, default_rulebook(), path, operator="t").run.id
    after = run_batch(store, load(new_bareme(tmp_path)), path, operator="t").run.id
    tally = Tally()
    changes = {c.learner_id: c for c in compare_runs(store.engine, before, after, tally)}
    assert sorted(changes) == ["L-CEILING", "L-RATE"]
    assert (tally.compared, tally.changed, tally.only_before, tally.only_after) == (3, 2, 0, 0)
    rate = changes["L-RATE"]
    assert rate.before and rate.after and rate.before.echelon == rate.after.echelon == "7"
    assert rate.after.total_cents - rate.before.total_cents == 100 * 100
    assert any(w.startswith("rule set gen-aid/2024-2025") for w in rate.why)
    assert "rate of échelon 7 6335.00 → 6435.00" in rate.why
    ceiling = changes["L-CEILING"]
    assert ceiling.before and ceiling.after and (ceiling.before.echelon, ceiling.after.echelon) == ("5", "6")
    assert any(w.startswith("ceilings read ") and "6: 7992 → 8791" in w for w in ceiling.why)


def test_a_changed_declaration_is_named_by_its_fields_not_its_values(store: Store, tmp_path: Path) -> None:
    first = run_batch(store, default_rulebook(), _file(tmp_path / "a.jsonl"), operator="t").run.id
    second = run_batch(store, default_rulebook(), _file(tmp_path / "b.jsonl", ceiling="20000"), operator="t").run.id
    changes = list(compare_runs(store.engine, first, second))
    assert [c.learner_id for c in changes] == ["L-CEILING"]
    assert changes[0].why[0] == "declaration changed: revenu_brut_global"
    assert not any("20000" in w for w in changes[0].why)


def test_learners_in_one_run_only_are_listed(store: Store, tmp_path: Path) -> None:
    path = _file(tmp_path / "a.jsonl")
    first = run_batch(store, default_rulebook(), path, operator="t").run.id
    shorter = tmp_path / "b.jsonl"
    shorter.write_text(path.read_text(encoding="utf-8").splitlines(keepends=True)[0], encoding="utf-8")
    second = run_batch(store, default_rulebook(), shorter, operator="t").run.id
    tally = Tally()
    changes = list(compare_runs(store.engine, first, second, tally))
    assert [(c.learner_id, c.after) for c in changes] == [("L-CEILING", None), ("L-RATE", None)]
    assert (tally.only_before, tally.changed) == (2, 0)
