"""The decision cases of `tests/cases/*.yaml`, one test each, and the check that their generator reproduces them.

Each case is `base` updated with the case's `declaration`; its `expected` fields are compared with the
decision's JSON (reasons as their codes, counterfactuals key by key).  A failure names the file and the case
and shows a diff of the expected and actual fields.
"""

from __future__ import annotations

import difflib
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from strategies import law

import aid_engine
from aid_engine import AidEngineError, Decision
from aid_engine.ruleset import RuleBook

CASES_DIR = Path(__file__).resolve().parent / "cases"
GENERATOR = CASES_DIR / "generate.py"


def _load_cases() -> list[Any]:
    params = []
    for path in sorted(CASES_DIR.glob("*.yaml")):
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        for case in document["cases"]:
            params.append(pytest.param(path.name, document["base"], case, id=f"{path.stem}: {case['name']}"))
    return params


CASES = _load_cases()


def _actual(decision: Decision, expected: dict[str, Any]) -> dict[str, Any]:
    """The decision's JSON restricted to the expected keys, reasons as codes."""
    data = decision.model_dump(mode="json")
    data["reasons"] = [r["code"] for r in data["reasons"]]
    actual = {key: data[key] for key in expected if key in data}
    if "counterfactuals" in expected:
        actual["counterfactuals"] = {k: data["counterfactuals"].get(k) for k in expected["counterfactuals"]}
    for key in expected.keys() - data.keys():
        actual[key] = "<absent from the decision>"
    return actual


def _diff(expected: Any, actual: Any) -> str:
    def lines(value: Any) -> list[str]:
        return yaml.safe_dump(value, sort_keys=False, allow_unicode=True, width=200).splitlines()

    return "\n".join(difflib.unified_diff(lines(expected), lines(actual), "expected", "actual", lineterm=""))


def _error_fields(exc: BaseException) -> dict[str, Any]:
    return {"type": type(exc).__name__, "field": getattr(exc, "field", None), "message": str(exc)}


@pytest.mark.parametrize(("file", "base", "case"), CASES)
def test_case(file: str, base: dict[str, Any], case: dict[str, Any], rulebook: RuleBook) -> None:
    declaration = {**base, **case["declaration"]}
    expected = case["expected"]
    where = f"{file} — {case['name']}"
    if "error" in expected:
        want = expected["error"]
        try:
            decision = aid_engine.evaluate(declaration, rulebook)
        except AidEngineError as exc:
            got = _error_fields(exc)
            problems = [w for w in want.get("message_contains", []) if w not in got["message"]]
            if got["type"] != want["type"] or got["field"] != want["field"] or problems:
                pytest.fail(f"{where}\nexpected error {want}\n     got error {got}", pytrace=False)
            return
        pytest.fail(f"{where}\nexpected error {want}, got a decision:\n{_diff({}, decision.model_dump(mode='json'))}",
                    pytrace=False)
    decision = aid_engine.evaluate(declaration, rulebook)
    actual = _actual(decision, expected)
    if actual != expected:
        pytest.fail(f"{where}\n{_diff(expected, actual)}", pytrace=False)
    assert decision.learner_id == declaration["learner_id"]
    assert decision.ruleset.id == f"gen-aid/{decision.academic_year}"
    assert decision.engine_version == aid_engine.__version__
    assert all(r.message and r.legal_ref for r in decision.reasons), where




def _years_of_the_rule_book() -> tuple[set[str], set[str]]:
    """Every academic year the rules cover, and those in which a training can still be granted."""
    years = [rs.year for rs in aid_engine.default_rulebook()]
    return {y.label for y in years}, {y.label for y in years if date(y.first, 9, 1) < law.LABEL_ENDS}


def test_there_are_cases_for_every_reason_code_and_year() -> None:
    codes = set()
    years = set()
    granted_years = set()
    for param in CASES:
        _, _, case = param.values
        codes.update(case["expected"].get("reasons", []))
        years.add(case["expected"].get("academic_year"))
        if case["expected"].get("status") == "granted":
            granted_years.add(case["expected"]["academic_year"])
    assert codes == set(aid_engine.default_rulebook().reason_codes())
    covered, open_years = _years_of_the_rule_book()
    assert years - {None} == covered
    assert granted_years == open_years


def test_every_echelon_of_every_year_is_granted_or_reached_in_some_case() -> None:
    granted = {(c.values[2]["expected"]["academic_year"], c.values[2]["expected"]["echelon"])
               for c in CASES if c.values[2]["expected"].get("status") == "granted"}
    echelons = law.ECHELONS
    covered, open_years = _years_of_the_rule_book()
    assert granted >= {(y, e) for y in open_years for e in echelons}
    # After the label's end every decision is refused: the barème shows in the ceiling of the échelon reached.
    for year in covered - open_years:
        closed = [c.values[2] for c in CASES if c.values[2]["expected"].get("academic_year") == year
                  and "label_closed" in c.values[2]["expected"].get("reasons", [])
                  and c.values[2]["expected"].get("counterfactuals", {}).get("rbg_ceiling_current")]
        assert len(closed) >= 2 * len(echelons), year


def test_the_generator_reproduces_the_committed_case_files(tmp_path: Path) -> None:
    subprocess.run([sys.executable, str(GENERATOR), "--out", str(tmp_path)], check=True, timeout=60)
    written = {p.name: p.read_text(encoding="utf-8") for p in tmp_path.glob("*.yaml")}
    committed = {p.name: p.read_text(encoding="utf-8") for p in CASES_DIR.glob("*.yaml")}
    assert sorted(written) == sorted(committed), "run: python tests/cases/generate.py"
    stale = [name for name in written if written[name] != committed[name]]
    assert not stale, f"stale case files {stale}: run python tests/cases/generate.py"
