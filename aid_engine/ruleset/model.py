"""The rule set of one academic year, frozen: gates, barème tables, points de charge, amounts.

Built by `ruleset.loader` from the files in `rules/`, validated and compiled once.  A `RuleBook` holds the
rule sets of every academic year and finds the one in force at a date.  This module must never do I/O.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from ..errors import NoRulesetInForce
from ..models import ECHELONS, Echelon, RulesetRef
from ..models.decision import FrozenDict
from ..money import ZERO, to_cents
from ..periods import AcademicYear, academic_year_of
from .expressions import Predicate

# From the most generous échelon to the least: the first whose ceiling is met wins (docs/policies.md policy 4).
ECHELONS_DOWN: tuple[Echelon, ...] = tuple(reversed(ECHELONS))


@dataclass(frozen=True)
class Messages:
    """A message in French and English; `{name}` placeholders are filled at decision time."""

    fr: str
    en: str

    def get(self, lang: str) -> str:
        return self.en if lang == "en" else self.fr


@dataclass(frozen=True, eq=False)
class Gate:
    """An eligibility gate: passes when its predicate holds, else the decision lists `code`."""

    id: str
    code: str
    label: Messages  # the reason in a few words, for tables and reports
    predicate: Predicate
    legal_ref: str
    message: Messages
    source: str


@dataclass(frozen=True)
class Condition:
    """A non-gate condition with a reason code (income year, income ceiling)."""

    id: str
    code: str
    label: Messages
    legal_ref: str
    message: Messages
    source: str


@dataclass(frozen=True)
class DistanceBand:
    """Half-open band [from_km, next band's from_km) → points."""

    from_km: Decimal
    points: int


@dataclass(frozen=True)
class Ceilings:
    """Plafonds de ressources: for each échelon, 18 ceilings for 0 … 17 points de charge."""

    values: Mapping[Echelon, tuple[Decimal, ...]]
    source: str

    def of(self, echelon: Echelon, row: int) -> Decimal:
        return self.values[echelon][row]

    def ascending(self, row: int) -> tuple[Decimal, ...]:
        """Row `row`'s ceilings from échelon 7 (lowest) to 0bis (highest), for a bisect."""
        return tuple(self.values[e][row] for e in ECHELONS_DOWN)


@dataclass(frozen=True)
class Rates:
    """The annual 10-month rates per échelon."""

    values: Mapping[Echelon, Decimal]
    source: str


@dataclass(frozen=True, eq=False)
class RuleSet:
    """Everything that decides a declaration whose training starts in `year`."""

    year: AcademicYear
    id: str
    sha256: str
    files: tuple[str, ...]
    gates: tuple[Gate, ...]
    income_year: Condition
    income_year_offset: int
    income_ceiling: Condition
    points_legal_ref: str
    last_row: int
    last_row_source: str
    per_child: int
    per_child_in_higher_education: int
    children_source: str
    distance_bands: tuple[DistanceBand, ...]
    distance_source: str
    ceilings: Ceilings
    rates: Rates
    rates_legal_ref: str
    months_cap: int
    monthly_divisor: int
    amounts_source: str
    notes: tuple[str, ...] = ()
    # Derived in __post_init__, never given to the constructor: the ceilings of every row in ascending order
    # and the band starts (for bisects), the amounts per échelon, the reference, the texts of the computed rules.
    _ascending: tuple[tuple[Decimal, ...], ...] = field(init=False, repr=False)
    _band_starts: tuple[Decimal, ...] = field(init=False, repr=False)
    distance_rule: str = field(init=False, repr=False)
    children_rule: str = field(init=False, repr=False)
    _amounts: Mapping[Echelon | None, tuple[Decimal, Decimal]] = field(init=False, repr=False)
    _ref: RulesetRef = field(init=False, repr=False)
    label: str = field(init=False, repr=False)
    # Each row's ceilings from échelon 7 to 0bis as the trace records them (read-only: shared by decisions).
    ceiling_texts: tuple[FrozenDict, ...] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        # Prepared once: the ceilings of every row in ascending order and the band starts, for bisects;
        # the texts of the computed rules, for the trace.
        object.__setattr__(self, "_ascending", tuple(self.ceilings.ascending(r) for r in range(self.last_row + 1)))
        object.__setattr__(self, "_band_starts", tuple(b.from_km for b in self.distance_bands))
        object.__setattr__(self, "_amounts", {
            e: (to_cents(rate), to_cents(rate / self.monthly_divisor)) for e, rate in self.rates.values.items()
        } | {None: (ZERO, ZERO)})
        object.__setattr__(self, "_ref", RulesetRef(id=self.id, sha256=self.sha256))
        object.__setattr__(self, "label", self.year.label)
        object.__setattr__(self, "ceiling_texts", tuple(
            FrozenDict({e: str(self.ceilings.of(e, r)) for e in ECHELONS_DOWN}) for r in range(self.last_row + 1)))
        object.__setattr__(self, "distance_rule", self._distance_text())
        object.__setattr__(self, "children_rule", (
            f"{self.per_child} × (dependent_children − children_in_higher_education) + "
            f"{self.per_child_in_higher_education} × children_in_higher_education"))

    @property
    def reasons(self) -> tuple[Gate | Condition, ...]:
        """Every condition a decision can list as a reason, in the order decisions list them."""
        return (*self.gates, self.income_year, self.income_ceiling)

    @property
    def ref(self) -> RulesetRef:
        return self._ref

    @property
    def expected_income_year(self) -> int:
        return self.year.first - self.income_year_offset

    def covers(self, day: date) -> bool:
        return academic_year_of(day) == self.year

    def distance_points(self, km: Decimal) -> int:
        """Points of the half-open band holding `km`."""
        return self.distance_bands[bisect_right(self._band_starts, km) - 1].points

    def children_points(self, children: int, in_higher_education: int) -> int:
        return self.per_child * (children - in_higher_education) + self.per_child_in_higher_education * (
            in_higher_education
        )

    def amounts_of(self, echelon: Echelon | None) -> tuple[Decimal, Decimal]:
        """(annual, monthly) of an échelon, to the cent; (0.00, 0.00) without one (docs/policies.md policy 7).

        Monthly = the 10-month rate ÷ 10, rounded half up (exact for every rate of the tables).
        """
        return self._amounts[echelon]

    def row_of(self, points: int) -> int:
        return min(points, self.last_row)

    def echelon_of(self, rbg: Decimal, row: int) -> Echelon | None:
        """The highest échelon whose ceiling at `row` is ≥ rbg (a bisect on the prepared row), or None."""
        index = bisect_left(self._ascending[row], rbg)
        return ECHELONS_DOWN[index] if index < len(ECHELONS_DOWN) else None

    def _distance_text(self) -> str:
        parts = []
        for band, nxt in zip(self.distance_bands, (*self.distance_bands[1:], None), strict=True):
            upper = f"{nxt.from_km})" if nxt else "∞)"
            parts.append(f"[{band.from_km}, {upper} → {band.points}")
        return "distance_km in " + "; ".join(parts)


@dataclass(frozen=True, eq=False)
class RuleBook:
    """The rule sets of every academic year covered, by year."""

    rulesets: Mapping[AcademicYear, RuleSet]
    root: str = ""
    _by_first_year: Mapping[int, RuleSet] = field(init=False, repr=False)  # derived in __post_init__

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_first_year", {y.first: r for y, r in self.rulesets.items()})

    def __iter__(self) -> Iterator[RuleSet]:
        return iter(self.rulesets[y] for y in sorted(self.rulesets))

    def __len__(self) -> int:
        return len(self.rulesets)

    @property
    def covered(self) -> str:
        years = sorted(self.rulesets)
        return f"{years[0]} … {years[-1]}" if years else "none"

    def year(self, label: str | AcademicYear) -> RuleSet:
        year = AcademicYear.parse(label) if isinstance(label, str) else label
        try:
            return self.rulesets[year]
        except KeyError:
            raise NoRulesetInForce(year.label, self.covered) from None

    def in_force(self, day: date) -> RuleSet:
        """The rule set of the academic year containing `day`; `NoRulesetInForce` if none."""
        found = self._by_first_year.get(day.year if day.month >= 9 else day.year - 1)  # academic_year_of, inlined
        if found is None:
            raise NoRulesetInForce(day.isoformat(), self.covered)
        return found

    @property
    def first_year(self) -> AcademicYear:
        return min(self.rulesets)

    @property
    def last_year(self) -> AcademicYear:
        return max(self.rulesets)

    def reason_codes(self) -> tuple[str, ...]:
        """Every reason code of every year, in decision order (a code met first in a later year comes after)."""
        return tuple(dict.fromkeys(c.code for rs in self for c in rs.reasons))

    def reason_label(self, code: str, lang: str = "fr") -> str:
        """The label of a reason code, from the latest year that has it; the code itself if no year has it (a
        decision stored under rules since changed)."""
        for rs in reversed(list(self)):
            for c in rs.reasons:
                if c.code == code:
                    return c.label.get(lang)
        return code

    def by_sha256(self, sha256: str) -> RuleSet | None:
        return next((r for r in self.rulesets.values() if r.sha256 == sha256), None)
