"""Opening the store: the URL, the engine, the schema at the latest migration, the write lock.

`--db URL` wins, then `$AID_ENGINE_DB`, then `sqlite:///aid_engine.db` in the working directory.  SQLite and
PostgreSQL only (the append-only triggers exist for those two).  An empty database gets the schema of the
latest Alembic revision; a database at an older revision is refused until `aid-engine db upgrade`.

Writes that touch the audit chain run in `write_transaction`: SQLite `BEGIN IMMEDIATE` (the database's one
writer lock, taken before the chain's head is read) and on PostgreSQL `pg_advisory_xact_lock` (held until
commit), so concurrent writers never fork the chain.  Error messages name the database with its password
hidden and never carry a row's values; nor do SQLAlchemy's logs at any level (parameters hidden, rows dropped).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, inspect, make_url, text
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError

from ..errors import StoreError

DB_ENV = "AID_ENGINE_DB"
DEFAULT_URL = "sqlite:///aid_engine.db"
MIGRATIONS = "aid_engine:migrations"
STORE_TABLES = ("declarations", "audit_records", "decisions", "batch_runs", "batch_lines", "rulesets")
# Advisory lock keys (PostgreSQL): one for the audit chain, one for migrations, one class for batch runs.
CHAIN_LOCK = 0x61696443  # "aidC"
MIGRATION_LOCK = 0x6169644D  # "aidM"
RUN_LOCK_CLASS = 0x61696452  # "aidR"
SQLITE_BUSY_MS = 120_000


def url_of(db: str | None) -> str:
    """The database URL: `--db`, else `$AID_ENGINE_DB`, else the SQLite file `aid_engine.db` here."""
    return db or os.environ.get(DB_ENV) or DEFAULT_URL


def shown_url(url: str) -> str:
    """The URL with its password hidden, for messages.

    >>> shown_url("postgresql+psycopg://gen:secret@db:5432/aid")
    'postgresql+psycopg://gen:***@db:5432/aid'
    """
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<unreadable database URL>"


def reason_of(exc: BaseException) -> str:
    """A database error's first line, without the statement or its parameters (they may hold personal data)."""
    orig = getattr(exc, "orig", None) or exc
    first = (str(orig).strip().splitlines() or [type(orig).__name__])[0]
    return first[:300]


@contextmanager
def db_errors(url: str, doing: str) -> Iterator[None]:
    """Turn the database library's errors into `StoreError`s that name the database and what was being done."""
    try:
        yield
    except SQLAlchemyError as exc:
        raise StoreError(f"{shown_url(url)}: cannot {doing}: {reason_of(exc)}") from exc


class _NoRows(logging.Filter):
    """SQLAlchemy's engine logger at DEBUG writes every result row, and rows hold declarations (personal data):
    those records are dropped.  Statements stay; their parameters are hidden by `hide_parameters=True`."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (isinstance(record.msg, str) and record.msg.startswith("Row "))


def _keep_rows_out_of_logs() -> None:
    engine_logger = logging.getLogger("sqlalchemy.engine.Engine")
    if not any(isinstance(f, _NoRows) for f in engine_logger.filters):
        engine_logger.addFilter(_NoRows())


def create(url: str) -> Engine:
    """An engine for a SQLite or PostgreSQL URL, SQLite set up for one writer at a time and WAL readers."""
    _keep_rows_out_of_logs()
    try:
        parsed = make_url(url)
        backend = parsed.get_backend_name()
        if backend not in ("sqlite", "postgresql"):
            raise StoreError(f"{shown_url(url)}: only sqlite:///FILE and postgresql+psycopg://… are supported")
        if backend == "sqlite":
            return _sqlite_engine(url)
        return create_engine(url, pool_pre_ping=True, hide_parameters=True)
    except (ArgumentError, NoSuchModuleError) as exc:
        raise StoreError(f"{shown_url(url)}: not a database URL ({reason_of(exc)}); "
                         "use sqlite:///FILE or postgresql+psycopg://USER:PASSWORD@HOST:PORT/DB") from exc


def _sqlite_engine(url: str) -> Engine:
    engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_MS / 1000}, hide_parameters=True)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # SQLAlchemy's "begin" event below says BEGIN, not pysqlite
        cursor = dbapi_connection.cursor()
        for pragma in ("foreign_keys=ON", f"busy_timeout={SQLITE_BUSY_MS}", "journal_mode=WAL",
                       "synchronous=NORMAL", "cache_size=-65536", "secure_delete=ON"):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        immediate = connection.get_execution_options().get("aid_write", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """A transaction holding the store's write lock: only one writer extends the audit chain at a time."""
    with engine.connect() as connection:
        connection.execution_options(aid_write=True)
        with connection.begin():
            if connection.dialect.name == "postgresql":
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": CHAIN_LOCK})
            yield connection


