"""The server's speed: `POST /api/v1/decisions` (no save) at 16 concurrent clients against a real
`aid-engine serve` process on loopback, beside `/healthz` (a trivial route of the same app) in the same run.

Each client is a thread holding one keep-alive connection; every request's latency is kept, and the figures
are the rate over the whole run and the 50th and 99th percentiles.  The targets: the decisions' rate at least
half the trivial route's, and a p99 under 50 ms.  The clients share this process's GIL, so both routes are
measured the same way and the ratio is what compares.
"""

from __future__ import annotations

import http.client
import json
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

CLIENTS = 16
PER_CLIENT = 200
RATIO_TARGET = 0.5
P99_TARGET_MS = 50.0
ROOT = Path(__file__).resolve().parent.parent


def _declaration(i: int) -> bytes:
    from tests.strategies import base_declaration

    return json.dumps(base_declaration(learner_id=f"BENCH-{i:06d}", revenu_brut_global=str(1000 + i * 37 % 30000)),
                      separators=(",", ":")).encode()


def _client(host: str, port: int, method: str, path: str, bodies: list[bytes], headers: dict[str, str],
            latencies: list[float], errors: list[str]) -> None:
    connection = http.client.HTTPConnection(host, port, timeout=30)
    try:
        for body in bodies:
            started = time.perf_counter()
            connection.request(method, path, body if method == "POST" else None, headers)
            answer = connection.getresponse()
            answer.read()
            latencies.append(time.perf_counter() - started)
            if answer.status != 200:
                errors.append(str(answer.status))
    except Exception as exc:  # reported in the figures
        errors.append(repr(exc))
    finally:
        connection.close()


def load(host: str, port: int, method: str, path: str, headers: dict[str, str], per_client: int) -> dict[str, Any]:
    """`CLIENTS` threads sending `per_client` requests each; the rate and latency percentiles."""
    all_latencies: list[list[float]] = [[] for _ in range(CLIENTS)]
    errors: list[str] = []
    bodies = [[_declaration(c * per_client + i) for i in range(per_client)] for c in range(CLIENTS)]
    threads = [threading.Thread(target=_client, args=(host, port, method, path, bodies[c], headers,
                                                      all_latencies[c], errors)) for c in range(CLIENTS)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=600)
    elapsed = time.perf_counter() - started
    latencies = sorted(x for per in all_latencies for x in per)
    cuts = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else latencies * 99
    return {"requests": len(latencies), "clients": CLIENTS, "seconds": elapsed, "rate": len(latencies) / elapsed,
            "p50_ms": cuts[49] * 1000, "p99_ms": cuts[98] * 1000, "errors": len(errors),
            "first_errors": errors[:5]}


def run(per_client: int = PER_CLIENT, log: Callable[[str], None] = print) -> dict[str, Any]:
    """Start a server on a fresh SQLite store, measure both routes, stop it."""
    from aid_engine.store import open_store
    from aid_engine.store.users import add_user

    with tempfile.TemporaryDirectory(prefix="aid-bench-serve-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        store = open_store(url)
        try:
            token = add_user(store.engine, "bench", "admin")[1]
        finally:
            store.close()
        port = _free_port()
        process = subprocess.Popen([sys.executable, "-m", "aid_engine", "serve", "--port", str(port), "--db", url],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=tmp)
        try:
            _wait(port, process)
            headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
            load("127.0.0.1", port, "POST", "/api/v1/decisions", headers, 10)  # warm-up
            load("127.0.0.1", port, "GET", "/healthz", {}, 10)
            log(f"server: /healthz, {CLIENTS} clients × {per_client}")
            trivial = load("127.0.0.1", port, "GET", "/healthz", {}, per_client)
            log(f"server: POST /api/v1/decisions, {CLIENTS} clients × {per_client}")
            decisions = load("127.0.0.1", port, "POST", "/api/v1/decisions", headers, per_client)
        finally:
            process.terminate()
            process.wait(timeout=30)
    return {"server_trivial": trivial, "server_decisions": decisions,
            "server_ratio": {"ratio": decisions["rate"] / trivial["rate"]}}


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("aid-engine serve stopped at start")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("aid-engine serve did not answer in 60 s")


def add_rows(figures: dict[str, Any], add: Callable[..., None]) -> None:
    """The server's rows of the speed table."""
    if "server_decisions" not in figures:
        add("server: POST /api/v1/decisions", None, "decisions/s", f"≥ {RATIO_TARGET} × /healthz", "not run")
        return
    d, t, ratio = figures["server_decisions"], figures["server_trivial"], figures["server_ratio"]["ratio"]
    bad = f" ({d['errors'] + t['errors']} errors)" if d["errors"] or t["errors"] else ""
    add(f"server: POST /api/v1/decisions, {d['clients']} clients, no save", d["rate"], "decisions/s",
        f"≥ {RATIO_TARGET} × /healthz", ("met" if ratio >= RATIO_TARGET else "NOT MET") + bad)
    add("  its p50 latency", d["p50_ms"], "ms")
    add("  its p99 latency", d["p99_ms"], "ms", f"< {P99_TARGET_MS:.0f}",
        "met" if d["p99_ms"] < P99_TARGET_MS else "NOT MET")
    add(f"  GET /healthz, same app, {t['clients']} clients", t["rate"], "requests/s")
    add("  /healthz p50 / p99 latency", t["p50_ms"], "ms", f"p99 {t['p99_ms']:.1f} ms")
    add("  ratio decisions / healthz", ratio, "")


if __name__ == "__main__":
    figures = run()
    print(json.dumps(figures, indent=2))
