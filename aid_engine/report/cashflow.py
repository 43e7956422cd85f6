"""The monthly cash-flow forecast: the instalments each grant pays, month by month (docs/policies.md, policy 7).

A granted decision pays its `monthly_amount` for each of its `months` months, from the month of the training
start: a training from 16 September 2024 with 10 months pays September 2024 … June 2025.  Sums are Decimal,
so the instalments of a grant add up to its total exactly.  Pure: it never reads a store or the clock, and a
grant whose start date is unknown (a blanked declaration) is set apart, never given a guessed month.  A grant
with a recovery in force pays no instalment for the months its recovery owes back (those after the month of
leaving): the cash flow is what the programme pays net.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import date
from decimal import Decimal

from .facts import DecisionFacts
from .model import CashFlow, Instalment, LearnerCashFlow, MonthAmount


def month_label(day: date, offset: int = 0) -> str:
    """The calendar month `offset` months after the month of `day`, as YYYY-MM.

    >>> month_label(date(2024, 9, 16)), month_label(date(2024, 9, 16), 4), month_label(date(2024, 12, 1), 13)
    ('2024-09', '2025-01', '2026-01')
    """
    index = day.year * 12 + day.month - 1 + offset
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def instalments_of(grant: DecisionFacts) -> list[Instalment]:
    """The instalments of one grant, in month order (none if its start date is unknown)."""
    if grant.training_start is None:
        return []
    months = (month_label(grant.training_start, k) for k in range(grant.months))
    return [Instalment(month, grant.learner_id, grant.decision_id, grant.monthly)
            for month in months if month not in grant.months_undue]


def cash_flow_of(grants: Iterable[DecisionFacts]) -> CashFlow:
    """The forecast over granted decisions: per month, per learner, every instalment, and what is set apart."""
    instalments: list[Instalment] = []
    unscheduled: list[Decimal] = []
    for grant in grants:
        mine = instalments_of(grant)
        if grant.training_start is None and grant.months:
            unscheduled.append(grant.total - grant.recovered)
        instalments.extend(mine)
    instalments.sort(key=lambda i: (i.month, i.learner_id, i.decision_id))
    return CashFlow(
        by_month=_by_month(instalments), by_learner=_by_learner(instalments), instalments=tuple(instalments),
        total=sum((i.amount for i in instalments), Decimal("0.00")),
        unscheduled_grants=len(unscheduled), unscheduled_amount=sum(unscheduled, Decimal("0.00")),
    )


def _totals(instalments: list[Instalment], key: Callable[[Instalment], str]) -> list[tuple[str, int, Decimal]]:
    """(key, instalments, amount) per value of `key`, in key order."""
    amounts: dict[str, Decimal] = defaultdict(lambda: Decimal("0.00"))
    counts: dict[str, int] = defaultdict(int)
    for i in instalments:
        amounts[key(i)] += i.amount
        counts[key(i)] += 1
    return [(k, counts[k], amounts[k]) for k in sorted(amounts)]


def _by_month(instalments: list[Instalment]) -> tuple[MonthAmount, ...]:
    return tuple(MonthAmount(*t) for t in _totals(instalments, lambda i: i.month))


def _by_learner(instalments: list[Instalment]) -> tuple[LearnerCashFlow, ...]:
    return tuple(LearnerCashFlow(*t) for t in _totals(instalments, lambda i: i.learner_id))
