"""The store's limit beside the batch, the bytes a stored decision costs, and the batch's memory at 1 M rows.

Issue 11 asks for four figures, measured (never extrapolated):
- **the batch at its store's limit**: in the same run, `aid-engine batch` end to end on N rows, and the raw write
  of the same rows into the same kind of database — per row the declaration's JSON, a decision row and a
  hash-chained audit row (sha256 in Python), `executemany` in transactions of 2,000 rows, nothing else (no
  reading, no validation, no deciding). The ratio batch ÷ raw says how close the batch is to what its store
  allows (target ≥ 0.5 on SQLite). The raw write takes each row's outcome from the batch's own output file, so
  both write the same decisions.
- **bytes per stored decision** on SQLite: the batch's database file after `VACUUM` (every table and index,
  the WAL checkpointed into it) ÷ the decisions it holds (target ≤ 1,000 at 100,000 rows).
- **rows/s on PostgreSQL**: the same batch run on a database of its own on the server of
  `AID_ENGINE_TEST_PG_URL` (or `--pg URL`); target ≥ 10,000 at 100,000 rows.
- **peak memory at 1,000,000 rows** (`--peak-rows 1000000`, off by default because it takes minutes): the batch
  run from a small launcher process that reads `resource.getrusage(RUSAGE_CHILDREN).ru_maxrss` once it has
  waited for it. The launcher is started by `sh`, which forks it (not `exec`): Linux carries a process's
  high-water mark across `fork` + `exec`, and the launcher would otherwise inherit this benchmark's own size.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .bench_batch import postgres_url, run_batch, sqlite_url
from .bench_cold import console_script

CHUNK = 2_000
GENESIS = "0" * 64

# The raw store: three tables with the keys and indexes the real one needs to stay idempotent and queryable.
_SCHEMA = (
    "CREATE TABLE declarations (id INTEGER PRIMARY KEY, learner_id TEXT NOT NULL, digest TEXT NOT NULL UNIQUE,"
    " payload TEXT NOT NULL)",
    "CREATE INDEX ix_raw_declarations_learner ON declarations (learner_id)",
    "CREATE TABLE audit_records (id INTEGER PRIMARY KEY, learner_id TEXT NOT NULL, declaration_digest TEXT NOT"
    " NULL, payload TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL)",
    "CREATE TABLE decisions (id INTEGER PRIMARY KEY, learner_id TEXT NOT NULL, declaration_id INTEGER NOT NULL"
    " REFERENCES declarations (id), status TEXT NOT NULL, echelon TEXT, points_de_charge INTEGER NOT NULL,"
    " months INTEGER NOT NULL, annual_cents BIGINT NOT NULL, monthly_cents BIGINT NOT NULL, total_cents BIGINT"
    " NOT NULL, academic_year TEXT NOT NULL, ruleset_sha256 TEXT NOT NULL, audit_id INTEGER NOT NULL REFERENCES"
    " audit_records (id), decided_at TEXT NOT NULL, UNIQUE (learner_id, declaration_id, ruleset_sha256))",
    "CREATE INDEX ix_raw_decisions_learner ON decisions (learner_id)",
)
_INSERTS = {
    "declarations": "INSERT INTO declarations VALUES ({})".format(", ".join(["?"] * 4)),
    "audit_records": "INSERT INTO audit_records VALUES ({})".format(", ".join(["?"] * 6)),
    "decisions": "INSERT INTO decisions VALUES ({})".format(", ".join(["?"] * 14)),
}
_OUTCOME = ("learner_id", "status", "echelon", "points_de_charge", "months", "annual_amount", "monthly_amount",
            "total_amount", "academic_year")


def _cents(amount: str) -> int:
    units, _, cents = amount.partition(".")
    return int(units) * 100 + int((cents + "00")[:2])


def decisions_of(output: Path) -> list[dict[str, Any]]:
    """The outcome of each decision of a batch's output file (what the raw write stores)."""
    found = []
    with output.open(encoding="utf-8") as lines:
        for line in lines:
            decision = json.loads(line)
            outcome = {name: decision.get(name) for name in _OUTCOME}
            outcome["ruleset_sha256"] = decision["ruleset"]["sha256"]
            found.append(outcome)
    return found


