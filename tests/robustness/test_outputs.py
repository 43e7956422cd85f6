"""Outputs that an attacker points somewhere else: the input itself, a symbolic link, a device, a FIFO, the
database; and spreadsheet cells that would run as formulas once the file is split on `;` (French Excel).

Every file the tool writes goes through `files.OutputFile` (temporary file, then rename) and every CSV through
`files.CsvWriter` (every text cell quoted, formula starts neutralised): these tests attack both through the
command line, and the two functions directly."""

from __future__ import annotations

import csv
import io
import json
import os
from decimal import Decimal
from pathlib import Path

import pytest
from robust_helpers import HEADER, assert_clean_failure, cli, csv_line
from strategies import base_declaration

from aid_engine.errors import InputFileError
from aid_engine.files import CsvWriter, OutputFile, formula_safe, safe_output


def _batch_file(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "in.csv"
    path.write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")
    return path


def _refused(result: object, option: str, words: str) -> None:
    assert result.exit_code == 2, (result.stdout, result.stderr)  # type: ignore[attr-defined]
    stderr: str = result.stderr  # type: ignore[attr-defined]
    assert option in stderr and words in stderr, stderr
    assert_clean_failure(stderr)


def test_batch_out_onto_its_own_input_is_refused_and_the_input_kept(tmp_path: Path) -> None:
    path = _batch_file(tmp_path, csv_line(learner_id="A"))
    before = path.read_bytes()
    db = f"sqlite:///{tmp_path / 's.db'}"
    _refused(cli("batch", str(path), "--db", db, "--out", str(path)), "--out", "input")
    _refused(cli("batch", str(path), "--db", db, "--rejected", str(path)), "--rejected", "input")
    link = tmp_path / "same.csv"
    os.link(path, link)  # a hard link is the same file under another name
    _refused(cli("batch", str(path), "--db", db, "--out", str(link)), "--out", "input")
    assert path.read_bytes() == before


def test_batch_out_onto_the_database_file_is_refused(tmp_path: Path) -> None:
    path = _batch_file(tmp_path, csv_line(learner_id="A"))
    database = tmp_path / "s.db"
    assert cli("batch", str(path), "--db", f"sqlite:///{database}").exit_code == 0
    before = database.read_bytes()
    _refused(cli("batch", str(path), "--db", f"sqlite:///{database}", "--out", str(database)), "--out", "input")
    assert database.read_bytes() == before


def test_out_and_rejected_on_one_file_is_refused(tmp_path: Path) -> None:
    path = _batch_file(tmp_path, csv_line(learner_id="A"))
    same = tmp_path / "both"
    _refused(cli("batch", str(path), "--db", f"sqlite:///{tmp_path / 's.db'}", "--out", str(same),
                 "--rejected", str(same)), "--rejected", "--out")


def test_an_output_on_a_symbolic_link_is_refused_and_the_link_and_its_target_kept(tmp_path: Path) -> None:
    path = _batch_file(tmp_path, csv_line(learner_id="A"))
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n", encoding="utf-8")
    link = tmp_path / "out.jsonl"
    link.symlink_to(victim)
    db = f"sqlite:///{tmp_path / 's.db'}"
    _refused(cli("batch", str(path), "--db", db, "--out", str(link)), "--out", "symbolic link")
    dangling = tmp_path / "dangling.csv"
    dangling.symlink_to(tmp_path / "nowhere.csv")
    _refused(cli("batch", str(path), "--db", db, "--rejected", str(dangling)), "--rejected", "symbolic link")
    assert link.is_symlink() and victim.read_text(encoding="utf-8") == "precious\n"
    assert not (tmp_path / "nowhere.csv").exists()
    assert cli("batch", str(path), "--db", db).exit_code == 0
    for option in ("--html", "--cash-flow"):
        _refused(cli("report", "--db", db, option, str(link)), option, "symbolic link")
    dir_link = tmp_path / "csvdir"
    dir_link.symlink_to(tmp_path)
    _refused(cli("report", "--db", db, "--csv", str(dir_link)), "--csv", "symbolic link")
    assert victim.read_text(encoding="utf-8") == "precious\n"


@pytest.mark.parametrize("device", ["/dev/null", "/dev/full", "/dev/zero"])
def test_an_output_on_a_device_is_refused_and_the_device_kept(tmp_path: Path, device: str) -> None:
    path = _batch_file(tmp_path, csv_line(learner_id="A"))
    db = f"sqlite:///{tmp_path / 's.db'}"
    before = os.stat(device)
    _refused(cli("batch", str(path), "--db", db, "--out", device), "--out", "device")
    _refused(cli("report", "--db", db, "--cash-flow", device), "--cash-flow", "device")
    after = os.stat(device)
    assert (after.st_ino, after.st_mode, after.st_rdev) == (before.st_ino, before.st_mode, before.st_rdev)


def test_an_output_on_a_fifo_or_a_directory_is_refused_without_blocking(tmp_path: Path) -> None:
    path = _batch_file(tmp_path, csv_line(learner_id="A"))
    db = f"sqlite:///{tmp_path / 's.db'}"
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    _refused(cli("batch", str(path), "--db", db, "--rejected", str(fifo)), "--rejected", "FIFO")
    _refused(cli("batch", str(path), "--db", db, "--out", str(tmp_path)), "--out", "directory")
    (tmp_path / "file").write_text("x", encoding="utf-8")
    assert cli("batch", str(path), "--db", db).exit_code == 0
    _refused(cli("report", "--db", db, "--csv", str(tmp_path / "file")), "--csv", "not a directory")


def test_a_failed_write_leaves_the_target_as_it_was_and_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "report.html"
    target.write_text("old\n", encoding="utf-8")
    with pytest.raises(RuntimeError), safe_output(target, "--html") as file:
        file.write("half a page")
        raise RuntimeError("stopped")
    assert target.read_text(encoding="utf-8") == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]
    with safe_output(target, "--html") as file:
        file.write("new\n")
    assert target.read_text(encoding="utf-8") == "new\n"
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]


