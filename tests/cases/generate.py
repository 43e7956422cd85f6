#!/usr/bin/env python3
"""Writes the decision cases `tests/cases/*.yaml`, their expected values computed here, not by aid_engine.

The numbers are this file's own copy of the published barème (the arrêtés of docs/sources.md): Table A and
Table B (ceilings by échelon and points de charge) and the "10 m" rates (2016-2017 = 2017-2018).  The policies
are those of docs/policies.md: academic year of the training start date, gates in rules order (every failure
listed), the label's end (a training starting on or after 15 January 2025 fails `label_closed`, policy 9), income
year = first year − 2, distance bands (half-open, new bands from 2022-2023), children 2 + 4 per child in higher
education, table row min(points, 17), échelon = the highest whose ceiling is ≥ RBG, status precedence,
monthly = annual ÷ 10 half up, months begun from the start month to the end month at most 10.

Nothing here imports aid_engine: a mistake in the engine cannot leak into the expectations.  Every case also
states the outcome its name claims, and the generator checks the claim against its own computation.

    python tests/cases/generate.py            # rewrites tests/cases/*.yaml
    python tests/cases/generate.py --out DIR  # writes them elsewhere (the test that checks determinism)

Deterministic: same input, same bytes.  `tests/test_cases.py` checks that a run reproduces the committed files.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent

# -- the law, copied from the published barème -------------------------------------------------------------

ECHELONS = ("0bis", "1", "2", "3", "4", "5", "6", "7")  # least to most generous

# §3.2 Table A: 2016-2017 … 2022-2023.  One tuple per échelon, 0 … 17 points de charge.
TABLE_A: dict[str, tuple[int, ...]] = {
    "0bis": (33100, 36760, 40450, 44120, 47800, 51480, 55150, 58830, 62510, 66180, 69860, 73540, 77210, 80890,
             84560, 88250, 91920, 95610),
    "1": (22500, 25000, 27500, 30000, 32500, 35010, 37510, 40010, 42510, 45000, 47510, 50010, 52500, 55000, 57520,
          60010, 62510, 65010),
    "2": (18190, 20210, 22230, 24250, 26270, 28300, 30320, 32340, 34360, 36380, 38400, 40410, 42430, 44450, 46480,
          48500, 50520, 52540),
    "3": (16070, 17850, 19640, 21430, 23210, 25000, 26770, 28560, 30350, 32130, 33920, 35710, 37490, 39280, 41050,
          42840, 44630, 46410),
    "4": (13990, 15540, 17100, 18640, 20200, 21760, 23310, 24860, 26420, 27970, 29520, 31090, 32630, 34180, 35750,
          37300, 38840, 40400),
    "5": (11950, 13280, 14600, 15920, 17250, 18580, 19910, 21240, 22560, 23890, 25220, 26540, 27870, 29200, 30530,
          31860, 33190, 34510),
    "6": (7540, 8370, 9220, 10050, 10880, 11730, 12570, 13410, 14240, 15080, 15910, 16750, 17590, 18420, 19270,
          20110, 20940, 21780),
    "7": (250, 500, 750, 1000, 1250, 1500, 1750, 2000, 2250, 2500, 2750, 3000, 3250, 3500, 3750, 4000, 4250, 4500),
}
# §3.2 Table B (+6 %): 2023-2024 … 2026-2027 (2026-2027 = 2025-2026, policy 10).
TABLE_B: dict[str, tuple[int, ...]] = {
    "0bis": (35086, 38966, 42877, 46767, 50668, 54569, 58459, 62360, 66261, 70151, 74052, 77952, 81843, 85743,
             89634, 93545, 97435, 101347),
    "1": (23850, 26500, 29150, 31800, 34450, 37111, 39761, 42411, 45061, 47700, 50361, 53011, 55650, 58300, 60971,
          63611, 66261, 68911),
    "2": (19281, 21423, 23564, 25705, 27846, 29998, 32139, 34280, 36422, 38563, 40704, 42835, 44976, 47117, 49269,
          51410, 53551, 55692),
    "3": (17034, 18921, 20818, 22716, 24603, 26500, 28376, 30274, 32171, 34058, 35955, 37853, 39739, 41637, 43513,
          45410, 47308, 49195),
    "4": (14829, 16472, 18126, 19758, 21412, 23066, 24709, 26352, 28005, 29648, 31291, 32955, 34588, 36231, 37895,
          39538, 41170, 42824),
    "5": (12667, 14077, 15476, 16875, 18285, 19695, 21105, 22514, 23914, 25323, 26733, 28132, 29542, 30952, 32362,
          33772, 35181, 36581),
    "6": (7992, 8872, 9773, 10653, 11533, 12434, 13324, 14215, 15094, 15985, 16865, 17755, 18645, 19525, 20426,
          21317, 22196, 23087),
    "7": (265, 530, 795, 1060, 1325, 1590, 1855, 2120, 2385, 2650, 2915, 3180, 3445, 3710, 3975, 4240, 4505, 4770),
}
LAST_ROW = 17

# §3.3 "10 m" rows, 0bis … 7; 2016-2017 = 2017-2018 (docs/policies.md, policy 2), 2024-2025 = 2025-2026 = 2023-2024;
# 2026-2027 = 2025-2026: no arrêté found, the last figures carried forward (policy 10).
_RATES_2017 = (1009, 1669, 2513, 3218, 3924, 4505, 4778, 5551)
_RATES_2023 = (1454, 2163, 3071, 3828, 4587, 5212, 5506, 6335)
RATES: dict[int, tuple[int, ...]] = {
    2016: _RATES_2017,
    2017: _RATES_2017,
    2018: (1009, 1669, 2513, 3218, 3924, 4505, 4778, 5551),
    2019: (1020, 1687, 2541, 3253, 3967, 4555, 4831, 5612),
    2020: (1032, 1707, 2571, 3292, 4015, 4610, 4889, 5679),
    2021: (1042, 1724, 2597, 3325, 4055, 4656, 4938, 5736),
    2022: (1084, 1793, 2701, 3458, 4217, 4842, 5136, 5965),
    2023: _RATES_2023,
    2024: _RATES_2023,
    2025: _RATES_2023,
    2026: _RATES_2023,
}
# The academic years covered are those whose rates are typed above: 2016-2017 … 2026-2027 (docs/policies.md, policies 2
# and 10).  A new year is its rates (and ceilings, if they change) typed here, nothing else.
YEARS = tuple(sorted(RATES))
FIRST_YEAR, LAST_YEAR = YEARS[0], YEARS[-1]

# docs/policies.md, policy 3: half-open bands [from, next from) → points; the new bands from 2022-2023.
BANDS_BEFORE_2022 = ((Decimal(0), 0), (Decimal(30), 1), (Decimal(250), 2))
BANDS_FROM_2022 = ((Decimal(0), 0), (Decimal(30), 1), (Decimal(250), 2), (Decimal(3500), 3), (Decimal(13000), 4))
POINTS_PER_CHILD, POINTS_PER_CHILD_IN_HIGHER_EDUCATION = 2, 4

# docs/policies.md, policy 5 (and rules order): the gate reason codes, in order.
GATE_CODES = (
    "training_not_labelled",
    "label_closed",
    "profile_not_eligible",
    "application_before_decree",
    "application_before_training_start",
    "jobseeker_aid",
    "work_study_contract",
    "training_leave",
    "employment_or_region_aid",
    "higher_education_grant",
    "residence_condition",
)
DECREE_IN_FORCE = date(2017, 4, 17)
# Policy 9: the GIP was dissolved by the arrêté du 8 janvier 2025 (JORF of 14 January, in force the next day);
# a training starting on or after that day cannot hold the label, whatever the declaration says.
LABEL_ENDS = date(2025, 1, 15)
ELIGIBLE_PROFILES = ("unqualified", "graduate_jobseeker", "graduate_reconversion")
INCOME_YEAR_OFFSET = 2
MONTHS_CAP = 10
CENT = Decimal("0.01")


def label(first: int) -> str:
    return f"{first}-{first + 1}"


def ceilings(first: int) -> dict[str, tuple[int, ...]]:
    """The ceilings of an academic year: Table A up to 2022-2023, Table B from 2023-2024."""
    return TABLE_A if first <= 2022 else TABLE_B


def ceiling(first: int, echelon: str, row: int) -> Decimal:
    return Decimal(ceilings(first)[echelon][row])


def rate(first: int, echelon: str) -> Decimal:
    return Decimal(RATES[first][ECHELONS.index(echelon)])


def bands(first: int) -> tuple[tuple[Decimal, int], ...]:
    return BANDS_FROM_2022 if first >= 2022 else BANDS_BEFORE_2022


def academic_year_of(day: date) -> int:
    return day.year if day.month >= 9 else day.year - 1


def distance_points(first: int, km: Decimal) -> int:
    return [points for start, points in bands(first) if km >= start][-1]


def children_points(children: int, in_higher_education: int) -> int:
    return (POINTS_PER_CHILD * (children - in_higher_education)
            + POINTS_PER_CHILD_IN_HIGHER_EDUCATION * in_higher_education)


def reached_echelon(first: int, rbg: Decimal, points: int) -> str | None:
    """The highest échelon whose ceiling at row min(points, 17) is ≥ rbg; None above the 0bis ceiling."""
    row = min(points, LAST_ROW)
    met = [e for e in ECHELONS if rbg <= ceiling(first, e, row)]
    return met[-1] if met else None


def months_of(start: date, end: date) -> int:
    return min((end.year - start.year) * 12 + end.month - start.month + 1, MONTHS_CAP)


def cents(value: Decimal) -> str:
    return format(value.quantize(CENT, rounding=ROUND_HALF_UP), ".2f")


def next_up(echelon: str | None) -> str | None:
    if echelon is None:
        return ECHELONS[0]
    i = ECHELONS.index(echelon)
    return ECHELONS[i + 1] if i + 1 < len(ECHELONS) else None


def points_for(first: int, echelon: str, rbg: Decimal, points: int) -> int | None:
    """The fewest extra points with which rbg meets `echelon`'s ceiling; None when row 17 is not enough."""
    for extra in range(1, LAST_ROW - points + 1):
        if rbg <= ceiling(first, echelon, points + extra):
            return extra
    return None


