"""A bounded load test on loopback: 16 clients send a few thousand requests to a real `aid-engine serve`
(decisions, saves, histories), on SQLite and PostgreSQL: no error, every save stored once, and the audit chain
verifies after the concurrent saves.  Bounded in count (16 × 150 requests) and in time (each request 30 s)."""

from __future__ import annotations

import http.client
import json
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

from strategies import base_declaration
from web_helpers import running_server

from aid_engine.store import open_store
from aid_engine.store.users import add_user

CLIENTS = 16
PER_CLIENT = 150
SAVE_EVERY = 10  # one request in ten stores its decision


def client(base: str, token: str, number: int, statuses: Counter[int], errors: list[str], lock: Any) -> None:
    host, port = base.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    try:
        for i in range(PER_CLIENT):
            learner = f"LOAD-{number:02d}-{i:04d}"
            body = json.dumps(base_declaration(learner_id=learner, revenu_brut_global=str(1000 + i * 97)))
            if i % SAVE_EVERY == 0:
                connection.request("POST", "/api/v1/decisions?save=true", body, headers)
            elif i % SAVE_EVERY == 5:
                connection.request("GET", f"/api/v1/learners/LOAD-{number:02d}-{i - 5:04d}/decisions",
                                   headers=headers)
            else:
                connection.request("POST", "/api/v1/decisions", body, headers)
            answer = connection.getresponse()
            data = answer.read()
            with lock:
                statuses[answer.status] += 1
            if answer.status != 200:
                with lock:
                    errors.append(f"{answer.status} {data[:200]!r}")
    except Exception as exc:  # the test reports it below
        with lock:
            errors.append(repr(exc))
    finally:
        connection.close()


def test_sixteen_clients_without_error_and_a_valid_chain(db_url: str, tmp_path: Path) -> None:
    store = open_store(db_url)
    try:
        token = add_user(store.engine, "loader", "admin")[1]
    finally:
        store.close()
    statuses: Counter[int] = Counter()
    errors: list[str] = []
    lock = threading.Lock()
    with running_server(db_url, tmp_path) as server:
        started = time.perf_counter()
        threads = [threading.Thread(target=client, args=(server.base, token, n, statuses, errors, lock))
                   for n in range(CLIENTS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=300)
        elapsed = time.perf_counter() - started
    assert errors == []
    assert statuses == {200: CLIENTS * PER_CLIENT}
    print(f"{CLIENTS * PER_CLIENT} requests from {CLIENTS} clients in {elapsed:.1f} s "
          f"({CLIENTS * PER_CLIENT / elapsed:.0f} requests/s) on {db_url.split(':')[0]}")
    store = open_store(db_url)
    try:
        chain = store.verify()
    finally:
        store.close()
    assert chain.decisions == CLIENTS * PER_CLIENT // SAVE_EVERY
