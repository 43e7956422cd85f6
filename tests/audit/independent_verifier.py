"""A verifier of aid_engine checkpoints and proofs written from docs/audit.md alone, as a third party would.

It must never import aid_engine: only the standard library (hashlib, base64, json, sqlite3) and
`cryptography` for Ed25519.  Usage:

    vkey = open("gip.pub").read().strip()
    origin, size, root = verify_note(open("checkpoint.txt").read(), vkey)   # raises Refused
    assert tree_hash(record_hashes_of_sqlite("aid_engine.db", size)) == root
    verify_proof(json.load(open("proof.json")), vkey)
"""

from __future__ import annotations

import base64
import hashlib
import json
import sqlite3
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey


class Refused(Exception):
    """The checkpoint, the proof or the store does not verify."""


def _sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def parse_vkey(vkey: str) -> tuple[str, bytes, bytes]:
    """name, key ID (4 bytes), Ed25519 public key (32 bytes) of `name+hex(keyid)+base64(0x01 || key)`."""
    name, key_id_hex, material = vkey.split("+", 2)
    raw = base64.b64decode(material, validate=True)
    if len(raw) != 33 or raw[0] != 1:
        raise Refused("not an Ed25519 verifier key")
    key_id = _sha256(name.encode() + b"\n" + b"\x01" + raw[1:])[:4]
    if key_id.hex() != key_id_hex:
        raise Refused("the verifier key's id does not match its name and key")
    return name, key_id, raw[1:]


def verify_note(note: str, vkey: str) -> tuple[str, int, bytes]:
    """(origin, tree size, root) of a checkpoint whose signed note `vkey` signed."""
    name, key_id, public = parse_vkey(vkey)
    text, _, signatures = note.rpartition("\n\n")
    text += "\n"
    for line in signatures.rstrip("\n").split("\n"):
        dash, signer, signature = line.split(" ")
        raw = base64.b64decode(signature, validate=True)
        if dash != "\u2014" or signer != name or raw[:4] != key_id:
            continue
        try:
            Ed25519PublicKey.from_public_bytes(public).verify(raw[4:], text.encode())
        except InvalidSignature:
            raise Refused("the signature does not verify") from None
        origin, size, root = text.split("\n")[:3]
        return origin, int(size), base64.b64decode(root, validate=True)
    raise Refused("no signature by this key")


def record_hashes_of_sqlite(path: str, size: int) -> list[bytes]:
    """The first `size` audit record hashes, in record id order, as bytes."""
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as connection:
        rows = connection.execute("SELECT id, hash FROM audit_records WHERE id <= ? ORDER BY id", (size,)).fetchall()
    if [row[0] for row in rows] != list(range(1, size + 1)):
        raise Refused(f"the store does not hold records 1 to {size}")
    return [bytes.fromhex(row[1]) for row in rows]


def store_origin_of_sqlite(path: str) -> str:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as connection:
        (store_id,) = connection.execute("SELECT store_id FROM store_identity").fetchone()
    return f"aid-engine/{store_id}"


def tree_hash(hashes: list[bytes]) -> bytes:
    """RFC 6962 Merkle tree hash (recursive, as the RFC writes it)."""
    if not hashes:
        return _sha256(b"")
    if len(hashes) == 1:
        return _sha256(b"\x00" + hashes[0])
    k = 1
    while k * 2 < len(hashes):
        k *= 2
    return _sha256(b"\x01" + tree_hash(hashes[:k]) + tree_hash(hashes[k:]))


def verify_store(note: str, vkey: str, database: str) -> int:
    """Check that the SQLite store extends the checkpoint; return its size."""
    origin, size, root = verify_note(note, vkey)
    if origin != store_origin_of_sqlite(database):
        raise Refused("the checkpoint is of another store")
    if tree_hash(record_hashes_of_sqlite(database, size)) != root:
        raise Refused("the store's first records do not give the checkpoint's root")
    return size


def verify_proof(proof: dict[str, Any], vkey: str) -> None:
    """Check an `audit prove` proof: its checkpoint's signature, then the path from the record to the root
    (RFC 9162 § 2.1.3.2)."""
    _, size, root = verify_note(proof["checkpoint"], vkey)
    if size != proof["tree_size"] or base64.b64decode(proof["root_hash"]) != root:
        raise Refused("the proof is not against this checkpoint")
    index = proof["leaf_index"]
    if not 0 <= index < size:
        raise Refused("leaf index out of the tree")
    fn, sn = index, size - 1
    r = _sha256(b"\x00" + bytes.fromhex(proof["record_hash"]))
    for p in (base64.b64decode(h) for h in proof["hashes"]):
        if sn == 0:
            raise Refused("the path is too long")
        if fn % 2 == 1 or fn == sn:
            r = _sha256(b"\x01" + p + r)
            while fn % 2 == 0 and fn != 0:
                fn, sn = fn // 2, sn // 2
        else:
            r = _sha256(b"\x01" + r + p)
        fn, sn = fn // 2, sn // 2
    if sn != 0 or r != root:
        raise Refused("the path does not lead to the checkpoint's root")


def load_proof(text: str) -> dict[str, Any]:
    value: dict[str, Any] = json.loads(text)
    return value
