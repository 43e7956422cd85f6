"""`rules list|show|validate|diff` and `audit show` in French by default, in English on request: their titles,
headers and labels, French amounts and dates, and `rules list` readable whole at 80 columns.

A rule set's own texts (its sources, notes, legal references, expressions, ids and codes) are data, written by
the rules' authors, and shown as written: they are left out before the French view is searched for English."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import aid_engine
from aid_engine.cli import app
from aid_engine.i18n import NBSP, NNBSP
from aid_engine.money import display
from aid_engine.ruleset import RuleSet

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
WIDE = {"COLUMNS": "400"}  # no line wrapped: the rule set's texts can be found whole and left out


def run(*args: str, env: dict[str, str] | None = None) -> Any:
    return CliRunner().invoke(app, list(args), env={"AID_ENGINE_LANG": "fr"} | (env or {}))


def english(*args: str, env: dict[str, str] | None = None) -> Any:
    return run(*args, env={"AID_ENGINE_LANG": "en"} | (env or {}))


def flat(text: str) -> str:
    """The text with its no-break spaces as plain spaces, its table rules as spaces, its lines joined."""
    text = text.replace(NBSP, " ").replace(NNBSP, " ")
    return re.sub(r"\s+", " ", re.sub(r"[│┃┏┓┗┛┡┩└┘┌┐├┤━─╇╋┳┻┼┬┴]", " ", text)).strip()


# The old English words of these screens; none is French.  Codes, ids and the rules' own texts are left out
# before searching (`english_words`), so a word inside `income_above_ceiling` or a source is not counted.
# (« code », « table », « note », « expression », « on », « points », « distance » are French too.)
ENGLISH = ("rule", "rules", "sets", "academic", "year", "years", "files", "file", "rate", "rates", "ceiling",
           "ceilings", "gate", "gates", "reason", "reasons", "legal", "reference", "income", "expected", "per",
           "child", "children", "higher", "education", "rows", "annual", "monthly", "amounts", "months", "month",
           "most", "change", "changes", "added", "removed", "ok", "record", "granted", "refused", "review",
           "decision", "over", "by", "superseded", "recovery", "left", "instalment", "instalments", "owed", "back",
           "replaces", "declaration", "purged", "personal", "field", "blanked", "no", "status", "operator",
           "recorded", "whole", "the", "of", "and", "at")
_CODE = re.compile(r"aid-engine(?: [a-z]+){0,2}|[\w.-]*[_/<>.][\w.<>/-]*|[0-9a-f]{12,}|\bGEN\b|sha256")


def english_words(text: str, *data: str) -> list[str]:
    """The old English words of a French screen, once the rules' own texts (`data`) and the codes are out."""
    plain = flat(text)
    for piece in sorted({flat(d) for d in data if d.strip()}, key=len, reverse=True):
        plain = plain.replace(piece, " ")
    plain = _CODE.sub(" ", plain)
    return sorted({w for w in re.findall(r"[A-Za-z]+", plain) if w.lower() in ENGLISH})


def headers(stdout: str) -> list[str]:
    """The column headers of the first table of `stdout`, each one's lines joined."""
    lines = stdout.splitlines()
    top = next(i for i, line in enumerate(lines) if line.startswith("┏"))
    rows = [line.strip("┃").split("┃") for line in lines[top + 1:] if line.startswith("┃")]
    return [" ".join(row[i].strip() for row in rows if row[i].strip()) for i in range(len(rows[0]))]


def rules_texts(*rulesets: RuleSet) -> list[str]:
    """Every text of these rule sets that is shown as the rules' authors wrote it."""
    texts: list[str] = []
    for rs in rulesets:
        texts += [*rs.notes, *rs.files, rs.ceilings.source, rs.rates.source, rs.distance_source, rs.children_source,
                  rs.last_row_source, rs.income_year.source, rs.amounts_source, rs.distance_rule]
        for gate in rs.gates:
            texts += [gate.id, gate.code, gate.predicate.text, gate.legal_ref]
    return texts


def test_the_english_word_detector_leaves_out_the_rules_own_texts() -> None:
    assert english_words("Rule sets: rate of the ceiling") == ["Rule", "ceiling", "of", "rate", "sets", "the"]
    assert english_words("Plafonds : [the tables stop at 17 points]", "the tables stop at 17 points") == []
    assert english_words("motifs : income_above_ceiling gen-aid/2024-2025 ; aid-engine rules show ANNÉE") == []


