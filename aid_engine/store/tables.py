"""The store's tables (sqlmodel), exactly as the latest migration in `aid_engine/migrations/` creates them.

- `declarations`: each distinct declaration once, as received (validated, canonical JSON), keyed by its digest
  (format 2: HMAC-SHA256 keyed with `secret`, the declaration's own random secret; format 1: plain sha256).
  The only table holding personal data; the purge blanks the personal fields, destroys `secret` and sets
  `purged_at` (the audit chain binds the keyed digest, never the data, so a purge leaves it verifiable).
- `audit_records`: the append-only hash chain; `id` is the position in the chain (1, 2, 3 …), `format` the
  record format (`store.records`).  A format-2 `decision` record's payload is the decision's outcome and
  training; a format-1 one's the full decision JSON; a `recovery`, `purge` or `run` record's payload says what
  it records.
- `rulesets`: the exact files of every rule set a decision used, once, by sha256.
- `decisions`: one row per decision, the queryable columns (status, échelon, amounts in integer cents) and the
  audit record that holds its JSON.  UNIQUE (learner_id, declaration_digest, ruleset_sha256): the idempotency
  key, so no concurrent writer can store a decision twice.
- `batch_runs` and `batch_lines`: each run of `aid-engine batch`, its checkpoint (last file line committed)
  and which decision each input line gave.

Money is integer cents, never a float.  No other table name may contain "decision" or "audit".  This module
must never open a connection: it only describes.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, ForeignKey, Integer, LargeBinary, Table, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

DIGEST = 64
LEARNER = 200


class DeclarationRow(SQLModel, table=True):
    """A declaration as received, once per distinct content."""

    __tablename__ = "declarations"
    __table_args__ = (UniqueConstraint("digest", name="uq_declarations_digest"),)

    id: int | None = Field(default=None, primary_key=True)
    learner_id: str = Field(max_length=LEARNER, index=True)
    digest: str = Field(max_length=DIGEST)
    payload: str = Field(sa_type=Text)
    received_at: datetime
    purged_at: datetime | None = None
    secret: bytes | None = Field(default=None, sa_type=LargeBinary)


class AuditRecordRow(SQLModel, table=True):
    """One link of the hash chain; never updated, never deleted (database triggers refuse it)."""

    __tablename__ = "audit_records"

    id: int = Field(sa_column=Column(Integer, primary_key=True, autoincrement=False))
    kind: str = Field(max_length=20)
    learner_id: str = Field(max_length=LEARNER, index=True)
    declaration_digest: str = Field(max_length=DIGEST)
    payload: str = Field(sa_type=Text)
    ruleset_id: str = Field(max_length=100)
    ruleset_sha256: str = Field(max_length=DIGEST)
    engine_version: str = Field(max_length=40)
    operator: str = Field(max_length=200)
    recorded_at: str = Field(max_length=32)
    prev_hash: str = Field(max_length=DIGEST)
    hash: str = Field(max_length=DIGEST)
    format: int = Field(default=1)
    decision_id: int | None = None
    run_id: int | None = None
    line: int | None = None
    lang: str | None = Field(default=None, max_length=2)
    decision_digest: str | None = Field(default=None, max_length=DIGEST)


class RulesetRow(SQLModel, table=True):
    """The files of a rule set, exactly as read, stored once by the sha256 the loader gives them."""

    __tablename__ = "rulesets"

    sha256: str = Field(max_length=DIGEST, primary_key=True)
    ruleset_id: str = Field(max_length=100)
    files: str = Field(sa_type=Text)


class BatchRunRow(SQLModel, table=True):
    """A run of `aid-engine batch` over one input file with one rule book."""

    __tablename__ = "batch_runs"

    id: int | None = Field(default=None, primary_key=True)
    input_name: str = Field(sa_type=Text)
    input_sha256: str = Field(max_length=DIGEST, index=True)
    rules_fingerprint: str = Field(max_length=DIGEST)
    operator: str = Field(max_length=200)
    status: str = Field(max_length=20)
    started_at: datetime
    finished_at: datetime | None = None
    lines_done: int = 0
    rows_decided: int = 0
    rows_rejected: int = 0
    decisions_new: int = 0
    owner_host: str = Field(default="", max_length=200)
    owner_pid: int = Field(default=0)


class DecisionRow(SQLModel, table=True):
    """A decision: the columns to query, the audit record holding its JSON, the idempotency key."""

    __tablename__ = "decisions"
    __table_args__ = (
        UniqueConstraint("learner_id", "declaration_digest", "ruleset_sha256", name="uq_decisions_idempotency"),
        UniqueConstraint("audit_id", name="uq_decisions_audit_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    learner_id: str = Field(max_length=LEARNER, index=True)
    declaration_id: int = Field(foreign_key="declarations.id")
    declaration_digest: str = Field(max_length=DIGEST)
    ruleset_id: str = Field(max_length=100)
    ruleset_sha256: str = Field(max_length=DIGEST)
    engine_version: str = Field(max_length=40)
    academic_year: str = Field(max_length=9)
    status: str = Field(max_length=10)
    echelon: str | None = Field(default=None, max_length=4)
    points_de_charge: int
    months: int
    annual_cents: int = Field(sa_type=BigInteger)
    monthly_cents: int = Field(sa_type=BigInteger)
    total_cents: int = Field(sa_type=BigInteger)
    lang: str = Field(max_length=2)
    audit_id: int = Field(sa_column=Column(Integer, ForeignKey("audit_records.id"), nullable=False))
    run_id: int | None = Field(default=None, foreign_key="batch_runs.id", index=True)
    operator: str = Field(max_length=200)
    decided_at: datetime = Field(index=True)


class BatchLineRow(SQLModel, table=True):
    """Which decision line `line` of a run's input gave (rejected lines have no row)."""

    __tablename__ = "batch_lines"

    run_id: int = Field(sa_column=Column(Integer, ForeignKey("batch_runs.id"), primary_key=True))
    line: int = Field(sa_column=Column(Integer, primary_key=True, autoincrement=False))
    decision_id: int = Field(sa_column=Column(Integer, ForeignKey("decisions.id"), nullable=False, index=True))


def table(name: str) -> Table:
    """The SQLAlchemy table of one of the store's tables, for Core statements."""
    return SQLModel.metadata.tables[name]


metadata = SQLModel.metadata
declarations = table("declarations")
audit_records = table("audit_records")
decisions = table("decisions")
batch_runs = table("batch_runs")
batch_lines = table("batch_lines")
rulesets = table("rulesets")

# The users of `aid-engine serve` live in their own module; imported here so that the schema is one metadata.
from .users import UserRow  # noqa: E402

users = table("users")

__all__ = [
    "AuditRecordRow",
    "BatchLineRow",
    "BatchRunRow",
    "DecisionRow",
    "DeclarationRow",
    "RulesetRow",
    "UserRow",
    "audit_records",
    "batch_lines",
    "batch_runs",
    "decisions",
    "declarations",
    "metadata",
    "rulesets",
    "users",
]

# The checkpoints' tables are described beside the code that uses them; imported here so that the store's
# metadata (what the migrations are checked against) holds every table.
from ..audit import tables as _checkpoint_tables  # noqa: E402

del _checkpoint_tables
