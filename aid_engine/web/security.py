"""What every response and every session of `aid-engine serve` must carry: headers, signed cookies, CSRF tokens,
a bound on sign-in attempts, and an access log without query strings or bodies.

The session cookie is `base64(json).hmac` signed with the server's secret (HMAC-SHA256), holding the user's id,
an expiry and a random nonce; the CSRF token of a session is an HMAC of that nonce, so a form posted from
another site (which cannot read the page) cannot carry it.  The cookie is HttpOnly and SameSite=Strict.
This module must never log a header, a cookie, a query string or a body.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import secrets
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any

SESSION_COOKIE = "aid_session"
LANG_COOKIE = "aid_lang"
SESSION_SECONDS = 8 * 3600
CSP = "default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'"
SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cache-control", b"no-store"),
)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

access_log = logging.getLogger("aid_engine.web.access")


class SecurityHeaders:
    """ASGI middleware: the security headers on every response, and one access-log line per request (method,
    path without its query string, status, milliseconds): no query, no header, no body ever reaches a log."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 0

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                names = {name.lower() for name, _ in message.get("headers", ())}
                extra = [h for h in SECURITY_HEADERS if h[0] not in names]
                message["headers"] = [*message.get("headers", ()), *extra]
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        finally:
            if access_log.isEnabledFor(logging.INFO):
                access_log.info("%s %s %d %.1fms", scope["method"], scope["path"], status,
                                (time.perf_counter() - started) * 1000)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True, slots=True)
class Session:
    """A signed-in browser: the user's id, when the session ends, and the nonce its CSRF token derives from."""

    user_id: int
    expires: int
    nonce: str


class Signer:
    """Signs and reads session cookies and CSRF tokens with one secret (random per server start unless given)."""

    def __init__(self, secret: bytes | None = None, lifetime: int = SESSION_SECONDS) -> None:
        self.secret = secret or secrets.token_bytes(32)
        self.lifetime = lifetime

    def _mac(self, purpose: str, data: str) -> str:
        return _b64(hmac.new(self.secret, f"{purpose}:{data}".encode(), hashlib.sha256).digest())

    def new_session(self, user_id: int) -> tuple[Session, str]:
        session = Session(user_id, int(time.time()) + self.lifetime, secrets.token_urlsafe(16))
        body = _b64(json.dumps([session.user_id, session.expires, session.nonce]).encode())
        return session, f"{body}.{self._mac('session', body)}"

    def read_session(self, cookie: str | None) -> Session | None:
        """The session of a cookie, or None when it is absent, forged, malformed or expired."""
        if not cookie or cookie.count(".") != 1 or len(cookie) > 512:
            return None
        body, mac = cookie.split(".")
        if not hmac.compare_digest(mac, self._mac("session", body)):
            return None
        try:
            user_id, expires, nonce = json.loads(_unb64(body))
        except (ValueError, TypeError):
            return None
        if not isinstance(user_id, int) or not isinstance(expires, int) or expires < time.time():
            return None
        return Session(user_id, expires, str(nonce))

    def csrf_of(self, nonce: str) -> str:
        """The CSRF token of a session (or of a sign-in form's nonce)."""
        return self._mac("csrf", nonce)

    def csrf_ok(self, nonce: str | None, token: str | None) -> bool:
        return bool(nonce and token) and hmac.compare_digest(self.csrf_of(nonce or ""), token or "")


class AttemptLimiter:
    """At most `limit` failed sign-ins per client address in `window` seconds (and `limit` × 10 in all, so
    that many addresses cannot share the guessing); a success does not reset the count."""

    def __init__(self, limit: int = 5, window: float = 300.0) -> None:
        self.limit = limit
        self.window = window
        self._failures: dict[str, deque[float]] = {}
        self._all: deque[float] = deque()
        self._lock = threading.Lock()

    def _trim(self, times: deque[float], now: float) -> None:
        while times and times[0] <= now - self.window:
            times.popleft()

    def blocked(self, client: str) -> bool:
        now = time.monotonic()
        with self._lock:
            times = self._failures.get(client, deque())
            self._trim(times, now)
            self._trim(self._all, now)
            return len(times) >= self.limit or len(self._all) >= self.limit * 10

    def failed(self, client: str) -> None:
        now = time.monotonic()
        with self._lock:
            self._failures.setdefault(client, deque()).append(now)
            self._all.append(now)
            if len(self._failures) > 10_000:  # bounded memory: forget the quietest addresses
                for key in [k for k, v in self._failures.items() if not v][:5000]:
                    del self._failures[key]


__all__ = ["CSP", "LANG_COOKIE", "SECURITY_HEADERS", "SESSION_COOKIE", "AttemptLimiter", "SecurityHeaders",
           "Session", "Signer", "access_log"]
