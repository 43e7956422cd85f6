"""The batch's writer (a thread on PostgreSQL, inline on SQLite): a store error stops the run with the store's
message, the chunk that failed stored not at all, the chunks before it stored whole with their checkpoint, and
a new run resumes there."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from store_helpers import count, head_lines

from aid_engine import default_rulebook
from aid_engine.batch import run_batch
from aid_engine.errors import StoreError
from aid_engine.store import Store
from aid_engine.store.tables import batch_runs, decisions


def test_a_store_error_in_the_writer_stops_the_batch_with_nothing_half_written(
        store: Store, example_batch: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = head_lines(example_batch, tmp_path / "in.csv", 120)
    original = Store.write
    calls = []

    def failing(self: Store, items, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(kwargs["checkpoint"].lines_done)
        if len(calls) == 2:
            with self.errors("store a chunk of decisions"):
                raise StoreError("disk full")
        return original(self, items, **kwargs)

    monkeypatch.setattr(Store, "write", failing)
    out, rejected = tmp_path / "out.jsonl", tmp_path / "rejected.csv"
    with pytest.raises(StoreError, match="disk full"):
        run_batch(store, default_rulebook(), path, out=out, rejected=rejected, operator="tester", chunk_size=20,
                  jobs=1)
    assert len(calls) in (2, 3)  # the chunk gathered meanwhile may be handed over, never stored
    assert not out.exists() and not rejected.exists()
    with store.engine.connect() as c:
        lines_done, status = c.execute(select(batch_runs.c.lines_done, batch_runs.c.status)).one()
    assert lines_done == calls[0] and status != "done"
    stored = count(store.engine, decisions)
    assert 0 < stored <= 20 and store.verify().decisions == stored

    monkeypatch.setattr(Store, "write", original)
    result = run_batch(store, default_rulebook(), path, out=out, rejected=rejected, operator="tester",
                       chunk_size=20, jobs=1)
    assert result.resumed_from_line == calls[0]
    assert count(store.engine, decisions) == result.run.decisions_new == result.summary.decided  # the run's total
    assert store.verify().decisions == count(store.engine, decisions)