# -- rules list ------------------------------------------------------------------------------------------------


def test_rules_list_in_french_with_french_amounts() -> None:
    result = run("rules", "list", env=WIDE)
    assert result.exit_code == 0, result.output
    out = flat(result.stdout)
    assert "Jeux de règles par année universitaire" in out
    assert headers(result.stdout) == ["Année", "Identifiant", "Empreinte sha256", "Plafond 0 bis (0 point)",
                                      "Taux échelon 7"]
    for rs in aid_engine.default_rulebook():
        assert flat(display(rs.ceilings.of("0bis", 0))) in out and flat(display(rs.rates.values["7"])) in out
    assert "35 086,00 €" in out and "6 335,00 €" in out
    assert english_words(result.stdout) == [], english_words(result.stdout)


def test_rules_list_in_english() -> None:
    result = english("rules", "list", env=WIDE)
    assert headers(result.stdout) == ["academic year", "id", "sha256", "0bis ceiling (0 pt)", "échelon 7 rate"]
    out = flat(result.stdout)
    for words in ("Rule sets", "35086", "6335", "Whole sha256 and files: aid-engine rules show YEAR"):
        assert words in out, words
    assert "Jeux de règles" not in out and "Taux" not in out


def test_the_root_lang_option_asks_for_english(monkeypatch: pytest.MonkeyPatch) -> None:
    args = ["--lang", "en", "rules", "list"]
    monkeypatch.setattr("sys.argv", ["aid-engine", *args])  # the run's language is read from the command line
    assert "Rule sets" in CliRunner().invoke(app, args).stdout


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_rules_list_shows_every_cell_whole_at_80_columns(lang: str) -> None:
    result = run("rules", "list", env={"COLUMNS": "80", "AID_ENGINE_LANG": lang})
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80
    rows = [line for line in lines if line.startswith("│")]
    book = list(aid_engine.default_rulebook())
    assert len(rows) == len(book)  # one line per rule set: no cell wrapped
    for rs, row in zip(book, rows, strict=True):
        cells = [cell.strip() for cell in row.strip("│").split("│")]
        ceiling = display(rs.ceilings.of("0bis", 0), lang) if lang == "fr" else str(rs.ceilings.of("0bis", 0))
        rate = display(rs.rates.values["7"], lang) if lang == "fr" else str(rs.rates.values["7"])
        assert cells == [rs.year.label, rs.id, rs.sha256[:12] + "…", ceiling, rate], row


# -- rules show, validate, diff --------------------------------------------------------------------------------


def test_rules_show_in_french() -> None:
    result = run("rules", "show", "2024-2025", env=WIDE)
    assert result.exit_code == 0, result.output
    rs = aid_engine.default_rulebook().year("2024-2025")
    out = flat(result.stdout)
    for words in ("Fichiers :", "Note :", "Conditions d'attribution", "Identifiant", "Code du motif",
                  "Expression", "Référence juridique", "Année des revenus attendue : 2022",
                  "Points de distance :", "[13000, ∞) → 4", "Points pour enfants : 2 par enfant à charge, 4 par "
                  "enfant dans l'enseignement supérieur", "Lignes du barème : 0 … 17",
                  "Plafonds de ressources (€)", "Taux annuels sur 10 mois (€)",
                  "Montants : mensualité = montant annuel ÷ 10, 10 mois au plus",
                  "35 086", "101 347", "6 335", "1 454", rs.sha256, "gate.residence", "residence_condition"):
        assert words in out, words
    assert english_words(result.stdout, *rules_texts(rs)) == [], english_words(result.stdout, *rules_texts(rs))


def test_rules_show_in_english() -> None:
    out = flat(english("rules", "show", "2024-2025", env=WIDE).stdout)
    for words in ("files: base.yaml", "Gates", "reason code", "legal reference", "income year expected: 2022",
                  "points, distance:", "points, children: 2 per child, 4 per child in higher education",
                  "table rows: 0 … 17", "Ceilings (€)", "Annual 10-month rates (€)", "35086", "101347",
                  "amounts: monthly = annual ÷ 10, at most 10 months"):
        assert words in out, words