def test_a_target_swapped_for_a_link_while_writing_is_refused_at_the_rename(tmp_path: Path) -> None:
    target, victim = tmp_path / "out.csv", tmp_path / "victim"
    victim.write_text("precious", encoding="utf-8")
    output = OutputFile(target, "--out")
    output.file.write("x")
    target.symlink_to(victim)
    with pytest.raises(InputFileError, match="symbolic link"):
        output.commit()
    output.discard()
    assert victim.read_text(encoding="utf-8") == "precious" and target.is_symlink()


def test_a_temporary_file_left_by_a_killed_writer_is_swept(tmp_path: Path) -> None:
    target = tmp_path / "out.jsonl"
    stale = tmp_path / f".out.jsonl.{2**22 + 12345}-1.part"  # above any pid_max: no such process
    stale.write_text("half", encoding="utf-8")
    with safe_output(target, "--out") as file:
        file.write("{}\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.jsonl"]


# -- CSV ---------------------------------------------------------------------------------------------------------

SEMICOLON_ATTACKS = ["X;=1+1", "X;@SUM(1+1)", "FAB-75;=1+2", "X;+1", "X;-1", "X\r=1", "=1", "@A1", "+1", "-1",
                     "\t=1", "\r=1", "\n=1", 'X";=1+1;"', "X,=1+1"]


def _split_like_french_excel(text: str) -> list[str]:
    """The cells a spreadsheet that splits on `;` sees (it honours double quotes)."""
    return [cell for row in csv.reader(io.StringIO(text), delimiter=";") for cell in row]


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_every_text_cell_is_quoted_and_no_cell_starts_a_formula_whatever_the_split(delimiter: str) -> None:
    buffer = io.StringIO()
    writer = CsvWriter(buffer, delimiter=delimiter, decimal_comma=delimiter != ",", bom=delimiter == ";")
    writer.header(("learner_id", "amount", "count", "flag", "none"))
    for attack in SEMICOLON_ATTACKS:
        writer.row((attack, Decimal("6335.50"), 3, True, None))
    text = buffer.getvalue()
    for attack in SEMICOLON_ATTACKS:
        quoted = '"' + formula_safe(attack).replace('"', '""') + '"'
        assert f"\n{quoted}{delimiter}" in text, attack  # the text cell is quoted, at the start of its record
    for split in (",", ";", "\t"):
        cells = [c for row in csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=split) for c in row]
        assert not [c for c in cells if c.startswith(("=", "+", "-", "@", "\t", "\r", "\n"))], split
    assert _split_like_french_excel(text)
    read = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=delimiter))
    assert [row[0] for row in read[1:]] == [formula_safe(a) for a in SEMICOLON_ATTACKS]
    assert read[1][1] == ("6335,50" if delimiter != "," else "6335.50") and read[1][2] == "3"
    assert text.startswith("\ufeff") == (delimiter == ";")


def test_ids_split_on_semicolons_never_make_a_formula_in_any_csv_the_tool_writes(tmp_path: Path) -> None:
    ids = ["X;=1+1", "X;@SUM(1+1)", "Y;+3", "Z;-4"]
    path = tmp_path / "in.jsonl"  # JSON Lines carries a `;` in an id as it is
    docs = [base_declaration(learner_id=i, fabrique_id=f"FAB-75;=1+{n}") for n, i in enumerate(ids)]
    docs += [base_declaration(learner_id=f"{i}r", revenu_brut_global="lots") for i in ids]
    path.write_text("".join(json.dumps(d) + "\n" for d in docs), encoding="utf-8")
    db = f"sqlite:///{tmp_path / 's.db'}"
    batch = cli("batch", str(path), "--db", db, "--rejected", str(tmp_path / "rejected.csv"))
    assert batch.exit_code == 0, batch.stderr
    report = cli("report", "--db", db, "--csv", str(tmp_path / "csv"), "--cash-flow", str(tmp_path / "cash.csv"),
                 "--json")
    assert report.exit_code == 0, report.stderr
    files = [tmp_path / "rejected.csv", tmp_path / "cash.csv", *sorted((tmp_path / "csv").glob("*.csv"))]
    seen = 0
    for file in files:
        text = file.read_text(encoding="utf-8")
        for cell in _split_like_french_excel(text):
            assert not cell.startswith(("=", "+", "-", "@")), f"{file.name}: {cell!r}"
        seen += text.count('"X;\'=1+1') + text.count('"FAB-75;\'=1+')
    assert seen >= 4  # the ids and fabriques are there, whole and quoted
