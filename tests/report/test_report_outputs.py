"""`aid-engine report`'s outputs: the terminal summary, the CSV directory, the payment run's cash-flow file, the
HTML page read as text, the scope and option errors, an empty store, and what `aid-engine check` never loads.
"""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
from datetime import date
from decimal import Decimal
from html import escape
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT, Programme
from typer.testing import CliRunner

from aid_engine.cli import app
from aid_engine.money import display
from aid_engine.report import Scope, build_report
from aid_engine.report.queries import read_facts
from aid_engine.report.tables import tables_of
from aid_engine.store import open_store

runner = CliRunner(env={"COLUMNS": "200", "NO_COLOR": "1", "TERM": "dumb"})
CHART_IDS = ("chart-decisions", "chart-envelope", "chart-recoveries", "chart-echelons", "chart-reasons",
             "chart-targets", "chart-territory", "chart-start-months", "chart-cash-flow")


def run(*args: str) -> Any:
    return runner.invoke(app, ["report", *args])


def flat(text: str) -> str:
    return text.replace("\u202f", " ").replace("\u00a0", " ")


def cents(amount: str) -> int:
    assert re.fullmatch(r"-?\d+\.\d\d", amount), amount
    return int(amount.replace(".", ""))


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as file:
        return list(csv.DictReader(file))


def test_the_terminal_summary_shows_the_figures_in_french(programme: Programme) -> None:
    result = run("--db", programme.url, "--run", str(programme.new_rules_run))
    assert result.exit_code == 0, result.stderr
    document = json.loads(run("--db", programme.url, "--run", str(programme.new_rules_run), "--json").stdout)
    out = flat(result.stdout)
    committed = Decimal(document["envelope"]["committed"])
    french = f"{committed:,.2f}".replace(",", " ").replace(".", ",") + " €"
    for words in ("Rapport du programme", f"décisions du lot n° {programme.new_rules_run}", french,
                  "Décisions remplacées (comptées à part)", "Décisions en vigueur",
                  "10 000 000,00 €", "Aides accordées par échelon", "Refus par motif", "Cibles de public",
                  "Département tiré de l'identifiant de la fabrique", "Prévision de trésorerie mensuelle",
                  "les 20 qui ont le plus de décisions"):
        assert words in out, words
    assert "granted" not in out and "Traceback" not in result.output


def test_json_prints_one_document_and_nothing_else_even_with_files(programme: Programme, tmp_path: Path) -> None:
    result = run("--db", programme.url, "--json", "--html", str(tmp_path / "r.html"), "--csv", str(tmp_path / "c"))
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    assert set(document) >= {"scope", "decisions", "envelope", "targets", "by_departement", "cash_flow"}
    assert "page du rapport écrite" in result.stderr and "fichiers CSV écrits" in result.stderr


@pytest.mark.parametrize(("lang", "page", "csv"), [("fr", "page du rapport écrite", "fichiers CSV écrits dans"),
                                                   ("en", "page written", "CSV files written in")])
def test_files_are_announced_by_one_line_each_and_nothing_else(programme: Programme, tmp_path: Path,
                                                               lang: str, page: str, csv: str) -> None:
    result = CliRunner().invoke(app, ["report", "--db", programme.url, "--html", str(tmp_path / "r.html"),
                                      "--csv", str(tmp_path / "c")], env={"AID_ENGINE_LANG": lang})
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "", "no terminal report besides the files"
    lines = result.stderr.splitlines()
    assert len(lines) == 2 and lines[0].startswith(page) and csv in lines[1], lines


def test_the_csv_directory_holds_the_same_figures(programme: Programme, tmp_path: Path) -> None:
    out = tmp_path / "csv"
    result = run("--db", programme.url, "--run", str(programme.edge_run), "--csv", str(out), "--json",
                 "--csv-format", "plain")
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    assert sorted(p.name for p in out.iterdir()) == sorted([
        "summary.csv", "refused_by_reason.csv", "grants_by_echelon.csv", "targets.csv", "by_departement.csv",
        "by_fabrique.csv", "grants_by_start_month.csv", "recoveries.csv", "cash_flow_by_month.csv",
        "cash_flow_by_learner.csv", "cash_flow.csv"])
    summary = {r["figure"]: r["value"] for r in read_csv(out / "summary.csv")}
    assert summary["decisions"] == "10" and summary["committed"] == document["envelope"]["committed"]
    departements = {r["departement"]: (int(r["decisions"]), r["committed"])
                    for r in read_csv(out / "by_departement.csv")}
    assert departements == {(g["departement"] or ""): (g["decisions"], g["committed"])
                            for g in document["by_departement"]}
    fabriques = {r["fabrique_id"] for r in read_csv(out / "by_fabrique.csv")}
    assert "'=FAB-93+1" in fabriques, "a cell a spreadsheet would run is neutralised"
    targets = read_csv(out / "targets.csv")
    assert [(t["indicator"], t["population"], t["share"]) for t in targets] == [
        (t["indicator"], t["population"], t["share"] or "") for t in document["targets"]]


