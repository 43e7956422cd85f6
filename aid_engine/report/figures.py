"""The programme report's figures, computed in one pass over the stored decisions in scope.

How it counts (docs/policies.md « One current decision per learner and training »): a learner's decisions
for one training form a history whose latest stored decision is current (the store's queries say which).
Every figure — statuses, reasons, échelons, committed amount, cost of reviews, fabriques, départements,
targets, cash flow — counts the current decisions in scope only; the superseded ones (a corrected
declaration, a re-decision under other rules) are counted apart, with the granted totals they would have
added.  Refusals are counted under each of their reason codes.  A recovery in force on a current grant
(« reversement ») reduces what is paid: the envelope shows gross committed, recovered and net, the share
used and the remainder are of the net, and the cash flow drops the instalments owed back.  The groups
(échelon, fabrique, département, start month) show gross amounts.
The committed amount is the sum of the totals of granted decisions; the projected cost adds the provisional
totals of the decisions to review.  Population shares use `sex`, `birth_date` and `profile`; a missing or
purged value is unknown, never guessed (see `indicators`).

Pure: it never reads a store, a file or the clock, never rounds money (sums of cents stay exact) and never
hands out a float.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from ..models import ECHELONS
from .cashflow import cash_flow_of, month_label
from .departement import departement_of
from .facts import DecisionFacts
from .model import (
    INDICATORS,
    POPULATIONS,
    Counts,
    EchelonGrants,
    Envelope,
    GroupTally,
    Indicator,
    MonthAmount,
    Population,
    ReasonCount,
    Repaid,
    Report,
    Scope,
    Share,
    Superseded,
    Targets,
)

DEFAULT_ENVELOPE = Decimal("10000000")
YOUNG_AGE = 26
ZERO = Decimal("0.00")
_RATIO = Decimal("0.0001")


def ratio(part: int | Decimal, whole: int | Decimal) -> Decimal | None:
    """part ÷ whole rounded half-up to 4 decimals; None when whole is 0.

    >>> ratio(1, 3), ratio(Decimal("2500000"), Decimal("10000000")), ratio(0, 0)
    (Decimal('0.3333'), Decimal('0.2500'), None)
    """
    if not whole:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(_RATIO, rounding=ROUND_HALF_UP)


def age_on(birth: date, day: date) -> int:
    """Age in whole years on `day`.

    >>> age_on(date(1999, 9, 16), date(2025, 9, 15)), age_on(date(1999, 9, 16), date(2025, 9, 16))
    (25, 26)
    """
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def is_woman(f: DecisionFacts) -> bool | None:
    """sex = F; None when sex is missing or the declaration purged."""
    return None if f.purged or f.sex is None else f.sex == "F"


def is_young_unqualified(f: DecisionFacts) -> bool | None:
    """Under 26 at the training start and profile `unqualified`; None when that cannot be told.

    A purged declaration is unknown.  A known profile other than `unqualified` is a no whatever the age;
    an `unqualified` profile without a birth date (or start date) is unknown.
    """
    if f.purged or f.profile is None:
        return None
    if f.profile != "unqualified":
        return False
    if f.birth_date is None or f.training_start is None:
        return None
    return age_on(f.birth_date, f.training_start) < YOUNG_AGE


ANSWERS: dict[Indicator, Callable[[DecisionFacts], bool | None]] = {
    "women": is_woman, "young_unqualified": is_young_unqualified,
}


@dataclass(slots=True)
class _Group:
    decisions: int = 0
    statuses: Counter[str] = field(default_factory=Counter)
    committed: Decimal = ZERO
    review_cost: Decimal = ZERO

    def add(self, f: DecisionFacts) -> None:
        self.decisions += 1
        self.statuses[f.status] += 1
        if f.status == "granted":
            self.committed += f.total
        elif f.status == "review":
            self.review_cost += f.total

    def tally(self, key: str | None) -> GroupTally:
        s = self.statuses
        return GroupTally(key, self.decisions, s["granted"], s["refused"], s["review"], self.committed,
                          self.review_cost)


@dataclass(slots=True)
class _Accumulator:
    """The running sums of one pass; `report()` freezes them."""

    total: _Group = field(default_factory=_Group)
    stored: int = 0
    superseded: Counter[str] = field(default_factory=Counter)
    superseded_amount: Decimal = ZERO
    learners: Counter[str] = field(default_factory=Counter)
    reasons: Counter[str] = field(default_factory=Counter)
    echelons: dict[str, _Group] = field(default_factory=lambda: defaultdict(_Group))
    fabriques: dict[str | None, _Group] = field(default_factory=lambda: defaultdict(_Group))
    departements: dict[str | None, _Group] = field(default_factory=lambda: defaultdict(_Group))
    start_months: dict[str, _Group] = field(default_factory=lambda: defaultdict(_Group))
    shares: dict[tuple[Indicator, Population], Counter[bool | None]] = field(
        default_factory=lambda: defaultdict(Counter))
    grants: list[DecisionFacts] = field(default_factory=list)
    repaid: list[Repaid] = field(default_factory=list)

    def add(self, f: DecisionFacts) -> None:
        self.stored += 1
        self.learners[f.learner_id] += 1
        if not f.is_current:
            self._add_superseded(f)
            return
        self.total.add(f)
        self.fabriques[f.fabrique_id].add(f)
        self.departements[departement_of(f.fabrique_id)].add(f)
        populations = POPULATIONS if f.is_granted else POPULATIONS[:1]
        for name, indicator in ANSWERS.items():
            answer = indicator(f)
            for population in populations:
                self.shares[name, population][answer] += 1
        if f.status == "refused":
            self.reasons.update(set(f.reasons))
        if f.is_granted:
            self._add_grant(f)

    def _add_superseded(self, f: DecisionFacts) -> None:
        self.superseded[f.superseded_why or "correction"] += 1
        if f.is_granted:
            self.superseded["granted"] += 1
            self.superseded_amount += f.total

    def _add_grant(self, f: DecisionFacts) -> None:
        self.grants.append(f)
        if f.left_on is not None:
            self.repaid.append(Repaid(f.learner_id, f.decision_id, f.left_on, f.months_undue, f.recovered))
        if f.echelon is not None:
            self.echelons[f.echelon].add(f)
        if f.training_start is not None:
            self.start_months[month_label(f.training_start)].add(f)

    def report(self, scope: Scope, envelope: Decimal, targets: Targets, label: Callable[[str], str]) -> Report:
        return Report(
            scope=scope, targets=targets, counts=self._counts(), reasons=self._reasons(label),
            echelons=tuple(EchelonGrants(e, self.echelons[e].decisions, self.echelons[e].committed)
                           for e in ECHELONS),
            envelope=envelope_of(envelope, self.total.committed, self.total.review_cost,
                                 sum((x.amount for x in self.repaid), ZERO)),
            by_fabrique=_tallies(self.fabriques, lambda k: (0, k)),
            by_departement=_tallies(self.departements, departement_order),
            shares=self._shares(targets),
            by_start_month=tuple(MonthAmount(m, g.decisions, g.committed)
                                 for m, g in sorted(self.start_months.items())),
            cash_flow=cash_flow_of(self.grants),
            superseded=Superseded(self.stored - self.total.decisions, self.superseded["correction"],
                                  self.superseded["rules"], self.superseded["granted"], self.superseded_amount),
            recoveries=tuple(sorted(self.repaid, key=lambda x: (x.left_on, x.learner_id, x.decision_id))),
        )

    def _counts(self) -> Counts:
        s = self.total.statuses
        several = sum(1 for n in self.learners.values() if n > 1)
        return Counts(self.stored, s["granted"], s["refused"], s["review"], len(self.learners), several,
                      current=self.total.decisions, superseded=self.stored - self.total.decisions)

    def _reasons(self, label: Callable[[str], str]) -> tuple[ReasonCount, ...]:
        ordered = sorted(self.reasons.items(), key=lambda item: (-item[1], item[0]))
        return tuple(ReasonCount(code, n, label(code)) for code, n in ordered)

    def _shares(self, targets: Targets) -> tuple[Share, ...]:
        goal = {"women": targets.women, "young_unqualified": targets.young_unqualified}
        return tuple(share_of(indicator, population, self.shares[indicator, population], goal[indicator])
                     for indicator in INDICATORS for population in POPULATIONS)


def share_of(indicator: Indicator, population: Population, answers: Counter[bool | None],
             target: Decimal) -> Share:
    """A `Share` from the counts of yes (True), no (False) and unknown (None) answers."""
    yes, no, unknown = answers[True], answers[False], answers[None]
    everyone = yes + no + unknown
    return Share(indicator, population, yes, no, unknown,
                 share=ratio(yes, yes + no), lowest=ratio(yes, everyone), highest=ratio(yes + unknown, everyone),
                 target=target)


def envelope_of(envelope: Decimal, committed: Decimal, review_cost: Decimal,
                recovered: Decimal = ZERO) -> Envelope:
    """The net cost (gross committed less recovered) against the envelope, then with the decisions to review
    added."""
    net = committed - recovered
    projected = net + review_cost
    return Envelope(envelope, committed, envelope - net, ratio(net, envelope) or Decimal(0),
                    review_cost, projected, envelope - projected, ratio(projected, envelope) or Decimal(0),
                    recovered=recovered, net=net)


def departement_order(code: str | None) -> tuple[int, str]:
    """Départements in their usual order (01 … 19, 2A, 2B, 21 … 95, 971 …), unknown last.

    >>> sorted(["971", "2B", "21", None, "2A", "01"], key=departement_order)
    ['01', '2A', '2B', '21', '971', None]
    """
    if code is None:
        return (10_000, "")
    if code in ("2A", "2B"):
        return (20, code)
    return (int(code), "")


def _tallies(groups: dict[str | None, _Group],
             order: Callable[[str], tuple[int, str]]) -> tuple[GroupTally, ...]:
    """The groups in order, the unknown one (key None) last."""
    keys: list[str | None] = [*sorted((k for k in groups if k is not None), key=order)]
    if None in groups:
        keys.append(None)
    return tuple(groups[k].tally(k) for k in keys)


def build_report(facts: Iterable[DecisionFacts], *, scope: Scope | None = None,
                 envelope: Decimal = DEFAULT_ENVELOPE, targets: Targets | None = None,
                 reason_label: Callable[[str], str] | None = None) -> Report:
    """The report over `facts` (the stored decisions in `scope`), against `envelope` euros and `targets`.

    `reason_label` names a reason code in French: a rule book's `reason_label` (default: the project's rule
    book, read once), so the labels are those each condition carries in `rules/`.
    """
    if reason_label is None:
        from .. import default_rulebook

        reason_label = default_rulebook().reason_label
    if envelope <= 0:
        raise ValueError("the envelope must be a positive amount of euros")
    accumulator = _Accumulator()
    for f in facts:
        accumulator.add(f)
    return accumulator.report(scope or Scope(), envelope, targets or Targets(), reason_label)
