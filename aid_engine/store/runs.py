"""Batch runs: starting one, finding an unfinished one to resume, claiming it so no two processes share it.

A run is identified by the sha256 of its input file and the fingerprint of the rule book.  Re-running the
same command after a crash finds the unfinished run and resumes it from its checkpoint (the last file line
whose chunk was committed).  A run is claimed while it works: on PostgreSQL by a session advisory lock held by
a dedicated connection (released by the server when the process dies, even on `kill -9`); on SQLite by the
owner's host and pid, checked for life.  A run still claimed by a live process is never resumed by another:
that one starts its own run, and the idempotency key keeps both from storing a decision twice.

A finished run is bound into the audit chain by a `run` record (its counts and the digest of its lines):
`audit verify` then checks the run and its lines against it.

It must never delete a run or rewind a checkpoint.
"""

from __future__ import annotations

import os
import socket
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, text, update
from sqlalchemy.exc import SQLAlchemyError

from .._version import __version__
from ..errors import NotFound
from .database import RUN_LOCK_CLASS, write_transaction
from .records import GENESIS, NO_RULESET, RUN_KIND, LinesDigest, Record, run_payload, stamp
from .tables import audit_records, batch_lines, batch_runs
from .writer import append_records, chain_head, utc_now

RUNNING = "running"
DONE = "done"
RELEASED = 0  # owner_pid of an unfinished run its process let go of: any process may resume it


@dataclass(frozen=True, slots=True)
class RunInfo:
    """A batch run as stored."""

    id: int
    input_name: str
    input_sha256: str
    rules_fingerprint: str
    operator: str
    status: str
    started_at: datetime
    finished_at: datetime | None
    lines_done: int
    rows_decided: int
    rows_rejected: int
    decisions_new: int

    @classmethod
    def of(cls, row: Any) -> RunInfo:
        return cls(**{name: row[name] for name in cls.__slots__})


@dataclass(slots=True)
class Claim:
    """A run this process works on; `holder` keeps PostgreSQL's advisory lock until `release`; on SQLite,
    `engine` lets `release` hand an unfinished run back (owner pid 0) so that the next process resumes it even
    while this one lives on (a library caller, or the same command run again after a full disk)."""

    run: RunInfo
    resumed: bool
    holder: Connection | None = None
    engine: Engine | None = None

    def release(self) -> None:
        if self.holder is not None:
            self.holder.close()
            self.holder = None
        if self.engine is not None:
            engine, self.engine = self.engine, None
            # A store that fails (full, read-only) keeps the pid: the next process resumes once this one is gone.
            with suppress(SQLAlchemyError), write_transaction(engine) as connection:
                connection.execute(update(batch_runs).where(
                    batch_runs.c.id == self.run.id, batch_runs.c.status == RUNNING,
                    batch_runs.c.owner_pid == os.getpid()).values(owner_pid=RELEASED))


def _identity() -> tuple[str, int]:
    return socket.gethostname()[:200], os.getpid()


def pid_alive(pid: int) -> bool:
    """Whether a process of this host with that pid is alive (a zombie counts as dead)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stat:
            return stat.read().rsplit(")", 1)[-1].split()[0] != "Z"
    except OSError:
        return True


def _candidates(connection: Connection, input_sha256: str, rules_fingerprint: str) -> list[Any]:
    c = batch_runs.c
    return list(connection.execute(
        select(batch_runs).where(c.input_sha256 == input_sha256, c.rules_fingerprint == rules_fingerprint,
                                 c.status == RUNNING).order_by(c.id)
    ).mappings())


def _new_run_values(input_name: str, input_sha256: str, rules_fingerprint: str, operator: str) -> dict[str, Any]:
    host, pid = _identity()
    return {"input_name": input_name, "input_sha256": input_sha256, "rules_fingerprint": rules_fingerprint,
            "operator": operator, "status": RUNNING, "started_at": utc_now(), "finished_at": None,
            "lines_done": 0, "rows_decided": 0, "rows_rejected": 0, "decisions_new": 0,
            "owner_host": host, "owner_pid": pid}


def claim_run(engine: Engine, *, input_name: str, input_sha256: str, rules_fingerprint: str,
              operator: str) -> Claim:
    """Resume this input's unfinished run if no live process holds it, else start a new run."""
    values = _new_run_values(input_name, input_sha256, rules_fingerprint, operator)
    if engine.dialect.name == "postgresql":
        return _claim_postgresql(engine, values)
    return _claim_sqlite(engine, values)


