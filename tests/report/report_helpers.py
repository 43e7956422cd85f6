"""The report's figures recomputed independently: raw SQL over the store's tables, plain Python over the rows.

Nothing here imports `aid_engine.report`: the scope is applied with its own SQL, money is summed in integer
cents, the département is found with its own regular expression, the age with a 26th birthday, and the
instalments with month arithmetic written again, and which decisions are current with a dict over every
stored row (the highest id per learner and training start date).  The tests compare the report with these
figures.
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import create_engine, text

DEPARTEMENT = re.compile(r"(?<![0-9A-Za-z])(0[1-9]|1\d|2[1-9AaBb]|[3-8]\d|9[0-5]|97[1-6])(?![0-9A-Za-z])")


def money(cents: int) -> str:
    """Integer cents as the contract's decimal string."""
    sign = "-" if cents < 0 else ""
    return f"{sign}{abs(cents) // 100}.{abs(cents) % 100:02d}"


def departement(fabrique_id: str | None) -> str | None:
    codes = {m.upper() for m in DEPARTEMENT.findall(fabrique_id or "")}
    return codes.pop() if len(codes) == 1 else None


def young(birth: date, start: date) -> bool:
    try:
        birthday_26 = birth.replace(year=birth.year + 26)
    except ValueError:  # born on 29 February
        birthday_26 = date(birth.year + 26, 3, 1)
    return start < birthday_26


def day_of(value: Any) -> date:
    """decided_at as a UTC day, whatever the backend returned (SQLite text, PostgreSQL datetime)."""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).date()


ROWS = """
SELECT d.id, d.learner_id, d.declaration_id, d.status, d.echelon, d.monthly_cents, d.months, d.total_cents,
       d.decided_at,
       a.payload AS decision_json, x.payload AS declaration_json, x.purged_at
FROM decisions d JOIN audit_records a ON a.id = d.audit_id JOIN declarations x ON x.id = d.declaration_id
"""


def stored_rows(url: str, run: int | None = None, start: date | None = None,
                end: date | None = None) -> list[dict[str, Any]]:
    """The stored decisions of a scope, as dicts."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            if run is not None:
                query = ROWS + " WHERE d.id IN (SELECT decision_id FROM batch_lines WHERE run_id = :run)"
                rows = connection.execute(text(query), {"run": run}).mappings().all()
            else:
                rows = connection.execute(text(ROWS)).mappings().all()
    finally:
        engine.dispose()
    chosen = [dict(r) for r in rows]
    if start is not None:
        chosen = [r for r in chosen if day_of(r["decided_at"]) >= start]
    if end is not None:
        chosen = [r for r in chosen if day_of(r["decided_at"]) <= end]
    return chosen


def superseded_ids(url: str) -> dict[int, str]:
    """Every superseded decision of the store, with why: "correction" (the current decision of its history has
    another declaration) or "rules"."""
    rows = stored_rows(url)
    latest: dict[tuple[str, Any], dict[str, Any]] = {}
    for row in sorted(rows, key=lambda r: int(r["id"])):
        latest[row["learner_id"], json.loads(row["declaration_json"]).get("training_start_date")] = row
    found = {}
    for row in rows:
        current = latest[row["learner_id"], json.loads(row["declaration_json"]).get("training_start_date")]
        if current["id"] != row["id"]:
            found[int(row["id"])] = "correction" if current["declaration_id"] != row["declaration_id"] else "rules"
    return found


def recoveries_in_force(url: str) -> dict[int, dict[str, Any]]:
    """Each decision's latest recovery record's payload, by decision id."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT payload FROM audit_records WHERE kind = 'recovery' ORDER BY id"))
            payloads = [json.loads(p) for (p,) in rows]
    finally:
        engine.dispose()
    return {int(p["decision_id"]): p for p in payloads}


@dataclass
class Expected:
    """The figures, in the shapes the tests compare."""

    statuses: Counter[str] = field(default_factory=Counter)
    stored: int = 0
    superseded: Counter[str] = field(default_factory=Counter)
    superseded_cents: int = 0
    recovered: list[tuple[str, int, str, int]] = field(default_factory=list)  # learner, decision, left on, cents
    learners: Counter[str] = field(default_factory=Counter)
    reasons: Counter[str] = field(default_factory=Counter)
    echelons: dict[str, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))
    committed: int = 0
    review: int = 0
    fabriques: dict[str | None, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0, 0, 0, 0, 0]))
    departements: dict[str | None, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0, 0, 0, 0, 0]))
    targets: dict[tuple[str, str], list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0, 0]))
    start_months: dict[str, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))
    instalments: list[tuple[str, str, int, int]] = field(default_factory=list)
    unscheduled: list[int] = field(default_factory=list)


