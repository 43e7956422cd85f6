"""Fixtures of the robustness suite: the store suite's databases (SQLite, and PostgreSQL when
`$AID_ENGINE_TEST_PG_URL` is set — required under CI by `$AID_ENGINE_REQUIRE_PG`), a valid declaration to
spoil, the command line in process and as a subprocess, and a scan for traceback text."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
STORE_TESTS = ROOT / "tests" / "store"
for where in (STORE_TESTS, EXAMPLES):
    if str(where) not in sys.path:
        sys.path.insert(0, str(where))


def _store_conftest() -> Any:
    spec = importlib.util.spec_from_file_location("store_conftest", STORE_TESTS / "conftest.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_store = _store_conftest()
# The store suite's database fixtures, shared as they are (one fresh database or schema per test).
pg_schemas = _store.pg_schemas
pg_url = _store.pg_url
new_db = _store.new_db
db_url = _store.db_url
store = _store.store
pg_base_url = _store.pg_base_url
PgSchemas = _store.PgSchemas

runner = CliRunner(env={"COLUMNS": "240", "NO_COLOR": "1", "TERM": "dumb"})
TRACEBACK_WORDS = ("Traceback", 'File "', "internal error")


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


@pytest.fixture
def declaration() -> dict[str, Any]:
    """A valid declaration (the granted échelon 7 example), JSON-shaped, to spoil field by field."""
    data: dict[str, Any] = json.loads((EXAMPLES / "granted_echelon_7.json").read_text(encoding="utf-8"))
    return data


@pytest.fixture
def write_file(tmp_path: Path) -> Callable[[str, bytes], Path]:
    def write(name: str, content: bytes) -> Path:
        path = tmp_path / name
        path.write_bytes(content)
        return path

    return write
