"""Helpers of the web suite (imported by name: `conftest` is ambiguous when several suites run together)."""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from fastapi.testclient import TestClient

import aid_engine
from aid_engine.store import Store, open_store
from aid_engine.store.users import add_user
from aid_engine.web import create_app

ROOT = Path(__file__).resolve().parents[2]
FABRIQUE = "FAB-75-A"      # the desk user's fabrique
OTHER_FABRIQUE = "FAB-13-B"  # another desk's
ROLES = ("desk", "finance", "auditor", "admin")


def store_conftest() -> ModuleType:
    spec = importlib.util.spec_from_file_location("store_conftest_for_web", ROOT / "tests" / "store" / "conftest.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@dataclass
class Served:
    """An app over a store, its client, and a token per user name."""

    store: Store
    client: TestClient
    tokens: dict[str, str] = field(default_factory=dict)

    def headers(self, who: str | None) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"} if who else {}

    def call(self, method: str, path: str, who: str | None, **kwargs: Any) -> Any:
        return self.client.request(method, path, headers={**self.headers(who), **kwargs.pop("headers", {})},
                                   **kwargs)


def serve_over(url: str) -> Iterator[Served]:
    store = open_store(url)
    app = create_app(store, aid_engine.default_rulebook())
    served = Served(store, TestClient(app, follow_redirects=False))
    for role in ROLES:
        fabriques = (FABRIQUE,) if role == "desk" else ()
        served.tokens[role] = add_user(store.engine, f"{role}-user", role, fabriques)[1]
    served.tokens["other-desk"] = add_user(store.engine, "other-desk-user", "desk", (OTHER_FABRIQUE,))[1]
    try:
        yield served
    finally:
        served.client.close()
        store.close()


# -- a real `aid-engine serve` process ---------------------------------------------------------------------------


@dataclass
class RunningServer:
    """A real `aid-engine serve` process on a free loopback port."""

    base: str
    process: Any
    link: str | None
    log: Path


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def running_server(db_url: str, workdir: Path, *extra: str) -> Iterator[RunningServer]:
    """Start `aid-engine serve` on `db_url`, wait for /healthz, yield it, stop it (SIGINT, then kill)."""
    import signal
    import subprocess
    import sys
    import time
    import urllib.request

    port = free_port()
    log = workdir / "serve.log"
    with log.open("wb") as sink:
        process = subprocess.Popen([sys.executable, "-m", "aid_engine", "serve", "--port", str(port), "--db", db_url,
                                    *extra], stdout=subprocess.DEVNULL, stderr=sink, cwd=workdir)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=2) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError("aid-engine serve did not start: " + log.read_text()) from None
                time.sleep(0.2)
        found = [line.strip() for line in log.read_text().splitlines() if "/signin?once=" in line]
        yield RunningServer(base, process, found[0] if found else None, log)
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
