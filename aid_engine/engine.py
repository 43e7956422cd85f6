"""The decision: `evaluate(declaration, ruleset) -> Decision` (décret n° 2017-548, arts. 1 to 3).

It applies DESIGN.md's policy decisions in order: academic year of the training start date, every gate
(all failures listed), income year, points de charge (distance + children, table row capped at 17), échelon
by RBG ≤ ceiling, status by precedence, amounts.  The trace records every rule and table look-up with what
it read and what it gave.

Two paths give identical decisions.  The plain path evaluates each predicate with rule-engine and
validates every model it builds.  The fast path (the default) memoises, per rule set and language, each
gate's result and trace step on the values it reads, and every step that depends on few values (shared
immutable steps), and assembles the models without re-validation.  Tests prove the two paths equal.

This module must never do I/O, read the clock or draw a random number.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from operator import attrgetter
from typing import Any, TypeVar, cast

from pydantic import BaseModel

from ._version import __version__
from .errors import NoRulesetInForce
from .explain import ceiling_reason, counterfactuals_of, income_year_reason
from .memo import remember
from .models import (
    Counterfactuals,
    Decision,
    Declaration,
    Echelon,
    FrozenDict,
    Reason,
    Status,
    TraceStep,
    assemble,
    frozen_inputs,
)
from .money import to_cents
from .periods import months_begun
from .ruleset import ECHELONS_DOWN, Gate, RuleBook, RuleSet

_M = TypeVar("_M", bound=BaseModel)
_T = TypeVar("_T")

STATUS_RULE = (
    "a failing gate → refused; else income_year not the expected year → review; "
    "else revenu_brut_global above the 0bis ceiling → refused; else granted"
)
ACADEMIC_YEAR_RULE = "the 1 September → 31 August year containing training_start_date"


def json_value(value: object) -> Any:
    """A field value as the trace records it: dates ISO, decimals as text.

    >>> json_value(date(2024, 9, 1)), json_value(Decimal("12.50")), json_value(3), json_value(None)
    ('2024-09-01', '12.50', 3, None)
    """
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


# A memo is emptied when it grows past this many entries, so memory stays flat over any number of
# decisions (keys holding dates can take many values over a long batch).
MEMO_LIMIT = 20_000


@dataclass
class _Memo:
    """Per rule set and language: gate outcomes, reasons and steps keyed on the values they read."""

    gates: list[dict[Any, tuple[bool, TraceStep]]]
    readers: list[Callable[[Declaration], Any]]
    reasons: dict[str, Reason] = field(default_factory=dict)
    steps: dict[tuple[Any, ...], TraceStep] = field(default_factory=dict)
    ceiling_rows: dict[int, dict[str, str]] = field(default_factory=dict)
    condition_reasons: dict[tuple[Any, ...], Reason] = field(default_factory=dict)



def _fast_builder(ruleset: RuleSet, lang: str) -> _Builder:
    """The fast path's builder of a rule set and language, with its memo: made once, kept on the rule set."""
    builder = ruleset.engine_cache.get(lang)
    if builder is None:
        memo = _Memo(
            gates=[{} for _ in ruleset.gates],
            readers=[attrgetter(*g.predicate.symbols) for g in ruleset.gates],
        )
        builder = ruleset.engine_cache[lang] = _Builder(memo, lang)
    return cast(_Builder, builder)


