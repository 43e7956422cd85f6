"""French throughout: the desk's interactive session, the language of a run, French typography, and the French
view of every command free of English words."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from aid_engine.cli import app
from aid_engine.errors import DeclarationError, FieldProblem
from aid_engine.i18n import NBSP, NNBSP, amount, error_text, parse_amount, parse_date, problem_text

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def run(*args: str, input: str | None = None, env: dict[str, str] | None = None) -> Any:
    return CliRunner().invoke(app, list(args), input=input, env=env)


def flat(text: str) -> str:
    """The text with its no-break spaces as plain spaces and its lines joined (rich wraps at the width)."""
    text = text.replace(NBSP, " ").replace(NNBSP, " ")
    return re.sub(r"\s+", " ", text.replace("│", " "))


# -- the interactive desk ---------------------------------------------------------------------------------------

# (answer, what the desk says back when it refuses it — None when the answer is taken)
SESSION: list[tuple[str, str | None]] = [
    ("GEN-2024-0042", None),
    ("32/09/2024", "n'est pas une date du calendrier"),
    ("20/09/2024", None),                     # application date
    ("15/09/2024", None),                     # start
    ("10/06/2024", "est avant la date de début (15/09/2024)"),
    ("30/06/2025", None),                     # end, corrected
    ("peut-être", "répondez oui ou non"),
    ("oui", None),                            # labelled
    ("FAB-75-001", None),
    ("unknown", "répondez par un numéro ou un libellé de la liste"),
    ("diplômé demandeur d'emploi", None),     # profile by its French label
    ("3", None),                              # nationality: autre
    ("non", None),                            # no protection
    ("", "une réponse est obligatoire"),      # residence years, then required
    ("3", None),
    ("oui", None),                            # own tax return
    ("12 500,50 €", None),                    # French amount
    ("2022", None),                           # the year stated in the question
    ("-1", "est négatif"),
    ("2", None),
    ("3", "dépasse le nombre d'enfants à charge (2)"),
    ("1", None),
    ("1e3", "n'est pas un montant"),
    ("12,5", None),
    ("non", None), ("non", None), ("non", None), ("non", None), ("non", None),
    ("femme", None),
    ("01/01/2090", "est dans le futur"),
    ("17/05/2001", None),
]


def test_the_interactive_desk_in_french_with_errors_and_corrections() -> None:
    answers = "\n".join(a for a, _ in SESSION) + "\n"
    result = run("check", "--interactive", "--json", input=answers)
    assert result.exit_code == 0, result.stderr
    decision = json.loads(result.stdout[result.stdout.index("{\n"):])  # after the typed answers the runner echoes
    assert decision["status"] == "granted" and decision["learner_id"] == "GEN-2024-0042"
    assert decision["academic_year"] == "2024-2025" and decision["points_de_charge"] == 6
    said = flat(result.stderr)
    for _, refusal in SESSION:
        if refusal is not None:
            assert f"✗ {refusal}" in said, refusal
    assert said.count("✗") == sum(1 for _, r in SESSION if r is not None)  # each wrong answer asked again, once
    # The choices are offered in French, the expected income year is stated, French typography in the prompts.
    assert "1 sans qualification, 2 diplômé demandeur d'emploi" in said
    assert "Année de ces revenus (attendue : 2022 pour une formation commençant le 15/09/2024)" in said
    assert f"Identifiant pseudonyme de l'apprenant{NBSP}:" in result.stderr
    for english in ("unqualified", "graduate_jobseeker", "eu_eea_swiss", "must be", "is not", "required"):
        assert english not in said, english


def test_the_interactive_desk_refuses_a_start_date_no_rule_set_covers_at_once() -> None:
    answers = ["X-1", "01/09/2027", "01/09/2027", "01/09/2024", "01/09/2024"]
    result = run("check", "--interactive", input="\n".join(answers) + "\n")
    said = flat(result.stderr)
    assert "✗ aucun jeu de règles n'est en vigueur pour cette date" in said
    assert result.exit_code == 130  # the input ends mid-session: stopped like Ctrl-C


def test_ctrl_c_at_the_desk_exits_130_with_one_french_line() -> None:
    result = run("check", "--interactive", input="GEN-1\n")  # the input ends: click's prompt aborts as on Ctrl-C
    assert result.exit_code == 130
    last = [line for line in result.stderr.splitlines() if line.strip()][-1]
    assert last.endswith("Interrompu : rien n'a été décidé ni enregistré.".replace(" :", NBSP + ":"))
    assert "Aborted" not in result.stderr and "Traceback" not in result.stderr


def test_the_interactive_desk_in_english() -> None:
    result = run("check", "--interactive", "--lang", "en", input="GEN-1\nmaybe\n")
    assert "Application date (YYYY-MM-DD): " in result.stderr
    assert "Interrupted" in result.stderr and result.exit_code == 130


# -- the language of a run --------------------------------------------------------------------------------------


def test_aid_engine_lang_chooses_english_and_lang_overrides_it() -> None:
    example = str(EXAMPLES / "refused_exclusion.json")
    english = run("check", example, env={"AID_ENGINE_LANG": "en"})
    assert "REFUSED" in english.stdout and "What next?" in english.stdout
    french = run("check", example, "--lang", "fr", env={"AID_ENGINE_LANG": "en"})
    assert "REFUSÉE" in french.stdout
    bad = run("check", example, env={"AID_ENGINE_LANG": "de"})
    assert bad.exit_code == 2


def test_errors_follow_the_run_language(tmp_path: Path) -> None:
    missing = str(tmp_path / "absent.json")
    assert "erreur" in run("check", missing).stderr and "fichier introuvable" in run("check", missing).stderr
    english = run("check", missing, env={"AID_ENGINE_LANG": "en"}).stderr
    assert english.startswith("error: ") and "no such file" in english


def test_help_speaks_one_language(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib

    import aid_engine.cli.decide as decide

    importlib.reload(decide)
    monkeypatch.setattr("sys.argv", ["aid-engine", "check", "--help"])
    help_text = decide.h("fr", "en")
    assert help_text == "fr"
    monkeypatch.setenv("AID_ENGINE_LANG", "en")
    assert decide.h("fr", "en") == "en"


# -- typography and the library's messages ----------------------------------------------------------------------


def test_french_amounts_dates_and_spaces() -> None:
    assert amount(Decimal("12500.5")) == f"12{NNBSP}500,50{NBSP}€"
    assert amount(Decimal("12500.5"), "en") == "€12,500.50"
    assert parse_amount("12 500,50") == "12500.50" and parse_date("15/09/2024").isoformat() == "2024-09-15"
    screen = run("check", str(EXAMPLES / "refused_income.json")).stdout
    assert f"Motifs{NBSP}:" in screen and f"Que faire{NNBSP}?" in screen and f"2{NNBSP}741,00{NBSP}€" in screen
    assert not re.search(r"\S[:;!?]( |$)", re.sub(r"https?://|sha256|[0-9]:[0-9]", "", screen.replace("…)", ""))
                         .replace("(", " ")), "a French colon or question mark without its space"


def test_a_declaration_error_names_each_field_once_in_either_language() -> None:
    error = DeclarationError([FieldProblem.of("revenu_brut_global", "negative")], source="d.json")
    french, english = error_text(error, "fr"), error_text(error, "en")
    assert french.count("revenu_brut_global") == 1 and "est négatif" in french
    assert english.count("revenu_brut_global") == 1 and "is negative" in english
    assert error.problems[0].code == "negative"  # the stable code, for programs
    assert problem_text(error.problems[0], "fr").startswith("revenu brut global (revenu_brut_global)")


# -- the decision screen and explain ----------------------------------------------------------------------------


@pytest.mark.parametrize("width", [80, 120])
def test_the_decision_screen_fits_the_width_and_indents_wrapped_lines(width: int) -> None:
    result = run("check", str(EXAMPLES / "refused_exclusion.json"), env={"COLUMNS": str(width)})
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= width
    reason = next(i for i, line in enumerate(lines) if "•" in line)
    assert lines[reason + 1].startswith("    ") and lines[reason + 1].strip()  # the wrapped line is indented
    out = flat(result.stdout)
    assert "Ce qui changerait" not in out and "point de charge" not in out  # an exclusion: no counterfactual


def test_explain_in_french_says_oui_non_and_french_statuses_and_cuts_no_key_cell() -> None:
    result = run("explain", str(EXAMPLES / "review_income_year.json"), env={"COLUMNS": "80"})
    assert result.exit_code == 0
    out = result.stdout
    assert "…" not in out.split("Décision — aide")[0]  # no cell of the trace cut with an ellipsis
    words = flat(run("explain", str(EXAMPLES / "review_income_year.json"), env={"COLUMNS": "250"}).stdout)
    for french in ("formation labellisée = oui", "aide de demandeur d'emploi = non", "à revoir", "06/01/2025",
                   "Motif de refus", "écarté"):
        assert french in words, french
    for english in ("true", "false", "granted", "review ", "the 1 September"):
        assert english not in words, english


# -- every command's French view, free of English words ---------------------------------------------------------

# Tell-tale English words; a word inside a code (`rules list` ids, sha256, file names) is not text to translate.
# (« total » is French too: « Total à verser ».)
ENGLISH = ("error", "granted", "refused", "review", "amount", "not", "is", "the", "and", "of", "with",
           "must", "missing", "required", "months", "income", "decision", "file", "line", "yes", "no", "true",
           "false", "none", "rules", "year", "interrupted")
_CODE = re.compile(r"[\w.-]*[_/<>.][\w.<>/-]*|[0-9a-f]{12,}|\bGEN\b|aid_engine")


def english_words(text: str) -> list[str]:
    """The tell-tale English words of a French screen, codes and identifiers left out."""
    plain = _CODE.sub(" ", text)
    return sorted({w for w in re.findall(r"[A-Za-z]+", plain) if w.lower() in ENGLISH})


def _commands(tmp_path: Path) -> list[list[str]]:
    declaration = str(EXAMPLES / "granted_echelon_7.json")
    return [
        ["check", declaration], ["check", str(EXAMPLES / "refused_exclusion.json")],
        ["check", str(EXAMPLES / "review_income_year.json")], ["check", str(EXAMPLES / "refused_income.json")],
        ["explain", declaration], ["explain", str(EXAMPLES / "overseas_learner.json")],
        ["check", str(tmp_path / "absent.json")], ["check", "-"],
    ]


def test_every_command_in_the_french_view_speaks_no_english(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"learner_id": "X", "revenu_brut_global": -1, "colour": 1}), encoding="utf-8")
    found = {}
    for args in [*_commands(tmp_path), ["check", str(bad)]]:
        result = run(*args, input="[1]", env={"COLUMNS": "100"})
        words = english_words(result.stdout + result.stderr)
        if words:
            found[" ".join(Path(a).name for a in args)] = words
    assert not found, found


def test_the_english_word_detector_finds_english() -> None:
    assert english_words("error: the amount is not granted") == ["amount", "error", "granted", "is", "not", "the"]
    assert english_words("décision income_year_mismatch gen-aid/2024-2025") == []


def test_the_finance_summaries_in_french_with_french_amounts(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'store.db'}"
    assert run("check", str(EXAMPLES / "granted_echelon_7.json"), "--save", "--db", db).exit_code == 0
    recovery = run("recovery", "GEN-2024-0001", "--left-on", "2025-01-10", "--db", db)
    assert recovery.exit_code == 0, recovery.stderr
    assert "somme à reverser : 3 167,50 €" in flat(recovery.stdout)
    batch = run("batch", str(EXAMPLES / "batch.csv"), "--db", db, "--out", str(tmp_path / "o.jsonl"),
                "--rejected", str(tmp_path / "r.csv"))
    assert batch.exit_code == 0, batch.stderr
    out = flat(batch.stdout)
    assert "décidées : 385 rejetées : 15" in out and "montant total : 382 601,60 €" in out
    for text in (recovery.stdout, batch.stdout):
        assert english_words(text) == [], english_words(text)
    english = run("recovery", "GEN-2024-0001", "--left-on", "2025-01-10", "--db", db, env={"AID_ENGINE_LANG": "en"})
    assert "amount owed back: 3167.50 €" in english.stdout


def test_the_audit_and_store_commands_in_french(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'store.db'}"
    for name in ("granted_echelon_7.json", "refused_income.json"):
        assert run("check", str(EXAMPLES / name), "--save", "--db", db).exit_code == 0
    said = {
        "verify": run("audit", "verify", "--db", db),
        "replay": run("replay", "--all", "--db", db),
        "replay one": run("replay", "1", "--db", db),
        "upgrade": run("db", "upgrade", "--db", db),
        "purge": run("purge", "--before", "2999-01-01", "--db", db, "--operator", "agent"),
        "replay purged": run("replay", "--all", "--db", db),
    }
    out = {what: flat(result.stdout) for what, result in said.items()}
    assert "piste d'audit intacte : 2 enregistrement(s) (2 décision(s)" in out["verify"]
    assert out["replay"].strip().endswith("rejouées : 2 identique(s)") and said["replay"].exit_code == 0
    assert "décision 1 (apprenant GEN-2024-0001, gen-aid/2024-2025) : même décision" in out["replay one"]
    assert "schéma déjà à la dernière révision" in out["upgrade"]
    assert "2 déclaration(s) reçue(s) avant le 2999-01-01 effacée(s)" in out["purge"]
    assert "les données personnelles de sa déclaration ont été effacées" in out["replay purged"]
    assert out["replay purged"].strip().endswith("rejouées : 2 effacée(s)") and said["replay purged"].exit_code == 1
    found = {what: english_words(text) for what, text in out.items() if english_words(text)}
    assert not found, found
    english = run("replay", "--all", "--db", db, env={"AID_ENGINE_LANG": "en"})
    assert "replayed: 2 purged" in english.stdout
