"""The users of `aid-engine serve`: a name, a role, the fabriques of a desk user, and the hash of a token.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02

No token is stored, only its SHA-256; a revoked user keeps its row (names stay unique).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("role", sa.String(10), nullable=False),
        sa.Column("fabriques", sa.String(4000), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("signin_hash", sa.String(64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("name"),
        sa.UniqueConstraint("token_hash"),
        sa.UniqueConstraint("signin_hash"),
    )


def downgrade() -> None:
    op.drop_table("users")
