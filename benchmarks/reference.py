"""A vectorised NumPy reference of the decision: the machine's limit for this arithmetic, and a second check.

`decide(columns, tables)` computes, for every declaration at once, what `aid_engine.evaluate` decides:
status, échelon, points de charge, months, annual / monthly / total amounts in integer cents, and the reason
codes as bit flags.  It reads the barème (ceilings, rates, distance bands, children points, 17-row cap,
income-year offset, months cap, monthly divisor) from a loaded `RuleBook`, and writes the gates and the
status precedence straight from docs/policies.md, without rule-engine, pydantic or Decimal:
an independent second implementation.  It builds no trace and no message.

Money is integer cents, distances integer metres, dates `datetime64[D]`: the arithmetic is exact.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from decimal import Decimal
from typing import Any

import numpy as np
from numpy.typing import NDArray

from aid_engine.models import ECHELONS
from aid_engine.ruleset import ECHELONS_DOWN, RuleBook

PROFILES = ("unqualified", "graduate_jobseeker", "graduate_reconversion", "other")
ELIGIBLE_PROFILES = (0, 1, 2)  # decree art. 1: every profile but "other"
NATIONALITIES = ("french", "eu_eea_swiss", "other")
FRENCH = 0
DECREE_IN_FORCE = np.datetime64("2017-04-17", "D")  # docs/policies.md, policy 2
LABEL_ENDS = np.datetime64("2025-01-15", "D")  # docs/policies.md, policy 9: no training starting from then is labelled
RESIDENCE_YEARS_MIN = 2  # docs/policies.md, policy 5
EXCLUSIONS = ("jobseeker_aid", "work_study_contract", "training_leave", "employment_or_region_aid",
              "higher_education_grant")

# Reason codes in the order of their bit in `Decisions.reasons` (gates in rules order, then conditions).
REASONS = (
    "training_not_labelled",
    "label_closed",
    "profile_not_eligible",
    "application_before_decree",
    "application_before_training_start",
    *EXCLUSIONS,
    "residence_condition",
    "income_year_mismatch",
    "income_above_ceiling",
)
BIT = {code: 1 << i for i, code in enumerate(REASONS)}
GATE_BITS = sum(BIT[c] for c in REASONS[:-2])

STATUSES = ("granted", "refused", "review")
GRANTED, REFUSED, REVIEW = 0, 1, 2
NO_ECHELON = -1  # échelons are coded 0 (0bis), 1 … 7
_FAR = np.iinfo(np.int64).max  # pads the distance bands of years with fewer bands

I64 = NDArray[np.int64]
I8 = NDArray[np.int8]
B = NDArray[np.bool_]
D = NDArray[np.datetime64]


@dataclass
class Columns:
    """Declarations as columns: what the decision reads, each field one array of the same length."""

    application_date: D
    training_start_date: D
    training_end_date: D
    training_labelled: B
    profile: I8  # index in PROFILES
    nationality: I8  # index in NATIONALITIES
    residence_years: I64  # -1 when absent
    international_protection: B
    revenu_brut_global: I64  # cents
    income_year: I64
    dependent_children: I64
    children_in_higher_education: I64
    distance_km: I64  # metres (thousandths of a km)
    jobseeker_aid: B
    work_study_contract: B
    training_leave: B
    employment_or_region_aid: B
    higher_education_grant: B

    def __len__(self) -> int:
        return len(self.training_start_date)

    def take(self, index: Any) -> Columns:
        """The rows at `index` (a slice, an index array or a mask)."""
        return Columns(**{f.name: getattr(self, f.name)[index] for f in fields(self)})


def cents(value: Any) -> int:
    """Integer hundredths of a JSON-shaped decimal (str, int or Decimal), exactly.

    >>> cents("37081.5"), cents(12), cents("0.01")
    (3708150, 1200, 1)
    """
    return int(Decimal(str(value)).scaleb(2))


def thousandths(value: Any) -> int:
    """Integer thousandths of a JSON-shaped decimal, exactly.

    >>> thousandths("249.999"), thousandths(30)
    (249999, 30000)
    """
    return int(Decimal(str(value)).scaleb(3))


def columns_of(declarations: Iterable[Mapping[str, Any]]) -> Columns:
    """Columns from JSON-shaped dicts (valid declarations, as `aid_engine.evaluate` takes them)."""
    rows = list(declarations)

    def dates(name: str) -> D:
        return np.array([r[name] for r in rows], dtype="datetime64[D]")

    def flags(name: str) -> B:
        return np.array([r[name] for r in rows], dtype=np.bool_)

    def ints(name: str, absent: int = 0) -> I64:
        return np.array([r.get(name, absent) for r in rows], dtype=np.int64)

    return Columns(
        application_date=dates("application_date"),
        training_start_date=dates("training_start_date"),
        training_end_date=dates("training_end_date"),
        training_labelled=flags("training_labelled"),
        profile=np.array([PROFILES.index(r["profile"]) for r in rows], dtype=np.int8),
        nationality=np.array([NATIONALITIES.index(r["nationality"]) for r in rows], dtype=np.int8),
        residence_years=np.array([-1 if r.get("residence_years") is None else r["residence_years"] for r in rows],
                                 dtype=np.int64),
        international_protection=flags("international_protection"),
        revenu_brut_global=np.array([cents(r["revenu_brut_global"]) for r in rows], dtype=np.int64),
        income_year=ints("income_year"),
        dependent_children=ints("dependent_children"),
        children_in_higher_education=ints("children_in_higher_education"),
        distance_km=np.array([thousandths(r["distance_km"]) for r in rows], dtype=np.int64),
        **{name: flags(name) for name in EXCLUSIONS},
    )


@dataclass(frozen=True)
class Tables:
    """The barème of every academic year of a rule book, as arrays indexed by year (first year − `first`)."""

    first: int
    ceilings: I64  # [year, row, échelon from 7 up to 0bis] cents, ascending along the last axis
    rates: I64  # [year, échelon coded 0 (0bis) … 7] cents
    band_starts: I64  # [year, band] metres, padded with _FAR
    band_points: I64  # [year, band]
    per_child: I64
    per_child_in_higher_education: I64
    last_row: I64
    income_year_offset: I64
    months_cap: I64
    monthly_divisor: I64

    @classmethod
    def of(cls, book: RuleBook) -> Tables:
        """Read the tables of every rule set of `book` (academic years must follow one another)."""
        sets = list(book)
        firsts = [rs.year.first for rs in sets]
        if firsts != list(range(firsts[0], firsts[0] + len(firsts))):
            raise ValueError(f"the rule book's academic years are not contiguous: {firsts}")
        bands = max(len(rs.distance_bands) for rs in sets)

        def per_year(read: Any) -> I64:
            return np.array([read(rs) for rs in sets], dtype=np.int64)

        return cls(
            first=firsts[0],
            ceilings=per_year(lambda rs: [[cents(rs.ceilings.of(e, row)) for e in ECHELONS_DOWN]
                                          for row in range(rs.last_row + 1)]),
            rates=per_year(lambda rs: [cents(rs.rates.values[e]) for e in ECHELONS]),
            band_starts=per_year(lambda rs: [thousandths(b.from_km) for b in rs.distance_bands]
                                 + [_FAR] * (bands - len(rs.distance_bands))),
            band_points=per_year(lambda rs: [b.points for b in rs.distance_bands]
                                 + [0] * (bands - len(rs.distance_bands))),
            per_child=per_year(lambda rs: rs.per_child),
            per_child_in_higher_education=per_year(lambda rs: rs.per_child_in_higher_education),
            last_row=per_year(lambda rs: rs.last_row),
            income_year_offset=per_year(lambda rs: rs.income_year_offset),
            months_cap=per_year(lambda rs: rs.months_cap),
            monthly_divisor=per_year(lambda rs: rs.monthly_divisor),
        )


@dataclass
class Decisions:
    """The reference's decisions, as columns."""

    status: I8  # GRANTED, REFUSED, REVIEW
    echelon: I8  # 0 (0bis) … 7, NO_ECHELON
    points_de_charge: I64
    months: I64
    annual_cents: I64
    monthly_cents: I64
    total_cents: I64
    reasons: I64  # bit flags, BIT[code]

    def row(self, i: int) -> dict[str, Any]:
        """Row `i` in the decision's own terms (for messages and comparisons)."""
        echelon = int(self.echelon[i])
        return {
            "status": STATUSES[self.status[i]],
            "echelon": None if echelon == NO_ECHELON else ECHELONS[echelon],
            "points_de_charge": int(self.points_de_charge[i]),
            "months": int(self.months[i]),
            "annual_cents": int(self.annual_cents[i]),
            "monthly_cents": int(self.monthly_cents[i]),
            "total_cents": int(self.total_cents[i]),
            "reasons": reason_codes(int(self.reasons[i])),
        }


