"""Fixtures of the web suite: the app of `aid-engine serve` around a fresh store, one user per role, and a
FastAPI TestClient; on SQLite and, when a server is given, PostgreSQL (the store suite's rule: skipped
without `$AID_ENGINE_TEST_PG_URL` unless `$AID_ENGINE_REQUIRE_PG` is set).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from strategies import base_declaration
from web_helpers import FABRIQUE, Served, serve_over, store_conftest


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh database: a SQLite file, or a PostgreSQL schema of its own (dropped afterwards)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'web.db'}"
        return
    module = store_conftest()
    schemas = module.PgSchemas(module.pg_base_url())
    try:
        yield schemas.new_url()
    finally:
        schemas.drop()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'web.db'}"


@pytest.fixture
def served(sqlite_url: str) -> Iterator[Served]:
    """The app over a fresh SQLite store, with users desk, finance, auditor, admin and other-desk."""
    yield from serve_over(sqlite_url)


@pytest.fixture
def served_on(db_url: str) -> Iterator[Served]:
    """The same on each backend."""
    yield from serve_over(db_url)


@pytest.fixture
def declaration() -> Callable[..., dict[str, Any]]:
    """`declaration(**changes)`: the base declaration of the desk user's fabrique, with changes."""
    return lambda **changes: base_declaration(**{"fabrique_id": FABRIQUE, **changes})
