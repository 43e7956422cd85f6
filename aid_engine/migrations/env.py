"""Alembic environment: runs the revisions on the connection `aid_engine.store.database` hands over.

It never opens a connection of its own and never reads an ini file: the caller owns the connection, its
transaction and its locks.
"""

from __future__ import annotations

from alembic import context

from aid_engine.store.tables import metadata


def run() -> None:
    connection = context.config.attributes["connection"]
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


run()