class NoRuleset(Exception):
    """The training start date is outside 2016-09-01 … 2027-08-31."""


def decide(d: dict[str, Any]) -> dict[str, Any]:
    """The expected decision fields of a complete JSON-shaped declaration, from the law above."""
    start = date.fromisoformat(d["training_start_date"])
    end = date.fromisoformat(d["training_end_date"])
    applied = date.fromisoformat(d["application_date"])
    first = academic_year_of(start)
    if first not in RATES:
        raise NoRuleset(start)
    foreign_unprotected = d["nationality"] != "french" and not d["international_protection"]
    failing = {
        "training_not_labelled": not d["training_labelled"],
        "label_closed": start >= LABEL_ENDS,
        "profile_not_eligible": d["profile"] not in ELIGIBLE_PROFILES,
        "application_before_decree": applied < DECREE_IN_FORCE,
        "application_before_training_start": applied < start,
        "jobseeker_aid": d["jobseeker_aid"],
        "work_study_contract": d["work_study_contract"],
        "training_leave": d["training_leave"],
        "employment_or_region_aid": d["employment_or_region_aid"],
        "higher_education_grant": d["higher_education_grant"],
        "residence_condition": foreign_unprotected and (d.get("residence_years") or 0) < 2,
    }
    gates = [code for code in GATE_CODES if failing[code]]
    income_ok = d["income_year"] == first - INCOME_YEAR_OFFSET
    points = distance_points(first, Decimal(d["distance_km"])) + children_points(
        d["dependent_children"], d["children_in_higher_education"])
    rbg = Decimal(d["revenu_brut_global"])
    reached = reached_echelon(first, rbg, points)
    reasons = gates + ([] if income_ok else ["income_year_mismatch"]) + (
        [] if reached is not None else ["income_above_ceiling"])
    if gates:
        status = "refused"
    elif not income_ok:
        status = "review"
    else:
        status = "granted" if reached is not None else "refused"
    echelon = None if status == "refused" else reached
    annual = rate(first, echelon) if echelon is not None else Decimal(0)
    monthly = (annual / 10).quantize(CENT, rounding=ROUND_HALF_UP)
    months = months_of(start, end) if echelon is not None else 0
    row = min(points, LAST_ROW)
    up = next_up(reached)
    counterfactuals = {
        "rbg_ceiling_current": cents(ceiling(first, reached, row)) if reached is not None else None,
        "rbg_for_next_echelon": cents(ceiling(first, up, row)) if up is not None else None,
        "points_for_next_echelon": points_for(first, up, rbg, points) if up is not None else None,
        "rbg_excess_over_0bis": cents(rbg - ceiling(first, "0bis", row))
        if reached is None and status == "refused" else None,
        # The barème's answer whatever the gates say: what displays and recovery read.
        "echelon_reached": reached,
    }
    return {
        "status": status,
        "echelon": echelon,
        "points_de_charge": points,
        "annual_amount": cents(annual),
        "monthly_amount": cents(monthly),
        "months": months,
        "total_amount": cents(monthly * months),
        "academic_year": label(first),
        "reasons": reasons,
        "counterfactuals": counterfactuals,
    }