def reason_codes(flags: int) -> frozenset[str]:
    """The reason codes whose bit is set in `flags`."""
    return frozenset(code for code, bit in BIT.items() if flags & bit)


def _month_index(days: D) -> I64:
    """Months since January 1970 of each date (its year × 12 + month − 1, shifted)."""
    return days.astype("datetime64[M]").astype(np.int64)


def decide(c: Columns, t: Tables) -> Decisions:
    """Every declaration's decision at once (docs/policies.md, policies 1 to 7); see the module docstring."""
    start_month = _month_index(c.training_start_date)
    first = (start_month - 8) // 12 + 1970  # policy 1: 1 September → 31 August
    y = first - t.first
    if len(y) and (y.min() < 0 or y.max() >= len(t.rates)):
        raise ValueError("a training starts outside the academic years of the rule book")

    flags = np.zeros(len(c), dtype=np.int64)

    def flag(code: str, fails: B) -> None:
        flags[fails] |= BIT[code]

    flag("training_not_labelled", ~c.training_labelled)
    flag("label_closed", c.training_start_date >= LABEL_ENDS)
    flag("profile_not_eligible", ~np.isin(c.profile, ELIGIBLE_PROFILES))
    flag("application_before_decree", c.application_date < DECREE_IN_FORCE)
    flag("application_before_training_start", c.application_date < c.training_start_date)
    for name in EXCLUSIONS:
        flag(name, getattr(c, name))
    flag("residence_condition", (c.nationality != FRENCH) & ~c.international_protection
         & (np.maximum(c.residence_years, 0) < RESIDENCE_YEARS_MIN))
    gate_failed = (flags & GATE_BITS) != 0

    income_ok = c.income_year == first - t.income_year_offset[y]  # policy 6
    flag("income_year_mismatch", ~income_ok)

    band = (c.distance_km[:, None] >= t.band_starts[y]).sum(axis=1) - 1  # policy 3, half-open bands
    distance_points = t.band_points[y, band]
    in_he = c.children_in_higher_education
    children_points = t.per_child[y] * (c.dependent_children - in_he) + t.per_child_in_higher_education[y] * in_he
    points = distance_points + children_points
    row = np.minimum(points, t.last_row[y])

    # policy 4: the highest échelon whose ceiling is ≥ RBG = how many ceilings (ascending) are < RBG.
    below = (t.ceilings[y, row] < c.revenu_brut_global[:, None]).sum(axis=1)
    reached = np.where(below < len(ECHELONS_DOWN), len(ECHELONS_DOWN) - 1 - below, NO_ECHELON)
    flag("income_above_ceiling", reached == NO_ECHELON)

    status = np.where(gate_failed, REFUSED, np.where(~income_ok, REVIEW, np.where(reached == NO_ECHELON,
                                                                                   REFUSED, GRANTED)))
    echelon = np.where(status == REFUSED, NO_ECHELON, reached)
    has = echelon != NO_ECHELON

    # policy 7: the 10-month rate; monthly = annual ÷ divisor rounded half up; months begun, capped.
    annual = np.where(has, t.rates[y, np.maximum(echelon, 0)], 0)
    divisor = t.monthly_divisor[y]
    monthly = (2 * annual + divisor) // (2 * divisor)
    begun = _month_index(c.training_end_date) - start_month + 1
    months = np.where(has, np.minimum(begun, t.months_cap[y]), 0)
    return Decisions(
        status=status.astype(np.int8),
        echelon=echelon.astype(np.int8),
        points_de_charge=points,
        months=months,
        annual_cents=annual,
        monthly_cents=monthly,
        total_cents=monthly * months,
        reasons=flags,
    )


def engine_row(decision: Any) -> dict[str, Any]:
    """An `aid_engine` Decision in the terms of `Decisions.row`, for comparison."""
    return {
        "status": decision.status,
        "echelon": decision.echelon,
        "points_de_charge": decision.points_de_charge,
        "months": decision.months,
        "annual_cents": cents(decision.annual_amount),
        "monthly_cents": cents(decision.monthly_amount),
        "total_cents": cents(decision.total_amount),
        "reasons": frozenset(r.code for r in decision.reasons),
    }
