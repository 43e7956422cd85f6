"""`aid-engine report --json`: its figures equal those recomputed independently from the stored rows.

The store holds real batch runs (see conftest).  For every scope — all, each run, ranges of days — the JSON
document printed by the command is compared with `report_helpers`, which reads the tables with its own SQL
and sums cents in plain Python.  The edge run's figures are also checked against values worked out by hand.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from conftest import CORRECTED, Programme
from report_helpers import comparable, expected, expected_json, recoveries_in_force, stored_rows, superseded_ids
from typer.testing import CliRunner

from aid_engine.cli import app

runner = CliRunner(env={"COLUMNS": "200", "NO_COLOR": "1", "TERM": "dumb"})
MONEY_KEYS = {"committed", "review_cost", "envelope", "remaining", "projected", "projected_remaining", "total",
              "unscheduled_amount", "amount"}
RATIO_KEYS = {"share", "lowest", "highest", "target", "share_used", "projected_share"}

Scope = Callable[[Programme], tuple[list[str], dict[str, Any]]]
SCOPES: dict[str, Scope] = {
    "every decision": lambda p: ([], {}),
    "the example run": lambda p: (["--run", str(p.examples_run)], {"run": p.examples_run}),
    "the edge run": lambda p: (["--run", str(p.edge_run)], {"run": p.edge_run}),
    "the re-run under new rules": lambda p: (["--run", str(p.new_rules_run)], {"run": p.new_rules_run}),
    "the same file again": lambda p: (["--run", str(p.same_again_run)], {"run": p.same_again_run}),
    "January 2025": lambda p: (["--from", "2025-01-01", "--to", "2025-01-31"],
                               {"start": date(2025, 1, 1), "end": date(2025, 1, 31)}),
    "one day, both ends included": lambda p: (["--from", "2025-02-20", "--to", "2025-02-20"],
                                              {"start": date(2025, 2, 20), "end": date(2025, 2, 20)}),
    "from a day on": lambda p: (["--from", "2025-02-01"], {"start": date(2025, 2, 1)}),
    "up to a day": lambda p: (["--to", "2025-02-19"], {"end": date(2025, 2, 19)}),
}


def report_json(url: str, *args: str) -> dict[str, Any]:
    result = runner.invoke(app, ["report", "--db", url, "--json", *args])
    assert result.exit_code == 0, result.stderr
    document: dict[str, Any] = json.loads(result.stdout)
    return document


@pytest.mark.parametrize("scope", SCOPES)
def test_the_figures_equal_those_recomputed_from_the_stored_rows(programme: Programme, scope: str) -> None:
    args, where = SCOPES[scope](programme)
    document = report_json(programme.url, *args)
    rows = stored_rows(programme.url, **where)
    assert rows, "a scope of the fixture store must hold decisions"
    figures = expected(rows, superseded_ids(programme.url), recoveries_in_force(programme.url))
    assert comparable(document) == expected_json(figures)


def test_only_current_decisions_count_and_the_superseded_are_counted_apart(programme: Programme) -> None:
    everything = report_json(programme.url)
    first = report_json(programme.url, "--run", str(programme.examples_run))
    again = report_json(programme.url, "--run", str(programme.new_rules_run))
    edge = report_json(programme.url, "--run", str(programme.edge_run))
    counts = everything["decisions"]
    assert counts["total"] == sum(d["decisions"]["total"] for d in (first, again, edge))
    assert counts["learners"] == first["decisions"]["learners"] + edge["decisions"]["learners"]
    # The re-run under other rules replaced every decision of the first run: its figures are now the current ones.
    assert first["decisions"]["current"] == 0 and first["decisions"]["superseded"] == first["decisions"]["total"]
    assert counts["current"] == again["decisions"]["current"] + edge["decisions"]["current"]
    assert everything["envelope"]["committed"] == money_sum(again["envelope"]["committed"],
                                                            edge["envelope"]["committed"])
    # Within the file, corrections (a learner's second line for the same training) are superseded too.
    assert again["superseded"]["after_correction"] > 0 and again["superseded"]["under_other_rules"] == 0
    assert everything["superseded"]["under_other_rules"] == first["decisions"]["total"] - \
        first["superseded"]["after_correction"]


def money_sum(*amounts: str) -> str:
    cents = sum(int(a.replace(".", "")) for a in amounts)
    return f"{cents // 100}.{cents % 100:02d}"


def test_a_run_that_stored_nothing_new_reports_the_decisions_its_lines_gave(programme: Programme) -> None:
    first = report_json(programme.url, "--run", str(programme.examples_run))
    same = report_json(programme.url, "--run", str(programme.same_again_run))
    assert first["scope"]["run_id"] != same["scope"]["run_id"]
    assert {k: v for k, v in first.items() if k != "scope"} == {k: v for k, v in same.items() if k != "scope"}


def _walk(value: Any, path: str = "") -> list[tuple[str, Any]]:
    """Every leaf of a JSON document with its dotted path (list items keep their list's path)."""
    if isinstance(value, dict):
        return [pair for k, v in value.items() for pair in _walk(v, f"{path}.{k}")]
    if isinstance(value, list):
        return [pair for v in value for pair in _walk(v, path)]
    return [(path, value)]


def test_money_is_a_string_with_two_decimals_and_ratios_four(programme: Programme) -> None:
    leaves = _walk(report_json(programme.url, "--envelope", "2500000"))
    money = [v for k, v in leaves if k.rsplit(".", 1)[-1] in MONEY_KEYS and k != ".decisions.total"]
    ratios = [v for k, v in leaves if k.rsplit(".", 1)[-1] in RATIO_KEYS and v is not None]
    assert len(money) > 50 and len(ratios) > 8
    assert all(isinstance(v, str) and re.fullmatch(r"-?\d+\.\d\d", v) for v in money), money
    assert all(isinstance(v, str) and re.fullmatch(r"\d\.\d{4}", v) for v in ratios), ratios
    assert not any(isinstance(v, float) for _, v in leaves)


def test_the_envelope_and_targets_given_are_used(programme: Programme) -> None:
    document = report_json(programme.url, "--run", str(programme.examples_run), "--envelope", "400000,50",
                           "--target-women", "0.45", "--target-young-unqualified", "0.1")
    envelope = document["envelope"]
    committed = int(envelope["committed"].replace(".", ""))
    assert envelope["envelope"] == "400000.50"
    assert int(envelope["remaining"].replace(".", "").replace("-", "")) == abs(40_000_050 - committed)
    targets = {(t["indicator"], t["population"]): t for t in document["targets"]}
    assert targets["women", "grantees"]["target"] == "0.4500"
    assert targets["young_unqualified", "applicants"]["target"] == "0.1000"
    for t in document["targets"]:
        assert t["met"] == (t["share"] is not None and float(t["share"]) >= float(t["target"])) or t["share"] is None


def test_the_edge_cases_are_counted_as_worked_out_by_hand(programme: Programme) -> None:
    d = report_json(programme.url, "--run", str(programme.edge_run))
    assert d["decisions"] == {"total": 10, "current": 10, "granted": 8, "refused": 1, "review": 1, "superseded": 0,
                              "learners": 10, "learners_with_several_decisions": 0}
    assert {r["code"]: r["decisions"] for r in d["refused_by_reason"]} == {"training_leave": 1,
                                                                           "income_above_ceiling": 1}
    # FAB-0001 (no code), FAB-75-13-0002 (two codes) and the blanked declaration: unknown, never guessed.
    assert d["departement_unknown"] == 3
    departements = {g["departement"]: g["decisions"] for g in d["by_departement"]}
    # The purged declaration whose payload was kept still has its fabrique (FAB-69-0006): not personal data.
    assert departements == {"13": 1, "2A": 1, "2B": 2, "69": 1, "93": 1, "974": 1, None: 3}
    targets = {(t["indicator"], t["population"]): (t["yes"], t["no"], t["unknown"]) for t in d["targets"]}
    # Women: F given for 001, 004, 008; 006 and 010 purged; 002 and 007 without sex.
    assert targets["women", "applicants"] == (3, 3, 4)
    # Under 26 and unqualified: 001, 004, 009 yes; 003 (34), 007 (graduate), 008 (26 on the start day) no.
    assert targets["young_unqualified", "applicants"] == (3, 3, 4)
    assert targets["young_unqualified", "grantees"] == (2, 3, 3)
    cash = d["cash_flow"]
    assert cash["unscheduled_grants"] == 1
    months = {m["month"]: m["instalments"] for m in cash["by_month"]}
    assert months["2024-09"] == 6 and months["2025-03"] == 7 and months["2025-06"] == 7


def test_the_cash_flow_pays_every_granted_total_less_the_recoveries(programme: Programme) -> None:
    for args in ([], ["--run", str(programme.examples_run)], ["--run", str(programme.edge_run)]):
        d = report_json(programme.url, *args)
        cash, committed = d["cash_flow"], d["envelope"]["net_committed"]
        by_month = sum(int(m["amount"].replace(".", "")) for m in cash["by_month"])
        assert by_month == int(cash["total"].replace(".", ""))
        assert by_month + int(cash["unscheduled_amount"].replace(".", "")) == int(committed.replace(".", ""))


def test_a_recovery_in_force_reduces_the_net_and_the_cash_flow(programme: Programme, tmp_path: Path) -> None:
    payments = tmp_path / "payments.csv"
    result = runner.invoke(app, ["report", "--db", programme.url, "--json", "--cash-flow", str(payments),
                                 "--csv-format", "plain"])
    assert result.exit_code == 0, result.output
    d = json.loads(result.stdout)
    mine = [x for x in d["recoveries"] if x["learner_id"] == CORRECTED]
    # The replacing recovery is in force: left on 10 October 2024, November to January owed back (3 × 216.30).
    assert mine == [{"learner_id": CORRECTED, "decision_id": mine[0]["decision_id"], "left_on": "2024-10-10",
                     "instalments": 3, "months": ["2024-11", "2024-12", "2025-01"], "amount": "648.90"}]
    assert len(d["recoveries"]) == 2
    e = d["envelope"]
    assert money_sum(e["net_committed"], e["recovered"]) == e["committed"]
    assert e["recovered"] == money_sum(*(x["amount"] for x in d["recoveries"]))
    paid = [line.split(",")[0] for line in payments.read_text(encoding="utf-8").splitlines() if CORRECTED in line]
    assert paid == ['"2024-09"', '"2024-10"']
