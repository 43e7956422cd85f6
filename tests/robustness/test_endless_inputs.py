"""Inputs that never end or never stop growing (issue 13): devices, FIFOs and directories given as a declaration
or a batch, an endless standard input, a JSON object of 200 000 unknown keys, one line of tens of megabytes in a
JSON Lines or CSV batch, a CSV of one-character rows, store ids too large for any integer column.  Each is
answered by exit 2 or a rejected row, within seconds and in bounded memory, never echoing the value."""

from __future__ import annotations

import csv
import json
import os
import resource
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import pytest
from robust_helpers import HEADER, assert_clean_failure, cli, csv_line
from strategies import base_declaration

from aid_engine.batch import read_rows
from aid_engine.errors import MAX_MESSAGE, MAX_PROBLEMS, DeclarationError
from aid_engine.models import Declaration

DEVICES = ["/dev/zero", "/dev/urandom", "/dev/null"]


def _fifo(tmp_path: Path) -> Path:
    path = tmp_path / "fifo.json"
    os.mkfifo(path)
    return path


@pytest.mark.parametrize("command", ["check", "explain"])
@pytest.mark.parametrize("device", DEVICES)
def test_a_device_as_the_declaration_is_refused_before_it_is_read(command: str, device: str) -> None:
    started = time.monotonic()
    result = cli(command, device)
    assert result.exit_code == 2, result.stderr
    assert "is a device" in result.stderr and device in result.stderr
    assert_clean_failure(result.stderr)
    assert time.monotonic() - started < 10


@pytest.mark.parametrize("command", ["check", "explain", "batch"])
def test_a_fifo_or_a_directory_as_the_input_is_refused(tmp_path: Path, command: str) -> None:
    db = ("--db", f"sqlite:///{tmp_path / 's.db'}") if command == "batch" else ()
    for path, words in ((_fifo(tmp_path), "FIFO"), (tmp_path, "directory")):
        result = cli(command, str(path), *db)
        assert result.exit_code == 2, result.stderr
        assert words in result.stderr, result.stderr
        assert_clean_failure(result.stderr)


@pytest.mark.parametrize("device", DEVICES)
def test_a_device_as_the_batch_is_refused_before_its_fingerprint_reads_it(tmp_path: Path, device: str) -> None:
    result = cli("batch", device, "--db", f"sqlite:///{tmp_path / 's.db'}")
    assert result.exit_code == 2, result.stderr
    assert "is a device" in result.stderr
    assert_clean_failure(result.stderr)


def _bounded_process(*args: str, stdin: object = subprocess.DEVNULL) -> subprocess.CompletedProcess[str]:
    limit = 600 << 20  # address space: the interpreter and its libraries take about 300 MB of it

    def bounded() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    return subprocess.run([sys.executable, "-m", "aid_engine", *args], stdin=stdin, capture_output=True, text=True,
                          timeout=120, check=False, preexec_fn=bounded)


@pytest.mark.parametrize("command", ["check", "explain"])
def test_an_endless_standard_input_is_refused_after_1_mib(command: str) -> None:
    with open("/dev/zero", "rb") as zero:
        result = _bounded_process(command, "-", stdin=zero)
    assert result.returncode == 2, result.stderr[-500:]
    assert "<stdin>" in result.stderr and "1 MiB" in result.stderr
    assert_clean_failure(result.stderr)


# -- growing without end ------------------------------------------------------------------------------------------


def test_an_object_of_200_000_unknown_keys_gives_20_short_problems_quickly() -> None:
    data = base_declaration()
    data.update({f"unknown_field_{n}": n for n in range(200_000)})
    started = time.monotonic()
    with pytest.raises(DeclarationError) as info:
        Declaration.parse(data)
    assert time.monotonic() - started < 10
    problems = info.value.problems
    assert len(problems) <= MAX_PROBLEMS
    assert all(len(p.message) <= MAX_MESSAGE for p in problems)
    assert len(str(info.value)) < MAX_PROBLEMS * (MAX_MESSAGE + 60) + 200


def test_check_of_a_file_of_unknown_keys_says_little(tmp_path: Path) -> None:
    data = base_declaration()
    data.update({f"k{n}": 0 for n in range(80_000)})  # just under 1 MiB
    path = tmp_path / "keys.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    assert path.stat().st_size < 1 << 20
    result = cli("check", str(path))
    assert result.exit_code == 2
    assert len(result.stderr) < 6000, len(result.stderr)
    assert_clean_failure(result.stderr)


