"""Migrations: an empty database gets the latest schema, one made by the previous revision upgrades with its
data, an outdated one is refused until `db upgrade`, and the tables the code uses are the ones migrated."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text

from aid_engine import StoreError
from aid_engine.store import database, open_store
from aid_engine.store.tables import metadata


def test_an_empty_database_gets_the_latest_schema(db_url: str) -> None:
    store = open_store(db_url)
    try:
        with store.engine.connect() as c:
            assert database.current_revision(c) == database.head_revision()
            tables = set(c.dialect.get_table_names(c))
        assert set(database.STORE_TABLES) <= tables
        assert not [t for t in tables - set(database.STORE_TABLES) if "decision" in t or "audit" in t]
    finally:
        store.close()


def test_the_migrated_schema_is_the_schema_of_the_tables_the_code_uses(db_url: str) -> None:
    store = open_store(db_url)
    try:
        with store.engine.connect() as c:
            drift = compare_metadata(MigrationContext.configure(c), metadata)
    finally:
        store.close()
    assert drift == []


def test_upgrading_a_database_at_the_latest_revision_changes_nothing(db_url: str) -> None:
    open_store(db_url).close()
    engine = database.create(db_url)
    try:
        head = database.head_revision()
        assert database.upgrade(engine) == (head, head)
    finally:
        engine.dispose()


def test_a_database_made_by_a_newer_release_is_refused(db_url: str) -> None:
    open_store(db_url).close()
    engine = database.create(db_url)
    try:
        with engine.begin() as c:
            c.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    finally:
        engine.dispose()
    with pytest.raises(StoreError, match="newer release"):
        open_store(db_url)


@pytest.mark.parametrize(("url", "words"), [
    ("mysql://user@host/db", "only sqlite"),
    ("not a url", "not a database URL"),
    ("sqlite:////nonexistent-directory/aid.db", "cannot open the database"),
])
def test_a_database_that_cannot_be_opened_is_a_store_error_naming_it(url: str, words: str) -> None:
    with pytest.raises(StoreError, match=words):
        open_store(url)


def test_a_password_never_appears_in_a_message() -> None:
    with pytest.raises(StoreError) as caught:
        open_store("postgresql+psycopg://gen:s3cret@127.0.0.1:1/aid?connect_timeout=2")
    assert "s3cret" not in str(caught.value) and "***" in str(caught.value)
