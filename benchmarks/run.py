"""The speed suite in one command: `python -m benchmarks.run [--n 100000] [--json FILE] [--skip-pg]`.

It generates N synthetic declarations (fixed seed), then measures and prints, beside the targets of issue 5:
evaluation in-process (dicts, pre-validated declarations, the plain path on a subset), the NumPy reference
and the ratio of the two, `aid-engine batch` end to end on SQLite and PostgreSQL at N and 2×N (rows/s, peak
memory), and the cold start of `aid-engine check`.  `--json FILE` writes every figure, the machine and the
versions, so that runs can be compared.  PostgreSQL runs when `AID_ENGINE_TEST_PG_URL` is set, e.g.
`bash .ci/with-postgres.sh python -m benchmarks.run`.  See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as `python benchmarks/run.py`: make the package importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import aid_engine
from benchmarks import (
    bench_batch,
    bench_cold,
    bench_eval,
    bench_lock,
    bench_reference,
    bench_server,
    bench_store,
    synthetic,
)

ROOT = Path(__file__).resolve().parent.parent
PG_ENV = "AID_ENGINE_TEST_PG_URL"

# Issue 5's targets on its 2-core machine: (figure key, what, comparison, threshold, unit).
EVAL_TARGET = 50_000
SQLITE_TARGET = 20_000
PG_TARGET = 10_000
MEMORY_TARGET_MB = 300
STORE_RATIO_TARGET = 0.5  # issue 11: the batch at half its store's raw write speed, at least
BYTES_TARGET = 1_000  # issue 11: bytes per stored decision on SQLite, after VACUUM
COLD_TARGET_S = 0.5


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    cpu = ""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            cpu = next((line.split(":", 1)[1].strip() for line in info if line.startswith("model name")), "")
    except OSError:
        pass
    memory_mb = None
    try:
        with open("/proc/meminfo", encoding="ascii") as info:
            memory_mb = int(next(line for line in info if line.startswith("MemTotal")).split()[1]) // 1024
    except (OSError, StopIteration, ValueError):
        pass
    return {
        "cores": os.cpu_count(),
        "cores_usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "cpu": cpu,
        "memory_mb": memory_mb,
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "aid_engine": aid_engine.__version__,
        "commit": _git("rev-parse", "--short", "HEAD"),
        "dirty": bool(_git("status", "--porcelain", "--untracked-files=no")),
        "versions": _versions("pydantic", "pydantic_core", "rule_engine", "numpy", "sqlalchemy", "psycopg"),
        "load_average_at_start": _load(),
    }


def _load() -> list[float] | None:
    """1, 5 and 15-minute load averages: other work on the machine makes every figure lower."""
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def _git(*args: str) -> str:
    try:
        done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return ""
    return done.stdout.strip()


def _versions(*modules: str) -> dict[str, str]:
    from importlib import import_module

    found = {}
    for name in modules:
        try:
            found[name] = str(getattr(import_module(name), "__version__", "?"))
        except ImportError:
            found[name] = "not installed"
    return found


# -- the run ---------------------------------------------------------------------------------------------


def measure(n: int, seed: int, plain_n: int, skip_batch: bool, skip_pg: bool, log: Any,
            pg_url: str | None = None, peak_rows: int = 0, only_store: bool = False,
            skip_server: bool = False) -> dict[str, Any]:
    figures: dict[str, Any] = {}
    log(f"generating {n:,} synthetic declarations (seed {seed})")
    data = synthetic.Synthetic.generate(n, seed)
    dicts = list(data.dicts())
    if only_store:
        return figures | store_figures(n, seed, data, dicts, None if skip_pg else (pg_url or os.environ.get(PG_ENV)),
                                       peak_rows, log)

    log("evaluation in-process")
    figures.update(bench_eval.run(dicts, plain_n=min(plain_n, n)))
    log("NumPy reference")
    figures.update(bench_reference.run(dicts, data.columns, aid_engine.default_rulebook()))
    figures["ratio_engine_reference"] = {
        "ratio": figures["evaluate_dicts"]["rate"] / figures["reference_columns"]["rate"]}

    if not skip_batch:
        pg_url = None if skip_pg else (pg_url or os.environ.get(PG_ENV))
        with tempfile.TemporaryDirectory(prefix="aid-bench-") as tmp:
            workdir = Path(tmp)
            files = _batch_files(workdir, n, seed, data, log)
            del data
            log("batch on SQLite")
            figures.update(bench_batch.run(files, "sqlite", workdir))
            if pg_url:
                log("batch on PostgreSQL")
                figures.update(bench_batch.run(files, "postgresql", workdir, pg_url))
                log("the chain lock per chunk on PostgreSQL")
                figures.update(bench_lock.run(files[n], pg_url))
            figures.update(_store_figures_in(workdir, files[n], n, seed, dicts, pg_url, peak_rows, log))
        figures["postgresql_run"] = bool(pg_url)
    log("cold start")
    figures.update(bench_cold.run())
    if not skip_server:
        log("the server (aid-engine serve)")
        figures.update(bench_server.run(log=log))
    return figures


def store_figures(n: int, seed: int, data: synthetic.Synthetic, dicts: list[dict[str, Any]], pg_url: str | None,
                  peak_rows: int, log: Any) -> dict[str, Any]:
    """Issue 11's figures alone (`--only-store`): the batch beside the raw write, bytes per decision, and the
    peak memory at `peak_rows` rows when asked."""
    with tempfile.TemporaryDirectory(prefix="aid-bench-") as tmp:
        workdir = Path(tmp)
        path = workdir / f"declarations_{n}.csv"
        data.write_csv(path)
        figures = _store_figures_in(workdir, path, n, seed, dicts, pg_url, peak_rows, log)
    return figures | {"postgresql_run": bool(pg_url)}


def _store_figures_in(workdir: Path, path: Path, n: int, seed: int, dicts: list[dict[str, Any]],
                      pg_url: str | None, peak_rows: int, log: Any) -> dict[str, Any]:
    log("the batch beside the raw write of the same rows (the store's limit), bytes per decision")
    figures: dict[str, Any] = dict(bench_store.run(path, n, dicts, workdir, pg_url))
    if peak_rows:
        log(f"peak memory of the batch at {peak_rows:,} rows (ru_maxrss)")
        big = workdir / f"declarations_{peak_rows}.csv"
        synthetic.Synthetic.generate(peak_rows, seed + peak_rows).write_csv(big)
        figures["peak_memory_rusage"] = bench_store.peak_memory(big, peak_rows, workdir)
        big.unlink()
    return figures


def _batch_files(workdir: Path, n: int, seed: int, data: synthetic.Synthetic, log: Any) -> dict[int, Path]:
    """CSV files of 1 row (the fixed cost), N rows and 2×N rows (memory must stay flat)."""
    log(f"writing CSV files of 1, {n:,} and {2 * n:,} rows")
    files = {}
    for rows in (1, n, 2 * n):
        path = workdir / f"declarations_{rows}.csv"
        source = data if rows == n else synthetic.Synthetic.generate(rows, seed + rows)
        source.write_csv(path)
        files[rows] = path
    return files


# -- the report ------------------------------------------------------------------------------------------


def _met(value: float | None, target: float, higher_is_better: bool) -> str:
    if value is None:
        return "not run"
    return "met" if (value >= target if higher_is_better else value < target) else "NOT MET"


def report(n: int, figures: dict[str, Any]) -> list[dict[str, Any]]:
    """Rows of the table: label, value, unit, target, verdict (the same rows go to the JSON)."""
    rows: list[dict[str, Any]] = []

    def add(label: str, value: float | None, unit: str, target: str = "", verdict: str = "") -> None:
        rows.append({"figure": label, "value": value, "unit": unit, "target": target, "verdict": verdict})

    def rate(key: str) -> float | None:
        return figures[key]["rate"] if key in figures else None

    if "evaluate_dicts" not in figures:  # --only-store
        _store_rows(figures, add)
        return rows
    ev = rate("evaluate_dicts")
    passes = len(figures["evaluate_dicts"].get("passes", [1]))
    add(f"evaluate(dict), fast path, full trace, N={n:,} (best of {passes})", ev, "decisions/s",
        f"≥ {EVAL_TARGET:,}", _met(ev, EVAL_TARGET, True))
    add("  the same per CPU second", figures["evaluate_dicts"].get("cpu_rate"), "decisions/s")
    add("  validation alone: Declaration.model_validate(dict)", rate("validate_dicts"), "declarations/s")
    add("  evaluate(Declaration) pre-validated, fast path", rate("evaluate_declarations"), "decisions/s")
    plain_n = figures["evaluate_plain"]["n"]
    add(f"  plain path (engine._evaluate(dict, plain=True)), N={plain_n:,}", rate("evaluate_plain"), "decisions/s")
    add(f"  evaluate(dict), fast path, same N={plain_n:,}", rate("evaluate_dicts_subset"), "decisions/s")
    ref = rate("reference_columns")
    add("NumPy reference, columns ready", ref, "decisions/s")
    add("  NumPy reference from dicts (columns built)", rate("reference_dicts"), "decisions/s")
    ratio = figures["ratio_engine_reference"]["ratio"]
    add("ratio engine / reference", ratio, "", f"reference {1 / ratio:,.0f}× faster")

    for backend, label, target in (("sqlite", "SQLite", SQLITE_TARGET), ("postgresql", "PostgreSQL", PG_TARGET)):
        keys = [k for k in figures if k.startswith(f"batch_{backend}_")]
        if not keys:
            add(f"batch {label}", None, "rows/s", f"≥ {target:,}", "not run")
            continue
        by_rows = {figures[k]["rows"]: figures[k] for k in keys}
        for size in sorted(by_rows):
            f = by_rows[size]
            bad = "" if f["ok"] else " (FAILED: see JSON)"
            if size == 1:
                add(f"batch {label}, 1 row: fixed cost (start, imports, schema)", f["seconds"], "s", "", bad)
                continue
            add(f"batch {label}, N={size:,}, end to end", f["rate"], "rows/s", f"≥ {target:,}",
                _met(f["rate"], target, True) + bad)
            add(f"  peak memory, N={size:,}", f["peak_rss_mb"], "MB", f"< {MEMORY_TARGET_MB}",
                _met(f["peak_rss_mb"], MEMORY_TARGET_MB, False))
        big = sorted(r for r in by_rows if r > 1)
        if len(big) == 2:
            a, b = by_rows[big[0]], by_rows[big[1]]
            marginal = (b["rows"] - a["rows"]) / (b["seconds"] - a["seconds"])
            add(f"  marginal rate ({big[0]:,} → {big[1]:,} rows, fixed cost excluded)", marginal, "rows/s")
    if figures.get("postgresql_run"):
        for label, value, unit in bench_lock.rows(figures):
            add(label, value, unit)
    _store_rows(figures, add)
    cold = figures["cold_start_check"]
    add(f"cold start: {cold['command']} (median of {cold['runs']})", cold["seconds"], "s", f"< {COLD_TARGET_S}",
        _met(cold["seconds"], COLD_TARGET_S, False))
    add("  python -c pass, for scale", figures["cold_start_python"]["seconds"], "s")
    bench_server.add_rows(figures, add)
    return rows


def _store_rows(figures: dict[str, Any], add: Any) -> None:
    """Issue 11's figures: the batch beside its store's raw write, bytes per decision, peak memory at 1 M rows."""
    for backend, label in (("sqlite", "SQLite"), ("postgresql", "PostgreSQL")):
        f = figures.get(f"store_{backend}_limit")
        if f is None:
            continue
        bad = "" if f["ok"] else " (FAILED: see JSON)"
        add(f"raw write {label}, N={f['rows']:,} (declaration JSON + decision + chained audit row)", f["raw_rate"],
            "rows/s")
        add(f"  batch {label} beside it, same rows, end to end", f["batch_rate"], "rows/s", "", bad)
        target = f"≥ {STORE_RATIO_TARGET}" if backend == "sqlite" else ""
        verdict = _met(f["ratio"], STORE_RATIO_TARGET, True) if backend == "sqlite" else ""
        add(f"  ratio batch / raw write, {label}", f["ratio"], "ratio", target, verdict)
    size = figures.get("store_sqlite_size")
    if size:
        add(f"bytes per stored decision, SQLite after VACUUM, {size['decisions']:,} decisions",
            size["bytes_per_decision"], "bytes", f"≤ {BYTES_TARGET:,}",
            _met(-size["bytes_per_decision"], -BYTES_TARGET, True))
    peak = figures.get("peak_memory_rusage")
    if peak:
        bad = "" if peak["ok"] else " (FAILED: see JSON)"
        add(f"batch SQLite, {peak['rows']:,} rows, end to end", peak.get("rate"), "rows/s", "", bad)
        add(f"  peak memory (ru_maxrss), {peak['rows']:,} rows", peak.get("peak_rss_mb"), "MB",
            f"< {MEMORY_TARGET_MB}", _met(peak.get("peak_rss_mb"), MEMORY_TARGET_MB, False))


def _format(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    if unit in ("decisions/s", "rows/s", "declarations/s", "requests/s"):
        return f"{value:,.0f}"
    if unit == "s":
        return f"{value:.3f}"
    if unit == "ms":
        return f"{value:.1f}"
    if unit in ("MB", "writers"):
        return f"{value:,.1f}"
    if unit == "bytes":
        return f"{value:,.0f}"
    if unit == "ratio":
        return f"{value:.3f}"
    return f"{value:.2e}" if value < 0.01 else f"{value:.4f}"


def print_table(info: dict[str, Any], rows: list[dict[str, Any]]) -> None:
    print(f"machine: {info['cores']} cores ({info['cores_usable']} usable), {info['cpu'] or 'cpu ?'}, "
          f"{info['memory_mb'] or '?'} MB; Python {info['python']}; aid_engine {info['aid_engine']} "
          f"@ {info['commit'] or '?'}{' (modified)' if info['dirty'] else ''}")
    load = info.get("load_average_at_start")
    if load:
        busy = load[0] > 0.5 * (info["cores_usable"] or 1)
        print(f"load average at start: {load[0]} {load[1]} {load[2]}, at end: {' '.join(map(str, _load() or []))}"
              + ("  (the machine was busy: figures are lower than on an idle machine)" if busy else ""))
    width = max(len(r["figure"]) for r in rows)
    print(f"{'figure':<{width}}  {'value':>12}  {'unit':<14}  {'target':<22}  verdict")
    print("-" * (width + 64))
    for r in rows:
        print(f"{r['figure']:<{width}}  {_format(r['value'], r['unit']):>12}  {r['unit']:<14}  "
              f"{r['target']:<22}  {r['verdict']}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=100_000, help="declarations to generate (default 100000)")
    parser.add_argument("--seed", type=int, default=synthetic.SEED, help="random seed of the declarations")
    parser.add_argument("--plain-n", type=int, default=5_000, help="declarations on the plain path (default 5000)")
    parser.add_argument("--json", type=Path, help="also write every figure to this JSON file")
    parser.add_argument("--skip-pg", action="store_true", help="skip PostgreSQL even if AID_ENGINE_TEST_PG_URL is set")
    parser.add_argument("--pg", metavar="URL", help=f"PostgreSQL server for the batch runs (default ${PG_ENV})")
    parser.add_argument("--peak-rows", type=int, default=0, metavar="ROWS",
                        help="also measure the batch's peak memory (ru_maxrss) on this many rows, e.g. 1000000")
    parser.add_argument("--only-store", action="store_true",
                        help="measure only issue 11's store figures (batch beside raw write, bytes, --peak-rows)")
    parser.add_argument("--skip-batch", action="store_true", help="skip the batch runs (SQLite and PostgreSQL)")
    parser.add_argument("--skip-server", action="store_true", help="skip the server (aid-engine serve)")
    args = parser.parse_args(argv)
    if args.n < 1:
        parser.error("--n must be at least 1")

    started = time.time()

    def log(message: str) -> None:
        print(f"[{time.time() - started:6.1f} s] {message}", file=sys.stderr, flush=True)

    info = machine()
    figures = measure(args.n, args.seed, args.plain_n, args.skip_batch, args.skip_pg, log, args.pg, args.peak_rows,
                      args.only_store, args.skip_server)
    rows = report(args.n, figures)
    print_table(info, rows)
    if not args.skip_batch and not figures.get("postgresql_run"):
        print(f"PostgreSQL not run: set {PG_ENV} or run `bash .ci/with-postgres.sh python -m benchmarks.run`",
              file=sys.stderr)
    if args.json:
        document = {"n": args.n, "seed": args.seed, "machine": info, "summary": rows, "figures": figures,
                    "finished_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "elapsed_s": time.time() - started}
        args.json.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        log(f"figures written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
