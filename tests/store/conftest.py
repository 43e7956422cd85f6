"""Fixtures of the store suite: a fresh database per test, on SQLite and, when a server is given, PostgreSQL.

`db_url` is parametrised: a SQLite file in the test's temporary directory, and a schema of its own in the
PostgreSQL database of `$AID_ENGINE_TEST_PG_URL` (dropped afterwards).  Without that variable the PostgreSQL
cases are skipped, with the reason, unless `$AID_ENGINE_REQUIRE_PG` is set (CI): then they fail.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
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


class PgSchemas:
    """Fresh PostgreSQL schemas, each reached by its own URL; all dropped at the end of the test."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.admin = create_engine(base)
        self.schemas: list[str] = []

    def new_url(self) -> str:
        schema = f"test_{uuid.uuid4().hex[:16]}"
        with self.admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        self.schemas.append(schema)
        return _in_schema(self.base, schema)

    def drop(self) -> None:
        with self.admin.begin() as connection:
            for schema in self.schemas:
                connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        self.admin.dispose()


@pytest.fixture
def pg_schemas() -> Iterator[PgSchemas]:
    schemas = PgSchemas(pg_base_url())
    yield schemas
    schemas.drop()


@pytest.fixture
def pg_url(pg_schemas: PgSchemas) -> str:
    """A URL whose connections work in a fresh PostgreSQL schema, dropped after the test."""
    return pg_schemas.new_url()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def new_db(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[[], str]:
    """`new_db()`: the URL of a fresh, empty database on the backend of this case (call it for each one)."""
    if request.param == "sqlite":
        files = iter(range(1, 1000))
        return lambda: f"sqlite:///{tmp_path / f'store{next(files)}.db'}"
    return request.getfixturevalue("pg_schemas").new_url  # type: ignore[no-any-return]


@pytest.fixture
def db_url(new_db: Callable[[], str]) -> str:
    """A fresh, empty database: a SQLite file, or a PostgreSQL schema of its own."""
    return new_db()


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    """The store opened on a fresh database (schema created at the latest migration)."""
    opened = open_store(db_url)
    yield opened
    opened.close()


@pytest.fixture(scope="session")
def example_batch() -> Path:
    return EXAMPLES / "batch.csv"


@pytest.fixture(autouse=True)
def _english_messages(monkeypatch: pytest.MonkeyPatch) -> None:
    """This suite reads the commands' messages in English (`AID_ENGINE_LANG=en`, inherited by the commands it
    starts); the French view, the default, is checked by tests/test_french.py."""
    monkeypatch.setenv("AID_ENGINE_LANG", "en")
