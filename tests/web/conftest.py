"""Fixtures of the web suite: the app of `aid-engine serve` around a fresh store, one user per role, and a
FastAPI TestClient; on SQLite and, when a server is given, PostgreSQL (the store suite's rule: skipped
without `$AID_ENGINE_TEST_PG_URL` unless `$AID_ENGINE_REQUIRE_PG` is set).
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from fastapi.testclient import TestClient
from strategies import base_declaration

import aid_engine
from aid_engine.store import Store, open_store
from aid_engine.store.users import add_user
from aid_engine.web import create_app

ROOT = Path(__file__).resolve().parents[2]
FABRIQUE = "FAB-75-A"      # the desk user's fabrique
OTHER_FABRIQUE = "FAB-13-B"  # another desk's
ROLES = ("desk", "finance", "auditor", "admin")


def store_conftest() -> ModuleType:
    spec = importlib.util.spec_from_file_location("store_conftest_for_web", ROOT / "tests" / "store" / "conftest.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


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


@dataclass
class Served:
    """An app over a store, its client, and a token per user name."""

    store: Store
    client: TestClient
    tokens: dict[str, str] = field(default_factory=dict)

    def headers(self, who: str | None) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"} if who else {}

    def call(self, method: str, path: str, who: str | None, **kwargs: Any) -> Any:
        return self.client.request(method, path, headers={**self.headers(who), **kwargs.pop("headers", {})},
                                   **kwargs)


def serve_over(url: str) -> Iterator[Served]:
    store = open_store(url)
    app = create_app(store, aid_engine.default_rulebook())
    served = Served(store, TestClient(app, follow_redirects=False))
    for role in ROLES:
        fabriques = (FABRIQUE,) if role == "desk" else ()
        served.tokens[role] = add_user(store.engine, f"{role}-user", role, fabriques)[1]
    served.tokens["other-desk"] = add_user(store.engine, "other-desk-user", "desk", (OTHER_FABRIQUE,))[1]
    try:
        yield served
    finally:
        served.client.close()
        store.close()


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
