"""Fixtures of the robustness suite: the store suite's databases (SQLite, and PostgreSQL when
`$AID_ENGINE_TEST_PG_URL` is set — required under CI by `$AID_ENGINE_REQUIRE_PG`), a valid declaration to
spoil, a file writer.  Helpers are in `robust_helpers`."""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from robust_helpers import EXAMPLES, STORE_TESTS


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


@pytest.fixture(autouse=True)
def _english_messages(monkeypatch: pytest.MonkeyPatch) -> None:
    """This suite reads the commands' messages in English (`AID_ENGINE_LANG=en`, inherited by the commands it
    starts); the French view, the default, is checked by tests/test_french.py."""
    monkeypatch.setenv("AID_ENGINE_LANG", "en")
