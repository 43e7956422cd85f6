"""Verifying the audit trail: the hash chain, then every other stored fact against it.

`verify` first checks that every table of the store is there, then walks `audit_records` in chain order and,
for each record, checks that it comes right after the one before (no id missing), that its previous-record
hash is that record's hash (not inserted or moved out of order) and that its own hash still matches its
content (not altered), in the hashing of its format (`store.records`).  Then it cross-checks every fact a
report, diff, recovery, replay or payment reads against the records:

- each decision row against its record (outcome, learner, declaration digest, rule set, engine version,
  operator, time; format 2 also language, run and input line, decision id), and each decision record has
  exactly its row;
- each decision's declaration: same learner and digest, the digest recomputed from the text while the
  declaration is not purged (keyed with its secret, format 2), the training the record binds, `received_at`
  the time of its first decision and not in the future; no declaration without a decision;
- purges: a declaration is marked purged exactly when a purge record holds its digest, at that record's time,
  with no secret and no personal field left;
- batch runs and lines: a finished run against its `run` record (counts and the digest of its lines), a run
  still going against its lines and decisions; each line of a format-2 decision's own run as its record says;
- the rule set archive: each archived rule set's files give its sha256, each is used, each format-2 decision's
  rule set is archived.

The first failure raises `AuditChainBroken` naming the record (or the table).  It reads only: it must never
repair, rewrite or skip a record, and its messages carry ids, never values.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, func, inspect, select

from ..errors import AuditChainBroken
from .database import STORE_TABLES
from .records import (
    DECISION_KIND,
    GENESIS,
    KEPT_FIELDS,
    PURGE_KIND,
    RECOVERY_KIND,
    RUN_KIND,
    Record,
    keyed_hex,
    outcome_mismatch,
    parse_payload,
    plain_declaration_digest,
    ruleset_sha256,
    run_payload,
    stamp,
    training_of,
)
from .runs import DONE, lines_digest
from .tables import audit_records, batch_lines, batch_runs, decisions, declarations, rulesets

PAGE = 2000


@dataclass(frozen=True, slots=True)
class ChainReport:
    """An intact chain: how many records of each kind, and the head's hash."""

    records: int
    decisions: int
    recoveries: int
    head_hash: str
    purges: int = 0
    runs: int = 0


def _pages(connection: Connection, statement: Any, key: Any) -> Iterator[Any]:
    """Rows of `statement` in `key` order, a page at a time (keyset pagination: memory stays flat)."""
    last: Any = None
    while True:
        page = statement if last is None else statement.where(key > last)
        rows = connection.execute(page.order_by(key).limit(PAGE)).mappings().all()
        yield from rows
        if len(rows) < PAGE:
            return
        last = rows[-1][key.name]


def check_tables(connection: Connection) -> None:
    """Every table of the store is there: a dropped table is a broken trail, not an empty one."""
    present = set(inspect(connection).get_table_names())
    for name in STORE_TABLES:
        if name not in present:
            raise AuditChainBroken(f"(table {name})", f"the table {name} is missing from the store")


def _check_record(row: Any, prev_id: int, prev_hash: str) -> None:
    ident = int(row["id"])
    if ident != prev_id + 1:
        raise AuditChainBroken(prev_id + 1, f"removed: record {ident} follows record {prev_id}")
    if row["prev_hash"] != prev_hash:
        raise AuditChainBroken(ident, f"out of order: its previous-record hash is not the hash of record {prev_id} "
                                      "(inserted or moved out of order, or a record before it was rewritten)")
    try:
        computed = Record.of(row).hash()
    except (ValueError, TypeError) as exc:
        raise AuditChainBroken(ident, f"altered: {exc}") from None
    if computed != row["hash"]:
        raise AuditChainBroken(ident, "altered: its content no longer matches its hash")