# -- migrations -----------------------------------------------------------------------------------------------


def _alembic_config(connection: Connection | None = None) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", MIGRATIONS)
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """The latest revision this release knows."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
    if head is None:  # pragma: no cover - the package always ships its revisions
        raise StoreError("no migration found in aid_engine/migrations")
    return head


def known_revisions() -> set[str]:
    from alembic.script import ScriptDirectory

    return {script.revision for script in ScriptDirectory.from_config(_alembic_config()).walk_revisions()}


def current_revision(connection: Connection) -> str | None:
    """The revision the database is at (None: never migrated)."""
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(connection).get_current_revision()


def _migration_lock(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})


def upgrade(engine: Engine, revision: str = "head") -> tuple[str | None, str | None]:
    """Bring the database to `revision` (default the latest); return (revision before, revision after)."""
    from alembic import command

    url = engine.url.render_as_string(hide_password=False)
    with db_errors(url, "upgrade the schema"), engine.connect() as connection:
        connection.execution_options(aid_write=True)
        with connection.begin():
            _migration_lock(connection)
            before = current_revision(connection)
            _refuse_foreign(connection, before, url)
            command.upgrade(_alembic_config(connection), revision)
            after = current_revision(connection)
    return before, after


def _refuse_foreign(connection: Connection, revision: str | None, url: str) -> None:
    if revision is not None and revision not in known_revisions():
        raise StoreError(f"{shown_url(url)}: schema revision {revision} was made by a newer release of "
                         "aid_engine; use that release")
    if revision is None and set(inspect(connection).get_table_names()) & set(STORE_TABLES):
        raise StoreError(f"{shown_url(url)}: holds store tables but no migration revision; "
                         "it was not made by aid_engine")


def no_database(url: str, lang: str) -> StoreError:
    """The error of a read-only command on a store that does not exist."""
    if lang == "en":
        return StoreError(f"no database at {shown_url(url)}: nothing to read (a command that only reads never "
                          "creates one)")
    return StoreError(f"aucune base à {shown_url(url)} : rien à lire (une commande qui ne fait que lire n'en "
                      "crée jamais)")


def refuse_missing(url: str, lang: str = "fr") -> None:
    """Raise `no_database` for a SQLite URL whose file does not exist (before any connection creates it)."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return  # `create` names the bad URL
    if parsed.get_backend_name() == "sqlite":
        name = parsed.database or ""
        if name in ("", ":memory:") or not os.path.isfile(name):
            raise no_database(url, lang)


def ensure_schema(engine: Engine, *, create: bool = True, lang: str = "fr") -> None:
    """Create the schema in an empty database (unless `create` is false: then it is `no_database`); refuse one
    at another revision than the latest."""
    url = engine.url.render_as_string(hide_password=False)
    head = head_revision()
    with db_errors(url, "open the database"), engine.connect() as connection:
        revision = current_revision(connection)
        connection.rollback()
    if revision == head:
        return
    if revision is None:
        if not create:
            raise no_database(url, lang)
        upgrade(engine)
        return
    _check_not_newer(revision, url)
    raise StoreError(f"{shown_url(url)}: the schema is at revision {revision}, this release needs {head}: "
                     f"run `aid-engine db upgrade --db URL` first")


def _check_not_newer(revision: str, url: str) -> None:
    if revision not in known_revisions():
        raise StoreError(f"{shown_url(url)}: schema revision {revision} was made by a newer release of "
                         "aid_engine; use that release")
