"""The pages of `aid-engine serve`, French first (English by a toggle): sign-in and the desk.

Every page is rendered by Jinja2 with autoescaping; every POST form carries a CSRF token checked here; the
session is a signed cookie (HttpOnly, SameSite=Strict, eight hours).  No inline script: the few scripts are
files under /static (CSP default-src 'self').
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2
from fastapi import FastAPI, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from ..store.users import User, use_signin, user_of_id, user_of_token
from .context import Server, server_of
from .security import LANG_COOKIE, SESSION_COOKIE

HERE = Path(__file__).parent
templates = Jinja2Templates(env=jinja2.Environment(loader=jinja2.FileSystemLoader(str(HERE / "templates")),
                                                   autoescape=True, undefined=jinja2.StrictUndefined))
PRE_COOKIE = "aid_pre"  # the sign-in form's nonce, before any session


def lang_of(request: Request) -> str:
    asked = request.query_params.get("lang") or request.cookies.get(LANG_COOKIE)
    return "en" if asked == "en" else "fr"


def page_user(request: Request) -> tuple[User | None, Any]:
    """The signed-in user of a page request and its session (None, None when not signed in)."""
    server = server_of(request)
    session = server.signer.read_session(request.cookies.get(SESSION_COOKIE))
    if session is None:
        return None, None
    user = user_of_id(server.store.engine, session.user_id)
    return (user, session) if user else (None, None)


def render(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    lang = lang_of(request)
    response: HTMLResponse = templates.TemplateResponse(request, name, {"lang": lang, **context},
                                                        status_code=status)
    if request.query_params.get("lang") in ("fr", "en"):
        response.set_cookie(LANG_COOKIE, lang, httponly=True, samesite="strict", max_age=365 * 86400)
    return response


def signed_in(server: Server, user: User, to: str = "/") -> Response:
    _session, cookie = server.signer.new_session(user.id)
    response = RedirectResponse(to, status_code=303)
    response.set_cookie(SESSION_COOKIE, cookie, max_age=server.signer.lifetime, httponly=True, samesite="strict",
                        secure=server.secure_cookies, path="/")
    response.delete_cookie(PRE_COOKIE, path="/")
    return response


def signin_form(request: Request, *, error: str | None = None, once: str = "", status: int = 200) -> Response:
    server = server_of(request)
    nonce = request.cookies.get(PRE_COOKIE) or server.signer.new_session(0)[0].nonce
    response = render(request, "signin.html", status, csrf=server.signer.csrf_of(nonce), error=error, once=once,
                      user=None)
    response.set_cookie(PRE_COOKIE, nonce, max_age=3600, httponly=True, samesite="strict",
                        secure=server.secure_cookies, path="/")
    return response


def client_of(request: Request) -> str:
    return request.client.host if request.client else "?"


def mount(app: FastAPI) -> None:
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")

    @app.get("/signin", response_class=HTMLResponse, include_in_schema=False)
    def signin_page(request: Request, once: str = "") -> Response:
        return signin_form(request, once=once[:200])

    @app.post("/signin", include_in_schema=False)
    def signin(request: Request, csrf: str = Form(""), token: str = Form(""), once: str = Form("")) -> Response:
        server = server_of(request)
        client = client_of(request)
        if not server.signer.csrf_ok(request.cookies.get(PRE_COOKIE), csrf):
            return signin_form(request, error="csrf", status=400)
        if server.limiter.blocked(client):
            return signin_form(request, error="too_many", status=429)
        engine = server.store.engine
        user = use_signin(engine, once.strip()) if once.strip() else user_of_token(engine, token.strip())
        if user is None:
            server.limiter.failed(client)
            return signin_form(request, error="bad_token", status=401)
        return signed_in(server, user)

    @app.post("/signout", include_in_schema=False)
    def signout(request: Request, csrf: str = Form("")) -> Response:
        user, session = page_user(request)
        response = RedirectResponse("/signin", status_code=303)
        if user is not None and server_of(request).signer.csrf_ok(session.nonce, csrf):
            response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def home(request: Request) -> Response:
        user, session = page_user(request)
        if user is None:
            return RedirectResponse("/signin", status_code=303)
        return render(request, "home.html", user=user, csrf=server_of(request).signer.csrf_of(session.nonce))

    @app.get("/api/docs", response_class=HTMLResponse, include_in_schema=False)
    def api_docs(request: Request) -> Response:
        user, session = page_user(request)
        csrf = server_of(request).signer.csrf_of(session.nonce) if session else ""
        return render(request, "apidocs.html", user=user, csrf=csrf)

    from . import desk, finance

    desk.mount(app)
    finance.mount(app)


__all__ = ["mount", "page_user", "render"]