def _group(table: dict[str | None, list[int]], key: str | None, status: str, cents: int) -> None:
    row = table[key]
    row[0] += 1
    row[{"granted": 1, "refused": 2, "review": 3}[status]] += 1
    if status == "granted":
        row[4] += cents
    if status == "review":
        row[5] += cents


def _answers(row: dict[str, Any], declaration: dict[str, Any]) -> dict[str, int]:
    """0 yes, 1 no, 2 unknown, for each indicator."""
    if row["purged_at"] is not None:
        return {"women": 2, "young_unqualified": 2}
    sex = declaration.get("sex")
    women = 2 if not sex else (0 if sex == "F" else 1)
    if declaration.get("profile") != "unqualified":
        youth = 1
    elif not declaration.get("birth_date"):
        youth = 2
    else:
        start = date.fromisoformat(declaration["training_start_date"])
        youth = 0 if young(date.fromisoformat(declaration["birth_date"]), start) else 1
    return {"women": women, "young_unqualified": youth}


def _add(e: Expected, row: dict[str, Any], superseded: dict[int, str], repaid: dict[int, dict[str, Any]]) -> None:
    declaration = json.loads(row["declaration_json"])
    status, cents = row["status"], int(row["total_cents"])
    e.stored += 1
    e.learners[row["learner_id"]] += 1
    if int(row["id"]) in superseded:
        e.superseded[superseded[int(row["id"])]] += 1
        if status == "granted":
            e.superseded["granted"] += 1
            e.superseded_cents += cents
        return
    e.statuses[status] += 1
    fabrique = declaration.get("fabrique_id") or None
    _group(e.fabriques, fabrique, status, cents)
    _group(e.departements, departement(fabrique), status, cents)
    answers = _answers(row, declaration)
    for indicator, answer in answers.items():
        for population in ("applicants", "grantees") if status == "granted" else ("applicants",):
            e.targets[indicator, population][answer] += 1
    if status == "refused":
        e.reasons.update({r["code"] for r in json.loads(row["decision_json"])["reasons"]})
    if status == "review":
        e.review += cents
    if status == "granted":
        _add_grant(e, row, declaration, cents, repaid.get(int(row["id"])))


def _add_grant(e: Expected, row: dict[str, Any], declaration: dict[str, Any], cents: int,
               recovery: dict[str, Any] | None) -> None:
    e.committed += cents
    e.echelons[row["echelon"]][0] += 1
    e.echelons[row["echelon"]][1] += cents
    owed = 0
    if recovery is not None:
        owed = int(recovery["amount_owed"].replace(".", ""))
        e.recovered.append((row["learner_id"], int(row["id"]), recovery["left_on"], owed))
    start = declaration.get("training_start_date")
    if not start:
        e.unscheduled.append(cents - owed)
        return
    year, month = int(start[:4]), int(start[5:7])
    e.start_months[start[:7]][0] += 1
    e.start_months[start[:7]][1] += cents
    left = recovery["left_on"][:7] if recovery else "9999-12"
    for k in range(int(row["months"])):
        y, m = divmod(month - 1 + k, 12)
        label = f"{year + y}-{m + 1:02d}"
        if label <= left:  # the months after the month of leaving are owed back, so never paid
            e.instalments.append((label, row["learner_id"], int(row["id"]), int(row["monthly_cents"])))


def expected(rows: list[dict[str, Any]], superseded: dict[int, str],
             repaid: dict[int, dict[str, Any]] | None = None) -> Expected:
    """The figures of the rows in scope; `superseded` (from `superseded_ids`) are counted apart; `repaid`
    (from `recoveries_in_force`) reduce the net and the cash flow."""
    e = Expected()
    for row in rows:
        _add(e, row, superseded, repaid or {})
    return e


def ratio(part: int, whole: int) -> str | None:
    if not whole:
        return None
    return str((Decimal(part) / Decimal(whole)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP))