# -- the base declaration and helpers to vary it --------------------------------------------------------------

# Granted at échelon 7 in 2024-2025: 0 points, 100 € ≤ 265 €, 16 Sept 2024 → 27 June 2025 = 10 months.
BASE: dict[str, Any] = {
    "learner_id": "CASE-0001",
    "application_date": "2024-10-01",
    "training_start_date": "2024-09-16",
    "training_end_date": "2025-06-27",
    "training_labelled": True,
    "fabrique_id": "FAB-0001",
    "profile": "unqualified",
    "nationality": "french",
    "international_protection": False,
    "own_tax_return": True,
    "revenu_brut_global": "100.00",
    "income_year": 2022,
    "dependent_children": 0,
    "children_in_higher_education": 0,
    "distance_km": "10",
    "jobseeker_aid": False,
    "work_study_contract": False,
    "training_leave": False,
    "employment_or_region_aid": False,
    "higher_education_grant": False,
}


def iso(day: date) -> str:
    return day.isoformat()


def in_year(first: int) -> dict[str, Any]:
    """A 10-month training (16 Sept → 27 June) of academic year `first`, applied for after its start and after
    the decree's entry into force, with the expected income year."""
    applied = date(2017, 4, 20) if first == 2016 else date(first, 10, 1)
    return {
        "application_date": iso(applied),
        "training_start_date": iso(date(first, 9, 16)),
        "training_end_date": iso(date(first + 1, 6, 27)),
        "income_year": first - INCOME_YEAR_OFFSET,
    }


def starting(start: date, end: date | None = None, applied: date | None = None) -> dict[str, Any]:
    """A training starting on `start` (ending `end`, default 9 months later), applied for 5 days after its
    start (or `applied`), with the expected income year of the start date's academic year."""
    end = end or start + timedelta(days=270)
    applied = applied or max(start + timedelta(days=5), DECREE_IN_FORCE)
    return {
        "application_date": iso(applied),
        "training_start_date": iso(start),
        "training_end_date": iso(end),
        "income_year": academic_year_of(start) - INCOME_YEAR_OFFSET,
    }


def with_points(points: int, in_higher_education: int = 0) -> dict[str, Any]:
    """Distance and children giving `points` in any year: 1 distance point (100 km) when odd, the rest from
    children, `in_higher_education` of them at 4 points."""
    rest = points - POINTS_PER_CHILD_IN_HIGHER_EDUCATION * in_higher_education
    if rest < 0:
        raise ValueError(f"{points} points cannot hold {in_higher_education} children in higher education")
    odd = rest % 2
    return {
        "distance_km": "100" if odd else "10",
        "dependent_children": in_higher_education + (rest - odd) // POINTS_PER_CHILD,
        "children_in_higher_education": in_higher_education,
    }


def euros(value: Decimal | int) -> str:
    return format(Decimal(value).quantize(CENT), ".2f")


def shown(value: Decimal | int) -> str:
    """An amount in a case name: 33 100 €, 33 100,01 €."""
    number = Decimal(value).quantize(CENT)
    whole = f"{int(number):,}".replace(",", " ")
    fraction = number - int(number)
    return f"{whole},{int(fraction * 100):02d} €" if fraction else f"{whole} €"


def outcome(status: str, echelon: str | None) -> str:
    if status == "granted":
        return f"gives échelon {echelon}"
    if status == "review":
        return f"goes to review at échelon {echelon}" if echelon else "goes to review with no échelon"
    return "is refused"


