"""The store's tables: declarations, audit_records, decisions, batch_runs, batch_lines.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_WHEN = sa.DateTime(timezone=True)


def _digest(name: str) -> sa.Column[str]:
    return sa.Column(name, sa.String(64), nullable=False)


def _text(name: str, length: int) -> sa.Column[str]:
    return sa.Column(name, sa.String(length), nullable=False)


def upgrade() -> None:
    op.create_table(
        "declarations",
        sa.Column("id", sa.Integer(), primary_key=True),
        _text("learner_id", 200),
        _digest("digest"),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("received_at", _WHEN, nullable=False),
        sa.Column("purged_at", _WHEN, nullable=True),
        sa.UniqueConstraint("digest", name="uq_declarations_digest"),
    )
    op.create_table(
        "audit_records",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        _text("kind", 20),
        _text("learner_id", 200),
        _digest("declaration_digest"),
        sa.Column("payload", sa.Text(), nullable=False),
        _text("ruleset_id", 100),
        _digest("ruleset_sha256"),
        _text("engine_version", 40),
        _text("operator", 200),
        _text("recorded_at", 32),
        _digest("prev_hash"),
        _digest("hash"),
    )
    op.create_table(
        "batch_runs",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("input_name", sa.Text(), nullable=False),
        _digest("input_sha256"),
        _digest("rules_fingerprint"),
        _text("operator", 200),
        _text("status", 20),
        sa.Column("started_at", _WHEN, nullable=False),
        sa.Column("finished_at", _WHEN, nullable=True),
        *(sa.Column(name, sa.Integer(), nullable=False)
          for name in ("lines_done", "rows_decided", "rows_rejected", "decisions_new")),
        _text("owner_host", 200),
        sa.Column("owner_pid", sa.Integer(), nullable=False),
    )
    op.create_table(
        "decisions",
        sa.Column("id", sa.Integer(), primary_key=True),
        _text("learner_id", 200),
        sa.Column("declaration_id", sa.Integer(), sa.ForeignKey("declarations.id"), nullable=False),
        _digest("declaration_digest"),
        _text("ruleset_id", 100),
        _digest("ruleset_sha256"),
        _text("engine_version", 40),
        _text("academic_year", 9),
        _text("status", 10),
        sa.Column("echelon", sa.String(4), nullable=True),
        sa.Column("points_de_charge", sa.Integer(), nullable=False),
        sa.Column("months", sa.Integer(), nullable=False),
        *(sa.Column(name, sa.BigInteger(), nullable=False)
          for name in ("annual_cents", "monthly_cents", "total_cents")),
        _text("lang", 2),
        sa.Column("audit_id", sa.Integer(), sa.ForeignKey("audit_records.id"), nullable=False),
        sa.Column("run_id", sa.Integer(), sa.ForeignKey("batch_runs.id"), nullable=True),
        _text("operator", 200),
        sa.Column("decided_at", _WHEN, nullable=False),
        sa.UniqueConstraint("learner_id", "declaration_digest", "ruleset_sha256", name="uq_decisions_idempotency"),
        sa.UniqueConstraint("audit_id", name="uq_decisions_audit_id"),
    )
    op.create_table(
        "batch_lines",
        sa.Column("run_id", sa.Integer(), sa.ForeignKey("batch_runs.id"), primary_key=True),
        sa.Column("line", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("decision_id", sa.Integer(), sa.ForeignKey("decisions.id"), nullable=False),
    )


def downgrade() -> None:
    for name in ("batch_lines", "decisions", "batch_runs", "audit_records", "declarations"):
        op.drop_table(name)
