"""Checkpoints: the store's id (written once, here) and the table of signed checkpoints.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02

`store_identity` holds one row, the store id that names the store in every checkpoint's origin line
(`aid-engine/<store id>`); a new store gets it when it is created, an older one when it is upgraded.
`checkpoints` keeps each signed checkpoint.  Both are append-only in the database (triggers, as for
`audit_records`): a checkpoint is never rewritten; the copies kept outside the store are what an attacker
cannot reach.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_WHEN = sa.DateTime(timezone=True)
_TABLES = ("store_identity", "checkpoints")
MESSAGE = "checkpoints and the store id are append-only: never updated or deleted"


def _sqlite(table: str) -> tuple[str, ...]:
    return tuple(f"CREATE TRIGGER {table}_no_{verb} BEFORE {verb.upper()} ON {table} "
                 f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END" for verb in ("update", "delete"))


def _postgresql(table: str) -> tuple[str, ...]:
    return (f"CREATE TRIGGER {table}_no_update BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION checkpoints_append_only()",
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION checkpoints_append_only()")


def upgrade() -> None:
    identity = op.create_table(
        "store_identity",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("store_id", sa.String(64), nullable=False),
        sa.Column("created_at", _WHEN, nullable=False),
    )
    op.create_table(
        "checkpoints",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("tree_size", sa.BigInteger(), nullable=False),
        sa.Column("root_hash", sa.String(64), nullable=False),
        sa.Column("compact_range", sa.Text(), nullable=False),
        sa.Column("key_name", sa.String(200), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", _WHEN, nullable=False),
    )
    op.create_index("ix_checkpoints_tree_size", "checkpoints", ["tree_size"])
    op.bulk_insert(identity, [{"id": 1, "store_id": str(uuid.uuid4()), "created_at": datetime.now(UTC)}])
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute("CREATE FUNCTION checkpoints_append_only() RETURNS trigger LANGUAGE plpgsql AS "
                   f"$$ BEGIN RAISE EXCEPTION '{MESSAGE}'; END $$")
        for table in _TABLES:
            for statement in _postgresql(table):
                op.execute(statement)
    elif dialect == "sqlite":
        for table in _TABLES:
            for statement in _sqlite(table):
                op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for table in _TABLES:
        if dialect == "postgresql":
            op.execute(f"DROP TRIGGER {table}_no_truncate ON {table}")
            op.execute(f"DROP TRIGGER {table}_no_update ON {table}")
        elif dialect == "sqlite":
            op.execute(f"DROP TRIGGER {table}_no_update")
            op.execute(f"DROP TRIGGER {table}_no_delete")
    if dialect == "postgresql":
        op.execute("DROP FUNCTION checkpoints_append_only()")
    op.drop_index("ix_checkpoints_tree_size", table_name="checkpoints")
    op.drop_table("checkpoints")
    op.drop_table("store_identity")
