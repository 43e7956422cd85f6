"""The store seen as a transparency log: its id, its record hashes in chain order, its signed checkpoints.

- Leaf i (from 0) of the tree is the hash of audit record i + 1 (records are numbered 1, 2, 3 … in chain
  order), its 64 hex digits read as 32 bytes.  Hashes are read a page at a time by id: memory stays flat.
- `make_checkpoint` signs the tree of every record stored: it starts from the compact range saved with the
  latest checkpoint and reads only the records after it, checking that each links to the one before
  (`prev_hash`); the records' own content is checked by `audit verify`.
- `check_checkpoints` recomputes, in one pass, the root at each checkpoint's size: the store extends a
  checkpoint when it has at least that many records and the same root there (a truncated store, a record
  rewritten or inserted before it with every hash recomputed, all change it).
- `prove` gives the inclusion proof of a decision's record against the latest checkpoint.

It reads the store and writes only the `checkpoints` table; it must never write a key into the store.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, func, insert, select

from ..errors import AuditChainBroken, StoreError
from ..store.tables import audit_records, decisions
from .checkpoint import Checkpoint, CheckpointRejected, SignedNote, origin_of
from .keys import Signer, Verifier
from .merkle import CompactRange, inclusion_spans, roots_at, span_hashes
from .tables import checkpoints, store_identity

PAGE = 10_000


def store_id(connection: Connection) -> str:
    """The store's id, written once when its schema was made."""
    value = connection.execute(select(store_identity.c.store_id).where(store_identity.c.id == 1)).scalar()
    if value is None:
        raise StoreError("the store has no id (table store_identity is empty): it was altered")
    return str(value)


def record_count(connection: Connection) -> int:
    """The number of records in the chain (the last record's id)."""
    return int(connection.execute(select(func.coalesce(func.max(audit_records.c.id), 0))).scalar_one())


def _hash_rows(connection: Connection, after: int, upto: int) -> Iterator[Any]:
    """(id, hash, prev_hash) of the records after `after` up to `upto`, in chain order, a page at a time."""
    a = audit_records.c
    last = after
    while last < upto:
        rows = connection.execute(select(a.id, a.hash, a.prev_hash).where(a.id > last, a.id <= upto)
                                  .order_by(a.id).limit(PAGE)).all()
        if not rows:
            return
        yield from rows
        last = int(rows[-1][0])


def record_hashes(connection: Connection, upto: int, after: int = 0) -> Iterator[bytes]:
    """The hashes (32 bytes) of records `after`+1 … `upto`, in chain order; a missing id is a broken chain."""
    expected = after + 1
    for ident, digest, _ in _hash_rows(connection, after, upto):
        if int(ident) != expected:
            raise AuditChainBroken(expected, f"removed: record {ident} follows record {expected - 1}")
        yield _bytes_of(digest, int(ident))
        expected += 1


def _bytes_of(digest: str, ident: int) -> bytes:
    try:
        value = bytes.fromhex(digest)
    except ValueError:
        value = b""
    if len(value) != 32:
        raise AuditChainBroken(ident, "altered: its hash is not 64 hexadecimal digits")
    return value


# -- making checkpoints ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Made:
    """A checkpoint made and stored: its row id, what it states and the signed note."""

    id: int
    checkpoint: Checkpoint
    note: str


def _latest(connection: Connection, upto: int | None = None) -> Any:
    c = checkpoints.c
    statement = select(checkpoints)
    if upto is not None:
        statement = statement.where(c.tree_size <= upto)
    return connection.execute(statement.order_by(c.tree_size.desc(), c.id.desc()).limit(1)).mappings().first()


def _restore(row: Any) -> CompactRange:
    """The compact range saved with a checkpoint row, checked against the row's root."""
    text = str(row["compact_range"])
    roots = [bytes.fromhex(h) for h in text.split(",")] if text else []
    try:
        tree = CompactRange.restore(int(row["tree_size"]), roots)
    except ValueError as exc:
        raise CheckpointRejected(f"{row['id']} (stored)", str(exc)) from None
    if tree.root().hex() != row["root_hash"]:
        raise CheckpointRejected(f"{row['id']} (stored)", "its saved tree does not give its root: altered")
    return tree


def _extend(connection: Connection, tree: CompactRange, upto: int) -> None:
    """Append records tree.size+1 … upto to `tree`, each checked to link to the one before."""
    previous: str | None = None
    if tree.size:
        previous = connection.execute(select(audit_records.c.hash).where(audit_records.c.id == tree.size)).scalar()
    expected = tree.size + 1
    for ident, digest, prev_hash in _hash_rows(connection, tree.size, upto):
        if int(ident) != expected:
            raise AuditChainBroken(expected, f"removed: record {ident} follows record {expected - 1}")
        if previous is not None and prev_hash != previous:
            raise AuditChainBroken(ident, "out of order: its previous-record hash is not the hash of the record "
                                          "before it")
        tree.append(_bytes_of(digest, int(ident)))
        previous, expected = str(digest), expected + 1


def current_tree(connection: Connection) -> CompactRange:
    """The tree of every record stored, from the latest checkpoint's saved tree on."""
    size = record_count(connection)
    base = _latest(connection, size)
    tree = _restore(base) if base is not None else CompactRange()
    _extend(connection, tree, size)
    return tree