def expected_json(e: Expected, envelope_cents: int = 1_000_000_000) -> dict[str, Any]:
    """The recomputed figures in the shapes of `comparable(report_json)`."""
    group = {k: (v[0], v[1], v[2], v[3], money(v[4]), money(v[5])) for k, v in e.departements.items()}
    fabriques = {k: (v[0], v[1], v[2], v[3], money(v[4]), money(v[5])) for k, v in e.fabriques.items()}
    months: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for month, _learner, _decision, cents in e.instalments:
        months[month][0] += 1
        months[month][1] += cents
    recovered = sum(x[3] for x in e.recovered)
    targets = {}
    for key, (yes, no, unknown) in e.targets.items():
        targets[key] = (yes, no, unknown, ratio(yes, yes + no))
    return {
        "decisions": {"total": e.stored, "current": sum(e.statuses.values()), "granted": e.statuses["granted"],
                      "refused": e.statuses["refused"], "review": e.statuses["review"],
                      "superseded": e.stored - sum(e.statuses.values()), "learners": len(e.learners),
                      "learners_with_several_decisions": sum(1 for n in e.learners.values() if n > 1)},
        "superseded": {"decisions": e.stored - sum(e.statuses.values()),
                       "after_correction": e.superseded["correction"], "under_other_rules": e.superseded["rules"],
                       "granted": e.superseded["granted"], "granted_amount": money(e.superseded_cents)},
        "reasons": dict(e.reasons),
        "echelons": {k: (v[0], money(v[1])) for k, v in e.echelons.items() if v[0]},
        "envelope": {"committed": money(e.committed), "review_cost": money(e.review),
                     "recovered": money(recovered), "net_committed": money(e.committed - recovered),
                     "remaining": money(envelope_cents - e.committed + recovered),
                     "projected": money(e.committed - recovered + e.review),
                     "share_used": ratio(e.committed - recovered, envelope_cents)},
        "recoveries": sorted((learner, decision, left, money(cents)) for learner, decision, left, cents in e.recovered),
        "departements": group,
        "departement_unknown": group.get(None, (0,))[0],
        "fabriques": fabriques,
        "targets": targets,
        "start_months": {k: (v[0], money(v[1])) for k, v in e.start_months.items()},
        "cash_flow": {"total": money(sum(i[3] for i in e.instalments)),
                      "unscheduled_grants": len(e.unscheduled), "unscheduled_amount": money(sum(e.unscheduled)),
                      "by_month": {k: (v[0], money(v[1])) for k, v in months.items()}},
    }


def comparable(document: dict[str, Any]) -> dict[str, Any]:
    """The report's JSON document in the shapes of `expected_json`."""
    def group(rows: list[dict[str, Any]], key: str) -> dict[str | None, tuple[Any, ...]]:
        return {r[key]: (r["decisions"], r["granted"], r["refused"], r["review"], r["committed"], r["review_cost"])
                for r in rows}

    e = document["envelope"]
    cf = document["cash_flow"]
    return {
        "decisions": document["decisions"],
        "superseded": document["superseded"],
        "reasons": {r["code"]: r["decisions"] for r in document["refused_by_reason"]},
        "echelons": {r["echelon"]: (r["grants"], r["committed"]) for r in document["grants_by_echelon"] if r["grants"]},
        "envelope": {k: e[k] for k in ("committed", "review_cost", "recovered", "net_committed", "remaining",
                                       "projected", "share_used")},
        "recoveries": sorted((x["learner_id"], x["decision_id"], x["left_on"], x["amount"])
                             for x in document["recoveries"]),
        "departements": group(document["by_departement"], "departement"),
        "departement_unknown": document["departement_unknown"],
        "fabriques": group(document["by_fabrique"], "fabrique_id"),
        "targets": {(t["indicator"], t["population"]): (t["yes"], t["no"], t["unknown"], t["share"])
                    for t in document["targets"] if t["yes"] + t["no"] + t["unknown"]},
        "start_months": {r["month"]: (r["grants"], r["committed"]) for r in document["grants_by_start_month"]},
        "cash_flow": {"total": cf["total"], "unscheduled_grants": cf["unscheduled_grants"],
                      "unscheduled_amount": cf["unscheduled_amount"],
                      "by_month": {r["month"]: (r["instalments"], r["amount"]) for r in cf["by_month"]}},
    }
