"""Fixtures of the store suite: a fresh database per test, on SQLite and, when a server is given, PostgreSQL.

`db_url` is parametrised: a SQLite file in the test's temporary directory, and a schema of its own in the
PostgreSQL database of `$AID_ENGINE_TEST_PG_URL` (dropped afterwards).  Without that variable the PostgreSQL
cases are skipped, with the reason, unless `$AID_ENGINE_REQUIRE_PG` is set (CI): then they fail.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url, text

from aid_engine.store import Store, open_store

PG_ENV = "AID_ENGINE_TEST_PG_URL"
REQUIRE_PG_ENV = "AID_ENGINE_REQUIRE_PG"
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def pg_base_url() -> str:
    """The PostgreSQL server of the run, or skip (fail under CI) when there is none."""
    url = os.environ.get(PG_ENV)
    if url:
        return url
    if os.environ.get(REQUIRE_PG_ENV):
        pytest.fail(f"{REQUIRE_PG_ENV} is set but {PG_ENV} is not: the PostgreSQL tests must run")
    pytest.skip(f"no PostgreSQL server: set {PG_ENV} (bash .ci/with-postgres.sh CMD starts one)")


def _in_schema(base: str, schema: str) -> str:
    url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False)


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A URL whose connections work in a fresh PostgreSQL schema, dropped after the test."""
    base = pg_base_url()
    schema = f"test_{uuid.uuid4().hex[:16]}"
    admin = create_engine(base)
    try:
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        yield _in_schema(base, schema)
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    finally:
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty database: SQLite file, or a PostgreSQL schema of its own."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.db'}"
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    """The store opened on a fresh database (schema created at the latest migration)."""
    opened = open_store(db_url)
    yield opened
    opened.close()


@pytest.fixture(scope="session")
def example_batch() -> Path:
    return EXAMPLES / "batch.csv"