def test_the_cash_flow_file_lists_every_instalment_of_the_grants(programme: Programme, tmp_path: Path) -> None:
    path = tmp_path / "payments.csv"
    result = run("--db", programme.url, "--run", str(programme.edge_run), "--cash-flow", str(path), "--json",
                 "--csv-format", "plain")
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    assert path.read_text(encoding="utf-8").splitlines()[0] == "month,learner_id,decision_id,amount"
    lines = read_csv(path)
    assert sum(cents(r["amount"]) for r in lines) == cents(document["cash_flow"]["total"])
    assert cents(document["cash_flow"]["total"]) + cents(document["cash_flow"]["unscheduled_amount"]) == \
        cents(document["envelope"]["committed"])
    january_start = [r["month"] for r in lines if r["learner_id"] == "EDGE-007"]
    assert january_start == ["2025-01", "2025-02", "2025-03", "2025-04", "2025-05", "2025-06"]
    assert len([r for r in lines if r["learner_id"] == "EDGE-001"]) == 10
    assert not [r for r in lines if r["learner_id"] in ("EDGE-004", "EDGE-005", "EDGE-010")]


def test_the_per_learner_cash_flow_adds_up_to_each_learners_grants(programme: Programme, tmp_path: Path) -> None:
    out = tmp_path / "csv"
    assert run("--db", programme.url, "--csv", str(out), "--csv-format", "plain").exit_code == 0
    per_learner: dict[str, int] = {}
    for r in read_csv(out / "cash_flow.csv"):
        per_learner[r["learner_id"]] = per_learner.get(r["learner_id"], 0) + cents(r["amount"])
    listed = {r["learner_id"]: cents(r["amount"]) for r in read_csv(out / "cash_flow_by_learner.csv")}
    assert listed == per_learner and len(listed) > 100


def read_french_csv(path: Path) -> tuple[bytes, list[list[str]]]:
    """A CSV in the French spreadsheet form: its first bytes, and its rows split on `;`."""
    raw = path.read_bytes()
    return raw[:3], list(csv.reader(raw.decode("utf-8-sig").splitlines(), delimiter=";"))


def test_the_csv_files_are_for_a_french_spreadsheet_by_default(programme: Programme, tmp_path: Path) -> None:
    fr, plain = tmp_path / "fr", tmp_path / "plain"
    result = run("--db", programme.url, "--csv", str(fr), "--cash-flow", str(tmp_path / "payments.csv"), "--json")
    assert result.exit_code == 0, result.stderr
    assert run("--db", programme.url, "--csv", str(plain), "--csv-format", "plain").exit_code == 0
    document = json.loads(result.stdout)
    assert sorted(p.name for p in fr.iterdir()) == sorted(p.name for p in plain.iterdir())
    for path in sorted(fr.iterdir()):
        bom, rows = read_french_csv(path)
        assert bom == b"\xef\xbb\xbf", f"{path.name}: a BOM so that the spreadsheet reads UTF-8"
        header = rows[0]
        assert not {"amount", "learner_id", "month", "decisions", "committed"} & set(header), header
        with (plain / path.name).open(encoding="utf-8", newline="") as file:
            plain_rows = list(csv.reader(file))
        assert len(rows) == len(plain_rows), f"{path.name}: the same lines in both forms"
        for mine, theirs in zip(rows[1:], plain_rows[1:], strict=True):
            for cell, other in zip(mine, theirs, strict=False):
                if re.fullmatch(r"-?\d+\.\d+", other):  # a decimal: the same figure with a comma
                    assert cell == other.replace(".", ","), (path.name, cell, other)
    _, cash = read_french_csv(tmp_path / "payments.csv")
    assert cash[0] == ["Mois", "Apprenant", "Décision", "Montant (€)"]
    total = sum(Decimal(line[3].replace(",", ".")) for line in cash[1:])
    assert total == Decimal(document["cash_flow"]["total"]) and all("," in line[3] for line in cash[1:])
    _, summary = read_french_csv(fr / "summary.csv")
    figures = dict((row[0], row[1]) for row in summary[1:])
    assert figures["Engagé brut (€)"] == document["envelope"]["committed"].replace(".", ",")
    assert figures["Décisions en vigueur"] == str(document["decisions"]["current"])
    _, targets = read_french_csv(fr / "targets.csv")
    assert {row[0] for row in targets[1:]} == {"Femmes", "Moins de 26 ans sans qualification"}
    assert {row[-1] for row in targets[1:]} <= {"oui", "non", ""}


def test_the_plain_csv_form_is_for_programs(programme: Programme, tmp_path: Path) -> None:
    path = tmp_path / "payments.csv"
    assert run("--db", programme.url, "--cash-flow", str(path), "--csv-format", "plain").exit_code == 0
    raw = path.read_bytes()
    assert raw.startswith(b"month,learner_id,decision_id,amount\n"), "no BOM, English header, commas"
    assert run("--db", programme.url, "--cash-flow", str(path), "--csv-format", "xlsx").exit_code == 2


