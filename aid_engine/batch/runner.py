"""The batch run: read, decide, store in chunks, write the output files — resumable and idempotent.

The input is read once to take its sha256 (the run's identity, with the rule book's fingerprint) and count
its lines (for the progress bar), then streamed record by record.  Every row is validated and decided with
the fast path of `evaluate` (the rule book is loaded once; in worker processes when the machine has CPUs to
spare, see `batch.deciding`); its output lines are written as it goes.  Rows past the run's checkpoint are
stored in chunks of `chunk_size` rows, one transaction each, the checkpoint moving with the chunk; on
PostgreSQL a writer thread stores each chunk while this thread reads and decides the next (one chunk stored
while the next is gathered, so memory stays flat), and a store error stops the run at the next chunk with
the store's message, the chunk that failed rolled back and nothing stored after it.

A run killed at any point and started again with the same command finds its checkpoint: rows at or before
it are decided again for the output files and the summary but not stored again, rows after it are stored —
nothing lost, nothing twice.  Re-running a finished file stores nothing new: the idempotency key already
holds every decision.

It must never hold the file or the decisions in memory, and never stop at a bad row.
"""

from __future__ import annotations

import hashlib
import queue
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputFileError
from ..files import check_output, database_files
from ..ruleset import RuleBook
from ..store import Checkpoint, Decided, Store
from ..store.runs import Claim, RunInfo, claim_run, finish_run, run_info
from .deciding import Decider, default_jobs, rules_fingerprint
from .outputs import Outputs
from .readers import Rejection, open_input, read_records
from .summary import Summary

CHUNK_SIZE = 2000
PROGRESS_EVERY = 250
_BLOCK = 1 << 20

Progress = Callable[[int], None]


@dataclass(frozen=True, slots=True)
class InputFingerprint:
    """The input file's sha256 and its number of lines."""

    sha256: str
    lines: int


def fingerprint(path: Path) -> InputFingerprint:
    """Read the file once, a block at a time: its sha256 and line count."""
    digest = hashlib.sha256()
    lines = 0
    last = b"\n"
    with open_input(path) as binary:
        while block := binary.read(_BLOCK):
            digest.update(block)
            lines += block.count(b"\n")
            last = block[-1:]
    return InputFingerprint(digest.hexdigest(), lines + (last != b"\n"))


@dataclass(frozen=True, slots=True)
class BatchResult:
    """A finished run: the run as stored, whether it was resumed, and what it decided."""

    run: RunInfo
    resumed_from_line: int | None
    summary: Summary


class _Writer:
    """Stores chunks in a thread of its own, in the order given: the database works (and the driver waits
    for it, the GIL released) while the caller decides the next chunk.  `submit` blocks until the chunk
    before is stored (at most two chunks alive: one being stored, one being gathered); the first error is
    raised to the caller at its next `submit` or at `close`, and every chunk after a failed one is dropped,
    so the checkpoint stays on the last chunk stored."""

    _STOP = None

    def __init__(self, store: Store, operator: str, lang: str, *, threaded: bool) -> None:
        self.store, self.operator, self.lang = store, operator, lang
        self.flushes = 0
        self.error: BaseException | None = None
        self.abandoned = False
        self.queue: queue.Queue[tuple[list[Decided], Checkpoint] | None] = queue.Queue()
        self.free = threading.Semaphore(1)
        self.thread: threading.Thread | None = None
        if threaded:
            self.thread = threading.Thread(target=self._run, name="aid-engine batch writer", daemon=True)
            self.thread.start()

    def _run(self) -> None:
        while (job := self.queue.get()) is not self._STOP:
            try:
                if self.error is None and not self.abandoned:
                    self._write(*job)
            except BaseException as exc:  # raised again in the caller's thread
                self.error = exc
            finally:
                job = None  # the chunk's memory goes before the caller gathers the next
                self.free.release()

    def _write(self, items: list[Decided], checkpoint: Checkpoint) -> None:
        self.store.write(items, operator=self.operator, lang=self.lang, checkpoint=checkpoint)
        self.flushes += 1
        if self.flushes & (self.flushes - 1) == 0:  # after chunks 1, 2, 4, 8 …: the tables doubled
            self.store.refresh_statistics()

    def _raise(self) -> None:
        if self.error is not None:
            raise self.error

    def submit(self, items: list[Decided], checkpoint: Checkpoint) -> None:
        if self.thread is None:
            self._write(items, checkpoint)
            return
        self.free.acquire()
        self._raise()
        self.queue.put((items, checkpoint))

    def close(self) -> None:
        """Wait for every chunk submitted to be stored; raise the first error."""
        if self.thread is not None:
            self.queue.put(self._STOP)
            self.thread.join()
        self._raise()

    def abandon(self) -> None:
        """Stop without storing the chunks still waiting (the one being written finishes or rolls back)."""
        self.abandoned = True
        if self.thread is not None and self.thread.is_alive():
            self.queue.put(self._STOP)
            self.thread.join()


