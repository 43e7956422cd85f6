"""Purging personal data: the declarations received before a date lose their personal fields and their secret.

A purged declaration keeps its `learner_id` (the pseudonymous key every record is filed under) and the facts
of the labelled training, which are the training organisation's, not the learner's (`fabrique_id`, the
training's dates, its label) — the programme report still counts it by fabrique and month.  Every other field
is blanked, the declaration's secret is destroyed (so its keyed digests, in the chain and in `declarations`,
can no longer be recomputed from candidate values, and the trace can no longer be recomputed), `purged_at` is
set, and one `purge` record per declaration is appended to the audit chain under the store's write lock, in
the same transaction.  Then the freed bytes are made unreadable: SQLite overwrites freed pages
(`secure_delete`, set on every connection) and the WAL is checkpointed and truncated; PostgreSQL rewrites the
table (`VACUUM FULL declarations`) and forces a `CHECKPOINT`.  What no tool can reach — backups, WAL archives,
copies of the file — is the operator's to purge (README).

It must never touch an audit record or a decision row, never purge a declaration twice, and never put a purged
value in a message or a record.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from sqlalchemy import Engine, select, update

from .._version import __version__
from .database import write_transaction
from .records import GENESIS, KEPT_FIELDS, NO_RULESET, PURGE_KIND, Record, canonical_json, kept, stamp
from .tables import declarations
from .writer import append_records, chain_head, utc_now

__all__ = ["KEPT_FIELDS", "PURGE_KIND", "PurgeResult", "kept", "purge_before"]


@dataclass(frozen=True, slots=True)
class PurgeResult:
    """What a purge did: how many declarations it blanked and the audit records it appended."""

    before: date
    declarations: int
    first_record: int | None
    last_record: int | None


def _payload(digest: str, before: date, blanked: list[str]) -> str:
    return canonical_json({
        "kind": PURGE_KIND, "declaration_digest": digest, "received_before": before.isoformat(),
        "fields_blanked": blanked, "fields_kept": list(KEPT_FIELDS),
        "policy": "personal data kept no longer than needed: the declaration's personal fields and its secret "
                  "are destroyed, its keyed digest stays in the audit trail",
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
            connection.execute(update(declarations).where(c.id == ident).values(
                payload=kept(payload), secret=None, purged_at=now))
            record = Record(
                id=head_id + 1 + offset, kind=PURGE_KIND, learner_id=learner, declaration_digest=digest,
                payload=_payload(digest, before, blanked), ruleset_id=NO_RULESET, ruleset_sha256=GENESIS,
                engine_version=__version__, operator=operator, recorded_at=stamp(now), prev_hash=prev_hash).row()
            prev_hash = str(record["hash"])
            records.append(record)
        append_records(connection, records)
    _scrub(engine)
    return PurgeResult(before, len(rows), head_id + 1, head_id + len(rows))


def _scrub(engine: Engine) -> None:
    """Make the old versions of the purged rows unreadable where the database keeps them."""
    with engine.connect() as connection:
        connection = connection.execution_options(isolation_level="AUTOCOMMIT")
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql("VACUUM FULL declarations")
            connection.exec_driver_sql("CHECKPOINT")
        else:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
