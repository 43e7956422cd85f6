"""Finance and audit through the server: a batch uploaded runs in the background (202, then its progress and
counts, then its files), the report as JSON and as its page, the audit trail's status; each by role."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import pytest
from web_helpers import ROLES, ROOT, Served

EXAMPLE_BATCH = ROOT / "examples" / "batch.csv"
FORBIDDEN = {"error": "forbidden", "message": "not allowed for this user"}


def wait_done(served: Served, run_id: int, who: str = "finance") -> dict[str, Any]:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        state = served.call("GET", f"/api/v1/batches/{run_id}", who).json()
        if state["status"] in ("done", "failed"):
            return dict(state)
        time.sleep(0.1)
    raise AssertionError("the batch run did not finish in 120 s")


def test_a_batch_runs_in_the_background_then_its_files_download(served: Served) -> None:
    body = EXAMPLE_BATCH.read_bytes()
    answer = served.call("POST", "/api/v1/batches?name=batch.csv", "finance", content=body,
                         headers={"content-type": "text/csv"})
    assert answer.status_code == 202, answer.text
    run_id = answer.json()["run_id"]
    state = wait_done(served, run_id)
    lines = body.count(b"\n") - 1
    assert state["status"] == "done" and state["rows_decided"] + state["rows_rejected"] == lines
    assert state["decisions_new"] == state["rows_decided"] > 0
    decisions = served.call("GET", f"/api/v1/batches/{run_id}/decisions", "finance")
    assert decisions.status_code == 200 and decisions.text.count("\n") == state["rows_decided"]
    rejected = served.call("GET", f"/api/v1/batches/{run_id}/rejected", "admin")
    assert (rejected.status_code == 200 and rejected.text.startswith('"line"')) or rejected.text.startswith("line")
    records = served.call("GET", "/api/v1/learners/" + decisions.text.split('"learner_id":"')[1].split('"')[0]
                          + "/decisions", "auditor").json()["records"]
    assert records[-1]["operator"] == "finance-user"
    assert served.store.verify().decisions == state["rows_decided"]


def test_a_file_that_cannot_be_read_fails_and_one_too_large_is_refused(served: Served) -> None:
    answer = served.call("POST", "/api/v1/batches?name=x.csv", "finance", content=b"\xff\xfe not utf-8\n")
    assert answer.status_code == 202  # the run is claimed, then reading the file fails: the run says so
    state = wait_done(served, answer.json()["run_id"])
    assert state["status"] == "failed" and "UTF-8" in state["error"] and state["downloads"] == {}
    served.client.app.state.server.max_upload = 100  # type: ignore[attr-defined]
    answer = served.call("POST", "/api/v1/batches?name=x.csv", "finance", content=b"x" * 101)
    assert answer.status_code == 413


@pytest.mark.parametrize(("method", "path", "allowed"), [
    ("POST", "/api/v1/batches?name=b.csv", {"finance", "admin"}),
    ("GET", "/api/v1/batches/1", {"finance", "admin"}),
    ("GET", "/api/v1/report", {"finance", "auditor", "admin"}),
    ("POST", "/api/v1/audit/verify", {"auditor", "admin"}),
    ("GET", "/api/v1/audit/checkpoint", {"auditor", "admin"}),
])
def test_finance_and_audit_routes_by_role(served: Served, method: str, path: str, allowed: set[str]) -> None:
    first = served.call("POST", "/api/v1/batches?name=b.csv", "admin", content=EXAMPLE_BATCH.read_bytes())
    wait_done(served, first.json()["run_id"], "admin")
    assert served.client.request(method, path).status_code == 401
    for role in ROLES:
        content = EXAMPLE_BATCH.read_bytes() if method == "POST" and "batches" in path else None
        answer = served.call(method, path, role, content=content)
        if role in allowed:
            assert answer.status_code in (200, 202) or (answer.status_code == 404 and "checkpoint" in path), role
            if "batches?" in path:
                wait_done(served, answer.json()["run_id"], role)
        else:
            assert answer.status_code == 403 and answer.json() == FORBIDDEN, role


def test_the_report_json_is_the_cli_report(served: Served, tmp_path: Path) -> None:
    run = served.call("POST", "/api/v1/batches?name=b.csv", "finance", content=EXAMPLE_BATCH.read_bytes()).json()
    wait_done(served, run["run_id"])
    report = served.call("GET", f"/api/v1/report?run={run['run_id']}&envelope=5000000", "finance").json()
    from typer.testing import CliRunner

    from aid_engine.cli import app

    cli = CliRunner().invoke(app, ["report", "--db", served.store.url, "--run", str(run["run_id"]),
                                   "--envelope", "5000000", "--json"])
    import json

    assert cli.exit_code == 0 and json.loads(cli.stdout) == report
    bad = served.call("GET", "/api/v1/report?from=yesterday", "finance")
    assert bad.status_code == 422 and bad.json()["problems"][0]["field"] == "from"
    assert served.call("GET", "/api/v1/report?run=999", "finance").status_code == 404


def test_verify_says_the_chain_is_intact(served: Served) -> None:
    answer = served.call("POST", "/api/v1/audit/verify", "auditor")
    assert answer.status_code == 200 and answer.json()["intact"] is True


def sign_in(served: Served, who: str) -> str:
    csrf = re.search(r'name="csrf" value="([^"]+)"', served.client.get("/signin").text)
    assert csrf
    served.client.post("/signin", data={"csrf": csrf.group(1), "token": served.tokens[who]})
    page = served.client.get("/")
    found = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert found
    return found.group(1)


def test_the_finance_pages(served: Served) -> None:
    csrf = sign_in(served, "finance")
    page = served.client.get("/finance/batches")
    assert page.status_code == 200 and 'type="file"' in page.text
    answer = served.client.post("/finance/batches", data={"csrf": csrf},
                                files={"file": ("lot.csv", EXAMPLE_BATCH.read_bytes(), "text/csv")})
    assert answer.status_code == 303, answer.text
    run_page = served.client.get(answer.headers["location"])
    assert run_page.status_code == 200 and "<progress" in run_page.text and "/static/batch.js" in run_page.text
    run_id = int(answer.headers["location"].rsplit("/", 1)[1])
    wait_done(served, run_id)
    forged = served.client.post("/finance/batches", data={"csrf": "forged"},
                                files={"file": ("lot.csv", b"x", "text/csv")})
    assert forged.status_code == 400
    view = served.client.get(f"/finance/report/view?run={run_id}")
    assert view.status_code == 200 and "<svg" in view.text
    assert view.headers["content-security-policy"].startswith("default-src 'none'")
    assert "script" not in view.headers["content-security-policy"]


def test_the_audit_page(served: Served) -> None:
    csrf = sign_in(served, "auditor")
    page = served.client.post("/audit", data={"csrf": csrf})
    assert page.status_code == 200 and "Chaîne intacte" in page.text
    assert served.client.get("/finance/batches").status_code == 403


def test_no_checkpoint_and_no_proof_before_one_is_made(served: Served) -> None:
    answer = served.call("GET", "/api/v1/audit/checkpoint", "auditor")
    assert answer.status_code == 404 and answer.json()["error"] == "no_checkpoint"
    d = served.call("POST", "/api/v1/decisions?save=true", "admin",
                    json={**__import__("strategies").base_declaration(), "fabrique_id": "FAB-75-A"}).json()
    proof = served.call("GET", f"/api/v1/decisions/{d['decision_id']}/proof", "auditor")
    assert proof.status_code == 404 and proof.json()["error"] == "no_proof"
    assert served.call("GET", "/api/v1/decisions/99999/proof", "desk").status_code == 403
