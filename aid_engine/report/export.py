"""The report for programs: one JSON document (`--json`), a directory of CSV files (`--csv DIR`) and the
cash-flow CSV of the payment run (`--cash-flow FILE`).

Money is a decimal string with exactly two decimals (`money.as_str`: "6335.00"), ratios a decimal string with
four ("0.3125") or null, never a float.  CSV files are UTF-8 with a header line, comma-separated, written by
the tool's one CSV writer (`files.CsvWriter`): every text cell quoted, a text cell that a spreadsheet would run
as a formula (= + - @ …) prefixed with `'`, each file written to a temporary file then renamed.
`report_json` is pure; the writers only write the files they are given and must never write anything else.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from ..files import output_dir, write_csv_file
from ..money import as_str
from .departement import SOURCE_NOTE
from .model import GroupTally, Repaid, Report

COUNTING = ("a learner's decisions for one training (learner_id + training_start_date) form a history whose latest "
            "stored decision is current; every figure counts the current decisions in scope only, superseded ones "
            "(a corrected declaration, a re-decision under other rules) are counted apart; refusals count under "
            "each of their reason codes")
CASH_FLOW_HEADER = ("month", "learner_id", "decision_id", "amount")


def ratio_str(value: Decimal | None) -> str | None:
    """A ratio with four decimals, or None.

    >>> ratio_str(Decimal("0.3")), ratio_str(None)
    ('0.3000', None)
    """
    return None if value is None else format(value, ".4f")


def _group(g: GroupTally, key: str) -> dict[str, Any]:
    return {key: g.key, "decisions": g.decisions, "granted": g.granted, "refused": g.refused, "review": g.review,
            "committed": as_str(g.committed), "review_cost": as_str(g.review_cost)}


def _envelope(r: Report) -> dict[str, Any]:
    e = r.envelope
    return {"envelope": as_str(e.envelope), "committed": as_str(e.committed), "recovered": as_str(e.recovered),
            "net_committed": as_str(e.net), "remaining": as_str(e.remaining),
            "share_used": ratio_str(e.share_used), "review_cost": as_str(e.review_cost),
            "projected": as_str(e.projected), "projected_remaining": as_str(e.projected_remaining),
            "projected_share": ratio_str(e.projected_share)}


def _scope(r: Report) -> dict[str, Any]:
    s = r.scope
    return {"kind": s.kind, "run_id": s.run_id, "from": s.date_from.isoformat() if s.date_from else None,
            "to": s.date_to.isoformat() if s.date_to else None, "description": s.describe()}


def _targets(r: Report) -> list[dict[str, Any]]:
    return [{"indicator": s.indicator, "population": s.population, "yes": s.yes, "no": s.no, "unknown": s.unknown,
             "share": ratio_str(s.share), "lowest": ratio_str(s.lowest), "highest": ratio_str(s.highest),
             "target": ratio_str(s.target), "met": s.met} for s in r.shares]


def _cash_flow(r: Report) -> dict[str, Any]:
    cf = r.cash_flow
    return {"total": as_str(cf.total), "unscheduled_grants": cf.unscheduled_grants,
            "unscheduled_amount": as_str(cf.unscheduled_amount),
            "by_month": [{"month": m.month, "instalments": m.grants, "amount": as_str(m.amount)}
                         for m in cf.by_month]}


def _superseded(r: Report) -> dict[str, Any]:
    x = r.superseded
    return {"decisions": x.decisions, "after_correction": x.after_correction,
            "under_other_rules": x.under_other_rules, "granted": x.granted,
            "granted_amount": as_str(x.granted_amount)}


def report_json(r: Report) -> dict[str, Any]:
    """The report as one JSON-ready document (the `--json` output)."""
    c = r.counts
    return {
        "scope": _scope(r),
        "counting": COUNTING,
        "decisions": {"total": c.decisions, "current": c.current, "granted": c.granted, "refused": c.refused,
                      "review": c.review, "superseded": c.superseded, "learners": c.learners,
                      "learners_with_several_decisions": c.learners_with_several},
        "superseded": _superseded(r),
        "refused_by_reason": [{"code": x.code, "decisions": x.decisions} for x in r.reasons],
        "grants_by_echelon": [{"echelon": e.echelon, "grants": e.grants, "committed": as_str(e.committed)}
                              for e in r.echelons],
        "envelope": _envelope(r),
        "targets": _targets(r),
        "by_departement": [_group(g, "departement") for g in r.by_departement],
        "departement_source": SOURCE_NOTE,
        "departement_unknown": r.unknown_departements,
        "by_fabrique": [_group(g, "fabrique_id") for g in r.by_fabrique],
        "grants_by_start_month": [{"month": m.month, "grants": m.grants, "committed": as_str(m.amount)}
                                  for m in r.by_start_month],
        "recoveries": [_recovery(x) for x in r.recoveries],
        "cash_flow": _cash_flow(r),
    }


RECOVERY_HEADER = ("learner_id", "decision_id", "left_on", "instalments", "months", "amount")


def _recovery(x: Repaid) -> dict[str, Any]:
    return {"learner_id": x.learner_id, "decision_id": x.decision_id, "left_on": x.left_on.isoformat(),
            "instalments": len(x.months_undue), "months": list(x.months_undue), "amount": as_str(x.amount)}


# -- CSV -----------------------------------------------------------------------------------------------------------


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[object]], *, option: str = "--csv",
              inputs: Iterable[Path | str] = ()) -> None:
    """Write one CSV file (`files.write_csv_file`: temporary file then rename, quoted and formula-safe cells)."""
    write_csv_file(path, option, header, rows, inputs=inputs)


def write_cash_flow(r: Report, path: Path, *, option: str = "--cash-flow", inputs: Iterable[Path | str] = ()) -> None:
    """The payment run's file: one line per instalment, `month,learner_id,decision_id,amount`."""
    write_csv(path, CASH_FLOW_HEADER,
              ((i.month, i.learner_id, i.decision_id, as_str(i.amount)) for i in r.cash_flow.instalments),
              option=option, inputs=inputs)


