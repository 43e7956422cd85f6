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
from decimal import Decimal

from sqlalchemy import Connection, Engine, select, update

from ..models import Decision, Declaration
from ..money import CENT
from .bulk import among, bulk_insert, next_id, sync_sequence
from .canonical import GENESIS, RecordFields, declaration_json, sha256_hex
from .database import write_transaction
from .tables import audit_records, batch_lines, batch_runs, decisions, declarations

DECISION_KIND = "decision"
RECOVERY_KIND = "recovery"


@dataclass(frozen=True, slots=True)
class Decided:
    """A decided declaration ready to be stored: its JSON texts, their digests and the decision's columns.

    Plain values only, so that deciding can happen in another process and cost little to send back.
    `line` is the input file line, if any.
    """

    line: int | None
    learner_id: str
    declaration_json: str
    declaration_digest: str
    decision_json: str
    decision_sha256: str
    status: str
    echelon: str | None
    points_de_charge: int
    months: int
    annual_cents: int
    monthly_cents: int
    total_cents: int
    academic_year: str
    ruleset_id: str
    ruleset_sha256: str
    engine_version: str

    @classmethod
    def of(cls, declaration: Declaration, decision: Decision, line: int | None = None) -> Decided:
        """Serialise once: the declaration's canonical JSON and digest, the decision JSON of the contract."""
        declaration_text = declaration_json(declaration)
        decision_text = decision.model_dump_json()
        return cls(
            line, decision.learner_id, declaration_text, sha256_hex(declaration_text), decision_text,
            sha256_hex(decision_text), decision.status, decision.echelon, decision.points_de_charge,
            decision.months, cents(decision.annual_amount), cents(decision.monthly_amount),
            cents(decision.total_amount), decision.academic_year, decision.ruleset.id, decision.ruleset.sha256,
            decision.engine_version,
        )

    def __reduce__(self) -> tuple[type[Decided], tuple[object, ...]]:
        """Pickled as its values in a tuple (sent back by worker processes): a frozen dataclass's default
        state goes through `dataclasses.fields` and one `object.__setattr__` per field, 4× slower."""
        return Decided, tuple(getattr(self, name) for name in _DECIDED_FIELDS)

    @property
    def key(self) -> tuple[str, str, str]:
        """The idempotency key: learner_id, declaration digest, rule set sha256."""
        return self.learner_id, self.declaration_digest, self.ruleset_sha256


_DECIDED_FIELDS: tuple[str, ...] = Decided.__slots__


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
    if not isinstance(amount, Decimal):
        raise TypeError("an amount is a Decimal")
    scaled = amount.scaleb(2)
    whole = int(scaled)
    if whole == scaled:  # the amounts are rounded to the cent: exact, and 5× faster than dividing
        return whole
    return int((amount / CENT).to_integral_exact())


def write_chunk(engine: Engine, items: Sequence[Decided], *, operator: str, lang: str = "fr",
                checkpoint: Checkpoint | None = None) -> ChunkResult:
    """Store `items` in one transaction (see the module docstring); return their decision ids."""
    with write_transaction(engine) as connection:
        now = utc_now()
        declaration_ids = _store_declarations(connection, items, now)
        existing = _existing_decisions(connection, items)
        result = _store_new_decisions(connection, items, declaration_ids, existing, operator=operator, lang=lang,
                                      now=now, run_id=checkpoint.run_id if checkpoint else None)
        if checkpoint is not None:
            _store_lines(connection, items, result, checkpoint)
    return result


def _store_declarations(connection: Connection, items: Sequence[Decided], now: datetime) -> dict[str, int]:
    """The id of each item's declaration, inserting those not stored yet (ids given under the lock)."""
    payloads: dict[str, Decided] = {}
    for item in items:
        payloads.setdefault(item.declaration_digest, item)
    c = declarations.c
    ids = {d: i for d, i in connection.execute(select(c.digest, c.id).where(among(connection, c.digest, payloads)))}
    first = next_id(connection, declarations)
    rows = [{"id": first + n, "learner_id": payloads[digest].learner_id, "digest": digest,
             "payload": payloads[digest].declaration_json, "received_at": now, "purged_at": None}
            for n, digest in enumerate(d for d in payloads if d not in ids)]
    bulk_insert(connection, declarations, rows)
    if rows:
        sync_sequence(connection, declarations)
    return ids | {str(row["digest"]): int(str(row["id"])) for row in rows}


Key = tuple[str, str, str]


def _existing_decisions(connection: Connection, items: Sequence[Decided]) -> dict[Key, int]:
    """The decisions already stored under the chunk's keys (found through the learner_id index)."""
    c = decisions.c
    found = connection.execute(
        select(c.learner_id, c.declaration_digest, c.ruleset_sha256, c.id).where(
            among(connection, c.learner_id, {item.learner_id for item in items}),
            among(connection, c.declaration_digest, {item.declaration_digest for item in items}))
    )
    return {(learner, digest, sha): ident for learner, digest, sha, ident in found}


