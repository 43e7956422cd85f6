"""Recovery of undue payments (docs/policies.md, policy 8; décret n° 2017-548: assiduité, « reversement des sommes
indûment perçues »): a learner who leaves the training early owes back the instalments paid for the months
after the month of leaving.

The instalments are the decision's: `monthly_amount` for each of its `months`, one per calendar month from
the month of the training start (policy 7).  Those of months after the month of `left_on` are owed back.
The training's dates are read from the stored declaration (a purge keeps them), never from the trace.  A
recovery applies to a current decision only (`queries`: the latest of its learner and training), and
`left_on` must fall within the training, start and end days included (docs/policies.md « One current
decision per learner and training »).

One recovery per decision: it is recorded as a `recovery` record of the audit chain; the same date again
finds it recorded; another date is refused unless asked to replace it, and then the new record names the one
it replaces (both stay in the chain; the latest is in force).

It must never change a decision, and money stays Decimal: amounts are written as decimal strings.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Engine, select

from .._version import __version__
from ..errors import AidEngineError, NotFound
from ..money import as_str, parse_decimal
from .database import write_transaction
from .queries import StoredDecision
from .records import RECOVERY_KIND, Record, canonical_json, stamp
from .tables import audit_records
from .writer import append_records, chain_head, utc_now


class RecoveryExists(AidEngineError, ValueError):
    """A recovery is already recorded for the decision, with another date of leaving."""

    code = "recovery_exists"


def month_label(year: int, month: int) -> str:
    """The month as the cash flow names it.

    >>> month_label(2024, 9)
    '2024-09'
    """
    return f"{year:04d}-{month:02d}"


def paid_months(start: date, months: int) -> tuple[str, ...]:
    """The calendar months paid, one instalment each, from the start month.

    >>> paid_months(date(2024, 11, 4), 3)
    ('2024-11', '2024-12', '2025-01')
    """
    index = start.year * 12 + start.month - 1
    return tuple(month_label(i // 12, i % 12 + 1) for i in range(index, index + months))


def training_dates(stored: StoredDecision) -> tuple[date, date]:
    """The training's start and end dates, from the stored declaration (kept by a purge)."""
    try:
        return (date.fromisoformat(stored.training["training_start_date"]),
                date.fromisoformat(stored.training["training_end_date"]))
    except (KeyError, TypeError, ValueError):
        raise NotFound(f"decision {stored.id} of learner {stored.learner_id}: its stored declaration holds no "
                       "training dates") from None


@dataclass(frozen=True, slots=True)
class Recovery:
    """What a learner who left on `left_on` owes back on one decision."""

    decision_id: int
    learner_id: str
    left_on: date
    training_start_date: date
    training_end_date: date
    monthly_amount: Decimal
    months_paid: tuple[str, ...]
    months_undue: tuple[str, ...]

    @property
    def amount_owed(self) -> Decimal:
        return self.monthly_amount * len(self.months_undue)

    def payload(self) -> dict[str, Any]:
        """The JSON the audit record keeps (amounts as decimal strings)."""
        return {
            "kind": RECOVERY_KIND, "decision_id": self.decision_id, "learner_id": self.learner_id,
            "left_on": self.left_on.isoformat(), "training_start_date": self.training_start_date.isoformat(),
            "training_end_date": self.training_end_date.isoformat(), "monthly_amount": as_str(self.monthly_amount),
            "months_paid": list(self.months_paid), "months_undue": list(self.months_undue),
            "amount_owed": as_str(self.amount_owed), "policy": "docs/policies.md, policy 8: instalments of the months "
            "after the month of leaving are owed back",
        }


def recovery_of(stored: StoredDecision, left_on: date) -> Recovery:
    """The recovery on a current granted decision; `ValueError` if it was not granted, was superseded, or
    `left_on` is outside the training (before its start or after its end)."""
    decision = stored.decision
    if decision["status"] != "granted":
        raise ValueError(f"decision {stored.id} of learner {stored.learner_id} is {decision['status']}, not "
                         "granted: no instalment was paid")
    if stored.superseded_by is not None:
        raise ValueError(f"decision {stored.id} of learner {stored.learner_id} is superseded by decision "
                         f"{stored.superseded_by}: a recovery applies to the current decision")
    start, end = training_dates(stored)
    if left_on < start:
        raise ValueError(f"{left_on.isoformat()} is before the training start ({start.isoformat()}) of decision "
                         f"{stored.id}: a learner cannot leave a training before it starts")
    if left_on > end:
        raise ValueError(f"{left_on.isoformat()} is after the training end ({end.isoformat()}) of decision "
                         f"{stored.id}: a learner who stayed to the end owes nothing back")
    paid = paid_months(start, int(decision["months"]))
    left = month_label(left_on.year, left_on.month)
    return Recovery(stored.id, stored.learner_id, left_on, start, end, parse_decimal(decision["monthly_amount"]),
                    paid, tuple(m for m in paid if m > left))