class _Builder:
    """Builds the models of a decision: validated (plain path) or assembled (fast path), memo or not."""

    __slots__ = ("lang", "memo", "plain")

    def __init__(self, memo: _Memo | None, lang: str) -> None:
        self.memo = memo
        self.plain = memo is None
        self.lang = lang

    def model(self, cls: type[_M], values: dict[str, Any]) -> _M:
        return cls.model_validate(values) if self.plain else assemble(cls, values)

    def step(self, rule: str, expression: str, inputs: dict[str, Any], result: Any) -> TraceStep:
        if not self.plain:
            # Steps are shared on this path, so their inputs are read-only; the engine gives only flat values,
            # tuples and already frozen ceilings, so one FrozenDict is enough (validation does it on the plain path).
            inputs = FrozenDict(inputs)
        return self.model(TraceStep, {"rule": rule, "expression": expression, "inputs": inputs, "result": result})

    def _cached(self, which: str, key: tuple[Any, ...], make: Callable[[], _T]) -> _T:
        """What depends only on `key`: made once per rule set and language on the fast path, always on the plain."""
        if self.memo is None:
            return make()
        cache: dict[tuple[Any, ...], _T] = getattr(self.memo, which)
        value = cache.get(key)
        if value is None:
            value = make()
            remember(cache, key, value, MEMO_LIMIT)
        return value

    def shared(self, key: tuple[Any, ...], make: Callable[[], TraceStep]) -> TraceStep:
        """A trace step that depends only on `key`."""
        return self._cached("steps", key, make)

    def shared_reason(self, key: tuple[Any, ...], make: Callable[[], Reason]) -> Reason:
        """The reason of a failed condition that depends only on `key`."""
        return self._cached("condition_reasons", key, make)

    def reason(self, gate: Gate) -> Reason:
        values = {"code": gate.code, "message": gate.message.get(self.lang), "legal_ref": gate.legal_ref}
        if self.memo is None:
            return Reason.model_validate(values)
        reason = self.memo.reasons.get(gate.code)
        if reason is None:
            reason = self.memo.reasons[gate.code] = assemble(Reason, values)
        return reason

    def gate_step(self, gate: Gate, values: tuple[Any, ...], passed: bool) -> TraceStep:
        inputs = {name: json_value(v) for name, v in zip(gate.predicate.symbols, values, strict=True)}
        return self.step(gate.id, gate.predicate.text, inputs, passed)

    def gates(self, declaration: Declaration, ruleset: RuleSet) -> tuple[list[TraceStep], list[Reason]]:
        """Every gate, in rules order: its trace step, and the reason of each that fails."""
        steps: list[TraceStep] = []
        failed: list[Reason] = []
        if self.memo is None:
            for gate in ruleset.gates:
                values = tuple(getattr(declaration, n) for n in gate.predicate.symbols)
                passed = gate.predicate.on(declaration)
                steps.append(self.gate_step(gate, values, passed))
                if not passed:
                    failed.append(self.reason(gate))
            return steps, failed
        for gate, cache, read in zip(ruleset.gates, self.memo.gates, self.memo.readers, strict=True):
            key = read(declaration)
            hit = cache.get(key)
            if hit is None:
                values = key if len(gate.predicate.symbols) > 1 else (key,)
                passed = gate.predicate.fast(dict(zip(gate.predicate.symbols, values, strict=True)))
                hit = (passed, self.gate_step(gate, values, passed))
                remember(cache, key, hit, MEMO_LIMIT)
            steps.append(hit[1])
            if not hit[0]:
                failed.append(self.reason(gate))
        return steps, failed

    def ceiling_row(self, rs: RuleSet, row: int) -> dict[str, str]:
        """The ceilings read at `row`, from échelon 7 to 0bis, as the trace records them."""
        if self.memo is not None and row in self.memo.ceiling_rows:
            return self.memo.ceiling_rows[row]
        values: dict[str, str] = frozen_inputs({e: str(rs.ceilings.of(e, row)) for e in ECHELONS_DOWN})
        if self.memo is not None:
            self.memo.ceiling_rows[row] = values
        return values


def resolve(ruleset: RuleSet | RuleBook, start: date) -> RuleSet:
    """The rule set that decides a training starting on `start`; `NoRulesetInForce` if none."""
    if isinstance(ruleset, RuleBook):
        return ruleset.in_force(start)
    if not ruleset.covers(start):
        raise NoRulesetInForce(start.isoformat(), ruleset.year.label)
    return ruleset


def status_of(gates_failed: bool, income_ok: bool, reached: Echelon | None) -> Status:
    """DESIGN.md policy 6: a failing gate → refused; else a wrong income year → review; else the barème.

    >>> status_of(True, True, "7"), status_of(False, False, None), status_of(False, True, None)
    ('refused', 'review', 'refused')
    """
    if gates_failed:
        return "refused"
    if not income_ok:
        return "review"
    return "refused" if reached is None else "granted"