def _summary_rows(r: Report) -> list[tuple[str, object]]:
    c, e, cf = r.counts, _envelope(r), r.cash_flow
    rows: list[tuple[str, object]] = [
        ("scope", r.scope.describe()), ("decisions", c.decisions), ("current", c.current), ("granted", c.granted),
        ("refused", c.refused), ("review", c.review), ("superseded", c.superseded),
        ("learners", c.learners), ("learners_with_several_decisions", c.learners_with_several),
    ]
    rows += [(f"superseded_{k}", v) for k, v in _superseded(r).items() if k != "decisions"]
    rows += list(e.items())
    rows += [("departement_unknown", r.unknown_departements), ("cash_flow_total", as_str(cf.total)),
             ("cash_flow_unscheduled_grants", cf.unscheduled_grants),
             ("cash_flow_unscheduled_amount", as_str(cf.unscheduled_amount))]
    return rows


TARGET_HEADER = ("indicator", "population", "yes", "no", "unknown", "share", "lowest", "highest", "target", "met")
GROUP_HEADER = ("decisions", "granted", "refused", "review", "committed", "review_cost")


def _cell(value: object) -> object:
    """A JSON value as a CSV cell: booleans as true/false, null as empty."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else value


def _group_rows(groups: Iterable[GroupTally]) -> list[tuple[object, ...]]:
    return [(g.key, g.decisions, g.granted, g.refused, g.review, as_str(g.committed), as_str(g.review_cost))
            for g in groups]


def csv_files(r: Report) -> dict[str, tuple[Sequence[str], list[Sequence[object]]]]:
    """Each CSV file of `--csv DIR`: its name, header and rows."""
    targets = [tuple(_cell(t[k]) for k in TARGET_HEADER) for t in _targets(r)]
    return {
        "summary.csv": (("figure", "value"), list(_summary_rows(r))),
        "refused_by_reason.csv": (("code", "decisions"), [(x.code, x.decisions) for x in r.reasons]),
        "grants_by_echelon.csv": (("echelon", "grants", "committed"),
                                  [(e.echelon, e.grants, as_str(e.committed)) for e in r.echelons]),
        "targets.csv": (TARGET_HEADER, list(targets)),
        "by_departement.csv": (("departement", *GROUP_HEADER), list(_group_rows(r.by_departement))),
        "by_fabrique.csv": (("fabrique_id", *GROUP_HEADER), list(_group_rows(r.by_fabrique))),
        "grants_by_start_month.csv": (("month", "grants", "committed"),
                                      [(m.month, m.grants, as_str(m.amount)) for m in r.by_start_month]),
        "recoveries.csv": (RECOVERY_HEADER, [(x.learner_id, x.decision_id, x.left_on.isoformat(),
                                              len(x.months_undue), " ".join(x.months_undue), as_str(x.amount))
                                             for x in r.recoveries]),
        "cash_flow_by_month.csv": (("month", "instalments", "amount"),
                                   [(m.month, m.grants, as_str(m.amount)) for m in r.cash_flow.by_month]),
        "cash_flow_by_learner.csv": (("learner_id", "instalments", "amount"),
                                     [(x.learner_id, x.instalments, as_str(x.amount)) for x in r.cash_flow.by_learner]),
    }


def write_csv_dir(r: Report, directory: Path, *, inputs: Iterable[Path | str] = ()) -> list[Path]:
    """Write every CSV file of the report, and the instalments as `cash_flow.csv`, into `directory`."""
    output_dir(directory, "--csv")
    written = []
    for name, (header, rows) in csv_files(r).items():
        write_csv(directory / name, header, rows, inputs=inputs)
        written.append(directory / name)
    write_cash_flow(r, directory / "cash_flow.csv", option="--csv", inputs=inputs)
    return [*written, directory / "cash_flow.csv"]
