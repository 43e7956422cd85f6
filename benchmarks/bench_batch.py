"""`aid-engine batch` end to end: CSV → validate → decide → persist with the audit chain, in a new process.

Each run is the command line itself, `aid-engine batch IN.csv --out OUT.jsonl --rejected REJ.csv --db URL`,
on an empty database (a temporary SQLite file, or a database created for the run on the PostgreSQL server
of `AID_ENGINE_TEST_PG_URL` and dropped after).  Measured:
- rows/s = input rows ÷ wall time from process start to exit (so it includes the interpreter's start, the
  imports and the schema's creation: the fixed cost, measured apart on a one-row file);
- peak memory: the batch process's own high-water mark (`VmHWM` of /proc/PID/status, read every 20 ms until
  it exits) and the highest sum of the resident sets of the process and any processes it starts (worker
  processes), sampled at the same pace; the figure is the larger of the two.  Not `ru_maxrss`: Linux
  carries into it the high-water mark of the memory the child was forked from (this benchmark's own, with
  its N dicts), so it would report the parent's size.
The output file is checked to hold one line per input row, and the rejected file none.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .bench_cold import console_script

SAMPLE_EVERY = 0.02


@dataclass
class BatchRun:
    rows: int
    seconds: float
    peak_rss_mb: float
    exit_code: int
    output_lines: int
    rejected_lines: int
    stderr_tail: str

    @property
    def rate(self) -> float:
        return self.rows / self.seconds


def _status_kb(pid: int, field: str = "VmRSS:") -> int:
    """A memory figure of /proc/PID/status in KiB; 0 once the process is gone."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith(field):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def _children(pid: int) -> list[int]:
    found: list[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return found
    for task in tasks:
        try:
            with open(f"/proc/{pid}/task/{task}/children", encoding="ascii") as children:
                found.extend(int(p) for p in children.read().split())
        except (OSError, ValueError):
            continue
    return found


def _tree_rss_kb(pid: int) -> int:
    total, todo, seen = 0, [pid], set()
    while todo:
        p = todo.pop()
        if p in seen:
            continue
        seen.add(p)
        total += _status_kb(p)
        todo.extend(_children(p))
    return total


class _Sampler(threading.Thread):
    """The peaks of the process's high-water mark and of its tree's resident memory, sampled until `stop()`."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.tree_kb, self.hwm_kb = pid, 0, 0
        self._done = threading.Event()

    def run(self) -> None:
        while not self._done.is_set():
            self.tree_kb = max(self.tree_kb, _tree_rss_kb(self.pid))
            self.hwm_kb = max(self.hwm_kb, _status_kb(self.pid, "VmHWM:"))
            self._done.wait(SAMPLE_EVERY)

    def stop(self) -> int:
        self._done.set()
        self.join()
        return max(self.tree_kb, self.hwm_kb)


def _lines(path: Path) -> int:
    if not path.exists():
        return -1
    with path.open("rb") as f:
        return sum(block.count(b"\n") for block in iter(lambda: f.read(1 << 20), b""))


def run_batch(csv_path: Path, rows: int, db_url: str, workdir: Path) -> BatchRun:
    """Run `aid-engine batch` once on `csv_path` into `db_url`; time it and measure its memory."""
    out, rejected = workdir / f"{csv_path.stem}.jsonl", workdir / f"{csv_path.stem}.rejected.csv"
    command = [console_script(), "batch", str(csv_path), "--out", str(out), "--rejected", str(rejected),
               "--db", db_url]
    with tempfile.TemporaryFile() as stderr:
        start = time.perf_counter()
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=stderr, cwd=workdir,
                                   env={**os.environ, "NO_COLOR": "1"})
        sampler = _Sampler(process.pid)
        sampler.start()
        process.wait()
        seconds = time.perf_counter() - start
        peak_kb = sampler.stop()
        stderr.seek(0)
        tail = stderr.read().decode("utf-8", "replace")[-2000:]
    return BatchRun(rows, seconds, peak_kb / 1024, process.returncode, _lines(out),
                    _lines(rejected) - 1 if rejected.exists() else -1, tail)


@contextmanager
def sqlite_url(workdir: Path, name: str) -> Iterator[str]:
    path = workdir / f"{name}.db"
    try:
        yield f"sqlite:///{path}"
    finally:
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)


@contextmanager
def postgres_url(server_url: str) -> Iterator[str]:
    """A new, empty database on the server of `server_url`, dropped afterwards."""
    import psycopg
    from sqlalchemy.engine import make_url

    url = make_url(server_url)
    name = f"aid_bench_{uuid.uuid4().hex[:12]}"
    admin = url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run(files: dict[int, Path], backend: str, workdir: Path, pg_url: str | None = None) -> dict[str, dict[str, Any]]:
    """Batch figures on `backend` ("sqlite" or "postgresql") for each (rows → CSV file) in `files`."""
    figures: dict[str, dict[str, Any]] = {}
    for rows, path in sorted(files.items()):
        with _database(backend, workdir, f"bench_{rows}", pg_url) as url:
            result = run_batch(path, rows, url, workdir)
        key = f"batch_{backend}_{rows}"
        figures[key] = {
            "rows": rows, "rate": result.rate, "seconds": result.seconds, "peak_rss_mb": result.peak_rss_mb,
            "exit_code": result.exit_code, "output_lines": result.output_lines,
            "rejected_rows": result.rejected_lines,
            "ok": result.exit_code == 0 and result.output_lines == rows and result.rejected_lines == 0,
        }
        if not figures[key]["ok"]:
            figures[key]["stderr_tail"] = result.stderr_tail
    return figures


@contextmanager
def _database(backend: str, workdir: Path, name: str, pg_url: str | None) -> Iterator[str]:
    if backend == "sqlite":
        with sqlite_url(workdir, name) as url:
            yield url
    else:
        if pg_url is None:
            raise ValueError("postgresql needs a server URL")
        with postgres_url(pg_url) as url:
            yield url
