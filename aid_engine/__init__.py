"""aid_engine: decides the Grande École du numérique learner aid (décret n° 2017-548 du 14 avril 2017).

    >>> from aid_engine import evaluate
    >>> decision = evaluate({                 # a JSON-shaped dict or a Declaration
    ...     "learner_id": "GEN-2024-0001", "application_date": "2024-10-07", "training_start_date": "2024-09-16",
    ...     "training_end_date": "2025-06-27", "training_labelled": True, "fabrique_id": "FAB-75-0042",
    ...     "profile": "unqualified", "nationality": "french", "international_protection": False,
    ...     "own_tax_return": True, "revenu_brut_global": "180.00", "income_year": 2022, "dependent_children": 0,
    ...     "children_in_higher_education": 0, "distance_km": "12.5", "jobseeker_aid": False,
    ...     "work_study_contract": False, "training_leave": False, "employment_or_region_aid": False,
    ...     "higher_education_grant": False})
    >>> decision.status, decision.echelon, decision.months, decision.total_amount
    ('granted', '7', 10, Decimal('6335.00'))
    >>> decision.model_dump(mode="json")["total_amount"]      # the stable output contract
    '6335.00'

`evaluate(declaration, ruleset=None)` picks the rule set in force at the training start date from the
project's `rules/` (loaded and validated once, on first use).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from . import engine as _engine
from ._version import __version__
from .engine import Lang
from .errors import (
    AidEngineError,
    AuditChainBroken,
    DeclarationError,
    FieldProblem,
    InputFileError,
    NoRulesetInForce,
    NotFound,
    RulesetError,
    StoreError,
)
from .models import Counterfactuals, Decision, Declaration, Reason, RulesetRef, TraceStep
from .ruleset import RuleBook, RuleSet
from .ruleset import load as load_ruleset

__all__ = [
    "AidEngineError",
    "AuditChainBroken",
    "Counterfactuals",
    "Decision",
    "Declaration",
    "DeclarationError",
    "FieldProblem",
    "InputFileError",
    "Lang",
    "NoRulesetInForce",
    "NotFound",
    "Reason",
    "RuleBook",
    "RuleSet",
    "RulesetError",
    "RulesetRef",
    "StoreError",
    "TraceStep",
    "__version__",
    "default_rulebook",
    "evaluate",
    "load_ruleset",
]


@lru_cache(maxsize=1)
def default_rulebook() -> RuleBook:
    """The rule book of the project's `rules/` (or `$AID_ENGINE_RULES`), loaded and validated once."""
    return load_ruleset()


def evaluate(
    declaration: Declaration | Mapping[str, Any],
    ruleset: RuleSet | RuleBook | None = None,
    *,
    lang: Lang = "fr",
) -> Decision:
    """Decide a declaration; see `aid_engine.engine.evaluate`. `ruleset=None`: the default rule book.

    `lang` ("fr" or "en") is the language of the reasons' messages; any other value is a `ValueError`.
    """
    return _engine.evaluate(declaration, ruleset if ruleset is not None else default_rulebook(), lang=lang)