def test_rules_show_cuts_no_gate_id_code_nor_expression_at_80_columns() -> None:
    result = run("rules", "show", "2024-2025", env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80
    rows = [line.strip("│").split("│") for line in lines if line.startswith("│") and line.count("│") == 5]
    columns = ["".join(row[i].replace(" ", "") for row in rows) for i in range(3)]  # each cell's lines joined
    for gate in aid_engine.default_rulebook().year("2024-2025").gates:
        assert gate.id in columns[0], gate.id  # folded over lines when too long, never cut
        assert gate.code in columns[1], gate.code
        assert gate.predicate.text.replace(" ", "") in columns[2], gate.predicate.text


def test_rules_validate_in_french_and_english() -> None:
    book = aid_engine.default_rulebook()
    french = flat(run("rules", "validate").stdout)
    assert f"règles valides : {len(book)} années universitaires, {book.covered}" in french
    assert english_words(french) == []
    assert f"ok: {len(book)} academic years, {book.covered}" in english("rules", "validate").stdout


def test_rules_diff_in_french_with_french_amounts() -> None:
    book = aid_engine.default_rulebook()
    result = run("rules", "diff", "2022-2023", "2023-2024", env=WIDE)
    assert result.exit_code == 0, result.output
    out = flat(result.stdout)
    assert "gen-aid/2022-2023 → gen-aid/2023-2024 : " in out and " changement(s)" in out
    assert "taux de l'échelon 0 bis : 1 084,00 € → 1 454,00 €" in out
    assert "taux de l'échelon 7 : 5 965,00 € → 6 335,00 €" in out
    assert "plafond de l'échelon 0 bis à 0 point : 33 100,00 € → 35 086,00 €" in out
    assert "plafond de l'échelon 7 à 17 points : 4 500,00 € → 4 770,00 €" in out
    assert "année des revenus attendue : 2020 → 2021" in out
    a, b = book.year("2022-2023"), book.year("2023-2024")
    assert english_words(result.stdout, *rules_texts(a, b)) == []
    distance = flat(run("rules", "diff", "2021-2022", "2022-2023", env=WIDE).stdout)
    assert "points de distance : distance_km in" in distance


def test_rules_diff_in_english() -> None:
    out = english("rules", "diff", "2023-2024", "2024-2025").stdout
    assert "gen-aid/2023-2024 → gen-aid/2024-2025: 1 change(s)" in out
    assert "income year expected: 2021 → 2022" in out
    rates = english("rules", "diff", "2022-2023", "2023-2024").stdout
    assert "rate 7: 5965 → 6335" in rates and "ceiling 0bis at 0 points: 33100 → 35086" in rates


def test_the_french_rules_diff_of_two_identical_years_names_only_the_income_year() -> None:
    out = flat(run("rules", "diff", "2024-2025", "2025-2026").stdout)
    assert "gen-aid/2024-2025 → gen-aid/2025-2026 : 1 changement(s)" in out
    assert "année des revenus attendue : 2022 → 2023" in out
    assert english_words(out) == []


def test_a_gate_added_removed_or_changed_in_either_language() -> None:
    from dataclasses import replace

    from aid_engine.cli.rules import diff_lines

    rs = aid_engine.default_rulebook().year("2024-2025")
    first, second = rs.gates[0], rs.gates[1]
    changed = replace(rs, gates=(replace(second, id=first.id), *rs.gates[2:]))
    assert sorted(flat(line) for line in diff_lines(rs, changed, "fr")) == sorted([
        f"condition {first.id} : {first.predicate.text!r} → {second.predicate.text!r}",
        f"condition {second.id} : retirée"])
    assert f"gate {second.id}: added" in diff_lines(changed, rs, "en")


# -- audit show ------------------------------------------------------------------------------------------------

LEARNER = "GEN-2024-0001"


@pytest.fixture
def history(tmp_path: Path) -> str:
    """A store where the learner has a decision, its correction (which supersedes it), a recovery and its
    replacement, then the purge of the declarations; and two other learners' decisions (refused, to review)."""
    db = f"sqlite:///{tmp_path / 'store.db'}"
    corrected = json.loads((EXAMPLES / "granted_echelon_7.json").read_text(encoding="utf-8"))
    corrected |= {"revenu_brut_global": "3000.00", "application_date": "2024-10-08"}
    (tmp_path / "corrected.json").write_text(json.dumps(corrected), encoding="utf-8")
    for source in (EXAMPLES / "granted_echelon_7.json", tmp_path / "corrected.json"):
        saved = run("check", str(source), "--save", "--db", db, "--operator", "agent")
        assert saved.exit_code == 0, saved.output
    for left_on, more in (("2025-01-10", ()), ("2025-02-10", ("--replace",))):
        recovery = run("recovery", LEARNER, "--left-on", left_on, "--db", db, "--operator", "agent", *more)
        assert recovery.exit_code == 0, recovery.output
    for source in (EXAMPLES / "refused_income.json", EXAMPLES / "review_income_year.json"):
        saved = run("check", str(source), "--save", "--db", db, "--operator", "agent")
        assert saved.exit_code == 0, saved.output
    assert run("purge", "--before", "2999-01-01", "--db", db, "--operator", "agent").exit_code == 0
    return db


def test_audit_show_in_french_with_french_statuses_amounts_and_dates(history: str) -> None:
    result = run("audit", "show", LEARNER, "--db", history)
    assert result.exit_code == 0, result.output
    lines = [flat(line) for line in result.stdout.splitlines()]
    assert len(lines) == 6  # one line per audit record
    assert re.match(r"enregistrement 1 \d\d/\d\d/\d{4} \d\d:\d\d:\d\d UTC décision décision 1 : accordée, échelon 7, "
                    r"6 335,00 € sur 10 mois, 2024-2025 ; motifs : aucun \[gen-aid/2024-2025, par agent\] "
                    r"\(remplacée par la décision 2\)$", lines[0]), lines[0]
    assert "décision 2 : accordée, échelon 6, 5 506,00 € sur 10 mois" in lines[1] and "remplacée" not in lines[1]
    assert "reversement décision 2 : départ le 10/01/2025, 5 mensualité(s) à reverser = 2 753,00 €" in lines[2]
    assert "départ le 10/02/2025, 4 mensualité(s) à reverser = 2 202,40 € (remplace l'enregistrement 3)" in lines[3]
    assert "purge données personnelles de la déclaration effacées : " in lines[4]
    assert all(english_words(line) == [] for line in lines), [english_words(line) for line in lines]
    others = {learner: flat(run("audit", "show", learner, "--db", history).stdout)
              for learner in ("GEN-2024-0123", "GEN-2024-0311")}
    assert "refusée, sans échelon, 0,00 € sur 0 mois, 2024-2025 ; motifs : income_above_ceiling" in others[
        "GEN-2024-0123"]
    assert "à revoir, échelon 4" in others["GEN-2024-0311"] and "motifs : income_year_mismatch" in others[
        "GEN-2024-0311"]
    assert all(english_words(text) == [] for text in others.values()), others


def test_audit_show_in_english(history: str) -> None:
    result = english("audit", "show", LEARNER, "--db", history)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert re.match(r"record 1  \d{4}-\d\d-\d\dT[\d:.]+Z  decision  decision 1: granted, échelon 7, 6335.00 € over "
                    r"10 month\(s\), 2024-2025; reasons: -  \[gen-aid/2024-2025, by agent\]  "
                    r"\(superseded by decision 2\)$", lines[0]), lines[0]
    assert "recovery  decision 2: left on 2025-01-10, 5 instalment(s) owed back = 2753.00 €" in lines[2]
    assert "owed back = 2202.40 € (replaces record 3)" in lines[3]
    assert "declaration purged: " in lines[4] and "personal field(s) blanked" in lines[4]
    refused = english("audit", "show", "GEN-2024-0123", "--db", history).stdout
    assert "refused, no échelon, 0.00 € over 0 month(s)" in refused


def test_audit_show_of_an_unknown_learner_in_french(history: str) -> None:
    result = run("audit", "show", "NOBODY", "--db", history)
    assert result.exit_code == 2
    assert "aucun enregistrement d'audit pour l'apprenant NOBODY" in flat(result.stderr)
    assert "no audit record for learner NOBODY" in english("audit", "show", "NOBODY", "--db", history).stderr

