"""Hostile rules: an expression that tries to leave the declaration's fields (attributes, items, calls,
builtins, the clock, regular expressions, comprehensions) is refused when the rules load, with the file, the
line and the rule; random expressions compile or are refused, never crash.  The broken directories of
`tests/fixtures/bad_rules/` (syntax error, unknown symbol, missing table row, type mismatch, overlapping
years …) are checked by tests/test_rulesets.py and tests/test_cli.py; here, what they do not cover."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from robust_helpers import ROOT, assert_clean_failure, cli

from aid_engine import RulesetError
from aid_engine.ruleset import load
from aid_engine.ruleset.expressions import ExpressionError, compile_predicate

RULES = ROOT / "rules"
GATE_LINE = "    expression: training_labelled\n"

ESCAPES = [
    "learner_id.__class__", "training_labelled.__class__", "revenu_brut_global.__class__.__mro__",
    "profile.as_upper == \"X\"", "profile.length > 0", "[1][0] == 1", "[training_labelled][0]",
    "\"abc\"[0] == \"a\"", "profile[0:1] == \"u\"", "$now > application_date", "$today > application_date",
    "$random > 0", "$parse_datetime(\"2020-01-01\") > application_date", "$abs(revenu_brut_global) > 0",
    "$re_groups", "$e > 1", "profile =~ \"un.*\"", "profile !~ \"x\"", "profile =~~ \"x\"",
    "[x for x in [1] if x] == [1]", "{\"a\": 1}[\"a\"] == 1", "__import__", "open", "eval(\"1\")",
    "revenu_brut_global / 0 > 1", "revenu_brut_global % 2 == 0", "revenu_brut_global ** 2 > 1",
    "revenu_brut_global // 2 > 1", "revenu_brut_global << 1 > 1", "revenu_brut_global & 1 == 1", "~training_labelled",
    "sex == \"F\"", "birth_date > d\"2000-01-01\"", "fabrique_id == \"x\"", "learner_id == \"x\"",
    "profile == 1", "revenu_brut_global", "1 == 1", "\"\"", "training_labelled and", "(((training_labelled",
    "training_labelled; import os", "training_labelled # comment\n and $now",
]


def _rules_with(tmp_path: Path, expression: str) -> Path:
    target = tmp_path / "rules"
    shutil.copytree(RULES, target)
    base = target / "base.yaml"
    text = base.read_text(encoding="utf-8")
    assert text.count(GATE_LINE) == 1
    base.write_text(text.replace(GATE_LINE, f"    expression: {expression!r}\n"),
                    encoding="utf-8")
    return target


def _line_of_gate() -> int:
    lines = (RULES / "base.yaml").read_text(encoding="utf-8").splitlines(keepends=True)
    return lines.index(GATE_LINE) + 1


@pytest.mark.parametrize("expression", ESCAPES)
def test_an_expression_reaching_beyond_the_fields_is_refused_at_load_with_file_line_and_rule(
        tmp_path: Path, expression: str) -> None:
    rules = _rules_with(tmp_path, expression.replace("\n", " "))
    with pytest.raises(RulesetError) as info:
        load(rules)
    error = info.value
    assert error.file is not None and error.file.endswith("base.yaml"), str(error)
    assert error.line == _line_of_gate(), str(error)
    assert error.rule_id == "gate.training_labelled", str(error)
    assert f"base.yaml:{_line_of_gate()}" in str(error)


@pytest.mark.parametrize("expression", ["learner_id.__class__", "$now > application_date", "profile.as_upper",
                                        "[1][0] == 1", "$parse_datetime(\"2020-01-01\") > application_date"])
def test_rules_validate_of_an_escaping_expression_exits_2_naming_file_and_line(tmp_path: Path,
                                                                               expression: str) -> None:
    result = cli("rules", "validate", str(_rules_with(tmp_path, expression)))
    assert result.exit_code == 2, result.stdout
    assert f"base.yaml:{_line_of_gate()}" in result.stderr
    assert_clean_failure(result.stderr)


TOKENS = ["training_labelled", "profile", "revenu_brut_global", "application_date", "residence_years", "learner_id",
          "and", "or", "not", "==", "!=", ">=", "<", "+", "-", "*", "/", "in", "??", "?", ":", "(", ")", "[", "]",
          ",", ".", "$now", "$abs", "=~", "1", "2.5", "\"x\"", "d\"2024-09-01\"", "null", "true", "for", "if",
          "__class__", "{", "}", "\\", "'", "#"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(TOKENS), min_size=1, max_size=8).map(" ".join) | st.text(max_size=30))
def test_any_expression_compiles_or_is_refused_never_crashes(text: str) -> None:
    try:
        predicate = compile_predicate(text)
    except ExpressionError as exc:
        assert str(exc)
        return
    assert set(predicate.symbols) <= {"training_labelled", "profile", "revenu_brut_global", "application_date",
                                      "residence_years"}
