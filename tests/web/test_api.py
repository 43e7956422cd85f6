"""The HTTP API route by route and role by role: 401 without a valid token, 403 outside the role or the
fabriques (the same body whether the resource exists or not), 200 inside, 422 naming the field."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
from web_helpers import FABRIQUE, OTHER_FABRIQUE, ROLES, Served

from aid_engine.web.api import TOKEN_TTL

FORBIDDEN = {"error": "forbidden", "message": "not allowed for this user"}
# Route → the roles allowed (the others get 403); {id} and {learner} are filled in by the test.
ROUTES: list[tuple[str, str, set[str]]] = [
    ("POST", "/api/v1/decisions", {"desk", "admin"}),
    ("POST", "/api/v1/decisions?save=true", {"desk", "admin"}),
    ("GET", "/api/v1/decisions/{id}", {"desk", "finance", "auditor", "admin"}),
    ("GET", "/api/v1/decisions/{id}/trace", {"desk", "finance", "auditor", "admin"}),
    ("GET", "/api/v1/learners/{learner}/decisions", {"desk", "finance", "auditor", "admin"}),
    ("GET", "/api/v1/rulesets", set(ROLES)),
    ("GET", "/api/v1/rulesets/2024-2025", set(ROLES)),
]


def saved_decision(served: Served, declaration: dict[str, Any]) -> dict[str, Any]:
    answer = served.call("POST", "/api/v1/decisions?save=true", "desk", json=declaration)
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def call_route(served: Served, method: str, path: str, who: str | None, declaration: dict[str, Any],
               decision_id: int) -> Any:
    path = path.format(id=decision_id, learner=declaration["learner_id"])
    return served.call(method, path, who, json=declaration if method == "POST" else None)


@pytest.mark.parametrize(("method", "path", "allowed"), ROUTES, ids=[f"{m} {p}" for m, p, _ in ROUTES])
def test_every_route_answers_401_403_or_200_by_role(
        served: Served, declaration: Callable[..., dict[str, Any]], method: str, path: str, allowed: set[str]) -> None:
    d = declaration()
    decision_id = saved_decision(served, d)["decision_id"]
    for who in (None, "bogus"):
        served.tokens["bogus"] = "not-a-token"
        answer = call_route(served, method, path, who, d, decision_id)
        assert answer.status_code == 401, (who, answer.text)
        assert answer.json()["error"] == "unauthorized"
        assert answer.headers["www-authenticate"] == "Bearer"
    for role in ROLES:
        answer = call_route(served, method, path, role, d, decision_id)
        if role in allowed:
            assert answer.status_code == 200, (role, answer.text)
        else:
            assert answer.status_code == 403, (role, answer.text)
            assert answer.json() == FORBIDDEN


def test_health_needs_no_token(served: Served) -> None:
    answer = served.client.get("/healthz")
    assert answer.status_code == 200 and answer.json()["status"] == "ok"


def test_a_decision_is_the_output_contract_and_saving_adds_its_id(
        served: Served, declaration: Callable[..., dict[str, Any]]) -> None:
    d = declaration()
    plain = served.call("POST", "/api/v1/decisions", "desk", json=d).json()
    assert plain["status"] == "granted" and plain["echelon"] == "7" and "decision_id" not in plain
    saved = saved_decision(served, d)
    assert saved["decision_id"] >= 1 and {k: v for k, v in saved.items() if k != "decision_id"} == plain
    stored = served.call("GET", f"/api/v1/decisions/{saved['decision_id']}", "finance").json()
    assert stored == saved
    trace = served.call("GET", f"/api/v1/decisions/{saved['decision_id']}/trace", "auditor").json()
    assert trace["trace"] == plain["trace"]
    refused = declaration(training_labelled=False)
    french = served.call("POST", "/api/v1/decisions", "desk", json=refused).json()
    english = served.call("POST", "/api/v1/decisions?lang=en", "desk", json=refused).json()
    assert english["status"] == french["status"] == "refused"
    assert english["reasons"][0]["code"] == french["reasons"][0]["code"] == "training_not_labelled"
    assert english["reasons"][0]["message"] != french["reasons"][0]["message"]


def test_the_operator_of_a_saved_decision_is_the_user(
        served: Served, declaration: Callable[..., dict[str, Any]]) -> None:
    d = declaration()
    saved_decision(served, d)
    history = served.call("GET", f"/api/v1/learners/{d['learner_id']}/decisions", "desk").json()
    assert [r["operator"] for r in history["records"]] == ["desk-user"]
    assert history["records"][0]["current"] is True
    served.call("POST", "/api/v1/decisions?save=true", "desk", json=declaration(revenu_brut_global="25000"))
    history = served.call("GET", f"/api/v1/learners/{d['learner_id']}/decisions", "desk").json()
    assert [r["current"] for r in history["records"]] == [False, True]
    served.store.verify()


def test_a_desk_user_gets_the_same_403_for_another_fabrique_and_for_nothing(
        served: Served, declaration: Callable[..., dict[str, Any]]) -> None:
    theirs = declaration(learner_id="THEIRS-1", fabrique_id=OTHER_FABRIQUE)
    answer = served.call("POST", "/api/v1/decisions?save=true", "other-desk", json=theirs)
    assert answer.status_code == 200
    their_id = answer.json()["decision_id"]
    denied = [
        served.call("POST", "/api/v1/decisions", "desk", json=theirs),
        served.call("GET", f"/api/v1/decisions/{their_id}", "desk"),
        served.call("GET", "/api/v1/decisions/999999", "desk"),
        served.call("GET", f"/api/v1/decisions/{their_id}/trace", "desk"),
        served.call("GET", "/api/v1/decisions/999999/trace", "desk"),
        served.call("GET", "/api/v1/learners/THEIRS-1/decisions", "desk"),
        served.call("GET", "/api/v1/learners/NOBODY/decisions", "desk"),
    ]
    assert [a.status_code for a in denied] == [403] * len(denied)
    assert {a.text for a in denied} == {denied[0].text}
    assert denied[0].json() == FORBIDDEN
    # Other readers are told what does not exist.
    assert served.call("GET", "/api/v1/decisions/999999", "finance").status_code == 404
    assert served.call("GET", "/api/v1/learners/NOBODY/decisions", "auditor").status_code == 404
    assert served.call("GET", f"/api/v1/decisions/{their_id}", "finance").status_code == 200
    mine = served.call("POST", "/api/v1/decisions", "desk", json=declaration(fabrique_id=FABRIQUE))
    assert mine.status_code == 200


@pytest.mark.parametrize(("change", "field"), [
    ({"revenu_brut_global": "-5"}, "revenu_brut_global"),
    ({"training_start_date": "2024-13-01"}, "training_start_date"),
    ({"profile": "astronaut"}, "profile"),
    ({"distance_kms": "3"}, "distance_kms"),
    ({"learner_id": ...}, "learner_id"),
    ({"training_start_date": "2030-09-01", "training_end_date": "2031-06-01", "application_date": "2030-09-01"},
     "training_start_date"),
])
def test_bad_input_is_422_naming_the_field(
        served: Served, declaration: Callable[..., dict[str, Any]], change: dict[str, Any], field: str) -> None:
    answer = served.call("POST", "/api/v1/decisions", "desk", json=declaration(**change))
    assert answer.status_code == 422, answer.text
    body = answer.json()
    assert body["error"] == "invalid_declaration"
    assert field in [p["field"] for p in body["problems"]]
    assert all(set(p) == {"field", "message"} and p["message"] for p in body["problems"])


def test_a_body_that_is_not_json_or_too_large_or_a_bad_parameter_is_refused(served: Served,
                                                                             declaration: Callable[..., Any]) -> None:
    answer = served.call("POST", "/api/v1/decisions", "desk", content=b"{not json",
                         headers={"content-type": "application/json"})
    assert answer.status_code == 422 and answer.json()["problems"][0]["field"] == "body"
    answer = served.call("POST", "/api/v1/decisions", "desk", content=b" " * (1 << 20 | 1))
    assert answer.status_code == 413
    answer = served.call("POST", "/api/v1/decisions?save=perhaps", "desk", json=declaration())
    assert answer.status_code == 422 and answer.json()["problems"][0]["field"] == "save"
    answer = served.call("GET", "/api/v1/decisions/abc", "finance")
    assert answer.status_code == 422 and answer.json()["problems"][0]["field"] == "decision_id"


def test_a_revoked_user_is_refused(served: Served) -> None:
    from aid_engine.store.users import revoke_user

    assert served.call("GET", "/api/v1/rulesets", "auditor").status_code == 200
    revoke_user(served.store.engine, "auditor-user")
    time.sleep(TOKEN_TTL + 0.1)  # a token's user is remembered that long
    assert served.call("GET", "/api/v1/rulesets", "auditor").status_code == 401


def test_rule_sets_are_listed_and_shown(served: Served) -> None:
    listed = served.call("GET", "/api/v1/rulesets", "desk").json()
    assert "2024-2025" in [r["academic_year"] for r in listed]
    one = served.call("GET", "/api/v1/rulesets/2024-2025", "desk").json()
    assert one["rates"]["7"] and one["gates"] and len(one["ceilings"]["0bis"]) == 18
    assert served.call("GET", "/api/v1/rulesets/1990-1991", "desk").status_code == 404


def test_every_response_carries_the_security_headers(served: Served) -> None:
    for answer in (served.client.get("/healthz"), served.client.get("/api/v1/rulesets"),
                   served.client.get("/signin"), served.client.get("/openapi.json"), served.client.get("/nowhere")):
        assert answer.headers["content-security-policy"].startswith("default-src 'self'")
        assert "frame-ancestors 'none'" in answer.headers["content-security-policy"]
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert answer.headers["referrer-policy"] == "no-referrer"


def test_openapi_documents_the_routes_and_the_declaration(served: Served) -> None:
    spec = served.client.get("/openapi.json").json()
    for path in ("/api/v1/decisions", "/api/v1/decisions/{decision_id}", "/api/v1/decisions/{decision_id}/trace",
                 "/api/v1/learners/{learner_id}/decisions", "/api/v1/rulesets", "/api/v1/rulesets/{year}",
                 "/healthz"):
        assert path in spec["paths"], path
    body = spec["paths"]["/api/v1/decisions"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert "revenu_brut_global" in body["properties"]
    assert "decision_id" in spec["components"]["schemas"]["DecisionOut"]["properties"]


def test_saves_on_each_backend_keep_the_chain(served_on: Served, declaration: Callable[..., Any]) -> None:
    for i in range(3):
        answer = served_on.call("POST", "/api/v1/decisions?save=true", "admin",
                                json=declaration(learner_id=f"L-{i}"))
        assert answer.status_code == 200
    assert served_on.call("GET", "/api/v1/learners/L-2/decisions", "desk").status_code == 200
    assert served_on.store.verify().decisions == 3
