"""What the report reads of one stored decision: a flat, typed row built from the store's columns and JSON.

`facts_of(row)` turns one row of the report's query (the `decisions` columns, the decision JSON kept in its
audit record, the declaration JSON and its purge mark) into a frozen `DecisionFacts`.  Money arrives as
integer cents and leaves as `Decimal` euros; dates are `datetime.date`.  A purged declaration gives no sex
and no birth date: the report counts them as unknown.  Pure: it never touches a database, a file or the
clock, and it never guesses a missing value (absent stays `None`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

# The declaration fields the programme statistics may read; nothing else of the declaration is kept.
PERSONAL_FIELDS = ("sex", "birth_date")


@dataclass(frozen=True, slots=True)
class DecisionFacts:
    """One stored decision as the report sees it."""

    decision_id: int
    learner_id: str
    declaration_id: int
    status: str
    echelon: str | None
    monthly: Decimal
    months: int
    total: Decimal
    reasons: tuple[str, ...]
    fabrique_id: str | None
    training_start: date | None
    profile: str | None
    sex: str | None
    birth_date: date | None
    purged: bool
    superseded_by: int | None = None
    superseded_why: str | None = None  # "correction" (another declaration) or "rules" (other rules)
    left_on: date | None = None  # a recovery in force: the day the learner left the training
    months_undue: tuple[str, ...] = ()  # … the months whose instalments are owed back
    recovered: Decimal = Decimal("0.00")  # … and the amount owed back

    @property
    def is_granted(self) -> bool:
        return self.status == "granted"

    @property
    def is_current(self) -> bool:
        return self.superseded_by is None


def euros(cents: int) -> Decimal:
    """Integer cents as Decimal euros.

    >>> euros(63350), euros(0), euros(-5)
    (Decimal('633.50'), Decimal('0.00'), Decimal('-0.05'))
    """
    return Decimal(int(cents)).scaleb(-2)


def day_of(value: object) -> date | None:
    """An ISO date string as a date; anything else (absent, blanked, malformed) is unknown.

    >>> day_of("2024-09-16"), day_of(""), day_of(None), day_of("16/09/2024")
    (datetime.date(2024, 9, 16), None, None, None)
    """
    if not isinstance(value, str) or len(value) != 10:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def text_of(value: object) -> str | None:
    """A non-blank string, else unknown.

    >>> text_of("F"), text_of(""), text_of(None), text_of(3)
    ('F', None, None, None)
    """
    return value if isinstance(value, str) and value.strip() else None


def reason_codes(decision_json: str | None) -> tuple[str, ...]:
    """The reason codes of a decision JSON, in order.

    >>> reason_codes('{"reasons": [{"code": "training_leave"}, {"code": "income_above_ceiling"}]}')
    ('training_leave', 'income_above_ceiling')
    >>> reason_codes(None)
    ()
    """
    if not decision_json:
        return ()
    reasons = json.loads(decision_json).get("reasons") or ()
    return tuple(str(r["code"]) for r in reasons)


@dataclass(frozen=True, slots=True)
class Repayment:
    """A recovery in force on a decision, as the report reads it."""

    left_on: date
    months_undue: tuple[str, ...]
    amount: Decimal


def facts_of(row: Mapping[Any, Any], superseded: tuple[int, str] | None = None,
             repayment: Repayment | None = None) -> DecisionFacts:
    """The facts of one row of the report's query (see `report.queries`); `superseded`: the decision that
    replaced it and why, when it is not current; `repayment`: the recovery in force on it, if any."""
    declaration: dict[str, Any] = json.loads(row["declaration_json"]) if row["declaration_json"] else {}
    purged = row["purged_at"] is not None
    if purged:
        declaration = {k: v for k, v in declaration.items() if k not in PERSONAL_FIELDS}
    return DecisionFacts(
        decision_id=int(row["id"]), learner_id=str(row["learner_id"]),
        declaration_id=int(row["declaration_id"]), status=str(row["status"]), echelon=row["echelon"],
        monthly=euros(row["monthly_cents"]), months=int(row["months"]), total=euros(row["total_cents"]),
        reasons=reason_codes(row["decision_json"]),
        fabrique_id=text_of(declaration.get("fabrique_id")),
        training_start=day_of(declaration.get("training_start_date")),
        profile=text_of(declaration.get("profile")),
        sex=text_of(declaration.get("sex")), birth_date=day_of(declaration.get("birth_date")), purged=purged,
        superseded_by=superseded[0] if superseded else None, superseded_why=superseded[1] if superseded else None,
        left_on=repayment.left_on if repayment else None,
        months_undue=repayment.months_undue if repayment else (),
        recovered=repayment.amount if repayment else Decimal("0.00"),
    )
