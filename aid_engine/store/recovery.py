"""Recovery of undue payments (DESIGN.md policy 8; décret n° 2017-548: assiduité, « reversement des sommes
indûment perçues »): a learner who leaves the training early owes back the instalments paid for the months
after the month of leaving.

The instalments are the decision's: `monthly_amount` for each of its `months`, one per calendar month from
the month of the training start (policy 7).  Those of months after the month of `left_on` are owed back.
The computation reads the stored decision only (its trace holds the training dates), and is recorded as a
`recovery` record of the audit chain, once per decision and date of leaving.

It must never change a decision, and money stays Decimal: amounts are written as decimal strings.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, select

from .._version import __version__
from ..errors import NotFound
from ..money import as_str, parse_decimal
from .canonical import RecordFields, canonical_json
from .database import write_transaction
from .queries import StoredDecision
from .tables import audit_records
from .writer import RECOVERY_KIND, append_records, audit_row, chain_head, stamp, utc_now

MONTHS_RULE = "amount.months"


def month_label(year: int, month: int) -> str:
    """>>> month_label(2024, 9)
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


def training_dates(decision: dict[str, Any]) -> tuple[date, date]:
    """The training's start and end dates as the decision's trace recorded them."""
    for step in decision.get("trace", ()):
        if str(step.get("rule", "")).startswith(MONTHS_RULE):
            inputs = step["inputs"]
            return date.fromisoformat(inputs["training_start_date"]), date.fromisoformat(inputs["training_end_date"])
    raise NotFound(f"decision of learner {decision.get('learner_id')}: its trace has no {MONTHS_RULE} step")


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
            "amount_owed": as_str(self.amount_owed), "policy": "DESIGN.md policy 8: instalments of the months "
            "after the month of leaving are owed back",
        }


def recovery_of(stored: StoredDecision, left_on: date) -> Recovery:
    """The recovery on a granted decision; `ValueError` if it was not granted or `left_on` is before the start."""
    decision = stored.decision
    if decision["status"] != "granted":
        raise ValueError(f"decision {stored.id} of learner {stored.learner_id} is {decision['status']}, not "
                         "granted: no instalment was paid")
    start, end = training_dates(decision)
    if left_on < start:
        raise ValueError(f"{left_on.isoformat()} is before the training start ({start.isoformat()}) of decision "
                         f"{stored.id}: a learner cannot leave a training before it starts")
    paid = paid_months(start, int(decision["months"]))
    left = month_label(left_on.year, left_on.month)
    return Recovery(stored.id, stored.learner_id, left_on, start, end, parse_decimal(decision["monthly_amount"]),
                    paid, tuple(m for m in paid if m > left))


def choose(decisions: list[StoredDecision], left_on: date, decision_id: int | None = None,
           learner_id: str | None = None) -> StoredDecision:
    """The decision a recovery applies to: `decision_id` if given, else the latest granted decision whose
    training holds `left_on`, else the learner's latest granted decision."""
    if decision_id is not None:
        for stored in decisions:
            if stored.id == decision_id:
                return stored
        raise NotFound(f"decision {decision_id} is not one of this learner's decisions")
    granted = [d for d in decisions if d.status == "granted"]
    if not granted:
        learner = decisions[0].learner_id if decisions else learner_id
        raise NotFound(f"learner {learner} has no granted decision in the store: nothing was paid")
    holding = [d for d in granted if training_dates(d.decision)[0] <= left_on <= training_dates(d.decision)[1]]
    return (holding or granted)[-1]


@dataclass(frozen=True, slots=True)
class RecordedRecovery:
    recovery: Recovery
    record_id: int
    created: bool


def record(engine: Engine, recovery: Recovery, stored: StoredDecision, operator: str) -> RecordedRecovery:
    """Append the recovery to the audit chain, unless the same one (decision, date of leaving) is there."""
    payload = canonical_json(recovery.payload())
    with write_transaction(engine) as connection:
        a = audit_records.c
        for ident, text in connection.execute(
            select(a.id, a.payload).where(a.learner_id == recovery.learner_id, a.kind == RECOVERY_KIND)
        ):
            earlier = json.loads(text)
            if (earlier.get("decision_id"), earlier.get("left_on")) == (recovery.decision_id,
                                                                      recovery.left_on.isoformat()):
                return RecordedRecovery(recovery, int(ident), created=False)
        head_id, head_hash = chain_head(connection)
        fields = RecordFields(
            id=head_id + 1, kind=RECOVERY_KIND, learner_id=recovery.learner_id,
            declaration_digest=stored.declaration_digest, payload=payload, ruleset_id=stored.ruleset_id,
            ruleset_sha256=stored.ruleset_sha256, engine_version=__version__, operator=operator,
            recorded_at=stamp(utc_now()), prev_hash=head_hash)
        append_records(connection, [audit_row(fields)])
    return RecordedRecovery(recovery, fields.id, created=True)
