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
    english = [w.text("en") for w in rate.why]
    assert any(w.startswith("rule set gen-aid/2024-2025") for w in english)
    assert "annual rate of échelon 7: €6,335.00 → €6,435.00" in english
    assert "taux annuel de l’échelon 7\u00a0: 6\u202f335,00\u00a0€ → 6\u202f435,00\u00a0€" in \
        [w.text("fr").replace("'", "’") for w in rate.why]
    ceiling = changes["L-CEILING"]
    assert ceiling.before and ceiling.after and (ceiling.before.echelon, ceiling.after.echelon) == ("5", "6")
    # The ceilings of the learner's row, read from the two rule sets (not from a trace step).
    assert "ceiling of échelon 6 for these points: €7,992.00 → €8,791.00" in [w.text("en") for w in ceiling.why]


def test_a_changed_declaration_is_named_by_its_fields_not_its_values(store: Store, tmp_path: Path) -> None:
    first = run_batch(store, default_rulebook(), _file(tmp_path / "a.jsonl"), operator="t").run.id
    second = run_batch(store, default_rulebook(), _file(tmp_path / "b.jsonl", ceiling="20000"), operator="t").run.id
    changes = list(compare_runs(store.engine, first, second))
    assert [c.learner_id for c in changes] == ["L-CEILING"]
    assert changes[0].why[0].text("en") == "declaration changed: revenu_brut_global"
    assert changes[0].why[0].text("fr") == "déclaration changée\u00a0: revenu_brut_global"
    assert not any("20000" in w.text(lang) for w in changes[0].why for lang in ("fr", "en"))


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


def test_the_diff_command_speaks_the_runs_language(store: Store, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from aid_engine.cli import app

    path = _file(tmp_path / "in.jsonl")
    before = run_batch(store, default_rulebook(), path, operator="t").run.id
    after = run_batch(store, load(new_bareme(tmp_path)), path, operator="t").run.id
    url = store.engine.url.render_as_string(hide_password=False)
    runs = [str(before), str(after)]
    french = CliRunner().invoke(app, ["diff", *runs, "--db", url], env={"AID_ENGINE_LANG": "fr"})
    english = CliRunner().invoke(app, ["diff", *runs, "--db", url], env={"AID_ENGINE_LANG": "en"})
    assert french.exit_code == english.exit_code == 0, french.output + english.output
    text = french.stdout.replace("\u00a0", " ").replace("\u202f", " ")
    assert "L-RATE (formation du 2024-09-16) : accordée, échelon 7, 6 335,00 € → accordée, échelon 7, 6 435,00 €" \
        in text
    assert "taux annuel de l'échelon 7 : 6 335,00 € → 6 435,00 €" in text
    assert "plafond de l'échelon 6 pour ces points : 7 992,00 € → 8 791,00 €" in text
    for english_word in ("granted", "rate of", "ceiling", "changes from", "rule set "):
        assert english_word not in text, english_word
    assert "L-RATE (training from 2024-09-16): granted, échelon 7, €6,335.00 → granted, échelon 7, €6,435.00" \
        in english.stdout
