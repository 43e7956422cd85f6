"""Persisting decisions: declarations once, decisions once per idempotency key, one audit record each.

`write_chunk` stores a list of decided declarations in one transaction under the store's write lock: it
inserts the declarations it has not seen (by digest), finds which decisions already exist (key learner_id +
declaration digest + rule set sha256), appends one audit record per new decision to the chain — reading the
chain's head under the lock — then the decision rows, and, for a batch run, the run's lines and checkpoint in
the same transaction, so a crash leaves either the whole chunk or none of it.

It must never store a decision twice, never write an audit record outside the lock, never log a value.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import Connection, Engine, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from ..models import Decision, Declaration
from ..money import CENT
from .canonical import GENESIS, RecordFields, declaration_json, sha256_hex
from .database import write_transaction
from .tables import audit_records, batch_lines, batch_runs, decisions, declarations

DECISION_KIND = "decision"
RECOVERY_KIND = "recovery"


@dataclass(frozen=True, slots=True)
class Decided:
    """A declaration and its decision, waiting to be stored; `line` is its input file line, if any."""

    declaration: Declaration
    decision: Decision
    decision_json: str
    line: int | None = None

    @classmethod
    def of(cls, declaration: Declaration, decision: Decision, line: int | None = None) -> Decided:
        return cls(declaration, decision, decision.model_dump_json(), line)


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """Where a batch run stands after this chunk: its id, the last file line the chunk covers, its counts."""

    run_id: int
    lines_done: int
    rows_decided: int
    rows_rejected: int


@dataclass(slots=True)
class ChunkResult:
    """What a chunk stored: the decision id of each item (in order) and how many decisions were new."""

    decision_ids: list[int] = field(default_factory=list)
    new: int = 0
    audit_ids: list[int] = field(default_factory=list)


def utc_now() -> datetime:
    return datetime.now(UTC)


def stamp(moment: datetime) -> str:
    """The audit trail's timestamp form: UTC, microseconds, a Z.

    >>> stamp(datetime(2024, 9, 1, 8, 30, tzinfo=UTC))
    '2024-09-01T08:30:00.000000Z'
    """
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def cents(amount: object) -> int:
    """Euros (a Decimal) as integer cents.

    >>> from decimal import Decimal
    >>> cents(Decimal("633.50"))
    63350
    """
    from decimal import Decimal

    if not isinstance(amount, Decimal):
        raise TypeError("an amount is a Decimal")
    return int((amount / CENT).to_integral_exact())


def write_chunk(engine: Engine, items: Sequence[Decided], *, operator: str, lang: str = "fr",
                checkpoint: Checkpoint | None = None) -> ChunkResult:
    """Store `items` in one transaction (see the module docstring); return their decision ids."""
    prepared = [(item, declaration_json(item.declaration)) for item in items]
    digests = [sha256_hex(payload) for _, payload in prepared]
    with write_transaction(engine) as connection:
        now = utc_now()
        declaration_ids = _store_declarations(connection, prepared, digests, now)
        existing = _existing_decisions(connection, digests)
        result = _store_new_decisions(connection, items, digests, declaration_ids, existing,
                                      operator=operator, lang=lang, now=now,
                                      run_id=checkpoint.run_id if checkpoint else None)
        if checkpoint is not None:
            _store_lines(connection, items, result, checkpoint)
    return result


def _insert_ignoring_duplicates(connection: Connection, rows: list[dict[str, object]]) -> None:
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(declarations).on_conflict_do_nothing(index_elements=["digest"])
    connection.execute(statement, rows)


def _store_declarations(connection: Connection, prepared: list[tuple[Decided, str]], digests: list[str],
                        now: datetime) -> dict[str, int]:
    rows: dict[str, dict[str, object]] = {}
    for (item, payload), digest in zip(prepared, digests, strict=True):
        rows.setdefault(digest, {"learner_id": item.declaration.learner_id, "digest": digest,
                                 "payload": payload, "received_at": now, "purged_at": None})
    if rows:
        _insert_ignoring_duplicates(connection, list(rows.values()))
    found = connection.execute(
        select(declarations.c.digest, declarations.c.id).where(declarations.c.digest.in_(list(rows)))
    )
    return {digest: ident for digest, ident in found}


Key = tuple[str, str, str]


def _existing_decisions(connection: Connection, digests: list[str]) -> dict[Key, int]:
    c = decisions.c
    found = connection.execute(
        select(c.learner_id, c.declaration_digest, c.ruleset_sha256, c.id)
        .where(c.declaration_digest.in_(sorted(set(digests))))
    )
    return {(learner, digest, sha): ident for learner, digest, sha, ident in found}


def chain_head(connection: Connection) -> tuple[int, str]:
    """The last audit record's id and hash (0 and the genesis hash for an empty chain); call under the lock."""
    row = connection.execute(
        select(audit_records.c.id, audit_records.c.hash).order_by(audit_records.c.id.desc()).limit(1)
    ).first()
    return (0, GENESIS) if row is None else (int(row[0]), str(row[1]))


