"""A bounded coverage-guided fuzz run (atheris, libFuzzer's engine for Python) over the JSON reader, the CSV
and JSON Lines batch readers and `evaluate`, seeded with the examples: no input may raise anything but the
errors bad input gives.  The run is bounded (runs and seconds) so that CI stays fast; a finding fails the test
with atheris's report (the input is saved as crash-* in the test's directory)."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest
from robust_helpers import EXAMPLES, HEADER, csv_line

TARGET = Path(__file__).resolve().parent / "atheris_target.py"
RUNS = 60_000
SECONDS = 30


def _corpus(where: Path) -> Path:
    corpus = where / "corpus"
    corpus.mkdir()
    for n, example in enumerate(sorted(EXAMPLES.glob("*.json"))):
        (corpus / f"json{n}").write_bytes(b"\x00" + example.read_bytes())
        (corpus / f"jsonl{n}").write_bytes(b"\x02" + b" ".join(example.read_bytes().split()) + b"\n")
    (corpus / "csv").write_bytes(b"\x01" + f"{HEADER}\n{csv_line()}\n{csv_line(revenu_brut_global='1,5')}\n".encode())
    return corpus


def test_a_bounded_atheris_run_finds_no_crash(tmp_path: Path) -> None:
    if importlib.util.find_spec("atheris") is None:
        pytest.skip("atheris is not installed (pip install atheris: Linux x86_64 wheels only)")
    run = subprocess.run([sys.executable, str(TARGET), f"-runs={RUNS}", f"-max_total_time={SECONDS}",
                          "-max_len=4096", "-rss_limit_mb=2048", f"-artifact_prefix={tmp_path}/",
                          str(_corpus(tmp_path))], capture_output=True, text=True, timeout=SECONDS + 60,
                         check=False)
    assert run.returncode == 0, run.stderr[-4000:]
    assert "Done" in run.stderr or "INFO: Done" in run.stderr or "max_total_time" in run.stderr, run.stderr[-2000:]
