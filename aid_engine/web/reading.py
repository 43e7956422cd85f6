"""Reading the store for the server, through the store's public functions, within what a user may see.

A desk user sees the decisions whose declaration names one of its fabriques; a decision or learner outside
them, or one that does not exist, is the same 403 (`access.forbidden`).  Other readers get 404 for what does
not exist.  Read only: this module must never write to the store.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from ..errors import NotFound
from ..store import Store, queries
from ..store.queries import StoredDecision
from ..store.replay import full_json
from ..store.users import User
from .access import fabrique_of, forbidden, not_found, sees_fabrique


def decision_for(store: Store, user: User, decision_id: int) -> StoredDecision:
    """The stored decision `decision_id` if the user may read it; 403 (desk) or 404 otherwise."""
    try:
        with store.errors(f"read decision {decision_id}"), store.engine.connect() as connection:
            stored = queries.stored_decision(connection, decision_id)
            # the full decision, trace included, as it was at decision time (format 2 keeps the outcome only)
            stored = replace(stored, decision=full_json(connection, stored))
    except NotFound:
        raise (forbidden() if user.role == "desk" else not_found("decision")) from None
    if not sees_fabrique(user, fabrique_of(stored)):
        raise forbidden()
    return stored


@dataclass(frozen=True, slots=True)
class HistoryRecord:
    """One record of a learner's history as the server shows it."""

    record_id: int
    kind: str
    recorded_at: str
    operator: str
    decision_id: int | None
    current: bool | None
    payload: dict[str, Any]

    def json(self) -> dict[str, Any]:
        return {"record_id": self.record_id, "kind": self.kind, "recorded_at": self.recorded_at,
                "operator": self.operator, "decision_id": self.decision_id, "current": self.current,
                "payload": self.payload}


def history_for(store: Store, user: User, learner_id: str) -> list[HistoryRecord]:
    """A learner's audit records the user may see, oldest first; 403 (desk) or 404 when there are none.

    A decision is `current` when it is the latest stored for its training (learner + training start date):
    docs/policies.md « One current decision per learner and training »; the others are superseded.
    """
    with store.errors(f"read the history of learner {learner_id}"):
        with store.engine.connect() as connection:
            stored = queries.learner_decisions(connection, learner_id)
        try:
            entries = queries.learner_history(store.engine, learner_id)
        except NotFound:
            entries = []
    visible = {s.id: s for s in stored if sees_fabrique(user, fabrique_of(s))}
    latest: dict[Any, int] = {}
    for s in stored:
        key = (s.declaration or {}).get("training_start_date", s.id)
        latest[key] = max(latest.get(key, 0), s.id)
    currents = set(latest.values())
    records = [
        HistoryRecord(e.record_id, e.kind, e.recorded_at, e.operator, e.decision_id,
                      (e.decision_id in currents) if e.kind == "decision" else None, e.payload)
        for e in entries
        if user.role != "desk" or (e.decision_id is not None and e.decision_id in visible)
    ]
    if not records:
        raise forbidden() if user.role == "desk" else not_found("learner")
    return records


__all__ = ["HistoryRecord", "decision_for", "history_for"]