def audit_row(fields: RecordFields) -> dict[str, object]:
    """The row of an audit record, its hash computed from every other field."""
    return {name: getattr(fields, name) for name in RecordFields.__slots__} | {"hash": fields.hash()}


def append_records(connection: Connection, records: list[RecordFields]) -> list[dict[str, object]]:
    """Insert records built with consecutive ids after the head and linked hashes; return their rows."""
    rows = [audit_row(r) for r in records]
    if rows:
        connection.execute(insert(audit_records), rows)
    return rows


def _store_new_decisions(connection: Connection, items: Sequence[Decided], digests: list[str],
                         declaration_ids: dict[str, int], existing: dict[Key, int], *, operator: str,
                         lang: str, now: datetime, run_id: int | None) -> ChunkResult:
    new_keys: dict[Key, int] = {}
    for index, (item, digest) in enumerate(zip(items, digests, strict=True)):
        key = (item.decision.learner_id, digest, item.decision.ruleset.sha256)
        if key not in existing and key not in new_keys:
            new_keys[key] = index
    head_id, head_hash = chain_head(connection)
    when = stamp(now)
    records: list[RecordFields] = []
    for offset, (key, index) in enumerate(new_keys.items(), start=1):
        item = items[index]
        record = _decision_record(item, key[1], head_id + offset, head_hash, operator, when)
        head_hash = record.hash()
        records.append(record)
    append_records(connection, records)
    rows = [_decision_row(items[index], key[1], declaration_ids[key[1]], head_id + offset, operator, lang, now,
                          run_id) for offset, (key, index) in enumerate(new_keys.items(), start=1)]
    ids = _insert_decisions(connection, rows)
    known = existing | dict(zip(new_keys, ids, strict=True))
    result = ChunkResult(new=len(rows), audit_ids=[r.id for r in records])
    for item, digest in zip(items, digests, strict=True):
        result.decision_ids.append(known[(item.decision.learner_id, digest, item.decision.ruleset.sha256)])
    return result


def _decision_record(item: Decided, digest: str, ident: int, prev_hash: str, operator: str,
                     when: str) -> RecordFields:
    decision = item.decision
    return RecordFields(
        id=ident, kind=DECISION_KIND, learner_id=decision.learner_id, declaration_digest=digest,
        payload=item.decision_json, ruleset_id=decision.ruleset.id, ruleset_sha256=decision.ruleset.sha256,
        engine_version=decision.engine_version, operator=operator, recorded_at=when, prev_hash=prev_hash,
    )


def _decision_row(item: Decided, digest: str, declaration_id: int, audit_id: int, operator: str, lang: str,
                  now: datetime, run_id: int | None) -> dict[str, object]:
    d = item.decision
    return {
        "learner_id": d.learner_id, "declaration_id": declaration_id, "declaration_digest": digest,
        "ruleset_id": d.ruleset.id, "ruleset_sha256": d.ruleset.sha256, "engine_version": d.engine_version,
        "academic_year": d.academic_year, "status": d.status, "echelon": d.echelon,
        "points_de_charge": d.points_de_charge, "months": d.months, "annual_cents": cents(d.annual_amount),
        "monthly_cents": cents(d.monthly_amount), "total_cents": cents(d.total_amount), "lang": lang,
        "audit_id": audit_id, "run_id": run_id, "operator": operator, "decided_at": now,
    }


def _insert_decisions(connection: Connection, rows: list[dict[str, object]]) -> list[int]:
    if not rows:
        return []
    statement = insert(decisions).returning(decisions.c.id, sort_by_parameter_order=True)
    return [int(ident) for (ident,) in connection.execute(statement, rows)]


def _store_lines(connection: Connection, items: Sequence[Decided], result: ChunkResult,
                 checkpoint: Checkpoint) -> None:
    lines = [{"run_id": checkpoint.run_id, "line": item.line, "decision_id": ident}
             for item, ident in zip(items, result.decision_ids, strict=True) if item.line is not None]
    if lines:
        connection.execute(insert(batch_lines), lines)
    connection.execute(
        update(batch_runs).where(batch_runs.c.id == checkpoint.run_id).values(
            lines_done=checkpoint.lines_done, rows_decided=checkpoint.rows_decided,
            rows_rejected=checkpoint.rows_rejected, decisions_new=batch_runs.c.decisions_new + result.new,
        )
    )


def decision_count(connection: Connection) -> int:
    return int(connection.execute(select(func.count()).select_from(decisions)).scalar_one())
