"""The store: decisions that last, with their declarations, an audit hash chain and the batch runs.

    store = open_store("sqlite:///aid_engine.db")       # or postgresql+psycopg://…; None: the default
    saved = store.save(declaration, decision, operator="jdupont")
    store.verify()                                      # AuditChainBroken names the first bad record

SQLite by default (`aid_engine.db` in the working directory, or `$AID_ENGINE_DB`), PostgreSQL by URL.  The
tables are described in `store.tables`, the chain in `store.canonical` and `store.chain`, the locks in
`store.database`.  This package is an edge of aid_engine: the decision core never imports it.  It must never
update or delete an audit record, never store money as a float, and never put a declaration's values in a
log or an error message (learner_id only).
"""

from __future__ import annotations

import getpass
import os
from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass

from sqlalchemy import Engine

from ..models import Decision, Declaration
from . import database
from .chain import ChainReport, verify
from .database import DB_ENV, DEFAULT_URL, shown_url, url_of
from .writer import Checkpoint, ChunkResult, Decided, write_chunk


def default_operator() -> str:
    """The OS user running the command (what `--operator` defaults to)."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name in the environment nor in the password database
        return f"uid-{os.getuid()}"


@dataclass(frozen=True, slots=True)
class Saved:
    """A decision stored (`created`) or found already stored under its idempotency key."""

    decision_id: int
    created: bool


class Store:
    """An opened store: its URL and engine; every method is one or a few transactions."""

    def __init__(self, engine: Engine, url: str) -> None:
        self.engine = engine
        self.url = url

    @property
    def shown_url(self) -> str:
        return shown_url(self.url)

    def errors(self, doing: str) -> AbstractContextManager[None]:
        """A context turning database errors into `StoreError`s naming this store and `doing`."""
        return database.db_errors(self.url, doing)

    def save(self, declaration: Declaration, decision: Decision, *, operator: str, lang: str = "fr") -> Saved:
        """Persist one decision with its declaration and audit record (nothing new if already stored)."""
        with self.errors(f"save the decision of learner {declaration.learner_id}"):
            result = write_chunk(self.engine, [Decided.of(declaration, decision)], operator=operator, lang=lang)
        return Saved(result.decision_ids[0], created=result.new == 1)

    def write(self, items: Sequence[Decided], *, operator: str, lang: str = "fr",
              checkpoint: Checkpoint | None = None) -> ChunkResult:
        """Persist a chunk of decisions in one transaction (see `store.writer.write_chunk`)."""
        with self.errors("store a chunk of decisions"):
            return write_chunk(self.engine, items, operator=operator, lang=lang, checkpoint=checkpoint)

    def refresh_statistics(self) -> None:
        """Let PostgreSQL's planner know how big the tables grew (a batch grows them faster than autovacuum
        looks): without it, it may scan whole tables to find a chunk's existing decisions."""
        if self.engine.dialect.name != "postgresql":
            return
        with self.errors("refresh the table statistics"), self.engine.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(
                "ANALYZE declarations, decisions, batch_lines")

    def verify(self) -> ChainReport:
        """Walk the audit chain and check the tables against it; `AuditChainBroken` at the first failure."""
        with self.errors("verify the audit trail"):
            return verify(self.engine)

    def close(self) -> None:
        self.engine.dispose()


def open_store(db: str | None = None, *, migrate: bool = True, read_only: bool = False,
               lang: str | None = None) -> Store:
    """Open the store at `db` (else `$AID_ENGINE_DB`, else `sqlite:///aid_engine.db`).

    An empty database gets the latest schema; one at an older revision is refused until `db upgrade`.
    `migrate=False` opens without looking at the schema (for `db upgrade` itself).  `read_only=True` (the
    commands that only read) never creates anything: a SQLite file that does not exist, or a database
    without the store's schema, is a `StoreError` « aucune base à … » (in English with `lang="en"`).
    """
    url = url_of(db)
    lang = lang or os.environ.get("AID_ENGINE_LANG") or "fr"
    if read_only:
        database.refuse_missing(url, lang)
    engine = database.create(url)
    if migrate:
        try:
            database.ensure_schema(engine, create=not read_only, lang=lang)
        except BaseException:
            engine.dispose()
            raise
    return Store(engine, url)


__all__ = [
    "DB_ENV",
    "DEFAULT_URL",
    "ChainReport",
    "Checkpoint",
    "ChunkResult",
    "Decided",
    "Saved",
    "Store",
    "default_operator",
    "open_store",
    "url_of",
]