def choose(decisions: list[StoredDecision], left_on: date, decision_id: int | None = None,
           learner_id: str | None = None) -> StoredDecision:
    """The decision a recovery applies to: `decision_id` if given, else the latest current granted decision
    whose training holds `left_on`, else the learner's latest current granted decision."""
    if decision_id is not None:
        for stored in decisions:
            if stored.id == decision_id:
                return stored
        raise NotFound(f"decision {decision_id} is not one of this learner's decisions")
    granted = [d for d in decisions if d.status == "granted" and d.superseded_by is None]
    if not granted:
        learner = decisions[0].learner_id if decisions else learner_id
        raise NotFound(f"learner {learner} has no current granted decision in the store: nothing was paid")
    holding = [d for d in granted if training_dates(d)[0] <= left_on <= training_dates(d)[1]]
    return (holding or granted)[-1]


@dataclass(frozen=True, slots=True)
class RecordedRecovery:
    recovery: Recovery
    record_id: int
    created: bool
    replaced: int | None = None  # the record of the recovery this one replaces


def in_force(connection: Connection, learner_id: str, decision_id: int) -> tuple[int, dict[str, Any]] | None:
    """The recovery in force on a decision (its latest recovery record), with its record id; None if none."""
    a = audit_records.c
    found = None
    for ident, text in connection.execute(
        select(a.id, a.payload).where(a.learner_id == learner_id, a.kind == RECOVERY_KIND).order_by(a.id)
    ):
        payload = json.loads(text)
        if payload.get("decision_id") == decision_id:
            found = (int(ident), payload)
    return found


@dataclass(frozen=True, slots=True)
class RecoveryInForce:
    """A recovery as the money reads it: the latest recovery record of a decision."""

    record_id: int
    decision_id: int
    learner_id: str
    left_on: date
    months_undue: tuple[str, ...]
    amount_owed: Decimal


def recoveries_in_force(connection: Connection) -> dict[int, RecoveryInForce]:
    """Every decision's recovery in force (its latest recovery record), by decision id."""
    a = audit_records.c
    found: dict[int, RecoveryInForce] = {}
    for ident, learner, text in connection.execute(
        select(a.id, a.learner_id, a.payload).where(a.kind == RECOVERY_KIND).order_by(a.id)
    ):
        p = json.loads(text)
        found[int(p["decision_id"])] = RecoveryInForce(
            int(ident), int(p["decision_id"]), str(learner), date.fromisoformat(p["left_on"]),
            tuple(p["months_undue"]), parse_decimal(p["amount_owed"]))
    return found


def record(engine: Engine, recovery: Recovery, stored: StoredDecision, operator: str, *,
           replace: bool = False) -> RecordedRecovery:
    """Append the recovery to the audit chain.  The same one (decision, date of leaving) already in force is
    found, not recorded again; one with another date is `RecoveryExists` unless `replace`, and then the new
    record names the record it replaces."""
    with write_transaction(engine) as connection:
        earlier = in_force(connection, recovery.learner_id, recovery.decision_id)
        payload_value = recovery.payload()
        if earlier is not None:
            ident, before = earlier
            if before.get("left_on") == recovery.left_on.isoformat():
                return RecordedRecovery(recovery, ident, created=False)
            if not replace:
                raise RecoveryExists(
                    f"decision {recovery.decision_id} of learner {recovery.learner_id} already has a recovery "
                    f"(audit record {ident}, left on {before.get('left_on')}): one recovery per decision; give "
                    "--replace to replace it (both stay in the audit trail)")
            payload_value["replaces"] = ident
        payload = canonical_json(payload_value)
        head_id, head_hash = chain_head(connection)
        fields = Record(
            id=head_id + 1, kind=RECOVERY_KIND, learner_id=recovery.learner_id,
            declaration_digest=stored.declaration_digest, payload=payload, ruleset_id=stored.ruleset_id,
            ruleset_sha256=stored.ruleset_sha256, engine_version=__version__, operator=operator,
            recorded_at=stamp(utc_now()), prev_hash=head_hash, decision_id=recovery.decision_id)
        append_records(connection, [fields.row()])
    return RecordedRecovery(recovery, fields.id, created=True, replaced=earlier[0] if earlier else None)
