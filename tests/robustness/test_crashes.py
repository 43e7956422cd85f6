"""Crashes: `kill -9` of a batch at seeded random points (once or twice in a run, on SQLite and PostgreSQL),
then the same command again → the store equals an uninterrupted run's, the output files too, and the audit
chain verifies.  A full disk (SQLite's `max_page_count`, and a real 1 MB tmpfs when this process may mount
one) and a read-only database (a SQLite file opened read-only, a PostgreSQL role with SELECT only) stop the
batch with a one-line message, exit non-zero, and leave nothing half-written: the chain verifies, every
stored chunk is whole, no output file under its target name, no `.part` left, and the same command on a
writable store finishes the work."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import make_batch
import pytest
from robust_helpers import assert_clean_failure, cli
from sqlalchemy import create_engine, event, func, make_url, select, text
from store_helpers import snapshot

from aid_engine.store import database, open_store
from aid_engine.store.tables import batch_lines, batch_runs, decisions

ROWS = 1200
CHUNK = 50
SEED = 20261123


@dataclass(frozen=True)
class Reference:
    path: Path
    store: dict[str, Any]
    out: bytes
    rejected: bytes


def batch_command(path: Path, url: str, out: Path, rejected: Path, jobs: int = 1) -> list[str]:
    return [sys.executable, "-m", "aid_engine", "batch", str(path), "--db", url, "--out", str(out),
            "--rejected", str(rejected), "--operator", "tester", "--chunk-size", str(CHUNK), "--jobs", str(jobs)]


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Reference:
    """The input file and what an uninterrupted run of it stores and writes."""
    where = tmp_path_factory.mktemp("reference")
    path = where / "in.csv"
    make_batch.write(path, ROWS)
    url = f"sqlite:///{where / 'ref.db'}"
    done = subprocess.run(batch_command(path, url, where / "o.jsonl", where / "r.csv"), capture_output=True,
                          text=True, timeout=180, check=False)
    assert done.returncode == 0, done.stderr
    store = open_store(url)
    try:
        return Reference(path, snapshot(store.engine), (where / "o.jsonl").read_bytes(),
                         (where / "r.csv").read_bytes())
    finally:
        store.close()


def assert_same_as_reference(url: str, reference: Reference, out: Path, rejected: Path) -> None:
    store = open_store(url)
    try:
        assert snapshot(store.engine) == reference.store
        report = store.verify()
        assert report.decisions == len(reference.store["decisions"])
        assert report.records == report.decisions + report.runs  # each finished run adds its run record
    finally:
        store.close()
    assert out.read_bytes() == reference.out
    assert rejected.read_bytes() == reference.rejected
    assert not list(out.parent.glob("*.part"))


# -- kill -9 ----------------------------------------------------------------------------------------------------


class Progress:
    """How far the batch got, read from the store while it runs (lines_done of its run, 0 before any chunk)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.sqlite = url.removeprefix("sqlite:///") if url.startswith("sqlite:///") else None
        self.engine = None if self.sqlite else create_engine(url)

    def lines_done(self) -> int:
        query = "SELECT coalesce(max(lines_done), 0) FROM batch_runs"
        try:
            if self.sqlite is not None:
                with sqlite3.connect(self.sqlite, timeout=5) as connection:
                    return int(connection.execute(query).fetchone()[0])
            assert self.engine is not None
            with self.engine.connect() as connection:
                return int(connection.execute(text(query)).scalar_one())
        except (sqlite3.OperationalError, Exception):  # the schema may not be there yet
            return 0

    def close(self) -> None:
        if self.engine is not None:
            self.engine.dispose()


def kill_at(command: list[str], progress: Progress, at_line: int) -> int:
    """Start the batch, `kill -9` it once its checkpoint passed `at_line` (0: as soon as it started)."""
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    if at_line == 0:
        time.sleep(0.6)  # the interpreter is up, the run claimed or about to be: no chunk stored yet
    while at_line and progress.lines_done() < at_line and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    os.kill(process.pid, signal.SIGKILL)
    _, err = process.communicate(timeout=30)
    assert process.returncode == -signal.SIGKILL, f"the batch ended before its kill at line {at_line}: {err!r}"
    return progress.lines_done()


