"""The audit record: the only code that builds, serialises, parses and hashes one (docs/audit.md says it in prose).

A record is a row of `audit_records`; `id` is its place in the chain, `format` the version of what it binds:

- format 1 (the first release): the hash covers the record's columns and the sha256 of its payload, the
  full decision JSON with its trace; the declaration digest is the plain sha256 of the declaration.  Kept as
  it was written, and verified as it was written.
- format 2: the hash also covers the decision's id, its run and input line, its language and the keyed digest
  of the full decision JSON; the declaration digest is an HMAC-SHA256 keyed with a secret of that
  declaration (`declarations.secret`), which the purge destroys.  A decision's payload is its outcome only
  (status, échelon, points, amounts, months, academic year, reason codes) and the training it was for:
  nothing personal.  The trace is recomputed from the stored declaration and the archived rule set, and
  checked against the keyed digest.

One canonical JSON writer, `canonical_json` (keys sorted, no spaces, raw UTF-8); `declaration_json` is a
faster form of it for a declaration, pinned to it by property tests.  Pure: no database, no file, no clock.
Never change what a format hashes: add a format.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from ..models import Declaration

GENESIS = "0" * 64
FORMAT = 2  # the format new records are written in
FORMATS = (1, 2)
DECISION_KIND = "decision"
RECOVERY_KIND = "recovery"
PURGE_KIND = "purge"
RUN_KIND = "run"
NO_RULESET = "-"
SECRET_BYTES = 32
# The declaration's fields that are not personal (docs/conventions.md « Personal data »), kept by a purge and
# bound in the decision record as the training the decision was for.
KEPT_FIELDS = ("learner_id", "fabrique_id", "training_start_date", "training_end_date", "training_labelled")
TRAINING_FIELDS = KEPT_FIELDS[1:]


# -- canonical JSON ---------------------------------------------------------------------------------------------


def canonical_json(value: Any) -> str:
    """JSON with sorted keys, no spaces and raw UTF-8: one text per value.

    >>> canonical_json({"b": 1, "a": ["é", None]})
    '{"a":["é",null],"b":1}'
    """
    return _CANONICAL.encode(value)


# One encoder made once: `json.dumps` with options builds a new one at every call.
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def sha256_hex(text: str) -> str:
    """The sha256 of a text's UTF-8 bytes, in hex.

    >>> sha256_hex("")[:16]
    'e3b0c44298fc1c14'
    """
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def keyed_hex(secret: bytes, text: str) -> str:
    """HMAC-SHA256 of a text's UTF-8 bytes keyed with `secret`, in hex: a digest nobody without the secret can
    recompute from candidate values.

    >>> keyed_hex(b"k" * 32, "")[:16]
    'a4ad8e340e32bf1d'
    """
    return hmac.new(secret, text.encode("utf-8"), hashlib.sha256).hexdigest()


def new_secret() -> bytes:
    """A fresh declaration secret (32 random bytes)."""
    return os.urandom(SECRET_BYTES)


def declaration_json(declaration: Declaration) -> str:
    """`canonical_json(declaration.model_dump(mode="json"))`, written directly (the batch writes one per row)."""
    values = declaration.__dict__
    return "{" + ",".join([key + _json_value(values[name]) for name, key in _DECLARATION_KEYS]) + "}"


def _json_value(value: Any) -> str:
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
    return canonical_json(value)  # pragma: no cover - every field is one of the kinds above


_string: Callable[[str], str] = json.encoder.encode_basestring  # the C escaper of ensure_ascii=False
_DECLARATION_KEYS: tuple[tuple[str, str], ...] = tuple((name, _string(name) + ":")
                                                       for name in sorted(Declaration.model_fields))


def plain_declaration_digest(text: str) -> str:
    """Format 1's declaration digest: the plain sha256 of its canonical JSON (recomputable from candidates, so
    format 2 keys it)."""
    return sha256_hex(text)


def training_of(declaration: Mapping[str, Any]) -> dict[str, Any]:
    """The fields of the training a declaration is for (not personal; kept by a purge)."""
    return {k: declaration[k] for k in TRAINING_FIELDS if k in declaration}


def kept(payload: str) -> str:
    """A declaration's canonical JSON with only the fields a purge keeps.

    >>> kept('{"learner_id":"L1","revenu_brut_global":"31337.42","fabrique_id":"FAB"}')
    '{"fabrique_id":"FAB","learner_id":"L1"}'
    """
    data = json.loads(payload)
    return canonical_json({k: v for k, v in data.items() if k in KEPT_FIELDS})


def stamp(moment: datetime) -> str:
    """The audit trail's timestamp form: UTC, microseconds, a Z (a naive time is read as UTC).

    >>> stamp(datetime(2024, 9, 1, 8, 30, tzinfo=UTC))
    '2024-09-01T08:30:00.000000Z'
    """
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


# -- the outcome of a decision ---------------------------------------------------------------------------------

OUTCOME_COLUMNS = ("status", "echelon", "points_de_charge", "months", "academic_year")
AMOUNT_COLUMNS = {"annual_cents": "annual_amount", "monthly_cents": "monthly_amount", "total_cents": "total_amount"}


def cents_text(value: int) -> str:
    """Integer cents as the contract's decimal text, exactly (no float on the way).

    >>> cents_text(63350), cents_text(5), cents_text(0)
    ('633.50', '0.05', '0.00')
    """
    return f"{value // 100}.{value % 100:02d}"


def outcome_payload(outcome: Mapping[str, Any], reason_codes: list[str], training: Mapping[str, Any]) -> str:
    """A format-2 decision record's payload: the outcome (the administrative act, kept for ever) and the
    training it was for; `outcome` holds the decision's status, échelon, points, months, academic year and
    amounts (decimal text)."""
    value = {k: outcome[k] for k in (*OUTCOME_COLUMNS, *AMOUNT_COLUMNS.values())}
    value["reasons"] = [{"code": code} for code in reason_codes]
    value["training"] = dict(training)
    return canonical_json(value)


def outcome_mismatch(row: Mapping[str, Any], payload: Mapping[str, Any]) -> str | None:
    """The first outcome column of a decision row that disagrees with its record's payload, if any."""
    for column in OUTCOME_COLUMNS:
        if row[column] != payload.get(column):
            return column
    for column, key in AMOUNT_COLUMNS.items():
        if cents_text(int(row[column])) != payload.get(key):
            return column
    return None


