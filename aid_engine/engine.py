"""The decision: `evaluate(declaration, ruleset) -> Decision` (décret n° 2017-548, arts. 1 to 3).

It applies DESIGN.md's policy decisions in order: academic year of the training start date, every gate
(all failures listed), income year, points de charge (distance + children, table row capped at 17), échelon
by RBG ≤ ceiling, status by precedence, amounts.  The trace records every rule and table look-up with what
it read and what it gave.

Two paths give identical decisions: the plain path evaluates each predicate with rule-engine and
validates every model; the fast path (the default) memoises each gate's result and trace step on the values
it reads — shared immutable steps — and builds the `Decision` without re-validation.  Tests prove them equal.

This module must never do I/O, read the clock or draw a random number.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from ._version import __version__
from .explain import ceiling_reason, counterfactuals_of, income_year_reason
from .models import Decision, Declaration, Echelon, Reason, Status, TraceStep
from .money import ZERO, to_cents
from .periods import academic_year_of, months_begun
from .ruleset import ECHELONS_DOWN, Gate, RuleBook, RuleSet

STATUS_RULE = (
    "a failing gate → refused; else income_year not the expected year → review; "
    "else revenu_brut_global above the 0bis ceiling → refused; else granted"
)


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


def _step(rule: str, expression: str, inputs: dict[str, Any], result: Any) -> TraceStep:
    return TraceStep.model_construct(rule=rule, expression=expression, inputs=inputs, result=result)


@dataclass
class _Memo:
    """Per rule set and language: gate outcomes, reasons and steps keyed on the values they read."""

    gates: list[dict[tuple[Any, ...], tuple[bool, TraceStep]]]
    readers: list[Callable[[Declaration], tuple[Any, ...]]]
    reasons: dict[str, Reason] = field(default_factory=dict)
    steps: dict[tuple[Any, ...], TraceStep] = field(default_factory=dict)
    ceiling_rows: dict[int, dict[str, str]] = field(default_factory=dict)


_MEMOS: weakref.WeakKeyDictionary[RuleSet, dict[str, _Memo]] = weakref.WeakKeyDictionary()


def _memo_of(ruleset: RuleSet, lang: str) -> _Memo:
    by_lang = _MEMOS.setdefault(ruleset, {})
    memo = by_lang.get(lang)
    if memo is None:
        memo = by_lang[lang] = _Memo(
            gates=[{} for _ in ruleset.gates], readers=[g.predicate.reader() for g in ruleset.gates]
        )
    return memo


def gate_step(gate: Gate, values: tuple[Any, ...], passed: bool) -> TraceStep:
    inputs = {name: json_value(v) for name, v in zip(gate.predicate.symbols, values, strict=True)}
    return _step(gate.id, gate.predicate.text, inputs, passed)


def gate_reason(gate: Gate, lang: str) -> Reason:
    return Reason.model_construct(code=gate.code, message=gate.message.get(lang), legal_ref=gate.legal_ref)


def _gates_fast(declaration: Declaration, ruleset: RuleSet, memo: _Memo, lang: str
                ) -> tuple[list[TraceStep], list[Reason]]:
    steps: list[TraceStep] = []
    failed: list[Reason] = []
    for gate, cache, read in zip(ruleset.gates, memo.gates, memo.readers, strict=True):
        values = read(declaration)
        hit = cache.get(values)
        if hit is None:
            passed = gate.predicate(dict(zip(gate.predicate.symbols, values, strict=True)))
            hit = cache[values] = (passed, gate_step(gate, values, passed))
        steps.append(hit[1])
        if not hit[0]:
            reason = memo.reasons.get(gate.code)
            if reason is None:
                reason = memo.reasons[gate.code] = gate_reason(gate, lang)
            failed.append(reason)
    return steps, failed


def _gates_plain(declaration: Declaration, ruleset: RuleSet, lang: str) -> tuple[list[TraceStep], list[Reason]]:
    steps: list[TraceStep] = []
    failed: list[Reason] = []
    for gate in ruleset.gates:
        values = gate.predicate.reader()(declaration)
        passed = gate.predicate.on(declaration)
        steps.append(gate_step(gate, values, passed))
        if not passed:
            failed.append(gate_reason(gate, lang))
    return steps, failed


def _memoised(memo: _Memo | None, key: tuple[Any, ...], make: Callable[[], TraceStep]) -> TraceStep:
    if memo is None:
        return make()
    step = memo.steps.get(key)
    if step is None:
        step = memo.steps[key] = make()
    return step


def resolve(ruleset: RuleSet | RuleBook, start: date) -> RuleSet:
    """The rule set that decides a training starting on `start`."""
    if isinstance(ruleset, RuleBook):
        return ruleset.in_force(start)
    if not ruleset.covers(start):
        from .errors import NoRulesetInForce

        raise NoRulesetInForce(start.isoformat(), ruleset.year.label)
    return ruleset


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
    if not isinstance(declaration, Declaration):
        declaration = Declaration.parse(declaration)
    d = declaration
    rs = resolve(ruleset, d.training_start_date)
    memo = None if plain else _memo_of(rs, lang)
    y = rs.year.label

    steps: list[TraceStep] = [
        _step("period.academic_year", "the 1 September → 31 August year containing training_start_date",
              {"training_start_date": d.training_start_date.isoformat()}, academic_year_of(d.training_start_date).label)
    ]
    gate_steps, reasons = _gates_plain(d, rs, lang) if memo is None else _gates_fast(d, rs, memo, lang)
    steps.extend(gate_steps)
    failed_gates = [r.code for r in reasons]

    expected = rs.expected_income_year
    income_ok = d.income_year == expected
    steps.append(_memoised(memo, ("income", d.income_year), lambda: _step(
        f"{rs.income_year.id}<{y}>", f"income_year == {expected}  (first year of {y} − {rs.income_year_offset})",
        {"income_year": d.income_year}, income_ok)))
    if not income_ok:
        reasons.append(income_year_reason(rs, lang))

    distance_points = rs.distance_points(d.distance_km)
    steps.append(_step(f"points.distance<{y}>", rs.distance_expression(),
                       {"distance_km": str(d.distance_km)}, distance_points))
    children = d.dependent_children
    in_he = d.children_in_higher_education
    children_points = rs.children_points(children, in_he)
    steps.append(_memoised(memo, ("children", children, in_he), lambda: _step(
        f"points.children<{y}>",
        f"{rs.per_child} × (dependent_children − children_in_higher_education) + "
        f"{rs.per_child_in_higher_education} × children_in_higher_education",
        {"dependent_children": children, "children_in_higher_education": in_he}, children_points)))
    points = distance_points + children_points
    row = rs.row_of(points)
    steps.append(_memoised(memo, ("points", distance_points, children_points), lambda: _step(
        f"points.total<{y}>", "distance points + children points (the decision's points_de_charge, uncapped)",
        {"distance_points": distance_points, "children_points": children_points}, points)))
    steps.append(_memoised(memo, ("row", points), lambda: _step(
        f"bareme.row<{y}>",
        f"min(points_de_charge, {rs.last_row})" + (
            f": the tables stop at {rs.last_row} points, row {rs.last_row} used for {points}"
            if points > rs.last_row else ""),
        {"points_de_charge": points}, row)))

    rbg = d.revenu_brut_global
    reached = rs.echelon_of(rbg, row)
    steps.append(_step(
        f"bareme.echelon<{y}>",
        "the highest échelon of 7, 6, …, 1, 0bis whose ceiling at this row is ≥ revenu_brut_global",
        {"revenu_brut_global": str(rbg), "row": row, "ceilings": _ceiling_row(rs, row, memo)}, reached))
    if reached is None:
        reasons.append(ceiling_reason(rs, row, points, lang))

    status: Status
    if failed_gates:
        status = "refused"
    elif not income_ok:
        status = "review"
    elif reached is None:
        status = "refused"
    else:
        status = "granted"
    steps.append(_step("decision.status", STATUS_RULE, {
        "failed_gates": failed_gates, "income_year_matches": income_ok, "echelon_reached": reached}, status))

    echelon: Echelon | None = None if status == "refused" else reached
    annual = rs.rates.values[echelon] if echelon is not None else ZERO
    monthly = to_cents(annual / rs.monthly_divisor)
    months = min(months_begun(d.training_start_date, d.training_end_date), rs.months_cap) if echelon else 0
    total = monthly * months
    steps.extend(_amount_steps(rs, memo, d, echelon, annual, monthly, months, total))

    make = Decision.model_validate if memo is None else _construct_decision
    return make(dict(
        learner_id=d.learner_id,
        status=status,
        echelon=echelon,
        points_de_charge=points,
        annual_amount=to_cents(annual),
        monthly_amount=monthly,
        months=months,
        total_amount=to_cents(total),
        academic_year=y,
        reasons=tuple(reasons),
        trace=tuple(steps),
        ruleset=rs.ref,
        engine_version=__version__,
        counterfactuals=counterfactuals_of(rs, rbg, points, row, reached, status),
    ))


def _construct_decision(values: dict[str, Any]) -> Decision:
    return Decision.model_construct(**values)


def _ceiling_row(rs: RuleSet, row: int, memo: _Memo | None) -> dict[str, str]:
    """The ceilings read at `row`, from échelon 7 to 0bis, as the trace records them."""
    if memo is not None and row in memo.ceiling_rows:
        return memo.ceiling_rows[row]
    values: dict[str, str] = {e: str(rs.ceilings.of(e, row)) for e in ECHELONS_DOWN}
    if memo is not None:
        memo.ceiling_rows[row] = values
    return values


def _amount_steps(rs: RuleSet, memo: _Memo | None, d: Declaration, echelon: Echelon | None, annual: Decimal,
                  monthly: Decimal, months: int, total: Decimal) -> list[TraceStep]:
    y = rs.year.label
    annual_step = _memoised(memo, ("annual", echelon), lambda: _step(
        f"amount.annual<{y}>", "the 10-month rate of the échelon (0.00 without an échelon)",
        {"echelon": echelon}, str(to_cents(annual))))
    monthly_step = _memoised(memo, ("monthly", echelon), lambda: _step(
        f"amount.monthly<{y}>", f"annual_amount ÷ {rs.monthly_divisor}, rounded to the cent (half up)",
        {"annual_amount": str(to_cents(annual))}, str(monthly)))
    months_step = _step(
        f"amount.months<{y}>",
        f"calendar months from the start month to the end month, both included, at most {rs.months_cap}"
        " (0 without an échelon)",
        {"training_start_date": d.training_start_date.isoformat(),
         "training_end_date": d.training_end_date.isoformat(), "echelon": echelon}, months)
    total_step = _memoised(memo, ("total", echelon, months), lambda: _step(
        f"amount.total<{y}>", "monthly_amount × months", {"monthly_amount": str(monthly), "months": months},
        str(to_cents(total))))
    return [annual_step, monthly_step, months_step, total_step]