def kill_plans() -> list[tuple[str, list[int], int]]:
    """Seeded kill points: (backend, lines after which to kill — several means killed again after resuming, jobs)."""
    rng = random.Random(SEED)
    points = sorted(rng.sample(range(CHUNK, ROWS - 4 * CHUNK), 5))
    return [("sqlite", [0], 1), ("sqlite", [points[0]], 1), ("sqlite", [points[1], points[3]], 1),
            ("sqlite", [points[4]], 2), ("postgresql", [points[2]], 1), ("postgresql", [0, points[4]], 2)]


@pytest.mark.parametrize(("backend", "kills", "jobs"), [
    pytest.param(*plan, id=f"{plan[0]}-kill-at-{'-'.join(map(str, plan[1]))}-jobs{plan[2]}",
                 marks=[pytest.mark.postgres] if plan[0] == "postgresql" else [])
    for plan in kill_plans()])
def test_a_batch_killed_at_random_points_resumes_to_the_uninterrupted_state(
        request: pytest.FixtureRequest, tmp_path: Path, reference: Reference, backend: str, kills: list[int],
        jobs: int) -> None:
    url = f"sqlite:///{tmp_path / 'killed.db'}" if backend == "sqlite" else request.getfixturevalue("pg_url")
    open_store(url).close()
    out, rejected = tmp_path / "o.jsonl", tmp_path / "r.csv"
    command = batch_command(reference.path, url, out, rejected, jobs)
    progress = Progress(url)
    try:
        stopped = [kill_at(command, progress, at) for at in kills]
    finally:
        progress.close()
    assert stopped == sorted(stopped) and stopped[-1] < ROWS
    assert not out.exists(), "a killed run never leaves an output file under its target name"
    resumed = subprocess.run(command, capture_output=True, text=True, timeout=180, check=False)
    assert resumed.returncode == 0, resumed.stderr
    if stopped[-1]:
        assert f"resumed after line {stopped[-1]}" in resumed.stdout
    assert_same_as_reference(url, reference, out, rejected)


# -- full disk, read-only database ------------------------------------------------------------------------------


def assert_whole_chunks(url: str) -> int:
    """The store after a failed run: the chain verifies, and each chunk is whole (every decided line up to the
    checkpoint has its decision, nothing past it).  Returns the checkpoint."""
    store = open_store(url)
    try:
        store.verify()
        with store.engine.connect() as c:
            checkpoint = int(c.execute(select(func.coalesce(func.max(batch_runs.c.lines_done), 0))).scalar_one())
            lines = [int(n) for n in c.execute(select(batch_lines.c.line).order_by(batch_lines.c.line)).scalars()]
            stored = int(c.execute(select(func.count()).select_from(decisions)).scalar_one())
    finally:
        store.close()
    assert checkpoint % CHUNK == 1 or checkpoint == 0, "a checkpoint ends a chunk (the header is line 1)"
    assert all(n <= checkpoint for n in lines)
    assert stored == len(lines) == len(set(lines))
    return checkpoint


@pytest.fixture
def page_limit(monkeypatch: pytest.MonkeyPatch) -> Callable[[int], None]:
    """`page_limit(n)`: every SQLite connection the store opens from now on may grow the file to n pages."""
    original = database._sqlite_engine

    def limit(pages: int) -> None:
        def limited(url: str) -> Any:
            engine = original(url)

            @event.listens_for(engine, "connect")
            def _full(dbapi_connection: Any, _record: Any) -> None:
                dbapi_connection.execute(f"PRAGMA max_page_count = {pages}")

            return engine

        monkeypatch.setattr(database, "_sqlite_engine", limited)

    return limit


def test_a_full_database_stops_the_batch_with_a_message_and_whole_chunks_only(
        tmp_path: Path, reference: Reference, page_limit: Callable[[int], None]) -> None:
    db_file = tmp_path / "full.db"
    url = f"sqlite:///{db_file}"
    open_store(url).close()
    with sqlite3.connect(db_file) as connection:
        pages = int(connection.execute("PRAGMA page_count").fetchone()[0])
    page_limit(pages + 300)
    out, rejected = tmp_path / "o.jsonl", tmp_path / "r.csv"
    result = cli("batch", str(reference.path), "--db", url, "--out", str(out), "--rejected", str(rejected),
                 "--chunk-size", str(CHUNK), "--jobs", "1", "--operator", "tester")
    assert result.exit_code == 1, result.stdout
    assert result.stderr.startswith("error: ") and "database or disk is full" in result.stderr
    assert_clean_failure(result.stderr)
    assert not out.exists() and not rejected.exists() and not list(tmp_path.glob("*.part"))
    page_limit(2**30)
    assert 0 < assert_whole_chunks(url) < ROWS
    again = cli("batch", str(reference.path), "--db", url, "--out", str(out), "--rejected", str(rejected),
                "--chunk-size", str(CHUNK), "--jobs", "1", "--operator", "tester")
    assert again.exit_code == 0, again.stderr
    assert_same_as_reference(url, reference, out, rejected)