# -- cases ------------------------------------------------------------------------------------------------------


@dataclass
class Case:
    name: str
    declaration: dict[str, Any]
    claims: dict[str, Any] = field(default_factory=dict)
    counterfactuals: bool = True
    # Keep the counterfactuals on a refusal by a gate: they pin the barème of a year in which every training
    # fails label_closed (the ceiling of the échelon the income reaches), where no grant can show it.
    barème_position: bool = False
    error: dict[str, Any] | None = None

    def entry(self) -> dict[str, Any]:
        full = {**BASE, **self.declaration}
        entry: dict[str, Any] = {"name": self.name, "declaration": self.declaration}
        if self.error is not None:
            try:
                decide(full)
            except NoRuleset:
                entry["expected"] = {"error": self.error}
                return entry
            raise AssertionError(f"{self.name}: expected an error, the law decides")
        expected = decide(full)
        for key, value in self.claims.items():
            actual = expected["counterfactuals"][key] if key.startswith(("rbg_", "points_for")) else expected[key]
            if actual != value:
                raise AssertionError(f"{self.name}: claims {key}={value!r}, the law gives {actual!r}")
        gate_refusal = set(expected["reasons"]) & set(GATE_CODES) and "income_above_ceiling" not in expected["reasons"]
        if not self.counterfactuals or (gate_refusal and not self.barème_position):
            # docs/ says nothing of the others on a refusal by a gate alone; the échelon reached holds always.
            expected["counterfactuals"] = {"echelon_reached": expected["counterfactuals"]["echelon_reached"]}
        entry["expected"] = expected
        return entry


@dataclass
class CaseFile:
    name: str
    title: str
    cases: list[Case]

    def document(self) -> dict[str, Any]:
        names = [c.name for c in self.cases]
        duplicates = {n for n in names if names.count(n) > 1}
        if duplicates:
            raise AssertionError(f"{self.name}: duplicate case names {sorted(duplicates)}")
        return {"title": self.title, "base": BASE, "cases": [c.entry() for c in self.cases]}


def year_cases(first: int) -> Iterator[Case]:
    """For each échelon: RBG exactly at its ceiling, one euro over and one cent over, at varied points.

    In a year whose trainings all start after the label's end (2025-2026 on), every decision is refused by
    `label_closed`; the cases then pin the barème by the ceiling of the échelon the income reaches."""
    y = label(first)
    closed = date(first, 9, 16) >= LABEL_ENDS
    for i, e in enumerate(ECHELONS):
        points = (5 * i + 3 * (first - FIRST_YEAR)) % (LAST_ROW + 1)
        he = 1 if i % 2 and points >= 4 else 0
        top = ceiling(first, e, points)
        lower = ECHELONS[i - 1] if i else None
        base = {**in_year(first), **with_points(points, he)}
        children = f" ({he} child in higher education)" if he else ""
        where = f"with {points} points{children}"
        if closed:
            yield Case(
                f"In {y}, an income exactly at the échelon {e} ceiling ({shown(top)}) {where} reaches échelon {e}, "
                "and the training, started after the label's end, is refused (label_closed)",
                {**base, "revenu_brut_global": euros(top)},
                {"status": "refused", "echelon": None, "reasons": ["label_closed"], "points_de_charge": points,
                 "rbg_ceiling_current": euros(top)},
                barème_position=True,
            )
        else:
            yield Case(
                f"In {y}, an income exactly at the échelon {e} ceiling ({shown(top)}) {where} gives échelon {e}",
                {**base, "revenu_brut_global": euros(top)},
                {"status": "granted", "echelon": e, "points_de_charge": points,
                 "annual_amount": euros(RATES[first][i]), "rbg_ceiling_current": euros(top)},
            )
        for over, words in ((Decimal(1), "one euro"), (CENT, "one cent")):
            if closed:
                reached = f"reaches échelon {lower}" if lower else "is above the 0bis ceiling"
                yield Case(
                    f"In {y}, an income {words} over the échelon {e} ceiling {where} {reached}, refused "
                    "(label_closed)",
                    {**base, "revenu_brut_global": euros(top + over)},
                    {"status": "refused", "echelon": None, "points_de_charge": points,
                     "reasons": ["label_closed"] if lower else ["label_closed", "income_above_ceiling"],
                     "rbg_ceiling_current": euros(ceiling(first, lower, points)) if lower else None},
                    barème_position=True,
                )
                continue
            status = "granted" if lower else "refused"
            reasons = [] if lower else ["income_above_ceiling"]
            yield Case(
                f"In {y}, an income {words} over the échelon {e} ceiling {where} {outcome(status, lower)}",
                {**base, "revenu_brut_global": euros(top + over)},
                {"status": status, "echelon": lower, "reasons": reasons, "points_de_charge": points},
            )