def decision_view(record: Mapping[str, Any]) -> dict[str, Any]:
    """A stored decision as its record holds it, in the contract's keys: the full decision JSON for format 1,
    the outcome with learner_id, rule set and engine version for format 2 (reasons as codes, no trace)."""
    payload: dict[str, Any] = json.loads(record["payload"])
    if int(record.get("format") or 1) == 1:
        return payload
    payload.pop("training", None)
    payload["learner_id"] = record["learner_id"]
    payload["ruleset"] = {"id": record["ruleset_id"], "sha256": record["ruleset_sha256"]}
    payload["engine_version"] = record["engine_version"]
    return payload


# -- the record ------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Record:
    """Every stored field of an audit record but its own hash (`audit_records`' columns)."""

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
    format: int = FORMAT
    decision_id: int | None = None
    run_id: int | None = None
    line: int | None = None
    lang: str = ""
    decision_digest: str = ""

    @classmethod
    def of(cls, row: Mapping[str, Any]) -> Record:
        """The record of a stored row (a mapping with at least these keys)."""
        values = {name: row[name] for name in _NAMES}
        values["format"] = int(values["format"] or 1)
        values["lang"] = values["lang"] or ""
        values["decision_digest"] = values["decision_digest"] or ""
        return cls(**values)

    def header(self, payload_sha256: str | None = None) -> dict[str, Any]:
        """What the hash covers, as a dict: every field, the payload by its sha256."""
        digest = payload_sha256 or sha256_hex(self.payload)
        if self.format == 1:
            return {"chain_version": 1, "declaration_digest": self.declaration_digest,
                    "engine_version": self.engine_version, "id": self.id, "kind": self.kind,
                    "learner_id": self.learner_id, "operator": self.operator, "payload_sha256": digest,
                    "prev_hash": self.prev_hash, "recorded_at": self.recorded_at, "ruleset_id": self.ruleset_id,
                    "ruleset_sha256": self.ruleset_sha256}
        if self.format != 2:
            raise ValueError(f"unknown record format {self.format}")
        return {"format": 2, "id": self.id, "kind": self.kind, "learner_id": self.learner_id,
                "declaration_digest": self.declaration_digest, "payload_sha256": digest,
                "ruleset_id": self.ruleset_id, "ruleset_sha256": self.ruleset_sha256,
                "engine_version": self.engine_version, "operator": self.operator, "recorded_at": self.recorded_at,
                "prev_hash": self.prev_hash, "decision_id": self.decision_id, "run_id": self.run_id,
                "line": self.line, "lang": self.lang, "decision_digest": self.decision_digest}

    def hash(self, payload_sha256: str | None = None) -> str:
        """The record's hash: sha256 of the canonical JSON of its header.

        >>> r = Record(1, "decision", "L1", "d" * 64, "{}", "gen/2024-2025", "s" * 64, "1.0", "op",
        ...            "2024-09-01T00:00:00.000000Z", GENESIS)
        >>> len(r.hash()), r.hash() == r.hash(), r.hash() != Record.of({**r.row(), "format": 1}).hash()
        (64, True, True)
        """
        return sha256_hex(canonical_json(self.header(payload_sha256)))

    def row(self, payload_sha256: str | None = None) -> dict[str, Any]:
        """The row to insert: every field and the hash."""
        values = {name: getattr(self, name) for name in _NAMES}
        values["hash"] = self.hash(payload_sha256)
        return values


