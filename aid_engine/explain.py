"""What would change the outcome, and the words that say why: counterfactuals and reason messages.

Counterfactuals answer, at the same declaration otherwise: the ceiling of the échelon the RBG reaches, the
ceiling of the next échelon up (an RBG at or below it reaches it), how many more points de charge would
reach that échelon at the same RBG, and, on a refusal for income, by how much the RBG exceeds the 0bis
ceiling.  Pure: no I/O, no clock.
"""

from __future__ import annotations

from bisect import bisect_left
from decimal import Decimal
from typing import Any

from .models import ECHELONS, Echelon, Reason, Status, assemble
from .money import display
from .ruleset import Condition, RuleSet


def next_echelon_up(reached: Echelon | None) -> Echelon | None:
    """The next échelon up from the one reached (0bis when none is reached; None at 7).

    >>> next_echelon_up(None), next_echelon_up("0bis"), next_echelon_up("6"), next_echelon_up("7")
    ('0bis', '1', '7', None)
    """
    if reached is None:
        return ECHELONS[0]
    index = ECHELONS.index(reached)
    return ECHELONS[index + 1] if index + 1 < len(ECHELONS) else None


def points_to_reach(ruleset: RuleSet, echelon: Echelon, rbg: Decimal, points: int) -> int | None:
    """The fewest extra points de charge with which `rbg` meets `echelon`'s ceiling; None if row 17 is not enough."""
    if points >= ruleset.last_row:
        return None
    column = ruleset.ceilings.values[echelon]
    row = bisect_left(column, rbg, lo=points + 1)  # ceilings increase with points: the first row that is ≥ rbg
    return row - points if row <= ruleset.last_row else None


def counterfactuals_of(
    ruleset: RuleSet, rbg: Decimal, points: int, row: int, reached: Echelon | None, status: Status
) -> dict[str, Any]:
    """The fields of `Counterfactuals`, from the échelon the RBG reaches at its points (its barème position).

    The ceiling of that échelon; the ceiling of the next échelon up (0bis when none is reached; none at 7)
    and the fewest extra points that reach it at the same RBG; on a refusal with the RBG above the 0bis
    ceiling, the excess over that ceiling; and the échelon reached itself, whatever the gates say.
    """
    up = next_echelon_up(reached)
    excess = None
    if reached is None and status == "refused":
        excess = rbg - ruleset.ceilings.of("0bis", row)
    return {
        "rbg_ceiling_current": ruleset.ceilings.of(reached, row) if reached is not None else None,
        "rbg_for_next_echelon": ruleset.ceilings.of(up, row) if up is not None else None,
        "points_for_next_echelon": points_to_reach(ruleset, up, rbg, points) if up is not None else None,
        "rbg_excess_over_0bis": excess,
        "echelon_reached": reached,
    }


def condition_reason(condition: Condition, lang: str, plain: bool, **values: object) -> Reason:
    """The reason of a failed condition, its message filled with `values` (validated on the plain path)."""
    fields = {"code": condition.code, "message": condition.message.get(lang).format(**values),
              "legal_ref": condition.legal_ref}
    return Reason.model_validate(fields) if plain else assemble(Reason, fields)


def ceiling_reason(ruleset: RuleSet, row: int, points: int, lang: str, plain: bool = False) -> Reason:
    return condition_reason(
        ruleset.income_ceiling, lang, plain,
        ceiling_0bis=display(ruleset.ceilings.of("0bis", row), lang), points=points,
    )


def income_year_reason(ruleset: RuleSet, lang: str, plain: bool = False) -> Reason:
    return condition_reason(
        ruleset.income_year, lang, plain,
        expected_income_year=ruleset.expected_income_year, academic_year=ruleset.year.label,
    )