def _peak_of_reading(path: Path) -> tuple[list[object], int]:
    tracemalloc.start()
    try:
        rows = list(read_rows(path))
        return rows, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_a_json_lines_line_of_30_mb_is_a_rejected_row_read_in_bounded_memory(tmp_path: Path) -> None:
    good = json.dumps(base_declaration(learner_id="GOOD-1"))
    huge = json.dumps(base_declaration(learner_id="L" * (30 << 20)))
    path = tmp_path / "in.jsonl"
    path.write_text("\n".join([good, huge, good.replace("GOOD-1", "GOOD-2")]) + "\n", encoding="utf-8")
    del huge
    rows, peak = _peak_of_reading(path)
    assert peak < 8 << 20, peak
    assert [r.line for r in rows] == [1, 2, 3]
    assert rows[0].declaration is not None and rows[2].declaration is not None
    rejection = rows[1].rejection
    assert rejection is not None and rejection.learner_id == "" and "1 MiB" in rejection.reason
    assert "LLLL" not in rejection.reason


def test_a_csv_line_of_30_mb_is_a_rejected_row_and_the_batch_goes_on(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    with path.open("w", encoding="utf-8") as file:
        file.write(HEADER + "\n" + csv_line(learner_id="GOOD-1") + "\n")
        file.write(csv_line(learner_id="L" * (30 << 20)) + "\n")
        file.write(csv_line(learner_id="GOOD-2") + "\n")
    rows, peak = _peak_of_reading(path)
    assert peak < 8 << 20, peak
    assert [r.line for r in rows] == [2, 3, 4]
    assert rows[1].rejection is not None and "1 MiB" in rows[1].rejection.reason
    assert rows[0].declaration is not None and rows[2].declaration is not None


def test_a_csv_of_one_character_rows_gives_one_short_reason_per_row(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_text(HEADER + "\n" + "x\n" * 200_000, encoding="utf-8")
    started = time.monotonic()
    rows = list(read_rows(path))
    assert time.monotonic() - started < 60
    assert len(rows) == 200_000
    assert all(r.rejection is not None and len(r.rejection.reason) < 80 and r.rejection.fields == ("row",)
               for r in rows)


def test_the_rejected_file_of_short_rows_stays_small(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_text(HEADER + "\n" + "x\n" * 2_000 + csv_line(learner_id="GOOD-1") + "\n", encoding="utf-8")
    rejected = tmp_path / "rejected.csv"
    result = cli("batch", str(path), "--db", f"sqlite:///{tmp_path / 's.db'}", "--rejected", str(rejected))
    assert result.exit_code == 0, result.stderr
    with rejected.open(encoding="utf-8", newline="") as file:
        lines = list(csv.DictReader(file))
    assert len(lines) == 2_000
    assert rejected.stat().st_size < 2_000 * 100


# -- ids too large for the store ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("args", "option"), [
    (("report", "--run", "999999999999999999999"), "--run"),
    (("replay", "99999999999999999999999"), "decision_id"),
    (("recovery", "GEN-1", "--left-on", "2025-01-01", "--decision", "99999999999999999999999"), "--decision"),
    (("diff", "1", "99999999999999999999999"), "run_b"),
    (("report", "--run", "-1"), "--run"),
    (("replay", "0"), "decision_id"),
])
def test_an_id_beyond_any_integer_column_exits_2_naming_the_option(tmp_path: Path, args: tuple[str, ...],
                                                                    option: str) -> None:
    result = cli(*args, "--db", f"sqlite:///{tmp_path / 's.db'}")
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert option in result.stderr, result.stderr
    assert_clean_failure(result.stderr)


def test_batch_compare_to_an_id_beyond_any_integer_column_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_text(HEADER + "\n" + csv_line(learner_id="GOOD-1") + "\n", encoding="utf-8")
    result = cli("batch", str(path), "--db", f"sqlite:///{tmp_path / 's.db'}", "--compare-to", "9" * 30)
    assert result.exit_code == 2, result.stderr
    assert "--compare-to" in result.stderr
