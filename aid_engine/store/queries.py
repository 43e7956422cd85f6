"""Reading the store: one stored decision with its declaration, a learner's audit history, and which
decisions are current.

Current and superseded (docs/policies.md « One current decision per learner and training »): a learner's
decisions for one training — same `learner_id`, same `training_start_date` — form a history; the latest
stored (the highest decision id) is current, the others are superseded by it (a corrected declaration, a
re-decision under other rules).  `history_of` is the one definition: the report, the cash flow, `diff`,
`recovery` and `audit show` all read it.  The training's start date is read from the stored declaration,
where a purge keeps it (it is the training's, not personal data).

Read only.  A stored decision is rebuilt from its audit record (the decision JSON is kept there, once, under
the chain's hash) and its declaration from the `declarations` table.  It must never change a row.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, cast, func, select
from sqlalchemy.dialects.postgresql import JSONB

from ..errors import NotFound
from .records import decision_view
from .tables import audit_records, decisions, declarations

PAGE = 500


def training_start_of(dialect: str) -> Any:
    """The SQL expression of a declaration's `training_start_date` (ISO text, NULL when blanked).

    The declaration is stored as canonical JSON text: PostgreSQL reads it as jsonb, SQLite with json_extract.
    """
    payload = declarations.c.payload
    if dialect == "postgresql":
        return cast(payload, JSONB)["training_start_date"].astext
    return func.json_extract(payload, "$.training_start_date")


def history_of(dialect: str) -> Any:
    """Every stored decision with its history's current decision: a subquery of `decision_id`, `learner_id`,
    `training_start` and `current_id` (the latest stored of the same learner and training start date).

    A decision is current when `current_id == decision_id`, superseded by `current_id` otherwise.
    """
    d = decisions.c
    start = training_start_of(dialect)
    return (
        select(d.id.label("decision_id"), d.learner_id, start.label("training_start"),
               func.max(d.id).over(partition_by=(d.learner_id, start)).label("current_id"))
        .join_from(decisions, declarations, d.declaration_id == declarations.c.id)
        .subquery("history")
    )


@dataclass(frozen=True, slots=True)
class Supersession:
    """A superseded decision: the current decision of its history, and why it replaced it — the declaration
    was corrected (`"correction"`), or the same declaration was decided under other rules (`"rules"`)."""

    current_id: int
    why: str


def superseded(connection: Connection) -> dict[int, Supersession]:
    """Every superseded decision of the store (the current ones are absent), read in one query."""
    h = history_of(connection.dialect.name)
    d, current = decisions.alias("superseded_decision"), decisions.alias("current_decision")
    rows = connection.execute(
        select(h.c.decision_id, h.c.current_id, d.c.declaration_id, current.c.declaration_id.label("current_decl"))
        .join_from(h, d, d.c.id == h.c.decision_id).join(current, current.c.id == h.c.current_id)
        .where(h.c.current_id != h.c.decision_id)
    )
    return {int(ident): Supersession(int(latest), "correction" if declaration != now else "rules")
            for ident, latest, declaration, now in rows}


def current_ids(connection: Connection, learner_id: str) -> dict[int, int]:
    """A learner's decisions, each with its history's current decision id (itself when it is current)."""
    h = history_of(connection.dialect.name)
    rows = connection.execute(
        select(h.c.decision_id, h.c.current_id).where(h.c.learner_id == learner_id)
    )
    return {int(ident): int(current) for ident, current in rows}


@dataclass(frozen=True, slots=True)
class StoredDecision:
    """A decision as stored: its row's key columns, its decision JSON and its declaration (None if purged)."""

    id: int
    learner_id: str
    audit_id: int
    ruleset_id: str
    ruleset_sha256: str
    engine_version: str
    lang: str
    declaration_digest: str
    decision: dict[str, Any]
    declaration: dict[str, Any] | None
    training: dict[str, Any]  # the declaration's fields a purge keeps: the training's dates among them
    superseded_by: int | None = None  # set by `learner_decisions` when a later decision of its history replaced it
    record_format: int = 1  # the format of its audit record (`store.records`)
    decision_digest: str = ""  # format 2: the keyed digest of the full decision JSON, trace included
    secret: bytes | None = None  # format 2: its declaration's secret, None once purged

    @property
    def status(self) -> str:
        return str(self.decision["status"])