def chain_head(connection: Connection) -> tuple[int, str]:
    """The last audit record's id and hash (0 and the genesis hash for an empty chain); call under the lock."""
    row = connection.execute(
        select(audit_records.c.id, audit_records.c.hash).order_by(audit_records.c.id.desc()).limit(1)
    ).first()
    return (0, GENESIS) if row is None else (int(row[0]), str(row[1]))


def audit_row(fields: RecordFields, payload_sha256: str | None = None) -> dict[str, object]:
    """The row of an audit record, its hash computed from every other field."""
    return {name: getattr(fields, name) for name in RecordFields.__slots__} | {"hash": fields.hash(payload_sha256)}


def append_records(connection: Connection, rows: list[dict[str, object]]) -> None:
    """Insert audit rows built with consecutive ids after the head and linked hashes (under the lock)."""
    bulk_insert(connection, audit_records, rows)


def _store_new_decisions(connection: Connection, items: Sequence[Decided], declaration_ids: dict[str, int],
                         existing: dict[Key, int], *, operator: str, lang: str, now: datetime,
                         run_id: int | None) -> ChunkResult:
    head_id, prev_hash = chain_head(connection)
    first_decision = next_id(connection, decisions)
    when = stamp(now)
    records: list[dict[str, object]] = []
    rows: list[dict[str, object]] = []
    for offset, item in enumerate(_new_items(items, existing)):
        record = audit_row(_decision_record(item, head_id + 1 + offset, prev_hash, operator, when),
                           item.decision_sha256)
        prev_hash = str(record["hash"])
        records.append(record)
        rows.append(_decision_row(item, first_decision + offset, declaration_ids[item.declaration_digest],
                                  head_id + 1 + offset, operator, lang, now, run_id))
    append_records(connection, records)
    bulk_insert(connection, decisions, rows)
    if rows:
        sync_sequence(connection, decisions)
    known = existing | {key: int(str(row["id"])) for key, row in zip(_keys(rows), rows, strict=True)}
    return ChunkResult(decision_ids=[known[item.key] for item in items], new=len(rows))


def _new_items(items: Sequence[Decided], existing: dict[Key, int]) -> list[Decided]:
    """The items not stored yet, in input order, each key once."""
    seen = set(existing)
    new = []
    for item in items:
        if item.key not in seen:
            seen.add(item.key)
            new.append(item)
    return new


def _keys(rows: list[dict[str, object]]) -> list[Key]:
    return [(str(r["learner_id"]), str(r["declaration_digest"]), str(r["ruleset_sha256"])) for r in rows]


def _decision_record(item: Decided, ident: int, prev_hash: str, operator: str, when: str) -> RecordFields:
    return RecordFields(
        id=ident, kind=DECISION_KIND, learner_id=item.learner_id, declaration_digest=item.declaration_digest,
        payload=item.decision_json, ruleset_id=item.ruleset_id, ruleset_sha256=item.ruleset_sha256,
        engine_version=item.engine_version, operator=operator, recorded_at=when, prev_hash=prev_hash,
    )


def _decision_row(item: Decided, ident: int, declaration_id: int, audit_id: int, operator: str, lang: str,
                  now: datetime, run_id: int | None) -> dict[str, object]:
    return {
        "id": ident, "learner_id": item.learner_id, "declaration_id": declaration_id,
        "declaration_digest": item.declaration_digest, "ruleset_id": item.ruleset_id,
        "ruleset_sha256": item.ruleset_sha256, "engine_version": item.engine_version,
        "academic_year": item.academic_year, "status": item.status, "echelon": item.echelon,
        "points_de_charge": item.points_de_charge, "months": item.months, "annual_cents": item.annual_cents,
        "monthly_cents": item.monthly_cents, "total_cents": item.total_cents, "lang": lang,
        "audit_id": audit_id, "run_id": run_id, "operator": operator, "decided_at": now,
    }


def _store_lines(connection: Connection, items: Sequence[Decided], result: ChunkResult,
                 checkpoint: Checkpoint) -> None:
    lines = [{"run_id": checkpoint.run_id, "line": item.line, "decision_id": ident}
             for item, ident in zip(items, result.decision_ids, strict=True) if item.line is not None]
    bulk_insert(connection, batch_lines, lines)
    connection.execute(
        update(batch_runs).where(batch_runs.c.id == checkpoint.run_id).values(
            lines_done=checkpoint.lines_done, rows_decided=checkpoint.rows_decided,
            rows_rejected=checkpoint.rows_rejected, decisions_new=batch_runs.c.decisions_new + result.new,
        )
    )