def _raw_rows(dicts: list[dict[str, Any]], outcomes: list[dict[str, Any]]) -> Iterator[tuple[list[tuple[Any, ...]],
                                                                                             ...]]:
    """The rows of each transaction of 2,000: serialising and hashing happen here, inside the timing."""
    prev, when = GENESIS, time.strftime("%Y-%m-%dT%H:%M:%S.000000Z", time.gmtime())
    for start in range(0, len(dicts), CHUNK):
        declarations, records, decisions = [], [], []
        for n in range(start, min(start + CHUNK, len(dicts))):
            ident = n + 1
            text = json.dumps(dicts[n], sort_keys=True, separators=(",", ":"), ensure_ascii=False)
            digest = hashlib.sha256(text.encode()).hexdigest()
            outcome = outcomes[n]
            payload = json.dumps(outcome, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
            record_hash = hashlib.sha256("\n".join((str(ident), outcome["learner_id"], digest, payload, when, prev))
                                         .encode()).hexdigest()
            declarations.append((ident, outcome["learner_id"], digest, text))
            records.append((ident, outcome["learner_id"], digest, payload, prev, record_hash))
            decisions.append((ident, outcome["learner_id"], ident, outcome["status"], outcome["echelon"],
                              outcome["points_de_charge"], outcome["months"], _cents(outcome["annual_amount"]),
                              _cents(outcome["monthly_amount"]), _cents(outcome["total_amount"]),
                              outcome["academic_year"], outcome["ruleset_sha256"], ident, when))
            prev = record_hash
        yield declarations, records, decisions


def raw_write_sqlite(path: Path, dicts: list[dict[str, Any]], outcomes: list[dict[str, Any]]) -> float:
    """Seconds to write the rows raw into a new SQLite file, with the store's own pragmas."""
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        for pragma in ("foreign_keys=ON", "journal_mode=WAL", "synchronous=NORMAL", "cache_size=-65536"):
            connection.execute(f"PRAGMA {pragma}")
        for statement in _SCHEMA:
            connection.execute(statement)
        start = time.perf_counter()
        for declarations, records, decisions in _raw_rows(dicts, outcomes):
            connection.execute("BEGIN IMMEDIATE")
            connection.executemany(_INSERTS["declarations"], declarations)
            connection.executemany(_INSERTS["audit_records"], records)
            connection.executemany(_INSERTS["decisions"], decisions)
            connection.execute("COMMIT")
        return time.perf_counter() - start
    finally:
        connection.close()


def raw_write_postgres(url: str, dicts: list[dict[str, Any]], outcomes: list[dict[str, Any]]) -> float:
    """Seconds to write the rows raw into a new PostgreSQL database (`executemany`, psycopg 3 pipelines it)."""
    import psycopg
    from sqlalchemy.engine import make_url

    conninfo = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(conninfo) as connection:
        for statement in _SCHEMA:
            connection.execute(statement.replace("INTEGER PRIMARY KEY", "BIGINT PRIMARY KEY"))
        connection.commit()
        inserts = {table: sql.replace("?", "%s") for table, sql in _INSERTS.items()}
        start = time.perf_counter()
        with connection.cursor() as cursor:
            for declarations, records, decisions in _raw_rows(dicts, outcomes):
                cursor.executemany(inserts["declarations"], declarations)
                cursor.executemany(inserts["audit_records"], records)
                cursor.executemany(inserts["decisions"], decisions)
                connection.commit()
        return time.perf_counter() - start


def sqlite_bytes_per_decision(path: Path) -> dict[str, Any]:
    """The file's size after VACUUM (WAL checkpointed) ÷ the decisions it holds, and each table's share."""
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        connection.execute("VACUUM")
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        count = connection.execute("SELECT count(*) FROM decisions").fetchone()[0]
        shares: dict[str, int] = {}
        try:
            for name, size in connection.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name"):
                shares[name] = int(size)
        except sqlite3.OperationalError:  # SQLite built without the dbstat table
            pass
    finally:
        connection.close()
    size = path.stat().st_size
    return {"decisions": count, "file_bytes": size, "bytes_per_decision": size / count if count else None,
            "bytes_by_table_or_index": dict(sorted(shares.items(), key=lambda kv: -kv[1]))}


def run(csv_path: Path, rows: int, dicts: list[dict[str, Any]], workdir: Path,
        pg_url: str | None = None) -> dict[str, dict[str, Any]]:
    """The batch and the raw write of the same rows on SQLite (and PostgreSQL), and the bytes per decision."""
    figures: dict[str, dict[str, Any]] = {}
    backends = [("sqlite", None)] + ([("postgresql", pg_url)] if pg_url else [])
    for backend, server in backends:
        if backend == "sqlite":
            with sqlite_url(workdir, f"store_{rows}") as url:
                batch = run_batch(csv_path, rows, url, workdir)
                size = sqlite_bytes_per_decision(Path(url.removeprefix("sqlite:///"))) if batch.exit_code == 0 \
                    else {}
            outcomes = decisions_of(workdir / f"{csv_path.stem}.jsonl") if batch.exit_code == 0 else []
            with sqlite_url(workdir, f"raw_{rows}") as url:
                raw_seconds = raw_write_sqlite(Path(url.removeprefix("sqlite:///")), dicts, outcomes) \
                    if outcomes else None
            figures["store_sqlite_size"] = size
        else:
            assert server is not None
            with postgres_url(server) as url:
                batch = run_batch(csv_path, rows, url, workdir)
            outcomes = decisions_of(workdir / f"{csv_path.stem}.jsonl") if batch.exit_code == 0 else []
            with postgres_url(server) as url:
                raw_seconds = raw_write_postgres(url, dicts, outcomes) if outcomes else None
        ok = batch.exit_code == 0 and batch.output_lines == rows and len(outcomes) == rows
        raw_rate = rows / raw_seconds if raw_seconds else None
        figures[f"store_{backend}_limit"] = {
            "rows": rows, "batch_rate": batch.rate, "batch_seconds": batch.seconds, "raw_rate": raw_rate,
            "raw_seconds": raw_seconds, "ratio": batch.rate / raw_rate if raw_rate and ok else None, "ok": ok,
            "batch_peak_rss_mb": batch.peak_rss_mb,
            **({} if ok else {"stderr_tail": batch.stderr_tail}),
        }
    return figures


_LAUNCHER = (
    "import resource, subprocess, sys, time\n"
    "start = time.perf_counter()\n"
    "done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)\n"
    "seconds = time.perf_counter() - start\n"
    "print(done.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, seconds)\n"
    "sys.stderr.buffer.write(done.stderr[-2000:])\n"
)


def peak_memory(csv_path: Path, rows: int, workdir: Path) -> dict[str, Any]:
    """The batch's peak resident memory (ru_maxrss of the waited-for batch process) on `rows` rows, SQLite."""
    with sqlite_url(workdir, f"peak_{rows}") as url:
        out, rejected = workdir / f"peak_{rows}.jsonl", workdir / f"peak_{rows}.rejected.csv"
        command = [console_script(), "batch", str(csv_path), "--out", str(out), "--rejected", str(rejected),
                   "--db", url]
        # `sh -c '…; exit $?'`: sh forks the launcher instead of exec-ing it (see the module docstring).
        script = " ".join(_quote(part) for part in [sys.executable, "-c", _LAUNCHER, *command]) + '; exit "$?"'
        done = subprocess.run(["sh", "-c", script], capture_output=True, text=True, cwd=workdir,
                              env={**os.environ, "NO_COLOR": "1"})
        try:
            code, maxrss_kb, seconds = done.stdout.split()
        except ValueError:
            return {"rows": rows, "ok": False, "stderr_tail": (done.stderr or done.stdout)[-2000:]}
        lines = sum(1 for _ in out.open("rb")) if out.exists() else -1
        out.unlink(missing_ok=True)
        rejected.unlink(missing_ok=True)
    return {"rows": rows, "peak_rss_mb": int(maxrss_kb) / 1024, "seconds": float(seconds),
            "rate": rows / float(seconds), "exit_code": int(code), "output_lines": lines,
            "ok": int(code) == 0 and lines == rows,
            **({} if int(code) == 0 else {"stderr_tail": done.stderr[-2000:]})}


def _quote(text: str) -> str:
    return "'" + text.replace("'", "'\"'\"'") + "'"
