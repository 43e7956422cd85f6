"""A rules file's errors in the run's language: French by default, English with --lang en, as they were.

Each broken rules directory (the fixtures of tests/fixtures/bad_rules/ and copies of rules/ with one thing broken
here) goes through `aid-engine rules validate` (and a few through `check`) in both languages: the French text
holds no English words (the rule ids, keys, field names and file names it quotes are fine), the English text is
today's, word for word.  Then every message form a rules file can raise has its French (aid_engine/i18n_rules.py):
the raise sites are read from the source, so a new message without French fails here.
"""

from __future__ import annotations

import ast
import itertools
import json
import re
import shutil
import string
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from strategies import base_declaration
from typer.testing import CliRunner

import aid_engine
from aid_engine import RulesetError
from aid_engine.cli import app
from aid_engine.i18n import NBSP, error_text, first_entry
from aid_engine.i18n_rules import ENGINE_FR, FORMAT_FR, RULES_FR, YAML_FR, rules_message
from aid_engine.ruleset import load, parse_files
from aid_engine.ruleset.expressions import ExpressionError, compile_predicate

HERE = Path(__file__).resolve().parent
PACKAGE = Path(aid_engine.__file__).resolve().parent
RULES = HERE.parent / "rules"
BAD_RULES = HERE / "fixtures" / "bad_rules"
runner = CliRunner(env={"COLUMNS": "240", "NO_COLOR": "1", "TERM": "dumb", "AID_ENGINE_LANG": None})

# Words of English that French text never holds (a rule id, key or file name quoted in a message may be anything:
# the markers are checked on the text once the quoted names are taken out).
ENGLISH = (" is ", " are ", " must ", " not ", " the ", " allowed", "did you mean", "rule ", "line ", " of ",
           " with ", " has ", " found", " expected", " missing", " unknown", " need", " got ", " mismatch",
           "mapping", "error", " no ", " never ", " only ", " a ", " an ", " and ", " must", " twice")

# name → (file of a copy of rules/, text replaced, its replacement); no text replaced: the whole file is written.
EDITS: dict[str, tuple[str, str, str]] = {
    "yaml_alias": ("base.yaml", "ruleset: gen-aid\n", "ruleset: &r gen-aid\ncopy: *r\n"),
    "duplicate_key": ("base.yaml", "ruleset: gen-aid\n", "ruleset: gen-aid\nruleset: gen-aid\n"),
    "huge_number": ("base.yaml", "  months_cap: 10\n", "  months_cap: 1234567890123456789012345678901234567890\n"),
    "not_a_mapping": ("base.yaml", "", "- ruleset: gen-aid\n"),
    "block_end": ("base.yaml", "ruleset: gen-aid\n", "- ruleset: gen-aid\n"),
    "bad_yaml_colon": ("base.yaml", "ruleset: gen-aid\n", "ruleset: gen-aid: x\n"),
    "bad_yaml_flow": ("base.yaml", "      - {from: 0, points: 0}\n", "      - {from: 0, points: 0\n"),
    "whole_number": ("base.yaml", "  months_cap: 10\n", "  months_cap: 0\n"),
    "not_a_text": ("base.yaml", "ruleset: gen-aid\n", "ruleset: [gen-aid]\n"),
    "sub_not_mapping": ("years/2016-2017.yaml", "", "academic_year: 2016-2017\nrates: 5\n"),
    "first_band": ("base.yaml", "      - {from: 0, points: 0}\n", "      - {from: 1, points: 0}\n"),
    "band_not_mapping": ("base.yaml", "      - {from: 0, points: 0}\n", "      - 0\n"),
    "negative_amount": ("years/2016-2017.yaml", '"0bis": 1009,', '"0bis": -1009,'),
    "amount_with_exponent": ("years/2016-2017.yaml", '"0bis": 1009,', '"0bis": "1e3",'),
    "amount_as_list": ("years/2016-2017.yaml", '"0bis": 1009,', '"0bis": [1009],'),
    "rates_not_increasing": ("years/2016-2017.yaml", '"2": 2513,', '"2": 1500,'),
    "no_rates": ("years/2016-2017.yaml", "", "academic_year: 2016-2017\nunchanged: as 2017-2018\n"),
    "not_an_academic_year": ("years/2025-2026.yaml", "academic_year: 2025-2026", "academic_year: 2025-2027"),
    "misnamed_year": ("years/2027.yaml", "", "academic_year: 2027-2028\nunchanged: as 2026-2027\n"),
    "unchanged_missing": ("years/2025-2026.yaml", "unchanged:", "note:"),
    "placeholder_spec": ("base.yaml", "({ceiling_0bis}) pour", "({ceiling_0bis:>9}) pour"),
    "placeholder_brace": ("base.yaml", "({ceiling_0bis}) pour", "({ceiling_0bis) pour"),
    "gate_id_twice": ("base.yaml", "  - id: gate.label_open\n", "  - id: gate.training_labelled\n"),
    "data_type_mismatch": ("base.yaml", "    expression: training_labelled\n",
                           "    expression: profile + 1 > 2\n"),
    "not_a_predicate": ("base.yaml", "    expression: training_labelled\n",
                        "    expression: revenu_brut_global + 1\n"),
    "reads_no_field": ("base.yaml", "    expression: training_labelled\n", "    expression: 1 == 1\n"),
    "bad_datetime": ("base.yaml", "    expression: training_labelled\n",
                     "    expression: 'application_date > d\"2024-13-45\"'\n"),
    "division": ("base.yaml", "    expression: training_labelled\n",
                 "    expression: revenu_brut_global / 2 > 1\n"),
    "reads_learner_id": ("base.yaml", "    expression: training_labelled\n",
                         "    expression: learner_id == \"x\"\n"),
    "not_utf8": ("base.yaml", "ruleset: gen-aid\n", "ruleset: gen-aid\n# \udcff\n"),
}
REMOVALS = {"no_base": "base.yaml", "no_years": "years"}
CASES = sorted([*EDITS, *REMOVALS, "not_a_directory", *(f"fixture:{p.name}" for p in BAD_RULES.iterdir()
                                                         if p.is_dir())])


