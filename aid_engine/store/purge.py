"""Purging personal data: the declarations received before a date lose their personal fields.

A purged declaration keeps its `learner_id` (the pseudonymous key every record is filed under) and the facts
of the labelled training, which are the training organisation's, not the learner's (`fabrique_id`, the
training's dates, its label) — the programme report still counts it by fabrique and month.  Every other field
is blanked, `purged_at` is set, and one `purge` record per declaration is appended to the audit chain under the
store's write lock, in the same transaction.  The chain stays verifiable: an audit record holds the
declaration's digest, never its raw data, and `audit verify` checks the digest of declarations not purged only.

It must never touch an audit record or a decision row, never purge a declaration twice, and never put a purged
value in a message or a record.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from sqlalchemy import Engine, select, update

from .._version import __version__
from .canonical import GENESIS, RecordFields, canonical_json
from .database import write_transaction
from .tables import declarations
from .writer import append_records, audit_row, chain_head, stamp, utc_now

PURGE_KIND = "purge"
KEPT_FIELDS = ("learner_id", "fabrique_id", "training_start_date", "training_end_date", "training_labelled")
NO_RULESET = "-"


@dataclass(frozen=True, slots=True)
class PurgeResult:
    """What a purge did: how many declarations it blanked and the audit records it appended."""

    before: date
    declarations: int
    first_record: int | None
    last_record: int | None


def kept(payload: str) -> str:
    """A declaration's canonical JSON with only the fields a purge keeps.

    >>> kept('{"learner_id":"L1","revenu_brut_global":"31337.42","fabrique_id":"FAB"}')
    '{"fabrique_id":"FAB","learner_id":"L1"}'
    """
    data = json.loads(payload)
    return canonical_json({k: v for k, v in data.items() if k in KEPT_FIELDS})


def _payload(digest: str, before: date, blanked: list[str]) -> str:
    return canonical_json({
        "kind": PURGE_KIND, "declaration_digest": digest, "received_before": before.isoformat(),
        "fields_blanked": blanked, "fields_kept": list(KEPT_FIELDS),
        "policy": "personal data kept no longer than needed: the declaration's personal fields are blanked, "
                  "its digest stays in the audit trail",
    })


def purge_before(engine: Engine, before: date, *, operator: str) -> PurgeResult:
    """Blank the personal fields of every declaration received before `before` (UTC) and not purged yet."""
    cutoff = datetime.combine(before, time(0), tzinfo=UTC)
    c = declarations.c
    with write_transaction(engine) as connection:
        rows = connection.execute(
            select(c.id, c.learner_id, c.digest, c.payload)
            .where(c.received_at < cutoff, c.purged_at.is_(None)).order_by(c.id)
        ).all()
        if not rows:
            return PurgeResult(before, 0, None, None)
        now = utc_now()
        head_id, prev_hash = chain_head(connection)
        records: list[dict[str, object]] = []
        for offset, (ident, learner, digest, payload) in enumerate(rows):
            blanked = sorted(k for k in json.loads(payload) if k not in KEPT_FIELDS)
            connection.execute(update(declarations).where(c.id == ident).values(payload=kept(payload),
                                                                                purged_at=now))
            fields = RecordFields(
                id=head_id + 1 + offset, kind=PURGE_KIND, learner_id=learner, declaration_digest=digest,
                payload=_payload(digest, before, blanked), ruleset_id=NO_RULESET, ruleset_sha256=GENESIS,
                engine_version=__version__, operator=operator, recorded_at=stamp(now), prev_hash=prev_hash)
            record = audit_row(fields)
            prev_hash = str(record["hash"])
            records.append(record)
        append_records(connection, records)
    return PurgeResult(before, len(rows), head_id + 1, head_id + len(rows))
