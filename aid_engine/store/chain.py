"""Verifying the audit trail: the hash chain, then the decisions and declarations against it.

`verify` walks `audit_records` in chain order and, for each record, checks that it comes right after the
one before (no id missing), that its previous-record hash is that record's hash (not inserted or moved out
of order) and that its own hash still matches its content (not altered).  Then every decision row must
agree with the audit record holding its JSON, every decision record must still have its decision row, every
declaration not purged must still match its digest, and every declaration marked purged must have its `purge`
record in the chain.  The first failure raises `AuditChainBroken`
naming the record.

It reads only: it must never repair, rewrite or skip a record, and its messages carry ids, never values.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, func, select

from ..errors import AuditChainBroken
from .canonical import GENESIS, RecordFields, sha256_hex
from .purge import PURGE_KIND
from .tables import audit_records, decisions, declarations
from .writer import DECISION_KIND, RECOVERY_KIND

PAGE = 2000


@dataclass(frozen=True, slots=True)
class ChainReport:
    """An intact chain: how many records of each kind (decision, recovery, purge), and the head's hash."""

    records: int
    decisions: int
    recoveries: int
    head_hash: str
    purges: int = 0


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


def _check_record(row: Any, prev_id: int, prev_hash: str) -> None:
    ident = int(row["id"])
    if ident != prev_id + 1:
        raise AuditChainBroken(prev_id + 1, f"removed: record {ident} follows record {prev_id}")
    if row["prev_hash"] != prev_hash:
        raise AuditChainBroken(ident, f"out of order: its previous-record hash is not the hash of record {prev_id} "
                                      "(inserted or moved out of order, or a record before it was rewritten)")
    if RecordFields.of(row).hash() != row["hash"]:
        raise AuditChainBroken(ident, "altered: its content no longer matches its hash")


def walk_chain(connection: Connection) -> ChainReport:
    """Check every record of the chain, in order; raise `AuditChainBroken` at the first that fails."""
    prev_id, prev_hash = 0, GENESIS
    kinds = {DECISION_KIND: 0}
    for row in _pages(connection, select(audit_records), audit_records.c.id):
        _check_record(row, prev_id, prev_hash)
        prev_id, prev_hash = int(row["id"]), str(row["hash"])
        kinds[row["kind"]] = kinds.get(row["kind"], 0) + 1
    return ChainReport(prev_id, kinds[DECISION_KIND], kinds.get(RECOVERY_KIND, 0), prev_hash,
                       kinds.get(PURGE_KIND, 0))


_COLUMNS = ("learner_id", "status", "echelon", "points_de_charge", "months", "academic_year")
_AMOUNTS = {"annual_cents": "annual_amount", "monthly_cents": "monthly_amount", "total_cents": "total_amount"}


def decision_mismatch(row: Any, payload: dict[str, Any]) -> str | None:
    """The first column of a decision row that disagrees with its audit record's decision JSON, if any."""
    for column in _COLUMNS:
        if row[column] != payload.get(column):
            return column
    for column, key in _AMOUNTS.items():
        if _cents_text(row[column]) != payload.get(key):
            return column
    ruleset = payload.get("ruleset") or {}
    if (row["ruleset_id"], row["ruleset_sha256"]) != (ruleset.get("id"), ruleset.get("sha256")):
        return "ruleset"
    return None


def _cents_text(value: int) -> str:
    """Integer cents as the contract's decimal text, exactly (no float on the way).

    >>> _cents_text(63350), _cents_text(5), _cents_text(0)
    ('633.50', '0.05', '0.00')
    """
    return f"{value // 100}.{value % 100:02d}"


def check_decisions(connection: Connection) -> None:
    """Every decision row agrees with its audit record; every decision record still has its row."""
    a, d = audit_records.c, decisions.c
    joined = select(d.id, d.audit_id, d.declaration_digest, *(d[c] for c in (*_COLUMNS, *_AMOUNTS)),
                    d.ruleset_id, d.ruleset_sha256, a.id.label("record"), a.payload,
                    a.declaration_digest.label("record_digest"), a.kind).join_from(
        decisions, audit_records, d.audit_id == a.id, isouter=True)
    for row in _pages(connection, joined, d.id):
        _check_decision(row)
    orphan = connection.execute(
        select(func.min(a.id)).select_from(audit_records).join(decisions, d.audit_id == a.id, isouter=True)
        .where(a.kind == DECISION_KIND, d.id.is_(None))
    ).scalar_one()
    if orphan is not None:
        raise AuditChainBroken(orphan, "its decision row was removed from the decisions table")


def _check_decision(row: Any) -> None:
    if row["record"] is None:
        raise AuditChainBroken(row["audit_id"], f"removed: decision {row['id']} points to it and it is gone")
    if row["kind"] != DECISION_KIND or row["record_digest"] != row["declaration_digest"]:
        raise AuditChainBroken(row["record"], f"decision {row['id']} does not match it (declaration digest)")
    column = decision_mismatch(row, json.loads(row["payload"]))
    if column is not None:
        raise AuditChainBroken(row["record"], f"decision {row['id']} was altered in the decisions table "
                                              f"({column} differs from the audit record)")


def check_declarations(connection: Connection) -> None:
    """Every declaration not purged still matches its digest."""
    c = declarations.c
    statement = select(c.id, c.digest, c.payload).where(c.purged_at.is_(None))
    for row in _pages(connection, statement, c.id):
        if sha256_hex(row["payload"]) != row["digest"]:
            record = connection.execute(
                select(func.min(audit_records.c.id)).where(audit_records.c.declaration_digest == row["digest"])
            ).scalar_one()
            raise AuditChainBroken(record, f"declaration {row['id']} was altered: it no longer matches the "
                                           "digest this record holds")


def check_purges(connection: Connection) -> None:
    """Every declaration marked purged has its purge record in the chain: a mark set by hand could hide an edit."""
    c, a = declarations.c, audit_records.c
    has_record = select(a.id).where(a.kind == PURGE_KIND, a.declaration_digest == c.digest).exists()
    row = connection.execute(
        select(c.id, c.digest).where(c.purged_at.is_not(None), ~has_record).order_by(c.id).limit(1)
    ).first()
    if row is not None:
        record = connection.execute(
            select(func.min(a.id)).where(a.declaration_digest == row.digest)
        ).scalar_one()
        raise AuditChainBroken(record, f"declaration {row.id} is marked purged without a purge record in the "
                                       "chain: it was edited by hand, not purged by `aid-engine purge`")


def verify(engine: Engine) -> ChainReport:
    """Verify the whole audit trail (see the module docstring); return what was checked."""
    with engine.connect() as connection:
        if connection.dialect.name == "postgresql":  # one snapshot for the whole walk, writers may go on
            connection.execution_options(isolation_level="REPEATABLE READ")
        report = walk_chain(connection)
        check_decisions(connection)
        check_declarations(connection)
        check_purges(connection)
    return report