def walk_chain(connection: Connection) -> ChainReport:
    """Check every record of the chain, in order; raise `AuditChainBroken` at the first that fails."""
    prev_id, prev_hash = 0, GENESIS
    kinds: dict[str, int] = {}
    for row in _pages(connection, select(audit_records), audit_records.c.id):
        _check_record(row, prev_id, prev_hash)
        prev_id, prev_hash = int(row["id"]), str(row["hash"])
        kinds[row["kind"]] = kinds.get(row["kind"], 0) + 1
    return ChainReport(prev_id, kinds.get(DECISION_KIND, 0), kinds.get(RECOVERY_KIND, 0), prev_hash,
                       kinds.get(PURGE_KIND, 0), kinds.get(RUN_KIND, 0))


# -- decisions -------------------------------------------------------------------------------------------------

_BOUND = ("learner_id", "declaration_digest", "ruleset_id", "ruleset_sha256", "engine_version", "operator")


def decision_mismatch(row: Any, record: Any) -> str | None:
    """The first column of a decision row that disagrees with its audit record, if any."""
    for column in _BOUND:
        if row[column] != record[f"r_{column}"]:
            return column
    if stamp(row["decided_at"]) != record["r_recorded_at"]:
        return "decided_at"
    payload = json.loads(record["r_payload"])
    if int(record["r_format"]) >= 2:
        if row["lang"] != record["r_lang"]:
            return "lang"
        if row["run_id"] != record["r_run_id"]:
            return "run_id"
        if row["id"] != record["r_decision_id"]:
            return "id"
    else:
        ruleset = payload.get("ruleset") or {}
        if (row["ruleset_id"], row["ruleset_sha256"]) != (ruleset.get("id"), ruleset.get("sha256")):
            return "ruleset"
    return outcome_mismatch(row, payload)


def _decision_rows() -> Any:
    d, a, x = decisions.c, audit_records.c, declarations.c
    record_columns = [a[name].label(f"r_{name}") for name in (
        "id", "kind", "format", "payload", "recorded_at", "lang", "run_id", "line", "decision_id",
        *_BOUND)]
    ln = batch_lines.c
    return (select(decisions, *record_columns, x.id.label("x_id"), x.learner_id.label("x_learner_id"),
                   x.digest.label("x_digest"), x.payload.label("x_payload"), ln.decision_id.label("line_gives"))
            .join_from(decisions, audit_records, d.audit_id == a.id, isouter=True)
            .join(declarations, d.declaration_id == x.id, isouter=True)
            .join(batch_lines, (ln.run_id == a.run_id) & (ln.line == a.line), isouter=True))


def check_decisions(connection: Connection) -> None:
    """Every decision row agrees with its record and its declaration; every decision record has its row."""
    d, a = decisions.c, audit_records.c
    for row in _pages(connection, _decision_rows(), d.id):
        _check_decision(row)
    orphan = connection.execute(
        select(func.min(a.id)).select_from(audit_records).join(decisions, d.audit_id == a.id, isouter=True)
        .where(a.kind == DECISION_KIND, d.id.is_(None))
    ).scalar_one()
    if orphan is not None:
        raise AuditChainBroken(orphan, "its decision row was removed from the decisions table")


def _check_decision(row: Any) -> None:
    ident, record = row["id"], row["r_id"]
    if record is None:
        raise AuditChainBroken(row["audit_id"], f"removed: decision {ident} points to it and it is gone")
    if row["r_kind"] != DECISION_KIND:
        raise AuditChainBroken(record, f"decision {ident} points to it and it is a {row['r_kind']} record")
    column = decision_mismatch(row, row)
    if column is not None:
        raise AuditChainBroken(record, f"decision {ident} was altered in the decisions table "
                                       f"({column} differs from the audit record)")
    if row["x_id"] is None:
        raise AuditChainBroken(record, f"decision {ident}: its declaration {row['declaration_id']} is gone")
    if (row["x_learner_id"], row["x_digest"]) != (row["learner_id"], row["declaration_digest"]):
        raise AuditChainBroken(record, f"decision {ident} points to declaration {row['x_id']}, which is not the "
                                       "declaration this record binds (learner or digest differs)")
    if int(row["r_format"]) >= 2:
        training = parse_payload({"payload": row["r_payload"]}).get("training")
        if training_of(json.loads(row["x_payload"])) != training:
            raise AuditChainBroken(record, f"declaration {row['x_id']} of decision {ident} was altered: its "
                                           "training differs from the one this record binds")
        if row["r_run_id"] is not None and row["r_line"] is not None and row["line_gives"] != ident:
            raise AuditChainBroken(record, f"decision {ident}: line {row['r_line']} of run {row['r_run_id']} "
                                           "no longer gives it (batch_lines altered or removed)")


