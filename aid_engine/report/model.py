"""The programme report as a value: frozen dataclasses holding counts, Decimal euros and Decimal ratios.

Built by `report.figures.build_report`, read by every renderer (terminal, JSON, CSV, HTML), so the four
outputs show the same figures.  Money is `Decimal` euros, ratios are `Decimal` rounded to 4 decimals (None
when there is nothing to divide by).  This module only describes: it must never compute a figure, read a
store or format for a person.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Literal

ScopeKind = Literal["all", "run", "dates"]
Indicator = Literal["women", "young_unqualified"]
Population = Literal["applicants", "grantees"]
INDICATORS: tuple[Indicator, ...] = ("women", "young_unqualified")
POPULATIONS: tuple[Population, ...] = ("applicants", "grantees")


@dataclass(frozen=True, slots=True)
class Scope:
    """Which stored decisions the report covers: all, those a batch run's lines gave, or those stored
    between two days (UTC, both included; either end may be open)."""

    kind: ScopeKind = "all"
    run_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None

    @classmethod
    def of_run(cls, run_id: int) -> Scope:
        return cls("run", run_id=run_id)

    @classmethod
    def of_dates(cls, date_from: date | None, date_to: date | None) -> Scope:
        return cls("dates", date_from=date_from, date_to=date_to)

    def describe(self) -> str:
        """The scope in French, for the page and the terminal.

        >>> Scope().describe(), Scope.of_run(3).describe()
        ('toutes les décisions enregistrées', 'décisions du lot n° 3 (lignes du fichier traité)')
        >>> Scope.of_dates(date(2025, 1, 1), None).describe()
        'décisions enregistrées à partir du 2025-01-01'
        """
        if self.kind == "run":
            return f"décisions du lot n° {self.run_id} (lignes du fichier traité)"
        if self.kind == "all":
            return "toutes les décisions enregistrées"
        if self.date_from and self.date_to:
            return f"décisions enregistrées du {self.date_from} au {self.date_to} inclus (UTC)"
        if self.date_from:
            return f"décisions enregistrées à partir du {self.date_from}"
        return f"décisions enregistrées jusqu'au {self.date_to} inclus (UTC)"


@dataclass(frozen=True, slots=True)
class Targets:
    """The programme's population targets, as shares between 0 and 1."""

    women: Decimal = Decimal("0.30")
    young_unqualified: Decimal = Decimal("0.50")


@dataclass(frozen=True, slots=True)
class Counts:
    """How many stored decisions are in scope; of them, the current ones by status and the superseded ones;
    how many distinct learners they concern."""

    decisions: int
    granted: int
    refused: int
    review: int
    learners: int
    learners_with_several: int
    current: int = 0
    superseded: int = 0


@dataclass(frozen=True, slots=True)
class Superseded:
    """The superseded decisions in scope, counted apart: why they were replaced, and the granted totals they
    would have added had they been counted."""

    decisions: int
    after_correction: int
    under_other_rules: int
    granted: int
    granted_amount: Decimal


@dataclass(frozen=True, slots=True)
class ReasonCount:
    """Refused decisions listing a reason code (a decision counts once under each of its codes)."""

    code: str
    decisions: int
    label: str  # from the rule book (each reason's `label` in rules/)


@dataclass(frozen=True, slots=True)
class EchelonGrants:
    """Granted decisions at one échelon and their committed total."""

    echelon: str
    grants: int
    committed: Decimal


@dataclass(frozen=True, slots=True)
class Envelope:
    """The cost against the envelope: gross committed (the totals of the current grants), recovered (the
    recoveries in force on them) and net; the remainder and the share used are of the net; then the net with
    the provisional cost of the decisions to review."""

    envelope: Decimal
    committed: Decimal
    remaining: Decimal
    share_used: Decimal
    review_cost: Decimal
    projected: Decimal
    projected_remaining: Decimal
    projected_share: Decimal
    recovered: Decimal = Decimal("0.00")
    net: Decimal = Decimal("0.00")


@dataclass(frozen=True, slots=True)
class Repaid:
    """A recovery in force on a current grant in scope (« reversement »)."""

    learner_id: str
    decision_id: int
    left_on: date
    months_undue: tuple[str, ...]
    amount: Decimal


@dataclass(frozen=True, slots=True)
class GroupTally:
    """The decisions of one fabrique or département (key None: unknown)."""

    key: str | None
    decisions: int
    granted: int
    refused: int
    review: int
    committed: Decimal
    review_cost: Decimal


@dataclass(frozen=True, slots=True)
class Share:
    """A population target measured on applicants (every decision) or grantees (granted decisions).

    `yes` meet the criterion, `no` do not, `unknown` cannot be told (a missing or purged value).  `share`
    is yes ÷ (yes + no); `lowest` and `highest` are what it would be if every unknown were no, or yes.
    """

    indicator: Indicator
    population: Population
    yes: int
    no: int
    unknown: int
    share: Decimal | None
    lowest: Decimal | None
    highest: Decimal | None
    target: Decimal

    @property
    def met(self) -> bool | None:
        """Whether the share of the known reaches the target (None: nobody known)."""
        return None if self.share is None else self.share >= self.target


@dataclass(frozen=True, slots=True)
class MonthAmount:
    """An amount for one calendar month ("2024-09") and how many grants it sums."""

    month: str
    grants: int
    amount: Decimal


@dataclass(frozen=True, slots=True)
class Instalment:
    """One monthly payment of a grant: who is paid what, when."""

    month: str
    learner_id: str
    decision_id: int
    amount: Decimal


@dataclass(frozen=True, slots=True)
class LearnerCashFlow:
    """What a learner's grants in scope pay in all, over how many instalments."""

    learner_id: str
    instalments: int
    amount: Decimal


@dataclass(frozen=True, slots=True)
class CashFlow:
    """The monthly instalments due from the grants in scope; grants with no known start date are set apart."""

    by_month: tuple[MonthAmount, ...]
    by_learner: tuple[LearnerCashFlow, ...]
    instalments: tuple[Instalment, ...]
    total: Decimal
    unscheduled_grants: int
    unscheduled_amount: Decimal


@dataclass(frozen=True, slots=True)
class Report:
    """The programme report over one scope of stored decisions."""

    scope: Scope
    targets: Targets
    counts: Counts
    reasons: tuple[ReasonCount, ...]
    echelons: tuple[EchelonGrants, ...]
    envelope: Envelope
    by_fabrique: tuple[GroupTally, ...]
    by_departement: tuple[GroupTally, ...]
    shares: tuple[Share, ...]
    by_start_month: tuple[MonthAmount, ...]
    cash_flow: CashFlow
    superseded: Superseded = Superseded(0, 0, 0, 0, Decimal("0.00"))
    recoveries: tuple[Repaid, ...] = ()

    def share(self, indicator: str, population: str) -> Share:
        """The share of one indicator in one population."""
        return next(s for s in self.shares if s.indicator == indicator and s.population == population)

    @property
    def unknown_departements(self) -> int:
        """Decisions whose fabrique id names no département (or several)."""
        return sum(g.decisions for g in self.by_departement if g.key is None)
