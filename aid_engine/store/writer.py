"""Persisting decisions: declarations once, decisions once per idempotency key, one audit record each.

`write_chunk` stores a list of decided declarations in one transaction under the store's write lock: it
archives the rule sets the chunk used that the store does not hold yet, finds the declarations it has seen
(a learner's stored declarations, each tried with its own secret: the keyed digest of the same text is the
same), inserts the others with a fresh secret, finds which decisions already exist (key learner_id +
declaration digest + rule set sha256), appends one format-2 audit record per new decision to the chain —
reading the chain's head under the lock — then the decision rows, and, for a batch run, the run's lines and
checkpoint in the same transaction, so a crash leaves either the whole chunk or none of it.

It must never store a decision twice, never write an audit record outside the lock, never log a value, and
never store an unkeyed digest of a declaration.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import Connection, Engine, select, update

from ..errors import StoreError
from ..models import Decision, Declaration
from ..money import CENT, as_str
from ..ruleset.loader import sources_of
from .bulk import among, bulk_insert, next_id, sync_sequence
from .database import write_transaction
from .records import (
    DECISION_KIND,
    GENESIS,
    RECOVERY_KIND,
    Record,
    declaration_json,
    keyed_hex,
    new_secret,
    outcome_payload,
    plain_declaration_digest,
    ruleset_files_json,
    stamp,
    training_of,
)
from .tables import audit_records, batch_lines, batch_runs, decisions, declarations, rulesets

__all__ = ["DECISION_KIND", "RECOVERY_KIND", "Checkpoint", "ChunkResult", "Decided", "append_records",
           "chain_head", "stamp", "utc_now", "write_chunk"]


@dataclass(frozen=True, slots=True)
class Decided:
    """A decided declaration ready to be stored: its JSON texts, the decision's outcome and columns.

    Plain values only, so that deciding can happen in another process and cost little to send back.
    `line` is the input file line, if any.  `declaration_digest` is the plain sha256 of the declaration's
    text: it identifies the declaration in this process only and is never stored (the store keys its digest).
    """

    line: int | None
    learner_id: str
    declaration_json: str
    declaration_digest: str
    decision_json: str
    outcome_json: str
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
        """Serialise once: the declaration's canonical JSON, the decision JSON of the contract, its outcome."""
        declaration_text = declaration_json(declaration)
        decision_text = decision.model_dump_json()
        outcome = {"status": decision.status, "echelon": decision.echelon,
                   "points_de_charge": decision.points_de_charge, "months": decision.months,
                   "academic_year": decision.academic_year, "annual_amount": as_str(decision.annual_amount),
                   "monthly_amount": as_str(decision.monthly_amount),
                   "total_amount": as_str(decision.total_amount)}
        training = training_of(declaration.__dict__)
        for key, value in training.items():
            if value is not None and not isinstance(value, (str, bool)):
                training[key] = value.isoformat()
        return cls(
            line, decision.learner_id, declaration_text, plain_declaration_digest(declaration_text), decision_text,
            outcome_payload(outcome, [r.code for r in decision.reasons], training), decision.status,
            decision.echelon, decision.points_de_charge, decision.months, cents(decision.annual_amount),
            cents(decision.monthly_amount), cents(decision.total_amount), decision.academic_year,
            decision.ruleset.id, decision.ruleset.sha256, decision.engine_version,
        )

    def __reduce__(self) -> tuple[type[Decided], tuple[object, ...]]:
        """Pickled as its values in a tuple (sent back by worker processes): a frozen dataclass's default
        state goes through `dataclasses.fields` and one `object.__setattr__` per field, 4× slower."""
        return Decided, tuple(getattr(self, name) for name in _DECIDED_FIELDS)


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
        found = _known_declarations(connection, items)
        existing = _existing_decisions(connection, items, found)
        result = _store_new_decisions(connection, items, found, existing, operator=operator, lang=lang, now=now,
                                      run_id=checkpoint.run_id if checkpoint else None)
        if checkpoint is not None:
            _store_lines(connection, items, result, checkpoint)
    return result


def archive_rulesets(connection: Connection, used: dict[str, str]) -> None:
    """Store the files of each rule set in `used` (sha256 → id) that the archive does not hold yet."""
    c = rulesets.c
    held = set(connection.execute(select(c.sha256).where(among(connection, c.sha256, used))).scalars())
    rows = []
    for sha256, ident in sorted(used.items()):
        if sha256 in held:
            continue
        files = sources_of(sha256)
        if files is None:
            raise StoreError(f"rule set {ident} ({sha256[:12]}) was not read from its files in this process: "
                             "its files cannot be archived")
        rows.append({"sha256": sha256, "ruleset_id": ident, "files": ruleset_files_json(files)})
    bulk_insert(connection, rulesets, rows)


@dataclass(slots=True)
class _Known:
    """A stored declaration whose text is an item's: its id, stored digest and secret (None: format 1)."""

    id: int
    digest: str
    secret: bytes | None


def _known_declarations(connection: Connection, items: Sequence[Decided]) -> dict[str, list[_Known]]:
    """For each item's declaration (by its in-process digest), the stored declarations with the same text:
    each of the learners' stored declarations not purged is tried with its own secret (format 1: its plain
    digest)."""
    c = declarations.c
    texts: dict[str, Decided] = {}
    for item in items:
        texts.setdefault(item.declaration_digest, item)
    by_learner: dict[str, list[Decided]] = {}
    for item in texts.values():
        by_learner.setdefault(item.learner_id, []).append(item)
    found: dict[str, list[_Known]] = {}
    rows = connection.execute(
        select(c.id, c.learner_id, c.digest, c.secret)
        .where(among(connection, c.learner_id, by_learner), c.purged_at.is_(None)).order_by(c.id))
    for ident, learner, digest, secret in rows:
        for item in by_learner.get(learner, ()):
            same = (keyed_hex(bytes(secret), item.declaration_json) == digest if secret is not None
                    else item.declaration_digest == digest)
            if same:
                found.setdefault(item.declaration_digest, []).append(
                    _Known(int(ident), str(digest), None if secret is None else bytes(secret)))
    return found