def reason_cases() -> Iterator[Case]:
    yield Case("The base declaration (2024-2025, 0 points, 100 €) gives échelon 7 with no reason", {},
               {"status": "granted", "echelon": "7", "reasons": [], "annual_amount": "6335.00",
                "monthly_amount": "633.50", "months": 10, "total_amount": "6335.00"})
    single = [
        ("training_not_labelled", "a training without the GEN label at its start", {"training_labelled": False}),
        ("label_closed", "a training said to be labelled that starts on 15 January 2025, the label's end",
         {**starting(date(2025, 1, 15), date(2025, 6, 27))}),
        ("profile_not_eligible", "a learner of profile other", {"profile": "other"}),
        ("application_before_decree", "an application filed on 16 April 2017, before the decree",
         {**starting(date(2017, 3, 6)), "application_date": "2017-04-16"}),
        ("application_before_training_start", "an application filed the day before the training starts",
         {"application_date": "2024-09-15"}),
        ("jobseeker_aid", "a job-seeker receiving a France Travail aid", {"jobseeker_aid": True}),
        ("work_study_contract", "a learner paid under a work-study contract", {"work_study_contract": True}),
        ("training_leave", "a learner on training leave", {"training_leave": True}),
        ("employment_or_region_aid", "a learner receiving a regional aid", {"employment_or_region_aid": True}),
        ("higher_education_grant", "a learner holding a higher-education grant", {"higher_education_grant": True}),
        ("residence_condition", "a foreign learner with one year of residence and no protection",
         {"nationality": "other", "residence_years": 1}),
    ]
    for code, what, changes in single:
        yield Case(f"{what[0].upper()}{what[1:]} is refused with {code} only", changes,
                   {"status": "refused", "echelon": None, "reasons": [code]})
    yield Case("A training starting on 14 January 2025, the day before the label's end, keeps it and gives "
               "échelon 7", {**starting(date(2025, 1, 14), date(2025, 6, 27))},
               {"status": "granted", "echelon": "7", "reasons": [], "academic_year": "2024-2025", "months": 6})
    yield Case("A training starting 15 January 2025 without the label fails training_not_labelled and label_closed",
               {**starting(date(2025, 1, 15), date(2025, 6, 27)), "training_labelled": False},
               {"status": "refused", "reasons": ["training_not_labelled", "label_closed"]})
    yield Case("A training starting in September 2025 said to be labelled is refused with label_closed only, "
               "0 months and 0.00 amounts",
               {**in_year(2025)},
               {"status": "refused", "echelon": None, "reasons": ["label_closed"], "months": 0,
                "total_amount": "0.00", "academic_year": "2025-2026", "rbg_ceiling_current": "265.00"},
               barème_position=True)
    yield Case("A training started before the label's end whose learner applies in 2026 is still decided and "
               "gives échelon 7", {**starting(date(2024, 11, 4), date(2025, 7, 4), date(2026, 2, 2))},
               {"status": "granted", "echelon": "7", "reasons": [], "months": 9})
    for profile in ELIGIBLE_PROFILES:
        yield Case(f"A learner of profile {profile} passes the public gate and gives échelon 7",
                   {"profile": profile}, {"status": "granted", "reasons": []})
    yield Case("An income year other than 2022 in 2024-2025 goes to review with income_year_mismatch",
               {"income_year": 2023}, {"status": "review", "echelon": "7", "reasons": ["income_year_mismatch"]})
    yield Case("An income one cent over the 0bis ceiling in 2024-2025 is refused with income_above_ceiling",
               {"revenu_brut_global": "35086.01"},
               {"status": "refused", "echelon": None, "reasons": ["income_above_ceiling"],
                "rbg_excess_over_0bis": "0.01"})
    yield Case(
        "A declaration failing every gate, the income year and the ceiling lists the thirteen codes in order",
        {**starting(date(2025, 9, 16), applied=date(2017, 4, 16)), "income_year": 2016,
         "training_labelled": False, "profile": "other", "jobseeker_aid": True, "work_study_contract": True,
         "training_leave": True, "employment_or_region_aid": True, "higher_education_grant": True,
         "nationality": "eu_eea_swiss", "residence_years": 0, "revenu_brut_global": "999999999.99"},
        {"status": "refused", "echelon": None,
         "reasons": [*GATE_CODES, "income_year_mismatch", "income_above_ceiling"]},
    )
    yield Case("Two exclusions and a foreign learner without residence are all listed, in rules order",
               {"higher_education_grant": True, "jobseeker_aid": True, "nationality": "other",
                "residence_years": 0},
               {"status": "refused",
                "reasons": ["jobseeker_aid", "higher_education_grant", "residence_condition"]})
    yield Case("An application before the decree and before the training start fails both date gates",
               {**starting(date(2017, 4, 20), applied=date(2017, 4, 1))},
               {"status": "refused",
                "reasons": ["application_before_decree", "application_before_training_start"]})
    yield Case("A failing gate with an income-year mismatch is refused and lists both",
               {"training_leave": True, "income_year": 2021},
               {"status": "refused", "echelon": None, "reasons": ["training_leave", "income_year_mismatch"]})
    yield Case("A failing gate with an income above the ceiling is refused and lists both",
               {"training_labelled": False, "revenu_brut_global": "50000.00"},
               {"status": "refused", "reasons": ["training_not_labelled", "income_above_ceiling"],
                "rbg_excess_over_0bis": "14914.00"})
    yield Case("An income-year mismatch with an income above the ceiling goes to review with both reasons",
               {"income_year": 2020, "revenu_brut_global": "50000.00"},
               {"status": "review", "echelon": None, "reasons": ["income_year_mismatch", "income_above_ceiling"],
                "rbg_excess_over_0bis": None})