def _decision_query() -> Any:
    d, a, x = decisions.c, audit_records.c, declarations.c
    return (
        select(d.id, d.learner_id, d.audit_id, d.ruleset_id, d.ruleset_sha256, d.engine_version, d.lang,
               d.declaration_digest, a.payload.label("decision_json"), x.payload.label("declaration_json"),
               x.purged_at, a.format.label("record_format"), a.decision_digest, x.secret)
        .join_from(decisions, audit_records, d.audit_id == a.id)
        .join(declarations, d.declaration_id == x.id)
    )


TRAINING_FIELDS = ("fabrique_id", "training_start_date", "training_end_date", "training_labelled")


def _stored(row: Any, current: dict[int, int] | None = None) -> StoredDecision:
    payload = json.loads(row["declaration_json"])
    declaration = None if row["purged_at"] is not None else payload
    latest = (current or {}).get(row["id"], row["id"])
    return StoredDecision(
        id=row["id"], learner_id=row["learner_id"], audit_id=row["audit_id"], ruleset_id=row["ruleset_id"],
        ruleset_sha256=row["ruleset_sha256"], engine_version=row["engine_version"], lang=row["lang"],
        declaration_digest=row["declaration_digest"],
        decision=decision_view({"payload": row["decision_json"], "format": row["record_format"], **{
            k: row[k] for k in ("learner_id", "ruleset_id", "ruleset_sha256", "engine_version")}}),
        declaration=declaration, training={k: payload[k] for k in TRAINING_FIELDS if k in payload},
        superseded_by=None if latest == row["id"] else latest, record_format=int(row["record_format"] or 1),
        decision_digest=row["decision_digest"] or "", secret=None if row["secret"] is None else bytes(row["secret"]),
    )


def stored_decision(connection: Connection, decision_id: int) -> StoredDecision:
    """The stored decision `decision_id`; `NotFound` if there is none."""
    row = connection.execute(_decision_query().where(decisions.c.id == decision_id)).mappings().first()
    if row is None:
        raise NotFound(f"no decision {decision_id} in the store")
    return _stored(row)


def all_decisions(engine: Engine) -> Iterator[StoredDecision]:
    """Every stored decision in id order, a page at a time."""
    last = 0
    with engine.connect() as connection:
        while True:
            rows = connection.execute(
                _decision_query().where(decisions.c.id > last).order_by(decisions.c.id).limit(PAGE)
            ).mappings().all()
            for row in rows:
                yield _stored(row)
            if len(rows) < PAGE:
                return
            last = rows[-1]["id"]


def learner_decisions(connection: Connection, learner_id: str) -> list[StoredDecision]:
    """A learner's decisions, oldest first, each marked current or superseded."""
    current = current_ids(connection, learner_id)
    rows = connection.execute(
        _decision_query().where(decisions.c.learner_id == learner_id).order_by(decisions.c.id)
    ).mappings()
    return [_stored(row, current) for row in rows]


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One audit record of a learner, with what it says."""

    record_id: int
    kind: str
    recorded_at: str
    operator: str
    ruleset_id: str
    decision_id: int | None
    payload: dict[str, Any]
    superseded_by: int | None = None  # a decision record's decision, when a later one of its history replaced it


def learner_history(engine: Engine, learner_id: str) -> list[HistoryEntry]:
    """Every audit record of a learner, in chain order; `NotFound` if the store has none."""
    a, d = audit_records.c, decisions.c
    with engine.connect() as connection:
        rows = connection.execute(
            select(a.id, a.kind, a.recorded_at, a.operator, a.ruleset_id, a.payload, d.id.label("decision_id"),
                   a.format, a.learner_id, a.ruleset_sha256, a.engine_version)
            .join_from(audit_records, decisions, d.audit_id == a.id, isouter=True)
            .where(a.learner_id == learner_id).order_by(a.id)
        ).mappings().all()
        current = current_ids(connection, learner_id)
    if not rows:
        raise NotFound(f"no audit record for learner {learner_id}")
    return [_entry(row, current) for row in rows]


def _entry(row: Any, current: dict[int, int]) -> HistoryEntry:
    payload = decision_view(row) if row["kind"] == "decision" else json.loads(row["payload"])
    decision_id = row["decision_id"] if row["decision_id"] is not None else payload.get("decision_id")
    latest = current.get(row["decision_id"]) if row["decision_id"] is not None else None
    return HistoryEntry(row["id"], row["kind"], row["recorded_at"], row["operator"], row["ruleset_id"],
                        decision_id, payload, latest if latest not in (None, row["decision_id"]) else None)