# -- declarations and purges -----------------------------------------------------------------------------------


def check_declarations(connection: Connection) -> None:
    """Every declaration: its digest (not purged), its purge (purged), its time, at least one decision."""
    c, d = declarations.c, decisions.c
    first = (select(d.declaration_id, func.min(d.audit_id).label("first_record"),
                    func.min(d.decided_at).label("first_at")).group_by(d.declaration_id).subquery())
    statement = (select(declarations, first.c.first_record, first.c.first_at)
                 .join_from(declarations, first, first.c.declaration_id == c.id, isouter=True))
    purges = _purges(connection)
    now = datetime.now(UTC)
    for row in _pages(connection, statement, c.id):
        _check_declaration(row, purges, now)
    left = set(purges) - _purged_digests(connection)
    if left:
        raise AuditChainBroken(min(purges[digest][0] for digest in left),
                               "this purge record's declaration is not marked purged (unmarked or removed)")


def _purges(connection: Connection) -> dict[str, tuple[int, str]]:
    a = audit_records.c
    rows = connection.execute(select(a.declaration_digest, a.id, a.recorded_at).where(a.kind == PURGE_KIND))
    return {str(digest): (int(ident), str(when)) for digest, ident, when in rows}


def _purged_digests(connection: Connection) -> set[str]:
    c = declarations.c
    return set(connection.execute(select(c.digest).where(c.purged_at.is_not(None))).scalars())


def _check_declaration(row: Any, purges: dict[str, tuple[int, str]], now: datetime) -> None:
    ident, digest = row["id"], row["digest"]
    record = row["first_record"]
    if record is None:
        raise AuditChainBroken(f"(declaration {ident})",
                               f"declaration {ident} has no decision: it was inserted or re-pointed by hand")
    received = _aware(row["received_at"])
    if received > now or received > _aware(row["first_at"]):
        raise AuditChainBroken(record, f"declaration {ident} was altered: received_at is after its first "
                                       "decision or in the future")
    purge = purges.get(digest)
    if row["purged_at"] is None:
        if purge is not None:
            raise AuditChainBroken(purge[0], f"declaration {ident} was purged by this record and is no longer "
                                             "marked purged")
        payload = row["payload"]
        secret = row["secret"]
        expected = keyed_hex(bytes(secret), payload) if secret is not None else plain_declaration_digest(payload)
        if expected != digest:
            raise AuditChainBroken(record, f"declaration {ident} was altered: it no longer matches the digest this "
                                           "record holds")
        return
    if purge is None:
        raise AuditChainBroken(record, f"declaration {ident} is marked purged without a purge record in the "
                                       "chain: it was edited by hand, not purged by `aid-engine purge`")
    if stamp(row["purged_at"]) != purge[1]:
        raise AuditChainBroken(purge[0], f"declaration {ident}: purged_at differs from this purge record's time")
    if row["secret"] is not None or set(json.loads(row["payload"])) - set(KEPT_FIELDS):
        raise AuditChainBroken(purge[0], f"declaration {ident} is marked purged but still holds personal data")


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


# -- runs, lines, recoveries, rule sets ------------------------------------------------------------------------


