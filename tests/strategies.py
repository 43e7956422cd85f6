"""Hypothesis strategies: valid JSON-shaped declarations over every academic year the law's copy covers
(2016-2017 … 2026-2027); eligible ones start before the label's end (15 January 2025, policy 9).

Also the base declaration shared by the suite, and `law`: the independent copy of the barème's numbers
held by `tests/cases/generate.py` (Table A, Table B, rates), loaded here without going through aid_engine.
"""

from __future__ import annotations

import importlib.util
import sys
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import Any

from hypothesis import strategies as st

# Granted at échelon 7 in 2024-2025: 0 points, 100 € ≤ 265 €, 10 months (16 Sept 2024 → 27 June 2025).
BASE_DECLARATION: dict[str, Any] = {
    "learner_id": "TEST-0001",
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


def base_declaration(**changes: Any) -> dict[str, Any]:
    """The base declaration (a JSON-shaped dict) with `changes`; a change to `...` removes the key."""
    data = {**BASE_DECLARATION, **changes}
    return {k: v for k, v in data.items() if v is not ...}


def _load_law() -> ModuleType:
    name = "gen_aid_law"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, Path(__file__).resolve().parent / "cases" / "generate.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


law = _load_law()

FIRST_DAY = date(law.FIRST_YEAR, 9, 1)
LAST_DAY = date(law.LAST_YEAR + 1, 8, 31)
LAST_ELIGIBLE_DAY = law.LABEL_ENDS - timedelta(days=1)
DECREE = date(2017, 4, 17)
PROFILES = ("unqualified", "graduate_jobseeker", "graduate_reconversion", "other")
EXCLUSIONS = ("jobseeker_aid", "work_study_contract", "training_leave", "employment_or_region_aid",
              "higher_education_grant")
BAND_EDGES = (0, 30, 250, 3500, 13000)


def _edge_km(edge: int, delta: str) -> str:
    return str(max(Decimal(edge) + Decimal(delta), Decimal(0)))


distances = st.one_of(
    st.builds(_edge_km, st.sampled_from(BAND_EDGES), st.sampled_from(("-0.001", "0", "0.001"))),
    st.decimals(min_value=0, max_value=40000, places=3).map(str),
    st.sampled_from(("10", "100", "300", "5000", "20000")),
)
# Rarely true, so that most declarations reach the barème.
rarely = st.sampled_from((False,) * 11 + (True,))


@st.composite
def incomes(draw: st.DrawFn, first: int, points: int) -> str:
    """An RBG near a ceiling of the row the points read (at it, a cent or a euro around), or anywhere."""
    row = min(points, law.LAST_ROW)
    near = st.builds(
        lambda e, delta: str(max(law.ceiling(first, e, row) + Decimal(delta), Decimal(0))),
        st.sampled_from(law.ECHELONS),
        st.sampled_from(("-1", "-0.01", "0", "0.01", "1")),
    )
    anywhere = st.decimals(min_value=0, max_value=110000, places=2).map(str)
    return draw(st.one_of(near, anywhere, st.sampled_from(("0", "0.00", "999999999.99"))))


@st.composite
def declarations(draw: st.DrawFn, eligible: bool = False) -> dict[str, Any]:
    """A valid declaration of any academic year covered.  `eligible=True`: every gate passes (the training
    starts before the label's end) and the income year is the expected one, so the barème alone decides."""
    start = draw(st.dates(min_value=FIRST_DAY, max_value=LAST_ELIGIBLE_DAY if eligible else LAST_DAY))
    end = start + timedelta(days=draw(st.integers(0, 500)))
    first = law.academic_year_of(start)
    if eligible:
        applied = max(start, DECREE) + timedelta(days=draw(st.integers(0, 400)))
        income_year = first - 2
    else:
        applied = start + timedelta(days=draw(st.integers(-10, 400)))
        income_year = first - 2 + draw(st.sampled_from((0, 0, 0, -1, 1)))
    children = draw(st.integers(0, 3) | st.integers(0, 12))
    in_higher_education = draw(st.integers(0, children))
    distance = draw(distances)
    points = law.distance_points(first, Decimal(distance)) + law.children_points(children, in_higher_education)
    data: dict[str, Any] = {
        "learner_id": draw(st.from_regex(r"[A-Z]{3}-[0-9]{4}", fullmatch=True)),
        "application_date": applied.isoformat(),
        "training_start_date": start.isoformat(),
        "training_end_date": end.isoformat(),
        "training_labelled": True if eligible else not draw(rarely),
        "fabrique_id": draw(st.sampled_from(("FAB-75-0042", "fab 13", "F"))),
        "profile": draw(st.sampled_from(PROFILES[:3] if eligible else PROFILES)),
        "own_tax_return": draw(st.booleans()),
        "revenu_brut_global": draw(incomes(first, points)),
        "income_year": income_year,
        "dependent_children": children,
        "children_in_higher_education": in_higher_education,
        "distance_km": distance,
    }
    for name in EXCLUSIONS:
        data[name] = False if eligible else draw(rarely)
    nationality = draw(st.sampled_from(("french", "french", "eu_eea_swiss", "other")))
    protection = draw(rarely)
    data["nationality"] = nationality
    data["international_protection"] = protection
    years = draw(st.none() | st.integers(0, 6))
    if nationality != "french" and not protection and years is None:
        years = draw(st.integers(2, 6) if eligible else st.integers(0, 6))
    if eligible and nationality != "french" and not protection:
        years = max(years or 0, 2)
    if years is not None:
        data["residence_years"] = years
    if draw(st.booleans()):
        data["sex"] = draw(st.sampled_from(("F", "M", "X")))
    if draw(st.booleans()):
        data["birth_date"] = draw(st.dates(min_value=date(1950, 1, 1), max_value=date(2010, 12, 31))).isoformat()
    return data


def eligible_declarations() -> st.SearchStrategy[dict[str, Any]]:
    """Declarations that pass every gate with the expected income year: the barème alone decides."""
    return declarations(eligible=True)
