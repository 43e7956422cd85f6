"""Where the time goes: py-spy over the evaluation loop or over `aid-engine batch`, summed up by stage.

    python -m benchmarks.hotspots eval  [--n 100000]            # evaluate(dict) over N synthetic declarations
    python -m benchmarks.hotspots batch [--n 100000] [--db URL]  # the batch command, worker processes included
    python -m benchmarks.hotspots summary FILE.raw [--stages eval|batch]

It runs `py-spy record --format raw` (sampling: the program is paused for each sample, which keeps the
stacks exact and slows it by a few percent; `--rate` samples per second; `--idle` samples waiting threads
too, so that the shares are shares of wall time), keeps the raw file (`--raw FILE`, a flame graph's input)
and prints, per process: the share of samples in each stage of the work, the functions with the most
samples of their own, and the lines of aid_engine under which most samples fall (the deepest aid_engine
frame of each sample).  Stages are recognised by a function on the stack, the first match in the order
listed; a sample under none of them counts as "other".  Needs py-spy (a dev tool, not a dependency of the
package); ptrace must be allowed (root, or `kernel.yama.ptrace_scope = 0`).
"""

from __future__ import annotations

import argparse
import collections
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import synthetic
from benchmarks.bench_cold import ROOT, console_script

# (stage, substrings of a frame that put a sample in it), first match wins.
EVAL_STAGES = (
    ("validate the dict: Declaration.parse", ("Declaration.parse", "Declaration.model_validate")),
    ("gates: memo look-ups, steps on a miss", ("_Decision.gates",)),
    ("steps made on a miss (step function, trace step)", ("_Engine.made",)),
    ("counterfactuals", ("counterfactuals_of",)),
    ("the Decision itself (assemble)", ("assemble (aid_engine",)),
    ("memo look-ups of the other steps", ("_Decision.run",)),
    ("the rest of evaluate", ("_evaluate (aid_engine/engine.py",)),
    ("generating the synthetic declarations (not the engine)", ("benchmarks/synthetic.py",)),
)
BATCH_STAGES = (
    ("start: imports, rule book, schema", ("_find_and_load", "open_store", "load (aid_engine/ruleset")),
    ("read CSV + validate", ("read_records", "read_csv", "validate (aid_engine/batch/readers", "from_csv_row")),
    ("evaluate", ("evaluate (aid_engine/engine.py",)),
    ("serialise: decision JSON, canonical declaration, sha256", ("Decided.of",)),
    ("store: SQL inserts, audit chain, commit", ("write_chunk", "Store.write")),
    ("output files (JSONL, rejected)", ("Outputs.",)),
    ("between processes: pickling, pipes, waiting", ("multiprocessing/connection.py", "multiprocessing/reduction.py",
                                                      "multiprocessing/queues.py", "selectors.py", "threading.py",
                                                      "_sendback_result", "Future.result")),
    ("input fingerprint (sha256 of the file)", ("fingerprint (aid_engine",)),
    ("summary / progress", ("Summary.", "progress")),
)


def _py_spy() -> str:
    found = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if not Path(found).exists():
        raise SystemExit("py-spy is not installed: pip install py-spy")
    return found


def record(command: list[str], raw: Path, rate: int, subprocesses: bool = False, idle: bool = False) -> None:
    spy = [_py_spy(), "record", "--format", "raw", "--rate", str(rate), "--output", str(raw)]
    if subprocesses:
        spy.append("--subprocesses")
    if idle:  # waiting (disk, database, pipes) sampled too, so the shares are shares of wall time
        spy.append("--idle")
    subprocess.run([*spy, "--", *command], check=True, cwd=ROOT)