def broken_rules(case: str, tmp_path: Path) -> Path:
    """The rules directory of `case`: a fixture, or a copy of rules/ with one thing broken."""
    if case.startswith("fixture:"):
        return BAD_RULES / case.removeprefix("fixture:")
    if case == "not_a_directory":
        return tmp_path / "nothing-here"
    target = tmp_path / "rules"
    shutil.copytree(RULES, target)
    if case in REMOVALS:
        victim = target / REMOVALS[case]
        shutil.rmtree(victim) if victim.is_dir() else victim.unlink()
        return target
    name, old, new = EDITS[case]
    path = target / name
    text = path.read_text(encoding="utf-8") if old else old
    assert old in text, (case, old)
    path.write_bytes((text.replace(old, new, 1) if old else new).encode("utf-8", "surrogateescape"))
    return target


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stderr


def english_markers(text: str) -> list[str]:
    """The English words of `text`, once the names it quotes ('x', « x », file paths, ids) are taken out."""
    text = re.sub(r"'[^']*'|\"[^\"]*\"|«[^»]*»|\S*/\S*|\S+\.yaml|[\w.$]*[_.$][\w.$]*", "‹›", text)
    return [word for word in ENGLISH if word in f" {text} "]


# Today's English of each case (`aid-engine --lang en rules validate DIR`), DIR standing for the directory given.
with (HERE / "fixtures" / "rules_errors_en.json").open(encoding="utf-8") as _file:
    TODAY_EN: dict[str, str] = json.load(_file)


@pytest.mark.parametrize("case", CASES)
def test_rules_validate_says_a_rules_error_in_french_by_default_and_in_english_as_before(
        case: str, tmp_path: Path) -> None:
    rules = broken_rules(case, tmp_path)
    code_fr, french = run("rules", "validate", str(rules))
    code_en, english = run("--lang", "en", "rules", "validate", str(rules))
    assert code_fr == code_en == 2, (french, english)
    assert english.replace(str(rules), "DIR") == TODAY_EN[case]
    assert french.startswith(f"erreur{NBSP}: "), french
    assert not english_markers(french), f"{english_markers(french)} in: {french}"
    with pytest.raises(RulesetError) as info:
        load(rules)
    assert english == f"error: {info.value}\n"
    if info.value.line is not None:
        assert f", ligne {info.value.line}{NBSP}: " in french
    if info.value.rule_id:
        assert f"règle {info.value.rule_id}{NBSP}: " in french
    if info.value.suggestion:
        assert f"(vouliez-vous dire «{NBSP}{info.value.suggestion}{NBSP}»\u202f?)" in french


@pytest.mark.parametrize("case", ["fixture:unknown_field", "placeholder_spec", "yaml_alias", "no_base"])
def test_check_with_broken_rules_says_why_in_the_run_s_language(case: str, tmp_path: Path) -> None:
    rules = broken_rules(case, tmp_path)
    declaration = tmp_path / "declaration.json"
    declaration.write_text(json.dumps(base_declaration()), encoding="utf-8")
    code_fr, french = run("check", str(declaration), "--rules", str(rules))
    code_en, english = run("check", str(declaration), "--rules", str(rules), "--lang", "en")
    assert code_fr == code_en == 2
    assert english.replace(str(rules), "DIR") == TODAY_EN[case]
    assert french.startswith(f"erreur{NBSP}: ") and not english_markers(french), french


