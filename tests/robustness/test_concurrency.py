"""Concurrency: three `aid-engine batch` processes on the same file and the same database, while
`aid-engine check --save` stores decisions of learners the batch also decides (same idempotency key) and
others — on PostgreSQL (required under CI) and SQLite.  Afterwards: each decision once, one audit record per
decision, the hash chain intact, the three runs done with the same output files."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import make_batch
from robust_helpers import EXAMPLES, assert_clean_failure
from sqlalchemy import func, select

from aid_engine.batch import read_rows
from aid_engine.store import open_store
from aid_engine.store.tables import audit_records, batch_runs, decisions

ROWS = 900
BATCHES = 3


def _check_files(batch_file: Path, where: Path) -> list[Path]:
    """The examples, and ten declarations of the batch file as JSON documents (the same keys as the batch's)."""
    files = sorted(EXAMPLES.glob("*.json"))
    rows = [row for row in read_rows(batch_file) if row.declaration is not None][:10]
    for n, row in enumerate(rows):
        assert row.declaration is not None
        path = where / f"row{n}.json"
        path.write_text(json.dumps(row.declaration.model_dump(mode="json")), encoding="utf-8")
        files.append(path)
    return files


def test_batches_and_check_save_at_once_store_each_decision_once_in_one_chain(new_db: Callable[[], str],
                                                                                tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    make_batch.write(path, ROWS)
    url = new_db()
    open_store(url).close()
    batches = [subprocess.Popen(
        [sys.executable, "-m", "aid_engine", "batch", str(path), "--db", url, "--out", str(tmp_path / f"{n}.jsonl"),
         "--chunk-size", "40", "--jobs", "1", "--operator", f"batch{n}"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for n in range(BATCHES)]
    checker = ("import sys\nfrom aid_engine.cli import main\nfor f in sys.argv[2:]:\n"
               "    try:\n        main(['check', f, '--save', '--json', '--db', sys.argv[1], '--operator', 'desk'])\n"
               "    except SystemExit as e:\n        assert e.code == 0, (f, e.code)\n")
    checks = subprocess.run([sys.executable, "-c", checker, url, *map(str, _check_files(path, tmp_path))],
                            capture_output=True, text=True, timeout=240, check=False)
    outcomes = [b.communicate(timeout=240) for b in batches]
    assert checks.returncode == 0, checks.stderr
    assert [b.returncode for b in batches] == [0] * BATCHES, [err for _, err in outcomes]
    for out, err in [*outcomes, (checks.stdout, checks.stderr)]:
        assert_clean_failure(out + err)
    store = open_store(url)
    try:
        with store.engine.connect() as c:
            d = decisions.c
            per_key = c.execute(select(func.count()).select_from(decisions).group_by(
                d.learner_id, d.declaration_digest, d.ruleset_sha256)).scalars().all()
            runs = c.execute(select(batch_runs.c.status, batch_runs.c.decisions_new)).all()
            records = c.execute(select(func.count()).select_from(audit_records)).scalar_one()
            by_desk = c.execute(select(func.count()).select_from(decisions).where(d.operator == "desk")).scalar_one()
        assert per_key and set(per_key) == {1}, "no idempotency key stored twice"
        assert sorted(status for status, _ in runs) == ["done"] * BATCHES
        assert sum(n for _, n in runs) + by_desk == len(per_key) == records - BATCHES  # + one run record per run
        report = store.verify()
        assert report.decisions == len(per_key) == report.records - report.runs
    finally:
        store.close()
    outputs = {(tmp_path / f"{n}.jsonl").read_bytes() for n in range(BATCHES)}
    assert len(outputs) == 1
