"""Deciding the records of a batch, in this process or in worker processes, always in input order.

`Decider.decide` validates each record, decides it with the fast path of `evaluate` and serialises the
result once (`Decided`: the JSON texts, their digests, the columns), or gives its `Rejection`.  With
`jobs > 1` the records go, a few hundred at a time, to worker processes forked at once when the `Decider` is
made — before any thread starts and, the caller sees to it, with no database connection open (a copy of a
socket would keep the server from releasing a dead batch's locks).  Each worker keeps the rule book it
inherited and dies with its parent (Linux: the parent-death signal), so a batch killed with `kill -9` leaves
no process behind.  At most two chunks per worker are in flight: memory stays flat whatever the file's size.
Where fork is not available, it decides in this process.

It must never reorder records, drop one, or touch the store: the caller stores what it yields.
"""

from __future__ import annotations

import ctypes
import hashlib
import multiprocessing
import os
import signal
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from itertools import islice

from ..engine import as_lang, evaluate
from ..errors import AidEngineError
from ..ruleset import RuleBook
from ..store.writer import Decided
from .readers import Record, Rejection, validate

CHUNK = 250
IN_FLIGHT_PER_JOB = 2
PARALLEL_FROM_LINES = 5000
MIN_CPUS_FOR_WORKERS = 4

Outcome = Decided | Rejection


def decide_one(record: Record, book: RuleBook, lang: str) -> Outcome:
    """A record decided, or why not (bad field, or no rule set in force at its start date)."""
    row = validate(record)
    if row.declaration is None:
        return row.rejection or Rejection(record.line, record.learner_id, ("row",), "cannot be read")
    try:
        return Decided.of(row.declaration, evaluate(row.declaration, book, lang=as_lang(lang)), row.line)
    except AidEngineError as exc:
        return Rejection.of_error(row.line, row.declaration.learner_id, exc)


def decide_chunk(records: list[Record], book: RuleBook, lang: str) -> list[Outcome]:
    return [decide_one(record, book, lang) for record in records]


def rules_fingerprint(book: RuleBook) -> str:
    """One sha256 over every rule set's id and sha256: the same rule book, the same fingerprint."""
    return hashlib.sha256("\n".join(f"{rs.id}:{rs.sha256}" for rs in book).encode()).hexdigest()


_worker_book: RuleBook | None = None
_worker_lang = "fr"
PR_SET_PDEATHSIG = 1


def _die_with(parent: int) -> None:
    """Ask the kernel to kill this worker when its parent dies (Linux); exit now if it is already gone."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux: the worker ends when the parent's queue closes
        return
    if os.getppid() != parent:
        os._exit(1)


def _worker_start(book: RuleBook, lang: str, parent: int) -> None:
    """In a forked worker: keep the inherited rule book, die with the parent, leave Ctrl-C to the parent."""
    global _worker_book, _worker_lang
    _die_with(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _worker_book, _worker_lang = book, lang


def _ready() -> bool:
    return _worker_book is not None


def _worker_decide(records: list[Record]) -> list[Outcome]:
    if _worker_book is None:  # pragma: no cover - the initializer always runs first
        raise RuntimeError("worker started without its rule book")
    return decide_chunk(records, _worker_book, _worker_lang)


def default_jobs(lines: int) -> int:
    """Worker processes for a file of `lines` lines: none for a small file or a machine of fewer than four
    CPUs (measured: on two, this process and the database already use both, and workers only add their
    cost), else one per CPU beyond two, at most four."""
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    if lines < PARALLEL_FROM_LINES or cpus < MIN_CPUS_FOR_WORKERS:
        return 1
    return min(cpus - 2, 4)


def _chunks(records: Iterable[Record]) -> Iterator[list[Record]]:
    iterator = iter(records)
    while chunk := list(islice(iterator, CHUNK)):
        yield chunk


class Decider:
    """Decides records with `jobs` worker processes (1: in this process); close it (or use `with`) to stop
    the workers.  Make it before any thread or database connection of this process exists: it forks."""

    def __init__(self, book: RuleBook, lang: str, jobs: int) -> None:
        self.book, self.lang = book, lang
        self.pool: ProcessPoolExecutor | None = None
        if jobs > 1 and "fork" in multiprocessing.get_all_start_methods():
            self.pool = ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("fork"),
                                            initializer=_worker_start, initargs=(book, lang, os.getpid()))
            self.pool.submit(_ready).result()  # forks every worker now, before the caller starts a thread
        self.window = max(1, jobs) * IN_FLIGHT_PER_JOB

    def decide(self, records: Iterable[Record]) -> Iterator[Outcome]:
        """Every record's outcome, in input order."""
        if self.pool is None:
            for chunk in _chunks(records):
                yield from decide_chunk(chunk, self.book, self.lang)
            return
        pending: deque[Future[list[Outcome]]] = deque()
        for chunk in _chunks(records):
            pending.append(self.pool.submit(_worker_decide, chunk))
            if len(pending) >= self.window:
                yield from pending.popleft().result()
        while pending:
            yield from pending.popleft().result()

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None

    def __enter__(self) -> Decider:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()
