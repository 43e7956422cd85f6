"""Format 2 of the audit trail: keyed declaration digests, records that bind every stored fact, rule sets archived.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02

Adds to `audit_records` the record format (1 for every record already there, which keep verifying as they
were written) and what a format-2 record binds besides (decision id, run and line, language, keyed digest of
the decision JSON); to `declarations` the declaration's secret (none for format-1 declarations, whose digest
stays the plain sha256 their records bind); the `rulesets` archive.  Then the chain goes on in format 2: one
`run` record per finished batch run binds that run's counts and lines, as every run finished from now on.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("audit_records", sa.Column("format", sa.Integer(), nullable=False, server_default="1"))
    op.add_column("audit_records", sa.Column("decision_id", sa.Integer(), nullable=True))
    op.add_column("audit_records", sa.Column("run_id", sa.Integer(), nullable=True))
    op.add_column("audit_records", sa.Column("line", sa.Integer(), nullable=True))
    op.add_column("audit_records", sa.Column("lang", sa.String(2), nullable=True))
    op.add_column("audit_records", sa.Column("decision_digest", sa.String(64), nullable=True))
    op.add_column("declarations", sa.Column("secret", sa.LargeBinary(), nullable=True))
    op.create_table(
        "rulesets",
        sa.Column("sha256", sa.String(64), primary_key=True),
        sa.Column("ruleset_id", sa.String(100), nullable=False),
        sa.Column("files", sa.Text(), nullable=False),
    )
    from aid_engine.store.runs import record_finished_runs

    record_finished_runs(op.get_bind(), operator="db upgrade")


def downgrade() -> None:
    raise NotImplementedError("format 2 records cannot be turned back into format 1: restore a backup")
