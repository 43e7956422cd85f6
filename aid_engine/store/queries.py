"""Reading the store: one stored decision with its declaration, a learner's audit history.

Read only.  A stored decision is rebuilt from its audit record (the decision JSON is kept there, once, under
the chain's hash) and its declaration from the `declarations` table.  It must never change a row.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, select

from ..errors import NotFound
from .tables import audit_records, decisions, declarations

PAGE = 500


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

    @property
    def status(self) -> str:
        return str(self.decision["status"])


def _decision_query() -> Any:
    d, a, x = decisions.c, audit_records.c, declarations.c
    return (
        select(d.id, d.learner_id, d.audit_id, d.ruleset_id, d.ruleset_sha256, d.engine_version, d.lang,
               d.declaration_digest, a.payload.label("decision_json"), x.payload.label("declaration_json"),
               x.purged_at)
        .join_from(decisions, audit_records, d.audit_id == a.id)
        .join(declarations, d.declaration_id == x.id)
    )


def _stored(row: Any) -> StoredDecision:
    declaration = None if row["purged_at"] is not None else json.loads(row["declaration_json"])
    return StoredDecision(
        id=row["id"], learner_id=row["learner_id"], audit_id=row["audit_id"], ruleset_id=row["ruleset_id"],
        ruleset_sha256=row["ruleset_sha256"], engine_version=row["engine_version"], lang=row["lang"],
        declaration_digest=row["declaration_digest"], decision=json.loads(row["decision_json"]),
        declaration=declaration,
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
    """A learner's decisions, oldest first."""
    rows = connection.execute(
        _decision_query().where(decisions.c.learner_id == learner_id).order_by(decisions.c.id)
    ).mappings()
    return [_stored(row) for row in rows]


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


def learner_history(engine: Engine, learner_id: str) -> list[HistoryEntry]:
    """Every audit record of a learner, in chain order; `NotFound` if the store has none."""
    a, d = audit_records.c, decisions.c
    with engine.connect() as connection:
        rows = connection.execute(
            select(a.id, a.kind, a.recorded_at, a.operator, a.ruleset_id, a.payload, d.id.label("decision_id"))
            .join_from(audit_records, decisions, d.audit_id == a.id, isouter=True)
            .where(a.learner_id == learner_id).order_by(a.id)
        ).mappings().all()
    if not rows:
        raise NotFound(f"no audit record for learner {learner_id}")
    return [_entry(row) for row in rows]


def _entry(row: Any) -> HistoryEntry:
    payload = json.loads(row["payload"])
    decision_id = row["decision_id"] if row["decision_id"] is not None else payload.get("decision_id")
    return HistoryEntry(row["id"], row["kind"], row["recorded_at"], row["operator"], row["ruleset_id"],
                        decision_id, payload)
