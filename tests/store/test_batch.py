"""`run_batch`: every valid row decided and stored once, every bad row reported with its line, the output
files exact, re-runs idempotent, a run killed with `kill -9` resumed to the state of an uninterrupted one."""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from store_helpers import count, head_lines, snapshot

from aid_engine import default_rulebook
from aid_engine.batch import CHUNK_SIZE, REJECTED_HEADER, BatchResult, read_rows, run_batch
from aid_engine.models import Decision
from aid_engine.store import Store, open_store
from aid_engine.store.runs import pid_alive
from aid_engine.store.tables import audit_records, batch_runs, decisions, declarations

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
sys.path.insert(0, str(EXAMPLES))
import make_batch  # noqa: E402  (the examples' generator, also the source of the bigger files here)


def _run(store: Store, path: Path, where: Path, chunk_size: int = CHUNK_SIZE,
         jobs: int = 1) -> tuple[BatchResult, Path, Path]:
    where.mkdir(exist_ok=True)
    out, rejected = where / "out.jsonl", where / "rejected.csv"
    result = run_batch(store, default_rulebook(), path, out=out, rejected=rejected, operator="tester",
                       chunk_size=chunk_size, jobs=jobs)
    return result, out, rejected


def test_the_example_batch_decides_every_valid_row_once_and_rejects_the_bad_ones(
        store: Store, example_batch: Path, tmp_path: Path) -> None:
    result, out, rejected = _run(store, example_batch, tmp_path)
    rows = list(read_rows(example_batch))
    valid = [r for r in rows if r.declaration is not None]
    lines = out.read_text(encoding="utf-8").split("\n")
    assert lines[-1] == "" and len(lines) - 1 == result.summary.decided
    rejected_rows = list(csv.reader(io.StringIO(rejected.read_text(encoding="utf-8"))))
    assert tuple(rejected_rows[0]) == REJECTED_HEADER
    uncovered = [r for r in valid if r.declaration and r.declaration.training_start_date < date(2016, 9, 1)]
    assert len(rejected_rows) - 1 == result.summary.rejected == len(rows) - len(valid) + len(uncovered)
    assert {"granted", "refused", "review"} <= set(result.summary.by_status)
    assert count(store.engine, decisions) == result.run.decisions_new == result.summary.decided
    assert store.verify().decisions == result.summary.decided


def test_each_output_line_is_the_decision_json_of_the_contract(store: Store, example_batch: Path,
                                                                tmp_path: Path) -> None:
    _, out, _ = _run(store, head_lines(example_batch, tmp_path / "in.csv", 120), tmp_path)
    for line in out.read_text(encoding="utf-8").splitlines():
        decision = Decision.model_validate_json(line)
        assert line == json.dumps(decision.model_dump(mode="json"), ensure_ascii=False, separators=(",", ":"))


def test_rejected_rows_name_line_learner_field_and_reason_and_cannot_run_as_formulas(
        store: Store, tmp_path: Path) -> None:
    header, good = _csv_lines(2)
    bad_date = good.replace("2024-09-16", "2024-02-30", 1)
    two_errors = good.replace(";FAB-75-0042;unqualified;french;", ";FAB-75-0042;;martian;")
    formula = "=1+1" + good[good.index(";"):].replace(";12,5;", ";-12;")
    path = tmp_path / "in.csv"
    path.write_text("\n".join([header, good, bad_date, "", two_errors, formula]) + "\n", encoding="utf-8")
    _, out, rejected = _run(store, path, tmp_path)
    rows = list(csv.DictReader(io.StringIO(rejected.read_text(encoding="utf-8"))))
    assert [(r["line"], r["field"]) for r in rows] == [
        ("3", "training_start_date"), ("5", "profile;nationality"), ("6", "distance_km")]
    assert rows[0]["learner_id"] == "GEN-2024-0001" and "calendar date" in rows[0]["reason"]
    assert "profile: " in rows[1]["reason"] and "; nationality: " in rows[1]["reason"]
    assert rows[2]["learner_id"] == "'=1+1"
    assert len(out.read_text(encoding="utf-8").splitlines()) == 1