def test_the_environment_asks_for_english(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rules = broken_rules("fixture:unknown_field", tmp_path)
    result = CliRunner(env={"AID_ENGINE_LANG": "en"}).invoke(app, ["rules", "validate", str(rules)])
    assert result.stderr.replace(str(rules), "DIR") == TODAY_EN["fixture:unknown_field"]


def test_a_rules_error_read_in_french_keeps_its_place_rule_and_fix() -> None:
    error = RulesetError("unknown field 'revenu'", file="DIR/base.yaml", line=12, rule_id="gates.x",
                         suggestion="revenu_brut_global")
    assert error_text(error, "en") == str(error)
    assert error_text(error, "fr") == (f"DIR/base.yaml, ligne 12{NBSP}: règle gates.x{NBSP}: champ inconnu "
                                       f"'revenu' (vouliez-vous dire «{NBSP}revenu_brut_global{NBSP}»\u202f?)")
    assert error_text(RulesetError("no base.yaml among the rules files"), "fr") == (
        f"<règles>{NBSP}: pas de base.yaml parmi les fichiers de règles")


# -- every message form has its French ---------------------------------------------------------------------------

SAMPLE = "x"
# Raise sites whose message is another error's, already read elsewhere in this scan (or below, from the third
# parties: PyYAML, string.Formatter, rule-engine): the source text of the argument → why it is covered.
PASSED_ON = {
    "str(exc)": "an ExpressionError (expressions.py) or AcademicYear.parse's ValueError (periods.py)",
    "exc.message": "a RulesetError of yamlfile.py, given its file",
    "message": "Place.fail's own: each call of .fail is read",
    "str(exc).removeprefix(f'{path}: ')": "an InputFileError of open_regular / read_limited (files.py)",
}
# Where a rules file's messages are raised: module (:functions) → the calls that make one → their message's place.
SITES = {
    "ruleset/yamlfile.py": {"RulesetError": 0, "fail": 0},
    "ruleset/loader.py": {"RulesetError": 0, "fail": 0},
    "ruleset/expressions.py": {"ExpressionError": 0},
    "web/notice.py": {"RulesetError": 0},
    "periods.py": {"ValueError": 0},
    "files.py:open_regular,read_limited": {"InputFileError": 1},
}


def _module_dicts(tree: ast.Module) -> dict[str, list[str]]:
    """The module's dict constants of texts (UNREADABLE, _REFUSED_WHY): name → their values."""
    found = {}
    for node in tree.body:
        target = node.targets[0] if isinstance(node, ast.Assign) else getattr(node, "target", None)
        if isinstance(target, ast.Name) and isinstance(node.value, ast.Dict):  # type: ignore[union-attr]
            values = [v.value for v in node.value.values if isinstance(v, ast.Constant)]  # type: ignore[union-attr]
            found[target.id] = values
    return found


def _samples(node: ast.expr, dicts: dict[str, list[str]]) -> Iterator[str]:
    """The texts an argument may give, each value part standing as `SAMPLE` (or as each text of a dict)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        yield node.value
    elif isinstance(node, ast.IfExp):
        yield from _samples(node.body, dicts)
        yield from _samples(node.orelse, dicts)
    elif isinstance(node, ast.JoinedStr):
        parts: list[list[str]] = []
        for value in node.values:
            if isinstance(value, ast.Constant):
                parts.append([str(value.value)])
            else:
                inner = value.value  # type: ignore[attr-defined]
                if isinstance(inner, ast.Subscript) and isinstance(inner.value, ast.Name) and inner.value.id in dicts:
                    parts.append(dicts[inner.value.id])
                elif ast.unparse(inner).endswith("__name__"):
                    parts.append(["EvaluationError"])
                else:
                    parts.append([SAMPLE])
        yield from ("".join(p) for p in itertools.product(*parts))
    elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get"
          and isinstance(node.func.value, ast.Name) and node.func.value.id in dicts):
        yield from dicts[node.func.value.id]
        yield from _samples(node.args[1], dicts)
    else:
        assert ast.unparse(node) in PASSED_ON, f"a message made as {ast.unparse(node)!r}: give it a French form"


def raised_messages() -> list[tuple[str, str]]:
    """Every English message form the sources raise for a rules file: (where, the message with `x` for values)."""
    found = []
    for where, calls in SITES.items():
        module, _, functions = where.partition(":")
        tree = ast.parse((PACKAGE / module).read_text(encoding="utf-8"))
        dicts = _module_dicts(tree)
        scopes: list[ast.AST] = [tree]
        if functions:
            scopes = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name in functions.split(",")]
        for scope in scopes:
            for node in ast.walk(scope):
                if not isinstance(node, ast.Call):
                    continue
                name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
                if name in calls and len(node.args) > calls[name]:
                    found += [(f"{module}:{node.lineno}", text) for text in _samples(node.args[calls[name]], dicts)]
    return found


RAISED = raised_messages()


def test_the_scan_finds_the_raise_sites() -> None:
    assert len(RAISED) > 60
    texts = [text for _, text in RAISED]
    assert "x must be a mapping" in texts and "unknown field x" in texts and "no such file" in texts


@pytest.mark.parametrize(("where", "message"), RAISED, ids=[w for w, _ in RAISED])
def test_every_message_a_rules_file_can_raise_has_its_french(where: str, message: str) -> None:
    assert first_entry(RULES_FR, message) is not None, f"{where}: {message!r} has no French in i18n_rules.RULES_FR"
    french = rules_message(message)
    assert not english_markers(french), f"{where}: {french}"


def test_every_french_form_of_the_table_is_reached_by_a_raise_site() -> None:
    reached = {first_entry(RULES_FR, message) for _, message in RAISED}
    unused = [entry[0].pattern for i, entry in enumerate(RULES_FR) if i not in reached]
    assert not unused, f"forms no raise site gives (remove them, or their raise site is gone): {unused}"


# -- what third parties say inside a rules message: PyYAML, string.Formatter, rule-engine ------------------------

YAML_TEXTS = ["a: b: c", "a: [1, 2", "a: {b: 1", "- a\nb: 1", "a:\n  - 1\n b: 2", "a: \"\\q\"", "a: !foo 1",
              "a: @b", "a: 'b", "a:\n  b: 1\n c: 2", "a: b\n- c", "? a\n? b\n: c\n- d", "a: |0\n b",
              "a: \"\\x4\"", "%YAML 1.1\n%YAML 1.1\n---\na: 1", "%YAML 2.0\n---\na: 1", "a: !<tag\n",
              "a: !e!x 1", "a: 1\n---\nb: 2", "{a: 1}\nb", "a: b\n...\nc: d: e", "[a, b]]", "a:\n- b\n- c\nd",
              "a: >x"]


def _yaml_problem(text: str) -> str:
    with pytest.raises(RulesetError) as info:
        parse_files({"base.yaml": text})
    return info.value.message


def _format_problem(text: str) -> str:
    with pytest.raises(ValueError) as info:
        list(string.Formatter().parse(text))
    return str(info.value)


def _engine_problem(text: str) -> str:
    with pytest.raises(ExpressionError) as info:
        compile_predicate(text)
    return str(info.value).partition(": ")[2]


THIRD_PARTIES: list[tuple[str, tuple[object, ...], Callable[[str], str], list[str]]] = [
    ("PyYAML", YAML_FR, lambda t: _yaml_problem(t).removeprefix("not valid YAML: "), YAML_TEXTS),
    ("string.Formatter", FORMAT_FR, _format_problem, ["{", "}", "{a", "{a!", "{a!r", "{a!rx}", "{a{}"]),
    ("rule-engine", ENGINE_FR, _engine_problem,
     ["profile + 1 > 2", "application_date > d\"2024-13-45\"", "profile == \"\\u{zz}\"", "1 + 01.5 > 0",
      "t\"xx\" > 1"]),
]


@pytest.mark.parametrize(("who", "table", "problem", "texts"), THIRD_PARTIES, ids=[p[0] for p in THIRD_PARTIES])
def test_what_a_third_party_says_is_read_in_french_and_every_form_is_reached(
        who: str, table: tuple[tuple[re.Pattern[str], str], ...], problem: Callable[[str], str],
        texts: list[str]) -> None:
    reached = set()
    for text in texts:
        said = problem(text)
        entry = first_entry(table, said)
        assert entry is not None, f"{who} says {said!r}: no French for it"
        reached.add(entry)
    unused = [table[i][0].pattern for i in range(len(table)) if i not in reached]
    assert not unused, f"{who}: forms no example reaches: {unused}"


def test_a_third_party_s_words_are_read_through_their_table() -> None:
    assert rules_message("not valid YAML: mapping values are not allowed here") == (
        f"YAML invalide{NBSP}: «{NBSP}:{NBSP}» inattendu (une valeur de clé n'est pas admise ici)")
    assert rules_message("not valid YAML: expected ',' or ']', but got '<stream end>'") == (
        f"YAML invalide{NBSP}: «{NBSP},{NBSP}» ou «{NBSP}]{NBSP}» attendu\u202f; trouvé{NBSP}: la fin du texte")
    assert rules_message("EvaluationError: data type mismatch") == f"EvaluationError{NBSP}: types incompatibles"
    assert rules_message("not valid YAML: something PyYAML never said") == (
        f"YAML invalide{NBSP}: something PyYAML never said")
