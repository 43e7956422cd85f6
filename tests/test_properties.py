"""Properties of every decision, over valid declarations of every academic year (hypothesis).

Monotonic in income and in points; amounts equal to the law's tables (this suite's own copy); every decision
reproducible from its trace and the rule set; JSON round trip; the fast path equal to the plain path;
counterfactuals that do what they say.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import declarations, eligible_declarations, law

import aid_engine
from aid_engine import Decision, Declaration
from aid_engine.ruleset import RuleBook

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
CENT = Decimal("0.01")
_ISO = re.compile(r"\d{4}-\d{2}-\d{2}")


def rank(echelon: str | None) -> int:
    """0bis → 0 … 7 → 7; no échelon → −1."""
    return -1 if echelon is None else law.ECHELONS.index(echelon)


def decide(data: dict[str, Any] | Declaration, **options: Any) -> Decision:
    return aid_engine.evaluate(data, **options)


def steps_of(decision: Decision) -> dict[str, Any]:
    """The trace's steps by rule, the `<academic year>` suffix dropped."""
    return {re.sub(r"<[^>]*>$", "", s.rule): s for s in decision.trace}


def reached(decision: Decision) -> str | None:
    """The échelon the declared RBG reaches at its points, whatever the status."""
    return decision.counterfactuals.echelon_reached


def first_year(data: dict[str, Any]) -> int:
    return int(law.academic_year_of(date.fromisoformat(data["training_start_date"])))


# -- monotonic ------------------------------------------------------------------------------------------------


@SETTINGS
@given(declarations(), st.decimals(min_value=0, max_value=60000, places=2))
def test_more_income_never_gives_a_higher_echelon(data: dict[str, Any], more: Decimal) -> None:
    richer = {**data, "revenu_brut_global": str(Decimal(data["revenu_brut_global"]) + more)}
    if Decimal(richer["revenu_brut_global"]) > Decimal("999999999.99"):
        return
    # The échelon reached on the barème, whatever the gates say: `echelon` is null on every gate refusal,
    # where a comparison of it would hold trivially.
    after, before = decide(richer), decide(data)
    assert rank(after.counterfactuals.echelon_reached) <= rank(before.counterfactuals.echelon_reached)
    if before.status == after.status == "granted":
        assert rank(after.echelon) <= rank(before.echelon)


@SETTINGS
@given(declarations(), st.integers(0, 8), st.integers(0, 4), st.sampled_from(("0", "30", "250", "3500", "13000")))
def test_more_points_never_give_a_lower_echelon(data: dict[str, Any], children: int, in_he: int, km: str) -> None:
    more = {
        **data,
        "dependent_children": data["dependent_children"] + children + in_he,
        "children_in_higher_education": data["children_in_higher_education"] + in_he,
        "distance_km": str(max(Decimal(data["distance_km"]), Decimal(km))),
    }
    before, after = decide(data), decide(more)
    assert after.points_de_charge >= before.points_de_charge
    assert rank(after.counterfactuals.echelon_reached) >= rank(before.counterfactuals.echelon_reached)
    if before.status == after.status == "granted":
        assert rank(after.echelon) >= rank(before.echelon)


@SETTINGS
@given(declarations())
def test_the_echelon_reached_is_the_tables_whatever_the_gates(data: dict[str, Any]) -> None:
    first = first_year(data)
    points = law.distance_points(first, Decimal(data["distance_km"])) + law.children_points(
        data["dependent_children"], data["children_in_higher_education"])
    decision = decide(data)
    assert decision.counterfactuals.echelon_reached == law.reached_echelon(
        first, Decimal(data["revenu_brut_global"]), points)
    if decision.status != "refused":
        assert decision.echelon == decision.counterfactuals.echelon_reached


# -- the amounts are the law's ----------------------------------------------------------------------------------


@SETTINGS
@given(declarations())
def test_amounts_equal_the_tables(data: dict[str, Any]) -> None:
    decision = decide(data)
    first = first_year(data)
    assert decision.academic_year == law.label(first)
    if decision.echelon is None:
        assert (decision.months, decision.annual_amount, decision.monthly_amount, decision.total_amount) == (
            0, Decimal(0), Decimal(0), Decimal(0))
        assert decision.status in ("refused", "review")
        return
    annual = law.rate(first, decision.echelon)
    monthly = (annual / 10).quantize(CENT, rounding=ROUND_HALF_UP)
    months = law.months_of(date.fromisoformat(data["training_start_date"]),
                           date.fromisoformat(data["training_end_date"]))
    assert decision.annual_amount == annual
    assert decision.monthly_amount == monthly
    assert decision.months == months
    assert decision.total_amount == monthly * months
    dumped = decision.model_dump(mode="json")
    for key in ("annual_amount", "monthly_amount", "total_amount"):
        assert re.fullmatch(r"\d+\.\d{2}", dumped[key]), dumped[key]