def _csv_lines(_: int) -> tuple[str, str]:
    header = ";".join(make_batch.DECLARATION_FIELDS)
    cells = {"learner_id": "GEN-2024-0001", "application_date": "2024-10-07", "training_start_date": "2024-09-16",
             "training_end_date": "2025-06-27", "training_labelled": "true", "fabrique_id": "FAB-75-0042",
             "profile": "unqualified", "nationality": "french", "residence_years": "",
             "international_protection": "false", "own_tax_return": "true", "revenu_brut_global": "180,00",
             "income_year": "2022", "dependent_children": "0", "children_in_higher_education": "0",
             "distance_km": "12,5", "jobseeker_aid": "false", "work_study_contract": "false",
             "training_leave": "false", "employment_or_region_aid": "false", "higher_education_grant": "false",
             "sex": "F", "birth_date": ""}
    return header, ";".join(cells[f] for f in make_batch.DECLARATION_FIELDS)


def test_comma_separated_csv_with_a_bom_and_json_lines_give_the_same_decisions(store: Store, tmp_path: Path) -> None:
    header, good = _csv_lines(1)
    comma = tmp_path / "comma.csv"
    comma_row = good.replace(",", ".").replace(";", ",")
    comma.write_bytes(b"\xef\xbb\xbf" + f"{header.replace(';', ',')}\r\n{comma_row}\r\n".encode())
    jsonl = tmp_path / "in.jsonl"
    declaration = next(read_rows(comma)).declaration
    assert declaration is not None
    jsonl.write_text("\n" + declaration.model_dump_json() + "\n{not json\n[1]\n", encoding="utf-8")
    a, out_a, _ = _run(store, comma, tmp_path / "csv")
    b, out_b, _ = _run(store, jsonl, tmp_path / "jsonl")
    assert a.summary.decided == b.summary.decided == 1
    assert [r.line for r in b.summary.first_rejections] == [3, 4]
    assert out_a.read_bytes() == out_b.read_bytes()
    assert count(store.engine, decisions) == 1


def test_a_line_that_is_not_utf8_is_rejected_and_the_others_go_on(store: Store, tmp_path: Path) -> None:
    header, good = _csv_lines(1)
    path = tmp_path / "in.csv"
    other = good.replace("GEN-2024-0001", "GEN-2024-0002")
    path.write_bytes(f"{header}\n".encode() + good.replace("FAB-75-0042", "FAB-\xe9").encode("latin-1") + b"\n"
                     + f"{other}\n".encode())
    result, _, rejected = _run(store, path, tmp_path)
    assert result.summary.decided == 1
    assert '2,"GEN-2024-0001","row","is not UTF-8 text"' in rejected.read_text(encoding="utf-8")


def test_deciding_in_worker_processes_gives_the_same_files_and_store(new_db: object, example_batch: Path,
                                                                    tmp_path: Path) -> None:
    results = []
    for jobs in (1, 2):
        store = open_store(new_db())  # type: ignore[operator]
        try:
            result, out, rejected = _run(store, example_batch, tmp_path / f"jobs{jobs}", jobs=jobs)
            results.append((result.summary.lines(), out.read_bytes(), rejected.read_bytes(), snapshot(store.engine)))
        finally:
            store.close()
    assert results[0] == results[1]


def test_stored_times_read_back_as_times(store: Store, example_batch: Path, tmp_path: Path) -> None:
    _run(store, head_lines(example_batch, tmp_path / "in.csv", 5), tmp_path)
    with store.engine.connect() as c:
        decided_at, received_at = c.execute(select(decisions.c.decided_at, declarations.c.received_at).join(
            declarations, decisions.c.declaration_id == declarations.c.id)).first()  # type: ignore[misc]
    assert isinstance(decided_at, datetime) and decided_at == received_at
    assert abs(decided_at.replace(tzinfo=UTC) - datetime.now(UTC)) < timedelta(minutes=5)


def test_running_the_same_file_again_stores_nothing_new(store: Store, example_batch: Path, tmp_path: Path) -> None:
    path = head_lines(example_batch, tmp_path / "in.csv", 150)
    first, out_1, _ = _run(store, path, tmp_path / "first", chunk_size=40)
    before = snapshot(store.engine)
    second, out_2, _ = _run(store, path, tmp_path / "second", chunk_size=40)
    after = snapshot(store.engine)
    assert second.run.decisions_new == 0 and second.run.id != first.run.id
    assert after["decisions"] == before["decisions"] and after["declarations"] == before["declarations"]
    # the second run added its own run record only
    assert after["audit_records"][:-1] == before["audit_records"] and after["audit_records"][-1]["kind"] == "run"
    report = store.verify()
    assert (report.records, report.decisions, report.runs) == (first.run.decisions_new + 2, first.run.decisions_new, 2)
    assert out_1.read_bytes() == out_2.read_bytes()