def status_cases() -> Iterator[Case]:
    echelon_5 = ceiling(2024, "5", 2)
    yield Case(f"A refused learner whose income ({shown(echelon_5)}, 2 points) reaches échelon 5 has no échelon, "
               "0 months and 0.00 amounts", {**with_points(2), "revenu_brut_global": euros(echelon_5),
                                              "work_study_contract": True},
               {"status": "refused", "echelon": None, "months": 0, "annual_amount": "0.00",
                "monthly_amount": "0.00", "total_amount": "0.00"}, counterfactuals=False)
    for first, e, points in ((2024, "3", 4), (2019, "0bis", 0), (2016, "6", 9), (2022, "1", 17)):
        top = ceiling(first, e, points)
        yield Case(f"In {label(first)}, a wrong income year keeps échelon {e} and its provisional amounts "
                   "in review",
                   {**in_year(first), **with_points(points), "income_year": first - 1,
                    "revenu_brut_global": euros(top)},
                   {"status": "review", "echelon": e, "annual_amount": euros(rate(first, e)),
                    "reasons": ["income_year_mismatch"]})
    yield Case("In 2020-2021, a wrong income year above the ceiling is in review with no échelon and 0.00 amounts",
               {**in_year(2020), "income_year": 2020, "revenu_brut_global": "33100.01"},
               {"status": "review", "echelon": None, "months": 0, "annual_amount": "0.00",
                "monthly_amount": "0.00", "total_amount": "0.00",
                "reasons": ["income_year_mismatch", "income_above_ceiling"]})
    yield Case("A training starting 15 March 2024 expects the 2021 income and gives échelon 7",
               {**starting(date(2024, 3, 15), date(2024, 6, 28)), "income_year": 2021},
               {"status": "granted", "academic_year": "2023-2024", "months": 4})
    yield Case("A training starting 15 March 2024 with the 2022 income (calendar year − 2) goes to review",
               {**starting(date(2024, 3, 15), date(2024, 6, 28)), "income_year": 2022},
               {"status": "review", "academic_year": "2023-2024", "reasons": ["income_year_mismatch"]})
    yield Case("A training starting 16 September 2024 with the 2021 income (n − 3) goes to review",
               {"income_year": 2021}, {"status": "review", "reasons": ["income_year_mismatch"]})


def date_cases() -> Iterator[Case]:
    end = date(2024, 5, 31)
    for start, first in ((date(2023, 8, 31), 2022), (date(2023, 9, 1), 2023)):
        day = f"{start.day} {'August' if start.month == 8 else 'September'} {start.year}"
        yield Case(f"A training starting {day} is decided in {label(first)} (échelon 7 rate "
                   f"{shown(rate(first, '7'))})", {**starting(start, end)},
                   {"academic_year": label(first), "echelon": "7", "annual_amount": euros(rate(first, "7"))})
        status = "granted" if first == 2023 else "refused"
        yield Case(f"A training starting {day} with an income of 34 000 € at 0 points {outcome(status, '0bis')}",
                   {**starting(start, end), "revenu_brut_global": "34000.00"},
                   {"academic_year": label(first), "status": status})
    yield Case("A training starting 31 August 2023 with the 2021 income (that of 2023-2024) goes to review",
               {**starting(date(2023, 8, 31), end), "income_year": 2021},
               {"academic_year": "2022-2023", "status": "review"})
    for start, first in ((date(2022, 8, 31), 2021), (date(2022, 9, 1), 2022)):
        day = f"{start.day} {'August' if start.month == 8 else 'September'} {start.year}"
        points = 2 if first == 2021 else 3
        yield Case(f"A training starting {day} at 3 500 km has {points} distance points ({label(first)} bands)",
                   {**starting(start), "distance_km": "3500", "revenu_brut_global": euros(ceiling(first, "7", 3))},
                   {"academic_year": label(first), "points_de_charge": points,
                    "echelon": "7" if points == 3 else "6"})
    for start in (date(FIRST_YEAR, 8, 31), date(LAST_YEAR + 1, 9, 1), date(2010, 1, 4)):
        yield Case(f"A training starting {iso(start)} has no rule set in force (NoRulesetInForce)",
                   {**starting(start, applied=start + timedelta(days=5))},
                   error={"type": "NoRulesetInForce", "field": "training_start_date",
                          "message_contains": ["training_start_date", iso(start)]})
    yield Case("A training starting 1 September 2016, applied for on 17 April 2017, is covered in 2016-2017",
               {**starting(date(2016, 9, 1), date(2017, 6, 30), date(2017, 4, 17))},
               {"status": "granted", "academic_year": "2016-2017", "annual_amount": "5551.00", "months": 10})
    yield Case("A training starting 31 August 2026 is decided in 2025-2026 and refused (label_closed)",
               {**starting(date(2026, 8, 31), date(2027, 6, 30))},
               {"status": "refused", "academic_year": "2025-2026", "reasons": ["label_closed"], "months": 0})
    yield Case("A training starting 1 September 2026 is decided in 2026-2027 with the 2025-2026 barème carried "
               "forward, expects the 2024 income, and is refused (label_closed)",
               {**starting(date(2026, 9, 1), date(2027, 6, 30)), "revenu_brut_global": euros(ceiling(2025, "3", 0))},
               {"status": "refused", "academic_year": "2026-2027", "reasons": ["label_closed"],
                "rbg_ceiling_current": "17034.00", "rbg_for_next_echelon": "14829.00"},
               barème_position=True)
    yield Case("A training starting 31 August 2027 is decided in 2026-2027, the last year covered",
               {**starting(date(2027, 8, 31), date(2028, 6, 30))},
               {"status": "refused", "academic_year": "2026-2027", "reasons": ["label_closed"]})
    start = date(2017, 1, 9)
    for applied, status in ((date(2017, 4, 16), "refused"), (date(2017, 4, 17), "granted")):
        yield Case(f"For a training started on 9 January 2017, an application on {iso(applied)} "
                   f"{outcome(status, '7')}", {**starting(start, date(2017, 6, 30), applied)},
                   {"status": status, "reasons": [] if status == "granted" else ["application_before_decree"]})
    yield Case("A training started on 9 January 2017, before the decree, is covered at the 2016-2017 rates",
               {**starting(start, date(2017, 6, 30), date(2017, 5, 2)), "revenu_brut_global": "7540.00"},
               {"status": "granted", "echelon": "6", "annual_amount": "4778.00", "months": 6})
    for applied, words, status in ((date(2024, 9, 16), "on the start day", "granted"),
                                   (date(2024, 9, 15), "one day before the start", "refused"),
                                   (date(2025, 7, 15), "after the training's end", "granted"),
                                   (date(2026, 1, 5), "in the next academic year", "granted")):
        yield Case(f"An application {words} {outcome(status, '7')}", {"application_date": iso(applied)},
                   {"status": status, "academic_year": "2024-2025", "annual_amount":
                    "6335.00" if status == "granted" else "0.00"})


