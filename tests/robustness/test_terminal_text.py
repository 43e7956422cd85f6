"""Text that reaches a terminal (issue 13): control characters (Unicode Cc, NUL included) and bidirectional
controls are refused at input in learner_id, fabrique_id and --operator (exit 2, or a rejected row — the same on
SQLite and PostgreSQL, where a NUL used to stop the whole batch), and escaped at output anyway by the one
function `text.for_terminal`: in `check`, `explain`, the terminal report, the batch summary, `recovery`,
`audit show` and the error line, whatever the store or a file name holds."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from robust_helpers import assert_clean_failure, cli, csv_row
from strategies import base_declaration

from aid_engine import default_rulebook, evaluate
from aid_engine.models import DECLARATION_FIELDS, Declaration
from aid_engine.text import for_terminal

CONTROLS = ["\x00", "\x07", "\x08", "\t", "\n", "\r", "\x1b", "\x7f", "\x85", "\x9b", "\u202a", "\u202e", "\u2066",
            "\u2069"]
ESCAPE_CLEAR = "GEN\x1b[2J\x1b[31m-1"
FORGED = "GEN-1\nrecord 999  forged line"


def _has_raw_control(text: str, keep_lines: bool = True) -> bool:
    return any(c in text for c in CONTROLS if not (keep_lines and c == "\n"))


@pytest.mark.parametrize("char", CONTROLS)
def test_for_terminal_shows_every_control_and_bidi_character_as_an_escape(char: str) -> None:
    shown = for_terminal(f"A{char}B")
    assert not _has_raw_control(shown, keep_lines=False)
    assert shown.startswith("A\\") and shown.endswith("B")


def test_for_terminal_keeps_printable_text_and_wanted_lines() -> None:
    assert for_terminal("GEN-2024 é € [bold]x[/bold]") == "GEN-2024 é € [bold]x[/bold]"
    assert for_terminal("a\nb", keep_lines=True) == "a\nb"
    assert for_terminal("a\nb") == "a\\x0ab"


# -- refused at input -------------------------------------------------------------------------------------------


def _batch_file(tmp_path: Path, rows: list[dict[str, str | None]], name: str = "in.csv") -> Path:
    path = tmp_path / name
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file, delimiter=";", lineterminator="\n")
        writer.writerow(DECLARATION_FIELDS)
        for row in rows:
            writer.writerow([row.get(f) or "" for f in DECLARATION_FIELDS])
    return path


@pytest.mark.parametrize("char", ["\x1b", "\x00", "\x9b", "\u202e", "\u2067", "\n"])
def test_operator_with_a_control_character_is_refused_with_exit_2(tmp_path: Path, char: str) -> None:
    declaration = tmp_path / "d.json"
    declaration.write_text(json.dumps(base_declaration()), encoding="utf-8")
    db = f"sqlite:///{tmp_path / 's.db'}"
    for args in (("check", str(declaration), "--save", "--db", db, "--operator", f"op{char}x"),
                 ("batch", str(_batch_file(tmp_path, [csv_row(learner_id="A")])), "--db", db,
                  "--operator", f"op{char}x")):
        result = cli(*args)
        assert result.exit_code == 2, (args[0], result.stdout, result.stderr)
        assert "--operator" in result.stderr
        assert_clean_failure(result.stderr)
    assert not (tmp_path / "s.db").exists() or cli("audit", "show", "A", "--db", db).stdout == ""


def test_a_nul_or_control_character_in_an_id_is_a_rejected_row_on_both_backends(tmp_path: Path, db_url: str) -> None:
    hostile = {"NUL\x00ID": "learner_id", "ESC\x1b[2J": "learner_id", FORGED: "learner_id",
               "BIDI\u202eDI": "learner_id"}
    rows = [csv_row(learner_id="GOOD-1")]
    rows += [csv_row(learner_id=value) for value in hostile]
    rows += [csv_row(learner_id="GOOD-2", fabrique_id="FAB\x00-75"), csv_row(learner_id="GOOD-3",
                                                                             fabrique_id="FAB\u2066-75")]
    path = _batch_file(tmp_path, rows)
    out, rejected = tmp_path / "out.jsonl", tmp_path / "rejected.csv"
    result = cli("batch", str(path), "--db", db_url, "--out", str(out), "--rejected", str(rejected))
    assert result.exit_code == 0, (result.stdout, result.stderr)
    assert [json.loads(line)["learner_id"] for line in out.read_text(encoding="utf-8").splitlines()] == ["GOOD-1"]
    with rejected.open(encoding="utf-8", newline="") as file:
        rejections = list(csv.DictReader(file))
    assert [r["field"] for r in rejections] == ["learner_id"] * 4 + ["fabrique_id"] * 2
    assert not any(_has_raw_control(r["learner_id"], keep_lines=False) for r in rejections)
    assert not _has_raw_control(result.stdout, keep_lines=True)
    assert not any(line.startswith("record 999") for line in result.stdout.splitlines())
    # The run is done: a second run over the same file finds nothing new and does not fail either.
    again = cli("batch", str(path), "--db", db_url)
    assert again.exit_code == 0, again.stderr


# -- escaped at output ------------------------------------------------------------------------------------------


def _hostile_decision(learner_id: str) -> Any:
    decision = evaluate(Declaration.parse(base_declaration()), default_rulebook())
    return decision.model_copy(update={"learner_id": learner_id})


@pytest.mark.parametrize("learner_id", [ESCAPE_CLEAR, FORGED, "GEN\u202e1-", "[link=http://x]GEN[/link]"])
def test_check_and_explain_rendering_escape_a_hostile_learner_id(learner_id: str) -> None:
    from aid_engine.cli.render import print_decision, print_trace

    decision = _hostile_decision(learner_id)
    buffer = io.StringIO()
    console = Console(file=buffer, width=200, color_system=None)
    print_decision(decision, console)
    print_trace(decision, console)
    text = buffer.getvalue()
    assert not _has_raw_control(text)
    assert "forged line" not in text or not any(line.startswith("record 999") for line in text.splitlines())
    if learner_id.startswith("[link"):
        assert "[link=http://x]" in text  # shown as it is, never read as rich markup


def test_the_terminal_report_escapes_a_hostile_cell() -> None:
    from aid_engine.report.tables import Table
    from aid_engine.report.terminal import rich_table

    table = Table(key="t", title="t", columns=("fabrique_id", "n"), numeric=(False, True),
                  rows=((ESCAPE_CLEAR, "1"), (FORGED, "2")))
    buffer = io.StringIO()
    Console(file=buffer, width=200, color_system=None).print(rich_table(table))
    assert not _has_raw_control(buffer.getvalue())
    assert "\\x1b[2J" in buffer.getvalue()


def test_audit_show_escapes_an_operator_that_the_library_let_through(tmp_path: Path) -> None:
    from aid_engine.store import open_store

    db = f"sqlite:///{tmp_path / 's.db'}"
    declaration = Declaration.parse(base_declaration(learner_id="GEN-9"))
    store = open_store(db)
    try:
        store.save(declaration, evaluate(declaration, default_rulebook()), operator="op\x1b[2J\nrecord 999 forged")
    finally:
        store.close()
    result = cli("audit", "show", "GEN-9", "--db", db)
    assert result.exit_code == 0, result.stderr
    assert len(result.stdout.splitlines()) == 1, result.stdout
    assert "\x1b" not in result.stdout and "op\\x1b[2J\\x0arecord 999" in result.stdout


@pytest.mark.parametrize("name", ["\x1b[2Jx.json", "a\nerror: forged.json", "x\u202enosj.json"])
def test_the_error_line_escapes_a_hostile_file_name(tmp_path: Path, name: str) -> None:
    result = cli("check", str(tmp_path / name))
    assert result.exit_code == 2
    assert not _has_raw_control(result.stderr.rstrip("\n"), keep_lines=False), repr(result.stderr)
    assert len(result.stderr.strip().splitlines()) == 1
