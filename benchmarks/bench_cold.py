"""Cold start of a desk check: `aid-engine check examples/granted_echelon_7.json`, process start to exit.

Each run is a new process of the installed console script (the one next to the running Python), its output
discarded; the figure is the median wall time of 10 runs, after one unmeasured run that fills the OS file
cache and Python's bytecode cache (a desk machine that ran the command once before).
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "granted_echelon_7.json"


def console_script(name: str = "aid-engine") -> str:
    """The console script installed beside the running interpreter (the venv's), else the name on PATH."""
    candidate = Path(sys.executable).parent / name
    return str(candidate) if candidate.exists() else name


def run(runs: int = 10) -> dict[str, dict[str, Any]]:
    """Median, min and max wall seconds of `aid-engine check EXAMPLE` over `runs` new processes."""
    command = [console_script(), "check", str(EXAMPLE)]
    subprocess.run(command, check=True, capture_output=True, cwd=ROOT)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
        times.append(time.perf_counter() - start)
    bare = []
    for _ in range(runs):  # the interpreter alone, for scale
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        bare.append(time.perf_counter() - start)
    return {
        "cold_start_check": {"seconds": statistics.median(times), "min": min(times), "max": max(times),
                             "runs": runs, "command": " ".join(["aid-engine", "check", "examples/" + EXAMPLE.name])},
        "cold_start_python": {"seconds": statistics.median(bare), "runs": runs},
    }