def month_cases() -> Iterator[Case]:
    spans = [
        ("A one-day training is paid 1 month", date(2024, 10, 15), date(2024, 10, 15), 1),
        ("A training from 30 September to 1 October is paid 2 months", date(2024, 9, 30), date(2024, 10, 1), 2),
        ("A training from 31 January to 1 February is paid 2 months", date(2024, 1, 31), date(2024, 2, 1), 2),
        ("A training from 16 September to 27 June is paid 10 months", date(2024, 9, 16), date(2025, 6, 27), 10),
        ("A training from 1 September to 31 August (12 months) is capped at 10", date(2024, 9, 1),
         date(2025, 8, 31), 10),
        ("An 11-month training is capped at 10 months", date(2024, 10, 1), date(2025, 8, 15), 10),
        ("A training from 6 January to 30 June is paid 6 months", date(2025, 1, 6), date(2025, 6, 30), 6),
        ("A training over July and August is paid those 2 months", date(2024, 7, 1), date(2024, 8, 29), 2),
        ("A training from 3 June 2024 to 20 December 2024 is paid 7 months at the 2023-2024 rates",
         date(2024, 6, 3), date(2024, 12, 20), 7),
        ("A training over two calendar years from 30 November to 1 February is paid 4 months",
         date(2023, 11, 30), date(2024, 2, 1), 4),
        ("A two-year training is capped at 10 months", date(2019, 9, 2), date(2021, 7, 2), 10),
    ]
    for name, start, end, months in spans:
        yield Case(name, {**starting(start, end), "revenu_brut_global": "150.00"}, {"months": months})


def residence_cases() -> Iterator[Case]:
    rows = [
        ("french", 0, False, "granted", "A French learner with 0 years of residence"),
        ("french", None, True, "granted", "A French learner with international protection"),
        ("eu_eea_swiss", 2, False, "granted", "An EU/EEA/Swiss learner with 2 years of residence"),
        ("eu_eea_swiss", 1, False, "refused", "An EU/EEA/Swiss learner with 1 year of residence"),
        ("eu_eea_swiss", 0, True, "granted", "An EU/EEA/Swiss learner with 0 years and international protection"),
        ("eu_eea_swiss", None, True, "granted",
         "An EU/EEA/Swiss learner with protection and no residence_years"),
        ("other", 2, False, "granted", "A non-EU learner with 2 years of residence"),
        ("other", 1, False, "refused", "A non-EU learner with 1 year of residence"),
        ("other", 0, False, "refused", "A non-EU learner with 0 years of residence"),
        ("other", 99, False, "granted", "A non-EU learner with 99 years of residence"),
        ("other", None, True, "granted", "A non-EU learner with international protection and no residence_years"),
        ("other", 1, True, "granted", "A non-EU learner with 1 year of residence and international protection"),
    ]
    for nationality, years, protection, status, words in rows:
        changes: dict[str, Any] = {"nationality": nationality, "international_protection": protection}
        if years is not None:
            changes["residence_years"] = years
        yield Case(f"{words} {outcome(status, '7')}", changes,
                   {"status": status, "reasons": [] if status == "granted" else ["residence_condition"]})


def point_cases() -> Iterator[Case]:
    children = [
        (1, 0, 2), (1, 1, 4), (3, 1, 8), (2, 2, 8), (5, 0, 10), (4, 3, 14),
    ]
    for n, he, points in children:
        top = ceiling(2024, "4", points)
        yield Case(f"{n} dependent children of whom {he} in higher education give {points} points, and an income "
                   f"at the échelon 4 ceiling of that row gives échelon 4",
                   {"dependent_children": n, "children_in_higher_education": he, "revenu_brut_global": euros(top)},
                   {"points_de_charge": points, "echelon": "4"})
    for first in (2021, 2024):
        y = label(first)
        for points, changes, words in (
            (16, with_points(16), "8 children"),
            (17, with_points(17), "8 children and 100 km"),
            (18, with_points(18), "9 children"),
            (20, with_points(20, 2), "8 children, 2 in higher education"),
            (20, {**with_points(18), "distance_km": "300"}, "9 children and 300 km"),
        ):
            row = min(points, LAST_ROW)
            for e in ("0bis", "3", "7"):
                top = ceiling(first, e, row)
                yield Case(f"In {y}, {points} points ({words}) read row {row}: an income at its échelon {e} ceiling "
                           f"({shown(top)}) gives échelon {e}",
                           {**in_year(first), **changes, "revenu_brut_global": euros(top)},
                           {"points_de_charge": points, "echelon": e})
            top = ceiling(first, "0bis", row)
            yield Case(f"In {y}, {points} points ({words}): one euro over the row {row} échelon 0bis ceiling is "
                       "refused",
                       {**in_year(first), **changes, "revenu_brut_global": euros(top + 1)},
                       {"points_de_charge": points, "status": "refused", "reasons": ["income_above_ceiling"]})
    yield Case("In 2024-2025, 99 children in higher education and 13 000 km give 400 points, row 17",
               {"dependent_children": 99, "children_in_higher_education": 99, "distance_km": "13000",
                "revenu_brut_global": euros(ceiling(2024, "7", 17))},
               {"points_de_charge": 400, "echelon": "7"})


