"""Reading the stored decisions of a report's scope: one read-only query, streamed a page at a time.

Scopes: every decision; a batch run's — the decisions its input lines gave (`batch_lines`), whether the run
stored them or found them already stored, so a re-run of the same file reports the same; or the decisions
stored between two days, `decided_at` in UTC, both days included.  Each row joins the decision's columns,
its JSON in the audit record (for the reason codes) and its declaration (for fabrique, dates, sex, birth
date, profile).  Which decisions are superseded is read once, by the store's one definition
(`store.queries.superseded`: the latest stored decision of a learner and training is current), store-wide: a
decision in scope replaced by a later one, in scope or not, counts as superseded.  The recoveries in force
(`store.recovery.recoveries_in_force`: a decision's latest recovery record) are read once too.  An edge module: it must
never write to the store, and never hold more than a page of rows (and the ids of the superseded decisions)
beyond the facts it yields.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlalchemy import Engine, select

from ..errors import NotFound
from ..store.queries import superseded
from ..store.recovery import recoveries_in_force
from ..store.tables import audit_records, batch_lines, batch_runs, decisions, declarations
from .facts import DecisionFacts, Repayment, facts_of
from .model import Scope

PAGE = 1000


def _query() -> Any:
    d, a, x = decisions.c, audit_records.c, declarations.c
    return (
        select(d.id, d.learner_id, d.declaration_id, d.status, d.echelon, d.monthly_cents, d.months,
               d.total_cents, a.payload.label("decision_json"), x.payload.label("declaration_json"), x.purged_at)
        .join_from(decisions, audit_records, d.audit_id == a.id)
        .join(declarations, d.declaration_id == x.id)
    )


def midnight(day: Any) -> datetime:
    """The first instant of a UTC day."""
    return datetime.combine(day, time(0), tzinfo=UTC)


def scoped(statement: Any, scope: Scope) -> Any:
    """The statement restricted to the scope's decisions."""
    d = decisions.c
    if scope.kind == "run":
        return statement.where(d.id.in_(select(batch_lines.c.decision_id).where(batch_lines.c.run_id == scope.run_id)))
    if scope.date_from is not None:
        statement = statement.where(d.decided_at >= midnight(scope.date_from))
    if scope.date_to is not None:
        statement = statement.where(d.decided_at < midnight(scope.date_to + timedelta(days=1)))
    return statement


def check_scope(engine: Engine, scope: Scope) -> None:
    """`NotFound` for a run the store does not hold."""
    if scope.kind != "run":
        return
    with engine.connect() as connection:
        found = connection.execute(select(batch_runs.c.id).where(batch_runs.c.id == scope.run_id)).first()
    if found is None:
        raise NotFound(f"no batch run {scope.run_id} in the store (see the run number `aid-engine batch` printed)")


def read_facts(engine: Engine, scope: Scope) -> Iterator[DecisionFacts]:
    """The facts of every stored decision in scope, in decision id order, a page at a time."""
    check_scope(engine, scope)
    last = 0
    with engine.connect() as connection:
        replaced = superseded(connection)
        repaid = {ident: Repayment(r.left_on, r.months_undue, r.amount_owed)
                  for ident, r in recoveries_in_force(connection).items()}
        while True:
            statement = scoped(_query(), scope).where(decisions.c.id > last).order_by(decisions.c.id).limit(PAGE)
            rows = connection.execute(statement).mappings().all()
            for row in rows:
                later = replaced.get(row["id"])
                yield facts_of(row, None if later is None else (later.current_id, later.why), repaid.get(row["id"]))
            if len(rows) < PAGE:
                return
            last = rows[-1]["id"]