@pytest.fixture
def tiny_tmpfs(tmp_path: Path) -> Iterator[Path]:
    """A 1 MB tmpfs: a disk that really fills (needs the right to mount, as CI's root has)."""
    where = tmp_path / "tiny"
    where.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(where)], capture_output=True,
                             check=False)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode(errors='replace').strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


@pytest.mark.parametrize("full", ["database", "out"])
def test_a_full_disk_stops_the_batch_with_a_message_and_nothing_half_written(
        tmp_path: Path, reference: Reference, tiny_tmpfs: Path, full: str) -> None:
    db_file = (tiny_tmpfs if full == "database" else tmp_path) / "s.db"
    url = f"sqlite:///{db_file}"
    out, rejected = (tiny_tmpfs if full == "out" else tmp_path) / "o.jsonl", tmp_path / "r.csv"
    result = subprocess.run(batch_command(reference.path, url, out, rejected), capture_output=True, text=True,
                            timeout=180, check=False)
    assert result.returncode in (1, 2), result.stderr
    words = "database or disk is full" if full == "database" else "cannot be written (No space left on device)"
    assert result.stderr.startswith("error: ") and words in result.stderr, result.stderr
    assert_clean_failure(result.stderr)
    assert not out.exists() and not list(out.parent.glob("*.part"))
    assert_whole_chunks(url)


def test_a_read_only_sqlite_database_stops_the_batch_and_check_save_before_any_write(
        tmp_path: Path, reference: Reference) -> None:
    db_file = tmp_path / "ro.db"
    open_store(f"sqlite:///{db_file}").close()
    before = db_file.read_bytes()
    url = f"sqlite:///file:{db_file}?mode=ro&uri=true"
    out, rejected = tmp_path / "o.jsonl", tmp_path / "r.csv"
    batch = cli("batch", str(reference.path), "--db", url, "--out", str(out), "--rejected", str(rejected))
    example = Path(__file__).resolve().parents[2] / "examples" / "granted_echelon_7.json"
    check = cli("check", str(example), "--save", "--db", url)
    for result in (batch, check):
        assert result.exit_code == 1
        assert result.stderr.startswith("error: ") and "readonly database" in result.stderr, result.stderr
        assert_clean_failure(result.stderr)
    assert not out.exists() and not list(tmp_path.glob("*.part"))
    assert db_file.read_bytes() == before


@pytest.mark.postgres
def test_a_postgresql_role_with_select_only_stops_the_batch_before_any_write(
        pg_schemas: Any, tmp_path: Path, reference: Reference) -> None:
    url = pg_schemas.new_url()
    store = open_store(url)
    schema = make_url(url).query["options"].split("=", 1)[1]  # type: ignore[union-attr]
    role = f"reader_{uuid.uuid4().hex[:12]}"
    with store.engine.begin() as c:
        c.execute(text(f'CREATE ROLE "{role}" LOGIN'))
        c.execute(text(f'GRANT USAGE ON SCHEMA "{schema}" TO "{role}"'))
        c.execute(text(f'GRANT SELECT ON ALL TABLES IN SCHEMA "{schema}" TO "{role}"'))
    store.close()
    reader_url = make_url(url).set(username=role).render_as_string(hide_password=False)
    try:
        out, rejected = tmp_path / "o.jsonl", tmp_path / "r.csv"
        result = subprocess.run(batch_command(reference.path, reader_url, out, rejected), capture_output=True,
                                text=True, timeout=120, check=False)
        assert result.returncode == 1, result.stderr
        assert result.stderr.startswith("error: ") and "permission denied" in result.stderr, result.stderr
        assert_clean_failure(result.stderr)
        assert not out.exists() and not list(tmp_path.glob("*.part"))
        assert assert_whole_chunks(url) == 0
    finally:
        admin = create_engine(pg_schemas.base)
        with admin.begin() as c:
            c.execute(text(f'DROP OWNED BY "{role}"'))
            c.execute(text(f'DROP ROLE "{role}"'))
        admin.dispose()
