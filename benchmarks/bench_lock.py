"""Many writers, one PostgreSQL: how long a chunk holds the audit chain's lock against how long a writer takes
to produce that chunk, hence how many `aid-engine batch` processes one server serves before the lock saturates.

A writer extends the chain in one transaction per chunk, holding PostgreSQL's advisory lock from the start of
that transaction to its commit (`store.database.write_transaction`; never per row).  Measured here on a fresh
database of the server of `AID_ENGINE_TEST_PG_URL`, chunks of `CHUNK` synthetic rows:
- processing time per chunk: read the CSV rows, validate, decide and serialise them, in one process
  (`batch.deciding.decide_chunk` on records read by `batch.readers.read_records`) — what a writer does
  between two chunks, without the lock;
- lock hold time per chunk: the chunk's write transaction, timed around `Store.write` (uncontended, so the
  wait for the lock is nil and the whole transaction is the hold), median over the chunks, the chain growing.

While one writer holds the lock, the others process their next chunks; the lock saturates when the writers
ask for it as fast as it is released: writers ≈ (processing + hold) / hold.  Past that, more processes add
nothing to the store's rate: one PostgreSQL then writes at most CHUNK / hold rows per second.
"""

from __future__ import annotations

import statistics
import time
from itertools import islice
from pathlib import Path
from typing import Any

CHUNK = 2000


def _records(csv_path: Path, n: int) -> list[Any]:
    from aid_engine.batch.readers import read_records

    return list(islice(read_records(csv_path), n))


def run(csv_path: Path, pg_url: str, chunks: int = 5) -> dict[str, dict[str, Any]]:
    """The lock figures on a fresh database of the server at `pg_url`, from the rows of `csv_path`."""
    import aid_engine
    from aid_engine.batch.deciding import decide_chunk
    from aid_engine.store import Decided, open_store

    from .bench_batch import postgres_url

    records = _records(csv_path, CHUNK * chunks)
    book = aid_engine.default_rulebook()
    decide_chunk(records[:50], book, "fr")  # warm the memos as a running batch has them
    processing, hold = [], []
    with postgres_url(pg_url) as url:
        store = open_store(url)
        try:
            for start in range(0, len(records), CHUNK):
                began = time.perf_counter()
                items = [o for o in decide_chunk(records[start:start + CHUNK], book, "fr") if isinstance(o, Decided)]
                processing.append(time.perf_counter() - began)
                began = time.perf_counter()
                store.write(items, operator="bench")
                hold.append(time.perf_counter() - began)
                store.refresh_statistics()
        finally:
            store.close()
    p, h = statistics.median(processing), statistics.median(hold)
    return {"lock_per_chunk": {
        "chunk_rows": CHUNK, "chunks": len(hold), "processing_s": p, "hold_s": h,
        "writers_to_saturate": (p + h) / h, "max_rows_per_s": CHUNK / h,
        "processing_all_s": processing, "hold_all_s": hold,
    }}


def rows(figures: dict[str, Any]) -> list[tuple[str, float | None, str]]:
    """(label, value, unit) rows for the suite's table."""
    f = figures.get("lock_per_chunk")
    if f is None:
        return [("chain lock per chunk (PostgreSQL)", None, "s")]
    n = f"{f['chunk_rows']:,}"
    return [
        (f"chain lock held per chunk of {n} rows (PostgreSQL, median of {f['chunks']})", f["hold_s"], "s"),
        (f"  a writer's processing per chunk of {n} rows (read, validate, decide)", f["processing_s"], "s"),
        ("  writers one PostgreSQL serves before the lock saturates ((processing + hold) / hold)",
         f["writers_to_saturate"], "writers"),
        ("  the store's ceiling then (chunk rows / hold)", f["max_rows_per_s"], "rows/s"),
    ]
