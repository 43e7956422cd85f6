"""The report's pure parts on hand-made facts: the doctests of its modules, the département rule, the counting
of unknowns, the envelope when it is overrun, and the instalments of a grant.
"""

from __future__ import annotations

import doctest
import importlib
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from aid_engine.report import DecisionFacts, Scope, Targets, build_report
from aid_engine.report.cashflow import instalments_of
from aid_engine.report.departement import departement_of

MODULES = ["facts", "departement", "figures", "cashflow", "model", "tables", "export", "charts"]

GRANT = DecisionFacts(
    decision_id=1, learner_id="L1", declaration_id=1, status="granted", echelon="7", monthly=Decimal("633.50"),
    months=10, total=Decimal("6335.00"), reasons=(), fabrique_id="FAB-75-0001",
    training_start=date(2024, 9, 16), profile="unqualified", sex="F", birth_date=date(2000, 1, 1), purged=False,
)


@pytest.mark.parametrize("name", MODULES)
def test_the_doctests_of_a_report_module_pass(name: str) -> None:
    module = importlib.import_module(f"aid_engine.report.{name}")
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS, report=True, verbose=False)
    assert result.attempted > 0 and result.failed == 0


@pytest.mark.parametrize(("fabrique", "departement"), [
    ("FAB-75-0042", "75"), ("FAB-01-1234", "01"), ("fab-2b-12x", "2B"), ("GEN 971 Pointe-à-Pitre", "971"),
    ("FAB-0001", None), ("FAB-20-0001", None), ("FAB-96-0001", None), ("FAB-750-0001", None),
    ("FAB-75-92-0001", None), ("FAB-75-75", "75"), ("", None), (None, None),
])
def test_the_departement_is_the_one_code_in_the_fabrique_id_or_unknown(fabrique: str | None,
                                                                       departement: str | None) -> None:
    assert departement_of(fabrique) == departement


def test_unknowns_are_counted_apart_and_never_guessed() -> None:
    facts = [GRANT, replace(GRANT, decision_id=2, sex=None), replace(GRANT, decision_id=3, purged=True),
             replace(GRANT, decision_id=4, sex="M", profile="other", birth_date=None),
             replace(GRANT, decision_id=5, birth_date=None)]
    report = build_report(facts, targets=Targets(Decimal("0.5"), Decimal("0.5")))
    women, young = report.share("women", "grantees"), report.share("young_unqualified", "applicants")
    # The purged fact keeps sex "F" in this hand-made row: purged means unknown, whatever is left.
    assert (women.yes, women.no, women.unknown) == (2, 1, 2)
    assert women.share == Decimal("0.6667") and women.met is True
    assert (women.lowest, women.highest) == (Decimal("0.4000"), Decimal("0.8000"))
    # Profile "other" is a no whatever the age; unqualified without a birth date is unknown.
    assert (young.yes, young.no, young.unknown) == (2, 1, 2)


def test_an_overrun_envelope_shows_a_negative_remainder() -> None:
    review = replace(GRANT, decision_id=2, status="review", total=Decimal("1000.00"))
    report = build_report([GRANT, review], envelope=Decimal("5000"))
    e = report.envelope
    assert (e.committed, e.remaining, e.share_used) == (Decimal("6335.00"), Decimal("-1335.00"), Decimal("1.2670"))
    assert (e.projected, e.projected_remaining) == (Decimal("7335.00"), Decimal("-2335.00"))


def test_the_envelope_must_be_positive() -> None:
    with pytest.raises(ValueError, match="envelope"):
        build_report([], envelope=Decimal(0))


def test_a_grant_pays_its_monthly_amount_from_the_start_month() -> None:
    months = [i.month for i in instalments_of(GRANT)]
    assert months == ["2024-09", "2024-10", "2024-11", "2024-12", "2025-01", "2025-02", "2025-03", "2025-04",
                      "2025-05", "2025-06"]
    assert sum((i.amount for i in instalments_of(GRANT)), Decimal(0)) == GRANT.total
    assert instalments_of(replace(GRANT, training_start=None)) == []


def test_a_grant_without_start_date_is_set_apart_in_the_cash_flow() -> None:
    report = build_report([GRANT, replace(GRANT, decision_id=2, learner_id="L2", training_start=None)],
                          scope=Scope.of_run(7))
    cf = report.cash_flow
    assert (cf.total, cf.unscheduled_grants, cf.unscheduled_amount) == (Decimal("6335.00"), 1, Decimal("6335.00"))
    assert [(x.learner_id, x.instalments, x.amount) for x in cf.by_learner] == [("L1", 10, Decimal("6335.00"))]
    assert report.envelope.committed == Decimal("12670.00")
