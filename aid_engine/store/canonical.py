"""Canonical JSON and the digests of the audit trail: what exactly is hashed, written once.

A declaration is identified by the sha256 of its canonical JSON (keys sorted, no spaces, UTF-8), computed on
the validated declaration, so `"37081,5"` in a CSV and `37081.50` in JSON give the same digest.  An audit
record's hash covers every stored field of the record, the hash of the record before it and the sha256 of its
payload (the decision JSON, trace included), so editing, removing or reordering any record breaks the chain.

Pure: this module never touches a database, a file or the clock; it must never change what it hashes
without a new chain version, or every stored chain would stop verifying.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from ..models import Declaration

GENESIS = "0" * 64
CHAIN_VERSION = 1


def canonical_json(value: Any) -> str:
    """JSON with sorted keys, no spaces and raw UTF-8: one text per value.

    >>> canonical_json({"b": 1, "a": ["é", None]})
    '{"a":["é",null],"b":1}'
    """
    return _CANONICAL.encode(value)


# One encoder made once: `json.dumps` with options builds a new one at every call.
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)
_SORTED_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)  # for dicts already in key order


def sha256_hex(text: str) -> str:
    """The sha256 of a text's UTF-8 bytes, in hex.

    >>> sha256_hex("")[:16]
    'e3b0c44298fc1c14'
    """
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def declaration_json(declaration: Declaration) -> str:
    """The canonical JSON of a validated declaration: what the `declarations` table keeps."""
    values = declaration.__dict__
    return "{" + ",".join([key + _json_value(values[name]) for name, key in _DECLARATION_KEYS]) + "}"


def _json_value(value: Any) -> str:
    """A declaration field's value in JSON, as `canonical_json(model_dump(mode="json"))` writes it (dates
    ISO, decimals as text, strings through `json`'s own escaping)."""
    kind = type(value)
    if kind is str:
        return _string(value)
    if kind is bool:
        return "true" if value else "false"
    if kind is int:
        return int.__repr__(value)
    if value is None:
        return "null"
    if kind is date:
        return f'"{value.isoformat()}"'
    if kind is Decimal:
        return _string(str(value))
    return str(_SORTED_ENCODER.encode(value))  # pragma: no cover - every field is one of the kinds above


_string: Callable[[str], str] = json.encoder.encode_basestring  # the C escaper of ensure_ascii=False
# (field, its JSON key and colon) in sorted order: the canonical JSON built directly, no model_dump, no sort
_DECLARATION_KEYS: tuple[tuple[str, str], ...] = tuple((name, _string(name) + ":")
                                                       for name in sorted(Declaration.model_fields))


def declaration_digest(declaration: Declaration) -> str:
    """The sha256 of the declaration's canonical JSON: the declaration's identity in the audit trail."""
    return sha256_hex(declaration_json(declaration))


@dataclass(frozen=True, slots=True)
class RecordFields:
    """Every hashed field of an audit record but its own hash."""

    id: int
    kind: str
    learner_id: str
    declaration_digest: str
    payload: str
    ruleset_id: str
    ruleset_sha256: str
    engine_version: str
    operator: str
    recorded_at: str
    prev_hash: str

    @classmethod
    def of(cls, row: Mapping[str, Any]) -> RecordFields:
        """The fields of a stored row (a mapping with at least these keys)."""
        return cls(**{name: row[name] for name in cls.__slots__})

    def hash(self, payload_sha256: str | None = None) -> str:
        """The record's hash: sha256 of the canonical JSON of its fields, the payload by its own sha256
        (`payload_sha256` when the caller already has it).

        >>> r = RecordFields(1, "decision", "L1", "d" * 64, "{}", "gen/2024-2025", "s" * 64, "1.0", "op",
        ...                  "2024-09-01T00:00:00.000000Z", GENESIS)
        >>> r.hash() == r.hash() and len(r.hash()) == 64
        True
        """
        payload_digest = payload_sha256 or sha256_hex(self.payload)
        if type(self.id) is int and all(type(getattr(self, name)) is str for name in _TEXT_FIELDS):
            return sha256_hex(self._header_json(payload_digest))
        header = {name: getattr(self, name) for name in self.__slots__ if name != "payload"}
        header["payload_sha256"] = payload_digest
        header["chain_version"] = CHAIN_VERSION
        return sha256_hex(canonical_json(header))

    def _header_json(self, payload_digest: str) -> str:
        """`canonical_json` of the hashed header, written out in its sorted key order (the same text, built
        without a dict or a sort: the batch hashes one record per row)."""
        s = _string
        return (f'{{"chain_version":{CHAIN_VERSION},"declaration_digest":{s(self.declaration_digest)},'
                f'"engine_version":{s(self.engine_version)},"id":{int.__repr__(self.id)},"kind":{s(self.kind)},'
                f'"learner_id":{s(self.learner_id)},"operator":{s(self.operator)},'
                f'"payload_sha256":{s(payload_digest)},"prev_hash":{s(self.prev_hash)},'
                f'"recorded_at":{s(self.recorded_at)},"ruleset_id":{s(self.ruleset_id)},'
                f'"ruleset_sha256":{s(self.ruleset_sha256)}}}')


_TEXT_FIELDS = ("kind", "learner_id", "declaration_digest", "ruleset_id", "ruleset_sha256", "engine_version",
                "operator", "recorded_at", "prev_hash")