@SETTINGS
@given(eligible_declarations())
def test_an_eligible_declaration_gets_the_echelon_of_the_table(data: dict[str, Any]) -> None:
    first = first_year(data)
    points = law.distance_points(first, Decimal(data["distance_km"])) + law.children_points(
        data["dependent_children"], data["children_in_higher_education"])
    expected = law.reached_echelon(first, Decimal(data["revenu_brut_global"]), points)
    decision = decide(data)
    assert decision.points_de_charge == points
    assert decision.echelon == expected
    assert decision.status == ("granted" if expected else "refused")


# -- reproducible from the trace --------------------------------------------------------------------------------


def _python(value: Any) -> Any:
    if isinstance(value, str) and _ISO.fullmatch(value):
        return date.fromisoformat(value)
    return value


@SETTINGS
@given(declarations())
def test_every_decision_is_reproducible_from_its_trace(rulebook: RuleBook, data: dict[str, Any]) -> None:
    decision = decide(data)
    rs = rulebook.year(decision.academic_year)
    steps = steps_of(decision)
    codes = [r.code for r in decision.reasons]

    period = steps["period.academic_year"]
    start = date.fromisoformat(period.inputs["training_start_date"])
    assert period.result == law.label(law.academic_year_of(start)) == decision.academic_year

    gate_steps = [s for s in decision.trace if s.rule.startswith("gate.")]
    assert [s.rule for s in gate_steps] == [g.id for g in rs.gates]
    failed = []
    for gate, step in zip(rs.gates, gate_steps, strict=True):
        assert step.expression == gate.predicate.text
        assert set(step.inputs) == set(gate.predicate.symbols)
        assert gate.predicate({k: _python(v) for k, v in step.inputs.items()}) is step.result
        if not step.result:
            failed.append(gate.code)
    assert codes[: len(failed)] == failed

    income = steps["income.year"]
    assert income.result is (income.inputs["income_year"] == rs.expected_income_year)
    assert ("income_year_mismatch" in codes) is (not income.result)

    km = Decimal(steps["points.distance"].inputs["distance_km"])
    assert steps["points.distance"].result == [b.points for b in rs.distance_bands if b.from_km <= km][-1]
    children = steps["points.children"]
    n, he = children.inputs["dependent_children"], children.inputs["children_in_higher_education"]
    assert children.result == rs.per_child * (n - he) + rs.per_child_in_higher_education * he
    total = steps["points.total"]
    assert total.inputs == {"distance_points": steps["points.distance"].result, "children_points": children.result}
    assert total.result == sum(total.inputs.values()) == decision.points_de_charge
    row = steps["bareme.row"]
    assert row.inputs["points_de_charge"] == decision.points_de_charge
    assert row.result == min(decision.points_de_charge, rs.last_row)

    barème = steps["bareme.echelon"]
    assert barème.inputs["row"] == row.result
    ceilings = {e: Decimal(v) for e, v in barème.inputs["ceilings"].items()}
    assert ceilings == {e: rs.ceilings.of(e, row.result) for e in law.ECHELONS}
    rbg = Decimal(barème.inputs["revenu_brut_global"])
    met = [e for e in law.ECHELONS if rbg <= ceilings[e]]
    assert barème.result == (met[-1] if met else None)
    assert ("income_above_ceiling" in codes) is (barème.result is None)

    status = steps["decision.status"]
    expected_status = ("refused" if failed else "review" if not income.result
                       else "granted" if barème.result else "refused")
    assert status.result == expected_status == decision.status

    echelon = None if decision.status == "refused" else barème.result
    assert decision.echelon == echelon
    annual = rs.rates.values[echelon] if echelon else Decimal(0)
    monthly = (annual / rs.monthly_divisor).quantize(CENT, rounding=ROUND_HALF_UP)
    months_step = steps["amount.months"]
    begun = law.months_of(date.fromisoformat(months_step.inputs["training_start_date"]),
                          date.fromisoformat(months_step.inputs["training_end_date"]))
    months = min(begun, rs.months_cap) if echelon else 0
    assert Decimal(steps["amount.annual"].result) == annual == decision.annual_amount
    assert Decimal(steps["amount.monthly"].result) == monthly == decision.monthly_amount
    assert months_step.result == months == decision.months
    assert Decimal(steps["amount.total"].result) == monthly * months == decision.total_amount


# -- representations --------------------------------------------------------------------------------------------


@SETTINGS
@given(declarations(), st.sampled_from(("fr", "en")))
def test_the_json_round_trip_gives_the_same_decision(data: dict[str, Any], lang: str) -> None:
    decision = decide(data, lang=lang)
    dumped = decision.model_dump(mode="json")
    again = Decision.model_validate(dumped)
    assert again == decision
    assert again.model_dump(mode="json") == dumped


