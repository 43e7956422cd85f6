"""The command line (`aid_engine.cli.app`) through typer's CliRunner: outputs, exit codes, stdout/stderr.

Exit codes (docs/conventions.md): 0 a decision was made, whatever its status; 2 bad input or bad rules, the message
naming the file, line or field; 1 internal error.  `--json` prints the decision JSON and nothing else.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from strategies import base_declaration, law
from typer.testing import CliRunner

import aid_engine
from aid_engine.cli import app
from aid_engine.cli.render import echelon_label
from aid_engine.money import display

HERE = Path(__file__).resolve().parent
SCHEMAS = HERE.parent / "aid_engine" / "schemas"
BAD_RULES = HERE / "fixtures" / "bad_rules"

runner = CliRunner(env={"COLUMNS": "240", "NO_COLOR": "1", "TERM": "dumb"})


def run(*args: str, input: str | None = None) -> Any:
    return runner.invoke(app, list(args), input=input)


def flat(text: str) -> str:
    """Terminal text with the narrow and non-breaking spaces of French amounts as plain spaces."""
    return text.replace("\u202f", " ").replace("\u00a0", " ")


@pytest.fixture
def write(tmp_path: Path) -> Callable[..., str]:
    """`write(**changes)`: a declaration file (the base with changes) and its path."""
    counter = iter(range(1000))

    def make(**changes: Any) -> str:
        path = tmp_path / f"declaration-{next(counter)}.json"
        path.write_text(json.dumps(base_declaration(**changes), ensure_ascii=False), encoding="utf-8")
        return str(path)

    return make


# -- check ------------------------------------------------------------------------------------------------------


def test_check_prints_a_granted_decision_in_french(write: Callable[..., str]) -> None:
    result = run("check", write())
    assert result.exit_code == 0, result.stderr
    out = flat(result.stdout)
    for words in ("ACCORDÉE", "TEST-0001", "2024-2025", "Échelon", "6 335,00 €", "633,50 €", "10",
                  "265,00 €", "gen-aid/2024-2025"):
        assert words in out, words
    assert result.stderr == ""


def test_check_prints_reasons_with_their_article_and_the_recourse_without_codes(write: Callable[..., str]) -> None:
    result = run("check", write(revenu_brut_global="40000.00", work_study_contract=True))
    assert result.exit_code == 0
    out = flat(result.stdout)
    for words in ("REFUSÉE", "contrat d'apprentissage", "Décret n° 2017-548 du 14 avril 2017", "art. 2",
                  "Que faire ?", "recours gracieux", "tribunal administratif", "deux mois"):
        assert words in out, words
    # No code in the French view (they stay in --json); no counterfactual where income cannot change the outcome.
    for code in ("work_study_contract", "income_above_ceiling", "Ce qui changerait", "4 914,00 €"):
        assert code not in out, code
    english = flat(run("check", write(revenu_brut_global="40000.00", work_study_contract=True), "--lang",
                       "en").stdout)
    assert "work_study_contract" in english and "income_above_ceiling" in english


def test_check_shows_what_would_change_a_refusal_for_income_alone(write: Callable[..., str]) -> None:
    out = flat(run("check", write(revenu_brut_global="40000.00")).stdout)
    for words in ("REFUSÉE", "Ce qui changerait la décision :", "35 086,00 €", "4 914,00 €"):
        assert words in out, words


def test_check_shows_the_next_echelon_by_income_and_by_points(write: Callable[..., str]) -> None:
    result = run("check", write(revenu_brut_global="24000.00"))
    out = flat(result.stdout)
    assert "23 850,00 €" in out  # the échelon 1 ceiling
    assert re.search(r"\b1 point", out)  # one more point de charge reaches it


def test_check_review_says_the_amounts_are_provisional(write: Callable[..., str]) -> None:
    result = run("check", write(income_year=2021))
    assert result.exit_code == 0
    out = flat(result.stdout)
    assert "À REVOIR" in out and "provisoires" in out and "6 335,00 €" in out
    assert "income_year_mismatch" not in out
    assert "Que faire ?" in out and "avis d'imposition des revenus de 2022" in out


def test_check_in_english(write: Callable[..., str]) -> None:
    result = run("check", write(profile="other"), "--lang", "en")
    assert result.exit_code == 0
    for words in ("REFUSED", "profile_not_eligible", "The applicant is not in the public of article 1",
                  "Annual amount (10 months)", "€0.00", "Reasons", "Décret n° 2017-548"):
        assert words in result.stdout, words
    granted = run("check", write(), "--lang", "en")
    assert "GRANTED" in granted.stdout and "€6,335.00" in granted.stdout and "€633.50" in granted.stdout


def test_check_refuses_an_unknown_language(write: Callable[..., str]) -> None:
    result = run("check", write(), "--lang", "de")
    assert result.exit_code == 2
    assert "--lang" in result.stderr


@pytest.mark.parametrize("changes", [{}, {"profile": "other"}, {"income_year": 2020, "revenu_brut_global": "90000"},
                                     {"dependent_children": 12, "distance_km": "13000", "revenu_brut_global": "4700"}])
def test_check_json_prints_exactly_the_decision_and_nothing_else(write: Callable[..., str],
                                                                  changes: dict[str, Any]) -> None:
    result = run("check", write(**changes), "--json")
    assert result.exit_code == 0
    assert result.stderr == ""
    decision = json.loads(result.stdout)
    assert decision == aid_engine.evaluate(base_declaration(**changes)).model_dump(mode="json")
    schema = json.loads((SCHEMAS / "decision.json").read_text(encoding="utf-8"))
    jsonschema.validate(decision, schema, cls=jsonschema.Draft202012Validator,
                        format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
    assert list(decision) == ["learner_id", "status", "echelon", "points_de_charge", "annual_amount",
                              "monthly_amount", "months", "total_amount", "academic_year", "reasons", "trace",
                              "ruleset", "engine_version", "counterfactuals"]


def test_check_json_in_english_gives_english_messages(write: Callable[..., str]) -> None:
    result = run("check", write(training_leave=True), "--json", "--lang", "en")
    decision = json.loads(result.stdout)
    assert decision["reasons"][0]["message"].startswith("People on individual training leave")


def test_check_reads_standard_input() -> None:
    result = run("check", "-", "--json", input=json.dumps(base_declaration(revenu_brut_global="7992")))
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["echelon"] == "6"


@pytest.mark.parametrize(
    ("changes", "field"),
    [({"revenu_brut_global": "-1"}, "revenu_brut_global"), ({"training_end_date": "2024-01-01"}, "training_end_date"),
     ({"income_year": "2022"}, "income_year"), ({"learner_id": ...}, "learner_id"), ({"distnce_km": 3}, "distnce_km"),
     ({"training_start_date": "2027-09-01", "training_end_date": "2028-06-01", "application_date": "2027-09-01"},
      "training_start_date")],
)
def test_bad_input_exits_2_naming_the_field_on_stderr(write: Callable[..., str], changes: dict[str, Any],
                                                      field: str) -> None:
    result = run("check", write(**changes), "--json")
    assert result.exit_code == 2
    assert field in result.stderr
    assert result.stdout == ""
    assert "Traceback" not in result.stderr


def test_bad_standard_input_exits_2_naming_stdin() -> None:
    result = run("check", "-", input="[1, 2]")
    assert result.exit_code == 2
    assert "<stdin>" in result.stderr and "pas un objet" in result.stderr
    english = run("check", "-", "--lang", "en", input="[1, 2]")
    assert "<stdin>" in english.stderr and "not one object" in english.stderr


@pytest.mark.parametrize(("content", "words"), [(b"\xff\xfe", ["UTF-8"]), (b'{"learner_id": ', ["ligne 1", "JSON"])])
def test_a_file_that_is_not_a_json_object_exits_2_naming_the_position(tmp_path: Path, content: bytes,
                                                                     words: list[str]) -> None:
    path = tmp_path / "broken.json"
    path.write_bytes(content)
    result = run("check", str(path))
    assert result.exit_code == 2
    assert str(path) in result.stderr
    assert all(w in result.stderr for w in words)


def test_a_missing_file_exits_2(tmp_path: Path) -> None:
    result = run("check", str(tmp_path / "absent.json"))
    assert result.exit_code == 2
    assert "absent.json" in result.stderr and "fichier introuvable" in result.stderr
    assert result.stdout == ""


def test_a_directory_instead_of_a_file_exits_2(tmp_path: Path) -> None:
    result = run("check", str(tmp_path))
    assert result.exit_code == 2
    assert str(tmp_path) in result.stderr


def test_check_without_a_file_exits_2() -> None:
    assert run("check").exit_code == 2


# -- explain ----------------------------------------------------------------------------------------------------


def test_explain_prints_the_trace_rule_by_rule(write: Callable[..., str]) -> None:
    result = run("explain", write(dependent_children=10))
    assert result.exit_code == 0
    out = result.stdout
    for words in ("Trace de la décision", "period.academic_year", "gate.training_labelled", "gate.residence",
                  "income.year<2024-2025>", "points.distance<2024-2025>", "points.children<2024-2025>",
                  "bareme.row<2024-2025>", "ligne 17 utilisée pour 20", "bareme.echelon<2024-2025>", "decision.status",
                  "amount.total<2024-2025>", "ACCORDÉE"):
        assert words in out, words


def test_explain_in_english(write: Callable[..., str]) -> None:
    result = run("explain", write(), "--lang", "en")
    assert result.exit_code == 0
    assert "Decision trace" in result.stdout and "Values read" in result.stdout


def test_explain_bad_input_exits_2(write: Callable[..., str]) -> None:
    result = run("explain", write(distance_km="-3"))
    assert result.exit_code == 2 and "distance_km" in result.stderr


# -- schema -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("which", ["declaration", "decision"])
def test_schema_prints_the_committed_schema(which: str) -> None:
    result = run("schema", which)
    assert result.exit_code == 0
    assert json.loads(result.stdout) == json.loads((SCHEMAS / f"{which}.json").read_text(encoding="utf-8"))


def test_schema_of_something_else_exits_2() -> None:
    assert run("schema", "verdict").exit_code == 2


# -- rules ------------------------------------------------------------------------------------------------------


def test_rules_list_shows_every_year() -> None:
    result = runner.invoke(app, ["rules", "list"])
    assert result.exit_code == 0
    for first in law.YEARS:
        assert f"gen-aid/{law.label(first)}" in result.stdout


def test_rules_show_a_year() -> None:
    result = run("rules", "show", "2024-2025")
    assert result.exit_code == 0
    rs = aid_engine.default_rulebook().year("2024-2025")
    for words in ("gen-aid/2024-2025", rs.sha256, "gate.residence", "residence_condition", "35 086", "101 347",
                  "6 335", "1 454", "Année des revenus attendue : 2022", "[13000, ∞) → 4"):
        assert words in flat(result.stdout), words


def test_rules_show_a_year_not_covered_exits_2() -> None:
    result = run("rules", "show", "2030-2031")
    assert result.exit_code == 2
    assert "2030-2031" in result.stderr


def test_rules_validate_the_project_rules() -> None:
    result = run("rules", "validate")
    assert result.exit_code == 0
    covered = aid_engine.default_rulebook()
    assert f"{len(covered)} années universitaires" in result.stdout and covered.covered in result.stdout


@pytest.mark.parametrize("case", sorted(p.name for p in BAD_RULES.iterdir() if p.is_dir()))
def test_rules_validate_a_broken_directory_exits_2_naming_file_and_line(case: str) -> None:
    result = run("--lang", "en", "rules", "validate", str(BAD_RULES / case))
    assert result.exit_code == 2, result.stderr
    words = (BAD_RULES / case / "expect.txt").read_text(encoding="utf-8").split("\n")
    assert all(w in result.stderr for w in words if w), result.stderr
    assert "Traceback" not in result.stderr
    french = run("rules", "validate", str(BAD_RULES / case))
    file, line = words[0].rsplit(":", 1)
    assert french.exit_code == 2 and f"{file}, ligne {line}\u00a0: " in french.stderr, french.stderr


def test_rules_diff_names_the_370_euro_rates_and_the_ceiling_changes() -> None:
    result = run("rules", "diff", "2022-2023", "2023-2024")
    assert result.exit_code == 0
    out = flat(result.stdout)

    def euros(value: int) -> str:
        return flat(display(Decimal(value)))

    for i, e in enumerate(law.ECHELONS):
        before, after = law.RATES[2022][i], law.RATES[2023][i]
        assert after - before == 370
        assert f"taux de l'échelon {echelon_label(e, 'fr')} : {euros(before)} → {euros(after)}" in out
    for e in law.ECHELONS:
        for p in range(18):
            assert (f"plafond de l'échelon {echelon_label(e, 'fr')} à {p} {'point' if p < 2 else 'points'} : "
                    f"{euros(law.TABLE_A[e][p])} → {euros(law.TABLE_B[e][p])}") in out
    assert "année des revenus attendue : 2020 → 2021" in out


@pytest.mark.parametrize(("a", "b", "income"), [("2024-2025", "2025-2026", "2022 → 2023"),
                                               ("2025-2026", "2026-2027", "2023 → 2024")])
def test_rules_diff_between_identical_years_names_only_the_income_year(a: str, b: str, income: str) -> None:
    result = run("rules", "diff", a, b)
    assert result.exit_code == 0
    assert "taux " not in result.stdout and "plafond " not in result.stdout
    assert f"année des revenus attendue : {income}" in flat(result.stdout)


def test_rules_diff_shows_the_2022_distance_bands() -> None:
    result = run("rules", "diff", "2021-2022", "2022-2023")
    assert "points de distance" in result.stdout and "3500" in result.stdout and "13000" in result.stdout


# -- interactive ------------------------------------------------------------------------------------------------

ANSWERS = [
    "L-0042",        # learner_id
    "2024-02-30",    # application_date: no such day, asked again
    "2024-10-01",
    "2024-09-16",    # training_start_date
    "2025-06-27",    # training_end_date
    "oui",           # training_labelled
    "FAB-1",         # fabrique_id
    "unqualified",   # profile
    "other",         # nationality
    "non",           # international_protection (asked first: a protection makes the years unneeded)
    "3",             # residence_years
    "oui",           # own_tax_return
    "7992",          # revenu_brut_global
    "2022",          # income_year
    "0",             # dependent_children
    "0",             # children_in_higher_education
    "12,5",          # distance_km
    "non", "non", "non", "non", "non",  # exclusions
    "",              # sex
    "",              # birth_date
]


def test_check_interactive_asks_each_field_and_asks_again_after_a_wrong_answer() -> None:
    result = run("check", "--interactive", input="\n".join(ANSWERS) + "\n")
    assert result.exit_code == 0, result.stderr
    assert "n'est pas une date du calendrier" in result.stderr
    assert result.stderr.count("Date de la demande") == 2  # the questions go to stderr
    out = flat(result.stdout)
    assert "ACCORDÉE" in out and "L-0042" in out and "4 889,00 €" not in out and "5 506,00 €" in out


def test_check_interactive_in_english_with_json() -> None:
    result = run("check", "--interactive", "--lang", "en", "--json", input="\n".join(ANSWERS) + "\n")
    assert result.exit_code == 0, result.stderr
    assert "Application date" in result.stderr
    assert "Application date" not in result.stdout
    decision = json.loads(result.stdout[result.stdout.index("{"):])
    assert decision["echelon"] == "6" and decision["status"] == "granted"