class _Chunks:
    """The rows past the checkpoint, gathered a chunk at a time and handed to the writer."""

    def __init__(self, writer: _Writer, claim: Claim, summary: Summary, size: int):
        self.writer, self.claim, self.summary, self.size = writer, claim, summary, size
        self.items: list[Decided] = []
        self.rows = 0
        self.last_line = claim.run.lines_done

    def add(self, line: int, decided: Decided | None) -> None:
        if line <= self.claim.run.lines_done:
            return
        if decided is not None:
            self.items.append(decided)
        self.rows += 1
        self.last_line = line
        if self.rows >= self.size:
            self.flush()

    def flush(self) -> None:
        if not self.rows:
            return
        checkpoint = Checkpoint(self.claim.run.id, self.last_line, self.summary.decided, self.summary.rejected)
        self.writer.submit(self.items, checkpoint)
        self.items, self.rows = [], 0


def run_batch(store: Store, book: RuleBook, path: Path, *, out: Path | None = None, rejected: Path | None = None,
              operator: str, lang: str = "fr", chunk_size: int = CHUNK_SIZE, jobs: int | None = None,
              on_start: Callable[[RunInfo, bool, int], Progress] | None = None) -> BatchResult:
    """Run (or resume) the batch of `path`; see the module docstring.

    `jobs`: worker processes deciding the rows (None: by the file's size and the CPUs).  `on_start(run,
    resumed, total_lines)` is called once the run is claimed and returns a progress callback, called with the
    number of rows done since its last call.
    """
    inputs: tuple[Path | str, ...] = (path, *database_files(store.engine.url))
    for target, option in ((out, "--out"), (rejected, "--rejected")):
        if target is not None:
            check_output(target, option, inputs)
    if out is not None and rejected is not None and Path(out).absolute() == Path(rejected).absolute():
        raise InputFileError(f"--rejected {rejected}", "is also the --out file; give two different files")
    print_ = fingerprint(path)
    jobs = default_jobs(print_.lines) if jobs is None else jobs
    if jobs > 1:
        store.engine.dispose()  # no pooled connection may be copied into the workers
    with Decider(book, lang, jobs) as decider:
        with store.errors("start the batch run"):
            claim = claim_run(store.engine, input_name=str(path), input_sha256=print_.sha256,
                              rules_fingerprint=rules_fingerprint(book), operator=operator)
        try:
            progress = on_start(claim.run, claim.resumed, print_.lines) if on_start else None
            summary = Summary()
            with Outputs(out, rejected, inputs=inputs) as outputs:
                writer = _Writer(store, operator, lang, threaded=_store_in_thread(store))
                try:
                    chunks = _Chunks(writer, claim, summary, chunk_size)
                    last_line = _process(decider.decide(read_records(path)), chunks, summary, outputs, progress)
                    writer.close()
                finally:
                    writer.abandon()
                with store.errors("finish the batch run"):
                    finish_run(store.engine, claim.run.id, lines_done=last_line, rows_decided=summary.decided,
                               rows_rejected=summary.rejected)
                outputs.commit()
        finally:
            claim.release()
    resumed = claim.run.lines_done if claim.resumed else None
    return BatchResult(run_info(store.engine, claim.run.id), resumed, summary)


def _store_in_thread(store: Store) -> bool:
    """Store from a thread on PostgreSQL, where the driver waits for the server with the GIL released in few,
    long waits.  Not on SQLite: its driver takes the GIL back after every row's step, and the two threads
    handing it over cost more than they overlap (measured, 100,000 rows: 24 s of CPU inline, 30 s threaded)."""
    return store.engine.dialect.name != "sqlite"


def _process(outcomes: Iterator[Decided | Rejection], chunks: _Chunks, summary: Summary, outputs: Outputs,
             progress: Progress | None) -> int:
    pending = 0
    last_line = chunks.claim.run.lines_done
    for outcome in outcomes:
        line = outcome.line or 0
        if isinstance(outcome, Rejection):
            summary.reject(outcome)
            outputs.rejection(outcome)
            chunks.add(line, None)
        else:
            summary.add(outcome)
            outputs.decision(outcome.decision_json)
            chunks.add(line, outcome)
        last_line = max(last_line, line)
        pending += 1
        if progress is not None and pending >= PROGRESS_EVERY:
            progress(pending)
            pending = 0
    chunks.flush()
    if progress is not None and pending:
        progress(pending)
    return last_line
