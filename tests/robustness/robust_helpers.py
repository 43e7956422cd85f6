"""Helpers of the robustness suite: the command line in process and as a subprocess, a scan for traceback
text, CSV lines of a valid declaration to spoil, the paths of the project."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

from strategies import base_declaration
from typer.testing import CliRunner

from aid_engine.models import DECLARATION_FIELDS

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
STORE_TESTS = ROOT / "tests" / "store"
for where in (STORE_TESTS, EXAMPLES):
    if str(where) not in sys.path:
        sys.path.insert(0, str(where))

runner = CliRunner(env={"COLUMNS": "240", "NO_COLOR": "1", "TERM": "dumb"})
TRACEBACK_WORDS = ("Traceback", 'File "', "internal error")
HEADER = ";".join(DECLARATION_FIELDS)


def cli(*args: str) -> Any:
    """`aid-engine ARGS` in process (typer's CliRunner); stdout and stderr apart."""
    from aid_engine.cli import app

    return runner.invoke(app, list(args))


def aid_engine_process(*args: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    """`aid-engine ARGS` as its own process."""
    return subprocess.run([sys.executable, "-m", "aid_engine", *args], capture_output=True, text=True,
                          timeout=timeout, check=False)


def assert_clean_failure(output: str) -> None:
    """A failure said in words: no traceback, no internal error."""
    for word in TRACEBACK_WORDS:
        assert word not in output, output[-2000:]


def csv_row(**changes: str | None) -> dict[str, str | None]:
    """The base declaration as CSV cells, with `changes` (None removes the column)."""
    row = {k: ("true" if v is True else "false" if v is False else str(v)) for k, v in base_declaration().items()}
    row.update(changes)
    return {k: v for k, v in row.items() if v is not None}


def csv_line(**changes: str) -> str:
    """One `;` CSV line of the base declaration in the order of HEADER, with `changes`."""
    row = csv_row(**changes)
    return ";".join(row.get(f, "") or "" for f in DECLARATION_FIELDS)