def check_runs(connection: Connection) -> None:
    """Finished runs against their run records; runs still going against their lines and decisions."""
    a, r, d, ln = audit_records.c, batch_runs.c, decisions.c, batch_lines.c
    records = {int(run_id): (int(ident), str(payload)) for ident, run_id, payload in connection.execute(
        select(a.id, a.run_id, a.payload).where(a.kind == RUN_KIND))}
    runs = connection.execute(select(batch_runs).order_by(r.id)).mappings().all()
    ids = {int(run["id"]) for run in runs}
    for run_id, (ident, _) in sorted(records.items()):
        if run_id not in ids:
            raise AuditChainBroken(ident, f"batch run {run_id}, which this record binds, is gone from batch_runs")
    for run in runs:
        run_id = int(run["id"])
        bound = records.get(run_id)
        if bound is not None:
            if run_payload(run, lines_digest(connection, run_id)) != bound[1]:
                raise AuditChainBroken(bound[0], f"batch run {run_id} or its lines were altered since this record "
                                                 "bound them")
            continue
        if run["status"] == DONE:
            raise AuditChainBroken(f"(batch run {run_id})", f"batch run {run_id} is finished and no run record "
                                                            "binds it: inserted or marked done by hand")
        lines = connection.execute(select(func.count()).where(ln.run_id == run_id)).scalar_one()
        new = connection.execute(select(func.count()).where(d.run_id == run_id)).scalar_one()
        if (lines, new) != (run["rows_decided"], run["decisions_new"]):
            raise AuditChainBroken(f"(batch run {run_id})", f"batch run {run_id} in progress: its counts differ "
                                                            "from its lines and decisions")
    orphan = connection.execute(select(ln.run_id, ln.line).where(~ln.run_id.in_(select(r.id))).limit(1)).first()
    if orphan is not None:
        raise AuditChainBroken(f"(batch run {orphan[0]})", f"line {orphan[1]} of batch run {orphan[0]}, "
                                                           "which is gone")


def check_recoveries(connection: Connection) -> None:
    """Each recovery record's decision is there and is that learner's."""
    a, d = audit_records.c, decisions.c
    rows = connection.execute(select(a.id, a.learner_id, a.payload, a.format).where(a.kind == RECOVERY_KIND))
    for ident, learner, payload, _ in rows:
        decision_id = json.loads(payload).get("decision_id")
        found = connection.execute(select(d.learner_id).where(d.id == decision_id)).scalar()
        if found != learner:
            raise AuditChainBroken(ident, f"the decision {decision_id} this recovery applies to is gone or is "
                                          "another learner's")


def check_rulesets(connection: Connection) -> None:
    """Each archived rule set's files give its sha256 and its id is the records'; each is used; each format-2
    decision's rule set is archived."""
    a, s = audit_records.c, rulesets.c
    used = {str(sha): (int(ident), str(rid)) for sha, ident, rid in connection.execute(
        select(a.ruleset_sha256, func.min(a.id), func.min(a.ruleset_id))
        .where(a.kind == DECISION_KIND, a.format >= 2).group_by(a.ruleset_sha256))}
    archived = set()
    for sha, rid, files in connection.execute(select(s.sha256, s.ruleset_id, s.files)):
        archived.add(sha)
        if sha not in used:
            raise AuditChainBroken(f"(rule set {sha[:12]})", f"the archived rule set {sha[:12]} is used by no "
                                                              "record: inserted by hand")
        if ruleset_sha256(json.loads(files)) != sha or rid != used[sha][1]:
            raise AuditChainBroken(used[sha][0], f"the archived files of rule set {rid} ({sha[:12]}) were altered")
    for sha, (ident, rid) in sorted(used.items(), key=lambda kv: kv[1]):
        if sha not in archived:
            raise AuditChainBroken(ident, f"rule set {rid} ({sha[:12]}) of this record is not in the archive")


def verify(engine: Engine) -> ChainReport:
    """Verify the whole audit trail (see the module docstring); return what was checked."""
    with engine.connect() as connection:
        if connection.dialect.name == "postgresql":  # one snapshot for the whole walk, writers may go on
            connection.execution_options(isolation_level="REPEATABLE READ")
        check_tables(connection)
        report = walk_chain(connection)
        check_decisions(connection)
        check_declarations(connection)
        check_runs(connection)
        check_recoveries(connection)
        check_rulesets(connection)
    return report
