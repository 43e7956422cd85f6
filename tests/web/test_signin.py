"""Signing in: a token or the first admin's one-time link gives a signed, HttpOnly, SameSite=Strict session
cookie; the form carries a CSRF token; failed attempts are limited."""

from __future__ import annotations

import re

from web_helpers import Served

from aid_engine.store.users import add_user


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, html
    return found.group(1)


def test_a_token_signs_in_with_a_strict_httponly_cookie(served: Served) -> None:
    page = served.client.get("/signin")
    assert page.status_code == 200 and 'lang="fr"' in page.text
    answer = served.client.post("/signin", data={"csrf": csrf_of(page.text), "token": served.tokens["desk"]})
    assert answer.status_code == 303
    cookie = answer.headers["set-cookie"]
    assert "aid_session=" in cookie and "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict")
    home = served.client.get("/")
    assert home.status_code == 200 and "desk-user" in home.text
    # The session reads the API (GET only).
    assert served.client.get("/api/v1/rulesets").status_code == 200


def test_the_form_without_its_csrf_token_is_refused(served: Served) -> None:
    served.client.get("/signin")
    answer = served.client.post("/signin", data={"csrf": "forged", "token": served.tokens["desk"]})
    assert answer.status_code == 400 and "aid_session" not in answer.headers.get("set-cookie", "")


def test_failed_attempts_are_limited(served: Served) -> None:
    csrf = csrf_of(served.client.get("/signin").text)
    codes = [served.client.post("/signin", data={"csrf": csrf, "token": f"wrong-{i}"}).status_code for i in range(7)]
    assert codes[:5] == [401] * 5 and codes[5:] == [429, 429]
    assert served.client.post("/signin", data={"csrf": csrf, "token": served.tokens["desk"]}).status_code == 429


def test_the_one_time_link_works_once(served: Served) -> None:
    _user, _token, once = add_user(served.store.engine, "first-admin", "admin", with_signin=True)
    assert once is not None
    page = served.client.get(f"/signin?once={once}")
    assert page.status_code == 200
    assert served.client.post("/signin", data={"csrf": csrf_of(page.text), "once": once}).status_code == 303
    served.client.cookies.clear()
    page = served.client.get(f"/signin?once={once}")
    assert served.client.post("/signin", data={"csrf": csrf_of(page.text), "once": once}).status_code == 401


def test_a_forged_or_missing_cookie_is_not_a_session(served: Served) -> None:
    assert served.client.get("/").status_code == 303
    served.client.cookies.set("aid_session", "eyJ4Ijox.forged")
    assert served.client.get("/").status_code == 303
    assert served.client.get("/api/v1/rulesets").status_code == 401
