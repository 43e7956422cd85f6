"""Audit records become append-only in the database itself (triggers), and the lookup indices.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23

SQLite: BEFORE UPDATE and BEFORE DELETE triggers that abort.  PostgreSQL: a trigger function raising an
exception, fired before UPDATE, DELETE (per row) and TRUNCATE (per statement).  The hash chain detects
what a database administrator does after dropping them; the triggers stop everyone else.
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

MESSAGE = "audit_records are append-only: a record is never updated or deleted"

_INDICES = (
    ("ix_declarations_learner_id", "declarations", "learner_id"),
    ("ix_audit_records_learner_id", "audit_records", "learner_id"),
    ("ix_decisions_learner_id", "decisions", "learner_id"),
    ("ix_decisions_run_id", "decisions", "run_id"),
    ("ix_decisions_decided_at", "decisions", "decided_at"),
    ("ix_batch_runs_input_sha256", "batch_runs", "input_sha256"),
    ("ix_batch_lines_decision_id", "batch_lines", "decision_id"),
)

_SQLITE = (
    f"CREATE TRIGGER audit_records_no_update BEFORE UPDATE ON audit_records "
    f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END",
    f"CREATE TRIGGER audit_records_no_delete BEFORE DELETE ON audit_records "
    f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END",
)

_POSTGRESQL = (
    "CREATE FUNCTION audit_records_append_only() RETURNS trigger LANGUAGE plpgsql AS "
    f"$$ BEGIN RAISE EXCEPTION '{MESSAGE}'; END $$",
    "CREATE TRIGGER audit_records_no_update BEFORE UPDATE OR DELETE ON audit_records "
    "FOR EACH ROW EXECUTE FUNCTION audit_records_append_only()",
    "CREATE TRIGGER audit_records_no_truncate BEFORE TRUNCATE ON audit_records "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_records_append_only()",
)


def upgrade() -> None:
    for name, table, column in _INDICES:
        op.create_index(name, table, [column])
    dialect = op.get_bind().dialect.name
    for statement in _POSTGRESQL if dialect == "postgresql" else _SQLITE if dialect == "sqlite" else ():
        op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute("DROP TRIGGER audit_records_no_truncate ON audit_records")
        op.execute("DROP TRIGGER audit_records_no_update ON audit_records")
        op.execute("DROP FUNCTION audit_records_append_only()")
    elif dialect == "sqlite":
        op.execute("DROP TRIGGER audit_records_no_update")
        op.execute("DROP TRIGGER audit_records_no_delete")
    for name, table, _ in reversed(_INDICES):
        op.drop_index(name, table_name=table)