def make_checkpoint(engine: Engine, signer: Signer) -> Made:
    """Sign a checkpoint of every record in the store, store it in `checkpoints`, return it."""
    with engine.connect() as connection:
        if connection.dialect.name == "postgresql":  # one snapshot: the count and the records agree
            connection.execution_options(isolation_level="REPEATABLE READ")
        with connection.begin():
            origin = origin_of(store_id(connection))
            tree = current_tree(connection)
            checkpoint = Checkpoint(origin, tree.size, tree.root())
            note = checkpoint.sign(signer)
            row = {"tree_size": tree.size, "root_hash": checkpoint.root.hex(),
                   "compact_range": ",".join(r.hex() for r in tree.roots), "key_name": signer.name,
                   "note": note, "created_at": datetime.now(UTC)}
    with engine.begin() as connection:
        ident = connection.execute(insert(checkpoints).values(**row).returning(checkpoints.c.id)).scalar_one()
    return Made(int(ident), checkpoint, note)


def latest_note(connection: Connection) -> tuple[int, str] | None:
    """The latest stored checkpoint (largest size): its row id and signed note."""
    row = _latest(connection)
    return None if row is None else (int(row["id"]), str(row["note"]))


# -- checking checkpoints ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Checked:
    """A checkpoint the store extends: where it came from, its size, who signed it (None: not checked)."""

    where: str
    size: int
    signed_by: str | None


def check_checkpoints(engine: Engine, notes: Sequence[tuple[str, str]], verifiers: Sequence[Verifier],
                      *, stored: bool = True) -> list[Checked]:
    """Check signed notes (`where`, text) given from outside, and, with `stored`, the store's own checkpoints.

    A note given from outside must be signed by one of `verifiers`; a stored one is checked against them when
    its key is one of them, else for its root only.  Every checkpoint must name this store and have its root
    equal to the tree hash of the store's first records; `CheckpointRejected` names the first that does not.
    """
    with engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            connection.execution_options(isolation_level="REPEATABLE READ")
        with connection.begin():
            origin = origin_of(store_id(connection))
            claims = [_given_claim(where, note, verifiers) for where, note in notes]
            if stored:
                claims += _stored_claims(connection, verifiers)
            size = record_count(connection)
            for where, checkpoint, _ in claims:
                _check_claim(where, checkpoint, origin, size)
            roots = roots_at(record_hashes(connection, size), {c.size for _, c, _ in claims})
    for where, checkpoint, _ in claims:
        if roots[checkpoint.size] != checkpoint.root:
            raise CheckpointRejected(where, f"the store's first {checkpoint.size} record(s) do not have this "
                                            "checkpoint's root: a record at or before it was rewritten, inserted "
                                            "or removed")
    return [Checked(where, c.size, who) for where, c, who in claims]


def _given_claim(where: str, note: str, verifiers: Sequence[Verifier]) -> tuple[str, Checkpoint, str | None]:
    signed = SignedNote.parse(note, where)
    who = signed.verified_by(verifiers, where).vkey
    return where, Checkpoint.parse_text(signed.text, where), who


def _stored_claims(connection: Connection, verifiers: Sequence[Verifier]) -> list[tuple[str, Checkpoint, str | None]]:
    claims: list[tuple[str, Checkpoint, str | None]] = []
    for row in connection.execute(select(checkpoints).order_by(checkpoints.c.id)).mappings():
        where = f"{row['id']} (stored)"
        signed = SignedNote.parse(str(row["note"]), where)
        ours = [v for v in verifiers if any((n, s[:4]) == (v.name, v.id) for n, s in signed.signatures)]
        who = signed.verified_by(ours, where).vkey if ours else None
        checkpoint = Checkpoint.parse_text(signed.text, where)
        if (checkpoint.size, checkpoint.root.hex()) != (row["tree_size"], row["root_hash"]):
            raise CheckpointRejected(where, "its row does not match its signed note: altered")
        claims.append((where, checkpoint, who))
    return claims


def _check_claim(where: str, checkpoint: Checkpoint, origin: str, size: int) -> None:
    if checkpoint.origin != origin:
        raise CheckpointRejected(where, f"it is a checkpoint of {checkpoint.origin}, not of this store ({origin})")
    if checkpoint.size > size:
        raise CheckpointRejected(where, f"it covers {checkpoint.size} record(s) and the store holds {size}: "
                                        "records were removed (the store was truncated or replaced)")


# -- proofs --------------------------------------------------------------------------------------------------


def _b64(value: bytes) -> str:
    return base64.b64encode(value).decode("ascii")


def prove(engine: Engine, decision_id: int) -> dict[str, Any]:
    """The inclusion proof of a decision's audit record in the latest stored checkpoint (as JSON values)."""
    with engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            connection.execution_options(isolation_level="REPEATABLE READ")
        with connection.begin():
            record = connection.execute(select(decisions.c.audit_id).where(decisions.c.id == decision_id)).scalar()
            if record is None:
                raise StoreError(f"no decision {decision_id} in the store")
            latest = latest_note(connection)
            if latest is None:
                raise StoreError("the store has no checkpoint yet: make one with `aid-engine audit checkpoint`")
            checkpoint_id, note = latest
            checkpoint = Checkpoint.parse_text(SignedNote.parse(note, f"{checkpoint_id} (stored)").text,
                                               f"{checkpoint_id} (stored)")
            index, size = int(record) - 1, checkpoint.size
            if index >= size:
                raise StoreError(f"decision {decision_id} (audit record {record}) came after the latest checkpoint "
                                 f"({size} records): make one with `aid-engine audit checkpoint`")
            record_hash = connection.execute(select(audit_records.c.hash).where(audit_records.c.id == record)
                                             ).scalar_one()
            spans = inclusion_spans(index, size)
            hashes = span_hashes(record_hashes(connection, size), spans)
    return {"decision_id": decision_id, "record_id": int(record), "leaf_index": index, "tree_size": size,
            "record_hash": str(record_hash), "hashes": [_b64(hashes[span]) for span in spans],
            "root_hash": _b64(checkpoint.root), "checkpoint": note}