@pytest.mark.parametrize(("args", "words"), [
    (["--run", "999"], "no batch run 999"),
    (["--run", "1", "--from", "2025-01-01"], "donnez --run ou --from/--to, pas les deux"),
    (["--from", "2025-02-01", "--to", "2025-01-01"], "--from est après --to"),
    (["--from", "01/02/2025"], "valeur invalide pour --from : n'est pas une date comme 2025-01-31"),
    (["--envelope", "-5"], "--envelope"),
    (["--envelope", "1e9"], "--envelope"),
    (["--target-women", "1.5"], "--target-women"),
])
def test_a_bad_option_or_a_missing_run_exits_2_naming_it(programme: Programme, args: list[str], words: str) -> None:
    result = run("--db", programme.url, *args)
    assert result.exit_code == 2, result.output
    assert words in flat(result.stderr)
    assert result.stdout == ""


def test_an_empty_store_gives_a_report_of_zeros_and_a_page(empty_store: str, tmp_path: Path) -> None:
    page = tmp_path / "empty.html"
    result = run("--db", empty_store, "--json", "--html", str(page))
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["decisions"]["total"] == 0 and document["envelope"]["committed"] == "0.00"
    assert all(t["share"] is None and t["met"] is None for t in document["targets"])
    text = page.read_text(encoding="utf-8")
    assert text.count('<figure class="chart"') == 8 and "Aucune donnée dans le périmètre" in text
    assert 'id="chart-recoveries"' not in text, "no recovery, no chart of recoveries"


def test_the_page_is_self_contained_and_holds_the_terminals_tables(programme: Programme, tmp_path: Path) -> None:
    page = tmp_path / "report.html"
    assert run("--db", programme.url, "--html", str(page)).exit_code == 0
    text = page.read_text(encoding="utf-8")
    assert len(text.encode()) < 2_000_000, "the page stays light enough to mail"
    assert "Content-Security-Policy" in text and "<script" not in text
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", text), "nothing is fetched"
    assert not re.search(r"url\(\s*['\"]?(https?:)?//", text)
    for key in CHART_IDS:
        assert re.search(rf'<figure class="chart" id="{key}"><figcaption>[^<]+</figcaption><svg ', text), key
    ids = re.findall(r'\bid="([^"]+)"', text)
    assert len(ids) == len(set(ids)), "ids are unique across the charts"
    for table in tables_of(_report(programme.url)):
        assert f'id="table-{table.key}"' in text
        for row in table.rows:
            assert all(escape(cell) in text for cell in row), row


def _report(url: str) -> Any:
    store = open_store(url)
    try:
        return build_report(read_facts(store.engine, Scope()))
    finally:
        store.close()


def test_the_page_speaks_to_people_not_to_the_command_line(programme: Programme, tmp_path: Path) -> None:
    page = tmp_path / "report.html"
    assert run("--db", programme.url, "--html", str(page)).exit_code == 0
    text = page.read_text(encoding="utf-8")
    words = re.sub(r"<style>.*?</style>|<svg .*?</svg>", "", text, flags=re.S)
    assert not re.findall(r"--[a-z]", words), "no option name on the page"
    assert not re.search(r"\b(granted|refused|review|true|false|None)\b", words), "no code or English word"


def test_the_cash_flow_marks_today_and_splits_what_fell_due_from_the_forecast(programme: Programme) -> None:
    from aid_engine.report.charts import charts_of
    from aid_engine.report.html import due_by, render_html

    report = _report(programme.url)
    months = [m.month for m in report.cash_flow.by_month]
    middle = months[len(months) // 2]
    today = date(int(middle[:4]), int(middle[5:]), 15)
    page = render_html(report, charts_of(report, today), today=today)
    chart = re.search(r'<figure class="chart" id="chart-cash-flow">.*?</figure>', page, flags=re.S)
    assert chart is not None
    assert f"Aujourd’hui (15/{middle[5:]}/{middle[:4]})" in chart.group(0), "a line marks today, labelled"
    assert "Mois échus" in chart.group(0) and "Mois à venir : prévision" in chart.group(0)
    past, coming = due_by(report, today)
    assert past == sum((m.amount for m in report.cash_flow.by_month if m.month < middle), Decimal(0))
    assert past + coming == report.cash_flow.total and past > 0 and coming > 0
    shown = flat(page)
    assert f"mois échus (payés) : <b>{flat(display(past))}</b>" in shown
    assert f"mois à venir (prévision) : <b>{flat(display(coming))}</b>" in shown
    after = render_html(report, charts_of(report, date(2099, 1, 1)), today=date(2099, 1, 1))
    assert "Mois à venir : prévision" not in after and due_by(report, date(2099, 1, 1))[1] == 0


def test_deciding_one_learner_never_loads_the_report_or_its_libraries() -> None:
    code = (
        "import sys; from aid_engine.cli import main\n"
        "try:\n    main(['check', 'examples/granted_echelon_7.json', '--json'])\n"
        "except SystemExit:\n    pass\n"
        "loaded = [m for m in ('matplotlib', 'aid_engine.report.charts', 'aid_engine.report.queries', "
        "'sqlalchemy') if m in sys.modules]\n"
        "print(loaded, file=sys.stderr)"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert done.stderr.strip() == "[]"