def _claim_sqlite(engine: Engine, values: dict[str, Any]) -> Claim:
    host, pid = values["owner_host"], values["owner_pid"]
    with write_transaction(engine) as connection:
        for row in _candidates(connection, values["input_sha256"], values["rules_fingerprint"]):
            if row["owner_pid"] == RELEASED or (row["owner_host"] == host and not pid_alive(row["owner_pid"])):
                connection.execute(update(batch_runs).where(batch_runs.c.id == row["id"])
                                   .values(owner_pid=pid, owner_host=host))
                return Claim(RunInfo.of(row), resumed=True, engine=engine)
        ident = connection.execute(insert(batch_runs).values(**values).returning(batch_runs.c.id)).scalar_one()
        return Claim(RunInfo.of({**values, "id": ident}), resumed=False, engine=engine)


def _claim_postgresql(engine: Engine, values: dict[str, Any]) -> Claim:
    holder = engine.connect().execution_options(isolation_level="AUTOCOMMIT")
    try:
        for row in _candidates(holder, values["input_sha256"], values["rules_fingerprint"]):
            locked = holder.execute(text("SELECT pg_try_advisory_lock(:k, :id)"),
                                    {"k": RUN_LOCK_CLASS, "id": row["id"]}).scalar_one()
            if not locked:
                continue
            fresh = holder.execute(select(batch_runs).where(batch_runs.c.id == row["id"])).mappings().one()
            if fresh["status"] == RUNNING:
                holder.execute(update(batch_runs).where(batch_runs.c.id == row["id"])
                               .values(owner_pid=values["owner_pid"], owner_host=values["owner_host"]))
                return Claim(RunInfo.of(fresh), resumed=True, holder=holder)
            holder.execute(text("SELECT pg_advisory_unlock(:k, :id)"), {"k": RUN_LOCK_CLASS, "id": row["id"]})
        ident = _insert_locked(holder, values)
        return Claim(RunInfo.of({**values, "id": ident}), resumed=False, holder=holder)
    except BaseException:
        holder.close()
        raise


def _insert_locked(holder: Connection, values: dict[str, Any]) -> int:
    """Take the next run id, lock it, then insert the run: nobody ever sees it unclaimed."""
    ident = int(holder.execute(text("SELECT nextval(pg_get_serial_sequence('batch_runs', 'id'))")).scalar_one())
    holder.execute(text("SELECT pg_advisory_lock(:k, :id)"), {"k": RUN_LOCK_CLASS, "id": ident})
    holder.execute(insert(batch_runs).values(id=ident, **values))
    return ident


def finish_run(engine: Engine, run_id: int, *, lines_done: int, rows_decided: int, rows_rejected: int) -> None:
    """Mark a run done with its final counts."""
    with write_transaction(engine) as connection:
        connection.execute(update(batch_runs).where(batch_runs.c.id == run_id).values(
            status=DONE, finished_at=utc_now(), lines_done=lines_done, rows_decided=rows_decided,
            rows_rejected=rows_rejected))
        run = connection.execute(select(batch_runs).where(batch_runs.c.id == run_id)).mappings().one()
        append_run_record(connection, run, operator=str(run["operator"]))


def lines_digest(connection: Connection, run_id: int) -> str:
    """The digest of a run's (line, decision id) pairs, in line order (`records.LinesDigest`)."""
    digest = LinesDigest()
    c = batch_lines.c
    rows = connection.execute(  # streamed: the statement's option, not the connection's (it is shared)
        select(c.line, c.decision_id).where(c.run_id == run_id).order_by(c.line).execution_options(yield_per=5000))
    for line, decision_id in rows:
        digest.add(int(line), int(decision_id))
    return digest.hexdigest()


def append_run_record(connection: Connection, run: Any, *, operator: str) -> None:
    """Append the `run` record binding a finished run (call under the write lock)."""
    head_id, prev_hash = chain_head(connection)
    record = Record(id=head_id + 1, kind=RUN_KIND, learner_id="", declaration_digest=GENESIS,
                    payload=run_payload(run, lines_digest(connection, int(run["id"]))), ruleset_id=NO_RULESET,
                    ruleset_sha256=GENESIS, engine_version=__version__, operator=operator,
                    recorded_at=stamp(utc_now()), prev_hash=prev_hash, run_id=int(run["id"]))
    append_records(connection, [record.row()])


def record_finished_runs(connection: Connection, *, operator: str) -> int:
    """Append a `run` record for each finished run the chain does not bind yet (the upgrade to format 2)."""
    bound = select(audit_records.c.id).where(audit_records.c.kind == RUN_KIND,
                                             audit_records.c.run_id == batch_runs.c.id).exists()
    runs = connection.execute(select(batch_runs).where(batch_runs.c.status == DONE, ~bound)
                              .order_by(batch_runs.c.id)).mappings().all()
    for run in runs:
        append_run_record(connection, run, operator=operator)
    return len(runs)


def run_info(engine: Engine, run_id: int) -> RunInfo:
    """A stored run; `NotFound` if there is none with that id."""
    with engine.connect() as connection:
        row = connection.execute(select(batch_runs).where(batch_runs.c.id == run_id)).mappings().first()
    if row is None:
        raise NotFound(f"no batch run {run_id} in the store")
    return RunInfo.of(row)