Key = tuple[str, str, str]


def _existing_decisions(connection: Connection, items: Sequence[Decided],
                        found: dict[str, list[_Known]]) -> dict[Key, int]:
    """The decisions already stored under the chunk's keys (found through the learner_id index), by the
    item's in-process key (learner_id, plain digest, rule set sha256)."""
    stored_to_plain = {k.digest: plain for plain, known in found.items() for k in known}
    if not stored_to_plain:
        return {}
    c = decisions.c
    rows = connection.execute(
        select(c.learner_id, c.declaration_digest, c.ruleset_sha256, c.id).where(
            among(connection, c.learner_id, {item.learner_id for item in items}),
            among(connection, c.declaration_digest, stored_to_plain)).order_by(c.id))
    return {(learner, stored_to_plain[digest], sha): int(ident) for learner, digest, sha, ident in rows}


def chain_head(connection: Connection) -> tuple[int, str]:
    """The last audit record's id and hash (0 and the genesis hash for an empty chain); call under the lock."""
    row = connection.execute(
        select(audit_records.c.id, audit_records.c.hash).order_by(audit_records.c.id.desc()).limit(1)
    ).first()
    return (0, GENESIS) if row is None else (int(row[0]), str(row[1]))


def append_records(connection: Connection, rows: list[dict[str, object]]) -> None:
    """Insert audit rows (`Record.row()`) built with consecutive ids after the head and linked hashes (under
    the lock)."""
    bulk_insert(connection, audit_records, rows)


def _key(item: Decided) -> Key:
    return item.learner_id, item.declaration_digest, item.ruleset_sha256


def _store_new_decisions(connection: Connection, items: Sequence[Decided], found: dict[str, list[_Known]],
                         existing: dict[Key, int], *, operator: str, lang: str, now: datetime,
                         run_id: int | None) -> ChunkResult:
    new = _new_items(items, existing)
    archive_rulesets(connection, {item.ruleset_sha256: item.ruleset_id for item in new})
    declared = _declarations_for(connection, new, found, now)
    head_id, prev_hash = chain_head(connection)
    first_decision = next_id(connection, decisions)
    when = stamp(now)
    records: list[dict[str, object]] = []
    rows: list[dict[str, object]] = []
    known = dict(existing)
    for offset, item in enumerate(new):
        declaration = declared[item.declaration_digest]
        ident, audit_id = first_decision + offset, head_id + 1 + offset
        assert declaration.secret is not None
        record = Record(
            id=audit_id, kind=DECISION_KIND, learner_id=item.learner_id, declaration_digest=declaration.digest,
            payload=item.outcome_json, ruleset_id=item.ruleset_id, ruleset_sha256=item.ruleset_sha256,
            engine_version=item.engine_version, operator=operator, recorded_at=when, prev_hash=prev_hash,
            decision_id=ident, run_id=run_id, line=item.line if run_id is not None else None, lang=lang,
            decision_digest=keyed_hex(declaration.secret, item.decision_json)).row()
        prev_hash = str(record["hash"])
        records.append(record)
        rows.append(_decision_row(item, ident, declaration, audit_id, operator, lang, now, run_id))
        known[_key(item)] = ident
    append_records(connection, records)
    bulk_insert(connection, decisions, rows)
    if rows:
        sync_sequence(connection, decisions)
    return ChunkResult(decision_ids=[known[_key(item)] for item in items], new=len(rows))


def _declarations_for(connection: Connection, new: list[Decided], found: dict[str, list[_Known]],
                      now: datetime) -> dict[str, _Known]:
    """The format-2 declaration of each new decision: the stored one with the same text and a secret, else a
    new row with a fresh secret (a format-1 declaration keeps its plain digest and gets no secret: a new
    decision on the same text stores it again, keyed)."""
    chosen: dict[str, _Known] = {}
    rows: list[dict[str, object]] = []
    first = next_id(connection, declarations)
    for item in new:
        if item.declaration_digest in chosen:
            continue
        keyed = [k for k in found.get(item.declaration_digest, ()) if k.secret is not None]
        if keyed:
            chosen[item.declaration_digest] = keyed[0]
            continue
        secret = new_secret()
        known = _Known(first + len(rows), keyed_hex(secret, item.declaration_json), secret)
        chosen[item.declaration_digest] = known
        rows.append({"id": known.id, "learner_id": item.learner_id, "digest": known.digest,
                     "payload": item.declaration_json, "received_at": now, "purged_at": None, "secret": secret})
    bulk_insert(connection, declarations, rows)
    if rows:
        sync_sequence(connection, declarations)
    return chosen


def _new_items(items: Sequence[Decided], existing: dict[Key, int]) -> list[Decided]:
    """The items not stored yet, in input order, each key once."""
    seen = set(existing)
    new = []
    for item in items:
        key = _key(item)
        if key not in seen:
            seen.add(key)
            new.append(item)
    return new


def _decision_row(item: Decided, ident: int, declaration: _Known, audit_id: int, operator: str, lang: str,
                  now: datetime, run_id: int | None) -> dict[str, object]:
    return {
        "id": ident, "learner_id": item.learner_id, "declaration_id": declaration.id,
        "declaration_digest": declaration.digest, "ruleset_id": item.ruleset_id,
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