_NAMES: tuple[str, ...] = tuple(f.name for f in fields(Record))


def parse_payload(record: Mapping[str, Any]) -> dict[str, Any]:
    """A record's payload as JSON (every kind's payload is a JSON object)."""
    value = json.loads(record["payload"])
    return value if isinstance(value, dict) else {}


def run_payload(run: Any, lines_sha256: str) -> str:
    """A run record's payload: the finished run's stored facts and the digest of its lines."""
    value = {k: run[k] for k in RUN_FIELDS}
    for k in ("started_at", "finished_at"):
        value[k] = stamp(run[k]) if run[k] is not None else None
    value["lines_sha256"] = lines_sha256
    return canonical_json(value)


RUN_FIELDS = ("id", "input_name", "input_sha256", "rules_fingerprint", "operator", "status", "started_at",
              "finished_at", "lines_done", "rows_decided", "rows_rejected", "decisions_new")


class LinesDigest:
    """The sha256 of a run's (line, decision id) pairs, fed in line order: `line:decision\\n` each."""

    def __init__(self) -> None:
        self._digest = hashlib.sha256()

    def add(self, line: int, decision_id: int) -> None:
        self._digest.update(f"{line}:{decision_id}\n".encode("ascii"))

    def hexdigest(self) -> str:
        return self._digest.hexdigest()


# -- rule set archive ------------------------------------------------------------------------------------------


def ruleset_files_json(files: Mapping[str, str]) -> str:
    """The `rulesets.files` text: the rule set's files by name, exact text."""
    return canonical_json(dict(files))


def ruleset_sha256(files: Mapping[str, str]) -> str:
    """The rule set's sha256 recomputed from its files, as the loader computes it (base.yaml first, then the
    years in order: name, NUL, text, NUL each)."""
    digest = hashlib.sha256()
    for name in sorted(files, key=lambda n: (n != "base.yaml", n)):
        digest.update(name.encode() + b"\0" + files[name].encode("utf-8") + b"\0")
    return digest.hexdigest()
