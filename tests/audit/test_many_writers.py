"""Many writers, one PostgreSQL: four `aid-engine batch` processes at once over overlapping files store each
decision once, in one valid chain, and the very decisions one process storing the whole file does.

The chain's lock is taken once per chunk (small chunks here, so that the writers interleave many times)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from audit_helpers import EXAMPLES, cli
from sqlalchemy import func, select

from aid_engine.store import open_store
from aid_engine.store.tables import audit_records, decisions

ROOT = Path(__file__).resolve().parents[2]
COLUMNS = ("learner_id", "declaration_digest", "ruleset_sha256", "status", "echelon", "points_de_charge", "months",
           "annual_cents", "monthly_cents", "total_cents", "academic_year")
WINDOWS = ((0, 250), (50, 300), (100, 400), (150, 400))


def _decisions(url: str) -> tuple[list[tuple[object, ...]], int, int]:
    """The decisions' content (no ids, times nor operators), how many rows, how many audit records."""
    store = open_store(url)
    try:
        with store.engine.connect() as c:
            rows = sorted(tuple(r) for r in c.execute(select(*(decisions.c[name] for name in COLUMNS))))
            records = c.execute(select(func.count()).select_from(audit_records)).scalar_one()
    finally:
        store.close()
    return rows, len(rows), int(records)


@pytest.mark.postgres
def test_four_batch_processes_at_once_store_each_decision_once_in_one_chain(pg_schemas: Any,
                                                                          tmp_path: Path) -> None:
    lines = (EXAMPLES / "batch.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    header, rows = lines[0], lines[1:]
    files = []
    for i, (start, end) in enumerate(WINDOWS):
        path = tmp_path / f"part{i}.csv"
        path.write_text(header + "".join(rows[start:end]), encoding="utf-8")
        files.append(path)
    reference = pg_schemas.new_url()
    assert cli("batch", str(EXAMPLES / "batch.csv"), "--db", reference, "--jobs", "1")[0] == 0
    shared = pg_schemas.new_url()
    open_store(shared).close()  # the schema made once, before the writers race
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("AID_ENGINE_SIGNING_KEY", None)
    writers = [subprocess.Popen([sys.executable, "-m", "aid_engine", "batch", str(path), "--db", shared,
                                 "--chunk-size", "20", "--jobs", "1", "--operator", f"writer{i}"],
                                cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
               for i, path in enumerate(files)]
    for writer in writers:
        _, err = writer.communicate(timeout=600)
        assert writer.returncode == 0, err
    code, _, err = cli("audit", "verify", "--db", shared)
    assert code == 0, err
    expected, n, _ = _decisions(reference)
    stored, count, records = _decisions(shared)
    assert count == len({row[:3] for row in stored}) == n  # no decision twice, none missing
    assert records == count + 4  # one audit record each, and each of the 4 runs its run record, in one chain
    # The keyed digest differs between two stores (each declaration has its own secret): compare the rest.
    assert sorted(r[:1] + r[2:] for r in stored) == sorted(r[:1] + r[2:] for r in expected)