def distance_cases() -> Iterator[Case]:
    kms = ("0", "29.999", "30", "249.999", "250", "3499.999", "3500", "12999.999", "13000", "40000")
    for first in (2017, 2021, 2022, 2024, 2026):
        y = label(first)
        closed = date(first, 9, 16) >= LABEL_ENDS
        for km in kms:
            points = distance_points(first, Decimal(km))
            top = ceiling(first, "7", points)
            claims: dict[str, Any] = {"points_de_charge": points, "rbg_ceiling_current": euros(top)}
            claims.update({"status": "refused", "reasons": ["label_closed"]} if closed else {"echelon": "7"})
            refused = " (refused: label_closed)" if closed else ""
            yield Case(f"In {y}, {km} km give {points} distance points{refused}",
                       {**in_year(first), "distance_km": km, "revenu_brut_global": euros(top)},
                       claims, barème_position=closed)


def counterfactual_cases() -> Iterator[Case]:
    yield Case("At échelon 7 there is no next échelon: no RBG nor points to reach it",
               {"revenu_brut_global": "265.00"},
               {"echelon": "7", "rbg_ceiling_current": "265.00", "rbg_for_next_echelon": None,
                "points_for_next_echelon": None, "rbg_excess_over_0bis": None})
    yield Case("At échelon 6 with 0 points and 5 000 € in 2024-2025, échelon 7 needs an RBG ≤ 265 €; "
               "no points suffice (row 17 is 4 770 €)",
               {"revenu_brut_global": "5000.00"},
               {"echelon": "6", "rbg_ceiling_current": "7992.00", "rbg_for_next_echelon": "265.00",
                "points_for_next_echelon": None})
    yield Case("At échelon 0bis with 0 points in 2024-2025 and 24 000 €, échelon 1 needs 1 more point",
               {"revenu_brut_global": "24000.00"},
               {"echelon": "0bis", "rbg_for_next_echelon": "23850.00", "points_for_next_echelon": 1})
    yield Case("At échelon 6 with 3 points in 2022-2023 and 2 000 €, échelon 7 needs 4 more points",
               {**in_year(2022), **with_points(3), "revenu_brut_global": "2000.00"},
               {"echelon": "6", "rbg_for_next_echelon": "1000.00", "points_for_next_echelon": 4})
    yield Case("At 17 points no more points help: points_for_next_echelon is null",
               {**with_points(17), "revenu_brut_global": euros(ceiling(2024, "1", 17))},
               {"echelon": "1", "points_for_next_echelon": None})
    yield Case("At 16 points with 90 000 € in 2022-2023 (0bis), échelon 1 is out of reach of row 17",
               {**in_year(2022), **with_points(16), "revenu_brut_global": "90000.00"},
               {"echelon": "0bis", "rbg_for_next_echelon": "62510.00", "points_for_next_echelon": None})
    yield Case("Refused for income at 15 points with 90 000 € in 2022-2023: 1 750 € over, 0bis with 1 more point",
               {**in_year(2022), **with_points(15), "revenu_brut_global": "90000.00"},
               {"status": "refused", "rbg_excess_over_0bis": "1750.00", "rbg_for_next_echelon": "88250.00",
                "points_for_next_echelon": 1, "rbg_ceiling_current": None})
    yield Case("Refused for income at 17 points: the excess is over the row 17 ceiling, no points help",
               {**with_points(17), "revenu_brut_global": "101347.50"},
               {"status": "refused", "rbg_excess_over_0bis": "0.50", "points_for_next_echelon": None})


FILES = (
    *(CaseFile(f"echelons_{label(y)}", f"Every échelon of {label(y)}: the ceiling met, one euro and one cent over",
               list(year_cases(y))) for y in YEARS),
    CaseFile("reasons", "Every reason code, alone and together, in order", list(reason_cases())),
    CaseFile("status", "Status precedence, refused and review decisions, the income year", list(status_cases())),
    CaseFile("dates", "Academic years of the start date, the decree's entry into force, application dates",
             list(date_cases())),
    CaseFile("months", "Months paid: calendar months begun, at most 10", list(month_cases())),
    CaseFile("residence", "The residence condition by nationality and protection", list(residence_cases())),
    CaseFile("points", "Points de charge: children, and the table row capped at 17", list(point_cases())),
    CaseFile("distance", "Distance bands, before and from 2022-2023", list(distance_cases())),
    CaseFile("counterfactuals", "What would change the outcome", list(counterfactual_cases())),
)

HEADER = """\
# Written by tests/cases/generate.py — do not edit by hand; change the generator and re-run it.
# {title}.
# Each case's declaration is `base` updated with the case's `declaration`; `expected` holds the decision
# fields computed by the generator from its own copy of the barème (Table A, Table B, the 10-month rates)
# and the policies of docs/policies.md (amounts as 2-decimal strings, reasons as codes in order).
"""


def render(case_file: CaseFile) -> str:
    body = yaml.safe_dump(case_file.document(), sort_keys=False, allow_unicode=True, width=120)
    return HEADER.format(title=case_file.title) + body


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE, help="directory to write the YAML files to")
    out = parser.parse_args(argv).out
    out.mkdir(parents=True, exist_ok=True)
    for case_file in FILES:
        (out / f"{case_file.name}.yaml").write_text(render(case_file), encoding="utf-8")


if __name__ == "__main__":
    main()
