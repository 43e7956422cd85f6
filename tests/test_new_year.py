"""A new academic year is a rules file and nothing else: one is added in a temporary copy of rules/, and the
CLI, the batch and the report decide and show it with no change of code.

The year after the last one covered gets ceilings and rates twice the last year's (so its figures cannot be
mistaken for another year's), and the label of one reason is changed in that copy, so the report is seen to
take its labels from the rules and not from the code.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from strategies import base_declaration
from typer.testing import CliRunner

import aid_engine
from aid_engine.cli import app
from aid_engine.ruleset import load
from aid_engine.ruleset.loader import RULES_ENV

RULES = Path(__file__).resolve().parent.parent / "rules"
LABEL = "motif lu dans les règles de l'année synthétique"
runner = CliRunner(env={"COLUMNS": "240", "NO_COLOR": "1", "TERM": "dumb"})


@pytest.fixture(scope="module")
def rules_with_a_new_year(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int]:
    """A copy of rules/ with one more academic year, and that year's first calendar year."""
    target = tmp_path_factory.mktemp("rules") / "rules"
    shutil.copytree(RULES, target)
    last = load(RULES).last_year
    rs = load(RULES).year(last)
    first = last.first + 1
    doubled = {
        "academic_year": f"{first}-{first + 1}",
        "rates": {"source": "synthetic: twice the year before", "values": {
            e: int(v * 2) for e, v in rs.rates.values.items()}},
        "ceilings": {"source": "synthetic: twice the year before", "values": {
            e: [int(v * 2) for v in column] for e, column in rs.ceilings.values.items()}},
    }
    (target / "years" / f"{first}-{first + 1}.yaml").write_text(
        yaml.safe_dump(doubled, allow_unicode=True, sort_keys=False), encoding="utf-8")
    base = target / "base.yaml"
    text = base.read_text(encoding="utf-8")
    old = '      fr: "label fermé (formation commencée après la dissolution du GIP)"'
    assert text.count(old) == 1
    base.write_text(text.replace(old, f'      fr: "{LABEL}"'), encoding="utf-8")
    return target, first


@pytest.fixture
def with_rules_env(rules_with_a_new_year: tuple[Path, int], monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The new rules as the default rule book ($AID_ENGINE_RULES), for the commands that take no --rules."""
    monkeypatch.setenv(RULES_ENV, str(rules_with_a_new_year[0]))
    aid_engine.default_rulebook.cache_clear()
    yield
    aid_engine.default_rulebook.cache_clear()


def declaration(first: int, learner: str) -> dict[str, Any]:
    return base_declaration(learner_id=learner, training_start_date=f"{first}-09-16",
                            training_end_date=f"{first + 1}-06-27", application_date=f"{first}-10-01",
                            income_year=first - 2, revenu_brut_global="400")


def run(*args: str) -> Any:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, (args, result.stdout, result.stderr)
    return result


def test_the_cli_lists_validates_and_decides_the_new_year(rules_with_a_new_year: tuple[Path, int],
                                                          tmp_path: Path) -> None:
    rules, first = rules_with_a_new_year
    year = f"{first}-{first + 1}"
    run("rules", "validate", str(rules))
    source = tmp_path / "declaration.json"
    source.write_text(json.dumps(declaration(first, "NEW-YEAR-1")), encoding="utf-8")
    decision = json.loads(run("check", str(source), "--rules", str(rules), "--json").stdout)
    assert decision["academic_year"] == year
    assert decision["ruleset"]["id"] == f"gen-aid/{year}"
    # Every start after the label's end is refused, but the barème of the new year is the one read.
    last = load(RULES).year(f"{first - 1}-{first}")
    assert decision["counterfactuals"]["echelon_reached"] == "7"
    assert decision["counterfactuals"]["rbg_ceiling_current"] == f"{last.ceilings.of('7', 0) * 2}.00"
    assert year in run("check", str(source), "--rules", str(rules)).stdout


def test_the_batch_and_the_report_handle_the_new_year(rules_with_a_new_year: tuple[Path, int], tmp_path: Path,
                                                      with_rules_env: None) -> None:
    rules, first = rules_with_a_new_year
    rows = tmp_path / "rows.jsonl"
    rows.write_text("".join(json.dumps(declaration(first, f"NEW-YEAR-{i}")) + "\n" for i in range(5)),
                    encoding="utf-8")
    db = f"sqlite:///{tmp_path / 'store.db'}"
    out = tmp_path / "out.jsonl"
    run("batch", str(rows), "--out", str(out), "--rejected", str(tmp_path / "rejected.csv"), "--db", db,
        "--rules", str(rules))
    decided = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [d["academic_year"] for d in decided] == [f"{first}-{first + 1}"] * 5
    report = json.loads(run("report", "--db", db, "--json").stdout)
    assert {"code": "label_closed", "decisions": 5} in report["refused_by_reason"]
    assert LABEL in run("report", "--db", db).stdout