def summarise(raw: Path, stages: tuple[tuple[str, tuple[str, ...]], ...], rate: int, top: int = 15) -> None:
    """Print, per process, the share of each stage, then the heaviest functions and lines."""
    by_process: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    own: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    lines: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    for line in raw.read_text(encoding="utf-8", errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        frames = stack.split(";")
        # With --subprocesses a child's stack starts with its parents' process frames: the last one is its own.
        process = next((f for f in reversed(frames) if f.startswith("process ")), "process")
        process = _process_label(process)
        stage = next((name for name, marks in stages if any(m in f for f in frames for m in marks)), "other")
        by_process[process][stage] += int(count)
        own[process][_function(frames[-1])] += int(count)
        ours = [f for f in frames if "aid_engine/" in f]
        if ours:
            lines[process][ours[-1]] += int(count)
    for process, counts in sorted(by_process.items(), key=lambda kv: -sum(kv[1].values())):
        total = sum(counts.values())
        print(f"\n{process}: {total} samples ≈ {total / rate:.1f} s")
        for name, n in counts.most_common():
            print(f"  {100 * n / total:5.1f} %  {n / rate:7.2f} s  {name}")
        print("  functions with the most samples of their own:")
        for name, n in own[process].most_common(top):
            print(f"    {100 * n / total:5.1f} %  {name}")
        print("  lines of aid_engine with the most samples (their callees included):")
        for name, n in lines[process].most_common(top):
            print(f"    {100 * n / total:5.1f} %  {name}")


def _process_label(frame: str) -> str:
    """'process 123:"python … aid-engine batch …"' → 'process 123 (python … aid-engine batch)', shortened."""
    pid, _, command = frame.partition(":")
    command = command.strip('"')
    return f"{pid} ({command[:70]}{'…' if len(command) > 70 else ''})" if command else pid


def _function(frame: str) -> str:
    """'f (path/file.py:12)' → 'f (path/file.py)': lines of one function counted together."""
    name, _, where = frame.partition(" (")
    return f"{name} ({where.rsplit(':', 1)[0]})" if where else name


def _eval_loop(n: int) -> None:
    """The loop profiled by `eval`: N synthetic dicts through `aid_engine.evaluate`."""
    import aid_engine

    dicts = synthetic.declarations(n)
    aid_engine.engine._evaluate(dicts[0], aid_engine.default_rulebook(), "fr", plain=True)
    for d in dicts:
        aid_engine.evaluate(d)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.hotspots", description=__doc__.split("\n\n")[0])
    parser.add_argument("what", choices=("eval", "batch", "summary", "_eval_loop"))
    parser.add_argument("raw_file", nargs="?", type=Path, help="summary: the raw file to sum up")
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--rate", type=int, default=200, help="samples per second (default 200)")
    parser.add_argument("--raw", type=Path, help="keep py-spy's raw output here")
    parser.add_argument("--db", help="batch: database URL (default: a temporary SQLite file)")
    parser.add_argument("--stages", choices=("eval", "batch"), default="batch", help="summary: which stages")
    parser.add_argument("--idle", action="store_true",
                        help="also sample waiting threads (shares of wall time rather than of CPU time)")
    args = parser.parse_args(argv)

    if args.what == "_eval_loop":
        _eval_loop(args.n)
        return 0
    if args.what == "summary":
        if args.raw_file is None:
            parser.error("summary needs the raw file")
        summarise(args.raw_file, EVAL_STAGES if args.stages == "eval" else BATCH_STAGES, args.rate)
        return 0
    with tempfile.TemporaryDirectory(prefix="aid-profile-") as tmp:
        work = Path(tmp)
        raw = args.raw or work / "profile.raw"
        if args.what == "eval":
            record([sys.executable, "-m", "benchmarks.hotspots", "_eval_loop", "--n", str(args.n)], raw, args.rate,
                   idle=args.idle)
            summarise(raw, EVAL_STAGES, args.rate)
        else:
            csv_path = work / "declarations.csv"
            synthetic.Synthetic.generate(args.n).write_csv(csv_path)
            db = args.db or f"sqlite:///{work / 'profile.db'}"
            record([console_script(), "batch", str(csv_path), "--out", str(work / "out.jsonl"), "--rejected",
                    str(work / "rejected.csv"), "--db", db], raw, args.rate, subprocesses=True, idle=args.idle)
            summarise(raw, BATCH_STAGES, args.rate)
    return 0


if __name__ == "__main__":
    sys.exit(main())