@SETTINGS
@given(declarations(), st.sampled_from(("fr", "en")))
def test_the_fast_path_equals_the_plain_path(data: dict[str, Any], lang: str) -> None:
    fast = decide(data, lang=lang)
    plain = decide(data, lang=lang, plain=True)
    assert fast.model_dump(mode="json") == plain.model_dump(mode="json")
    assert fast.to_json() == plain.to_json()


@SETTINGS
@given(declarations())
def test_a_decision_is_deterministic_from_a_dict_or_a_declaration(data: dict[str, Any]) -> None:
    once = decide(data).to_json()
    assert decide(dict(data)).to_json() == once
    assert decide(Declaration.parse(data)).to_json() == once


# -- counterfactuals --------------------------------------------------------------------------------------------


def with_rbg(data: dict[str, Any], rbg: Decimal) -> dict[str, Any]:
    return {**data, "revenu_brut_global": str(rbg)}


def with_more_points(data: dict[str, Any], extra: int) -> dict[str, Any] | None:
    """The declaration with exactly `extra` more points: children (2 each), and one distance point for an odd
    number when the next distance band gives exactly one more; None when that cannot be built."""
    changed = dict(data)
    if extra % 2:
        first = first_year(data)
        km = Decimal(data["distance_km"])
        now = law.distance_points(first, km)
        nxt = [start for start, points in law.bands(first) if start > km and points == now + 1]
        if not nxt:
            return None
        changed["distance_km"] = str(nxt[0])
    changed["dependent_children"] = data["dependent_children"] + extra // 2
    return changed if changed["dependent_children"] <= 99 else None


@SETTINGS
@given(declarations())
def test_the_rbg_counterfactuals_reach_what_they_say(data: dict[str, Any]) -> None:
    decision = decide(data)
    cf = decision.counterfactuals
    now = reached(decision)
    up = law.next_up(now)
    if cf.rbg_for_next_echelon is None:
        assert now == "7"
    else:
        assert up is not None
        assert reached(decide(with_rbg(data, cf.rbg_for_next_echelon))) == up
        assert rank(reached(decide(with_rbg(data, cf.rbg_for_next_echelon + CENT)))) < rank(up)
    if now is None:
        assert cf.rbg_ceiling_current is None
    else:
        assert cf.rbg_ceiling_current is not None
        assert reached(decide(with_rbg(data, cf.rbg_ceiling_current))) == now
        assert rank(reached(decide(with_rbg(data, cf.rbg_ceiling_current + CENT)))) < rank(now)


@SETTINGS
@given(declarations())
def test_the_excess_over_0bis_is_given_only_on_a_refusal_for_income(data: dict[str, Any]) -> None:
    decision = decide(data)
    excess = decision.counterfactuals.rbg_excess_over_0bis
    if decision.status != "refused" or "income_above_ceiling" not in decision.reason_codes:
        assert excess is None
        return
    assert excess is not None and excess > 0
    rbg = Decimal(data["revenu_brut_global"])
    assert reached(decide(with_rbg(data, rbg - excess))) == "0bis"
    assert reached(decide(with_rbg(data, rbg - excess + CENT))) is None


@SETTINGS
@given(declarations())
def test_the_points_counterfactual_is_the_fewest_points_that_reach_the_next_echelon(data: dict[str, Any]) -> None:
    decision = decide(data)
    k = decision.counterfactuals.points_for_next_echelon
    up = law.next_up(reached(decision))
    if up is None or decision.points_de_charge >= law.LAST_ROW:
        assert k is None
        return
    if k is None:
        to_last_row = with_more_points(data, 2 * (law.LAST_ROW // 2 + 1))
        assert to_last_row is not None
        assert rank(reached(decide(to_last_row))) < rank(up)
        return
    assert k >= 1
    more = with_more_points(data, k)
    if more is not None:
        after = decide(more)
        assert after.points_de_charge == decision.points_de_charge + k
        assert rank(reached(after)) >= rank(up)
    fewer = with_more_points(data, k - 1) if k > 1 else None
    if fewer is not None:
        assert rank(reached(decide(fewer))) < rank(up)


def test_a_decisions_trace_cannot_be_changed_through_another_decision(base_declaration: Any) -> None:
    """The fast path shares trace steps between decisions: they must be immutable, or one decision's
    reader could change the next decisions.  A rule book of its own keeps the suite's memo clean."""
    from aid_engine.ruleset import load

    book = load()
    data = base_declaration(dependent_children=1)
    pristine = aid_engine.evaluate(data, book).model_dump(mode="json")
    tampered = aid_engine.evaluate(data, book)
    for step in tampered.trace:
        for container in (step.inputs, step.result):
            try:
                if isinstance(container, dict):
                    container["tampered"] = True
                elif isinstance(container, list):
                    container.append("tampered")
            except TypeError:
                pass  # read-only: what we want
    assert aid_engine.evaluate(data, book).model_dump(mode="json") == pristine
