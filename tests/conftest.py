"""Shared fixtures of the decision suite: the project's rule book and a base declaration to vary."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import aid_engine
from aid_engine.ruleset import RuleBook

ROOT = Path(__file__).resolve().parent.parent

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


@pytest.fixture(scope="session")
def rulebook() -> RuleBook:
    """The rule book of the project's rules/, loaded once."""
    return aid_engine.default_rulebook()


@pytest.fixture
def declaration() -> Callable[..., dict[str, Any]]:
    """`declaration(**changes)`: the base declaration with changes (a key set to `...` is removed)."""
    return base_declaration