def _batch_command(path: Path, url: str, out: Path, rejected: Path, chunk: int, jobs: int = 1) -> list[str]:
    return [sys.executable, "-m", "aid_engine", "batch", str(path), "--db", url, "--out", str(out),
            "--rejected", str(rejected), "--operator", "tester", "--chunk-size", str(chunk), "--jobs", str(jobs)]


def _lines_done(url: str) -> int:
    store = open_store(url)
    try:
        with store.engine.connect() as c:
            return int(c.execute(select(func.coalesce(func.max(batch_runs.c.lines_done), 0))).scalar_one())
    finally:
        store.close()


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(child) for child in path.read_text().split()] if path.exists() else [-1, -2]


def _gone(pids: list[int]) -> bool:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if not [p for p in pids if pid_alive(p)]:
            return True
        time.sleep(0.05)
    return False


@pytest.mark.slow
def test_a_batch_killed_mid_way_resumes_to_the_state_of_an_uninterrupted_run(
        new_db: object, tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    make_batch.write(path, 2500)
    killed_url, reference_url = new_db(), new_db()  # type: ignore[operator]
    open_store(killed_url).close()
    command = _batch_command(path, killed_url, tmp_path / "a.jsonl", tmp_path / "a.csv", 100, jobs=2)
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while _lines_done(killed_url) < 400 and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    workers = _children(process.pid)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert len(workers) == 2 and _gone(workers), "the workers of a killed batch must not outlive it"
    assert process.returncode == -signal.SIGKILL, process.stderr.read() if process.stderr else ""
    process.stderr.close()  # type: ignore[union-attr]
    interrupted_at = _lines_done(killed_url)
    assert 400 <= interrupted_at < 2501
    resumed = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert resumed.returncode == 0, resumed.stderr
    assert f"resumed after line {interrupted_at}" in resumed.stdout
    whole = subprocess.run(_batch_command(path, reference_url, tmp_path / "b.jsonl", tmp_path / "b.csv", 100),
                           capture_output=True, text=True, timeout=120)
    assert whole.returncode == 0, whole.stderr
    killed, reference = open_store(killed_url), open_store(reference_url)
    try:
        assert snapshot(killed.engine) == snapshot(reference.engine)
        assert killed.verify().records == reference.verify().records
    finally:
        killed.close()
        reference.close()
    assert (tmp_path / "a.jsonl").read_bytes() == (tmp_path / "b.jsonl").read_bytes()
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()


@pytest.mark.slow
def test_two_batches_of_the_same_file_at_once_store_each_decision_once(new_db: object, tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    make_batch.write(path, 1500)
    url = new_db()  # type: ignore[operator]
    open_store(url).close()
    runs = [subprocess.Popen(_batch_command(path, url, tmp_path / f"{n}.jsonl", tmp_path / f"{n}.csv", 50),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for n in (1, 2)]
    outcomes = [run.communicate(timeout=180) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outcomes
    store = open_store(url)
    try:
        with store.engine.connect() as c:
            keys = c.execute(select(decisions.c.learner_id, decisions.c.declaration_digest,
                                    decisions.c.ruleset_sha256, func.count()).group_by(
                decisions.c.learner_id, decisions.c.declaration_digest, decisions.c.ruleset_sha256)).all()
            runs_done = c.execute(select(batch_runs.c.status, batch_runs.c.decisions_new)).all()
            digests = c.execute(select(func.count(), func.count(declarations.c.digest.distinct()))).one()
        assert keys and all(n == 1 for *_, n in keys)
        assert sorted(s for s, _ in runs_done) == ["done", "done"]
        assert sum(n for _, n in runs_done) == len(keys) == count(store.engine, audit_records) - 2  # 2 run records
        assert digests[0] == digests[1]
        assert store.verify().decisions == len(keys)
    finally:
        store.close()
    assert (tmp_path / "1.jsonl").read_bytes() == (tmp_path / "2.jsonl").read_bytes()


def test_ids_given_under_the_lock_leave_the_id_sequences_usable(store: Store, example_batch: Path,
                                                                 tmp_path: Path) -> None:
    _run(store, head_lines(example_batch, tmp_path / "in.csv", 30), tmp_path)
    with store.engine.begin() as c:
        before = c.execute(select(func.max(declarations.c.id))).scalar_one()
        c.execute(declarations.insert().values(learner_id="L", digest="d" * 64, payload="{}",
                                               received_at=datetime.now(UTC)))
        assert c.execute(select(func.max(declarations.c.id))).scalar_one() == before + 1