def evaluate(
    declaration: Declaration | Mapping[str, Any],
    ruleset: RuleSet | RuleBook,
    *,
    lang: str = "fr",
    plain: bool = False,
) -> Decision:
    """Decide a declaration with the rule set in force at its training start date.

    `declaration` is a `Declaration` or a JSON-shaped mapping (validated, `DeclarationError` if bad).
    `plain=True` takes the plain path (every predicate evaluated, every model validated): same decision.
    """
    d = declaration if isinstance(declaration, Declaration) else Declaration.parse(declaration)
    rs = resolve(ruleset, d.training_start_date)
    b = _Builder(None, lang) if plain else _fast_builder(rs, lang)
    y = rs.label
    start = d.training_start_date

    steps = [b.shared(("period", start), lambda: b.step(
        "period.academic_year", ACADEMIC_YEAR_RULE, {"training_start_date": start.isoformat()}, y))]
    gate_steps, reasons = b.gates(d, rs)
    steps += gate_steps
    failed_gates = tuple(r.code for r in reasons)

    income_ok = d.income_year == rs.expected_income_year
    steps.append(b.shared(("income", d.income_year), lambda: b.step(
        f"{rs.income_year.id}<{y}>",
        f"income_year == {rs.expected_income_year}  (first year of {y} − {rs.income_year_offset})",
        {"income_year": d.income_year}, income_ok)))
    if not income_ok:
        reasons.append(b.shared_reason(("income",), lambda: income_year_reason(rs, lang, b.plain)))

    km = d.distance_km
    distance_points = rs.distance_points(km)
    steps.append(b.step(f"points.distance<{y}>", rs.distance_rule, {"distance_km": str(km)}, distance_points))
    children, in_he = d.dependent_children, d.children_in_higher_education
    children_points = rs.children_points(children, in_he)
    steps.append(b.shared(("children", children, in_he), lambda: b.step(
        f"points.children<{y}>", rs.children_rule,
        {"dependent_children": children, "children_in_higher_education": in_he}, children_points)))
    points = distance_points + children_points
    row = rs.row_of(points)
    steps.append(b.shared(("points", distance_points, children_points), lambda: b.step(
        f"points.total<{y}>", "distance points + children points (the decision's points_de_charge, uncapped)",
        {"distance_points": distance_points, "children_points": children_points}, points)))
    steps.append(b.shared(("row", points), lambda: b.step(
        f"bareme.row<{y}>",
        f"min(points_de_charge, {rs.last_row})" + (
            f": the tables stop at {rs.last_row} points, row {rs.last_row} used for {points}"
            if points > rs.last_row else ""),
        {"points_de_charge": points}, row)))

    rbg = d.revenu_brut_global
    reached = rs.echelon_of(rbg, row)
    steps.append(b.step(
        f"{rs.income_ceiling.id}<{y}>",
        "the highest échelon of 7, 6, …, 1, 0bis whose ceiling at this row is ≥ revenu_brut_global",
        {"revenu_brut_global": str(rbg), "row": row, "ceilings": b.ceiling_row(rs, row)}, reached))
    if reached is None:
        reasons.append(b.shared_reason(("ceiling", row, points),
                                       lambda: ceiling_reason(rs, row, points, lang, b.plain)))

    status = status_of(bool(failed_gates), income_ok, reached)
    steps.append(b.shared(("status", *failed_gates, income_ok, reached), lambda: b.step(
        "decision.status", STATUS_RULE,
        {"failed_gates": failed_gates, "income_year_matches": income_ok, "echelon_reached": reached}, status)))

    echelon: Echelon | None = None if status == "refused" else reached
    annual, monthly = rs.amounts_of(echelon)
    # Months paid: none without an échelon (a refusal, or a review above the 0bis ceiling).
    months = 0 if echelon is None else min(months_begun(d.training_start_date, d.training_end_date), rs.months_cap)
    total = to_cents(monthly * months)
    steps += _amount_steps(b, rs, d, echelon, annual, monthly, months, total)

    return b.model(Decision, {
        "learner_id": d.learner_id,
        "status": status,
        "echelon": echelon,
        "points_de_charge": points,
        "annual_amount": annual,
        "monthly_amount": monthly,
        "months": months,
        "total_amount": total,
        "academic_year": y,
        "reasons": tuple(reasons),
        "trace": tuple(steps),
        "ruleset": rs.ref,
        "engine_version": __version__,
        "counterfactuals": b.model(Counterfactuals, counterfactuals_of(rs, rbg, points, row, reached, status)),
    })


def _amount_steps(b: _Builder, rs: RuleSet, d: Declaration, echelon: Echelon | None, annual: Decimal,
                  monthly: Decimal, months: int, total: Decimal) -> list[TraceStep]:
    y = rs.label
    return [
        b.shared(("annual", echelon), lambda: b.step(
            f"amount.annual<{y}>", "the 10-month rate of the échelon (0.00 without an échelon)",
            {"echelon": echelon}, str(annual))),
        b.shared(("monthly", echelon), lambda: b.step(
            f"amount.monthly<{y}>", f"annual_amount ÷ {rs.monthly_divisor}, rounded to the cent (half up)",
            {"annual_amount": str(annual)}, str(monthly))),
        b.step(  # not shared: the pairs of dates take too many values for a memo to pay
            f"amount.months<{y}>",
            f"calendar months from the start month to the end month, both included, at most {rs.months_cap}"
            " (0 without an échelon)",
            {"training_start_date": d.training_start_date.isoformat(),
             "training_end_date": d.training_end_date.isoformat(), "echelon": echelon}, months),
        b.shared(("total", echelon, months), lambda: b.step(
            f"amount.total<{y}>", "monthly_amount × months", {"monthly_amount": str(monthly), "months": months},
            str(total))),
    ]
