"""The HTTP API under `/api/v1` (the README's « aid-engine serve » section): JSON, `Authorization: Bearer TOKEN`.

401 without a valid token; 403 outside the role or the fabriques, one body that says nothing of the resource;
422 for bad input with `{"error": "invalid_declaration", "problems": [{"field", "message"}]}`, the CLI's
messages.  A GET also accepts the session cookie of a signed-in page (SameSite=Strict; a GET changes
nothing), a POST only the token.  Bodies are never logged.
"""

from __future__ import annotations

import json
import time
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from .. import evaluate
from .._version import __version__
from ..errors import DeclarationError, InputFileError, NoRulesetInForce
from ..models import Declaration
from ..ruleset import RuleSet
from ..store.users import User, user_of_id, user_of_token
from .access import ApiError, Permission, forbidden, invalid, not_found, require, sees_fabrique, unauthorized
from .context import MAX_DECLARATION, Server, server_of
from .reading import decision_for, history_for
from .schemas import (
    ERRORS,
    DecisionOut,
    Health,
    LearnerDecisions,
    RulesetOut,
    RulesetSummary,
    TraceOut,
    declaration_body,
)
from .security import SESSION_COOKIE

Lang = Literal["fr", "en"]
JSON_TYPE = "application/json"


def json_response(body: Any, status: int = 200) -> Response:
    return Response(json.dumps(body, ensure_ascii=False), status_code=status, media_type=JSON_TYPE)


TOKEN_TTL = 1.0  # seconds a token's user is remembered: a revoked token is refused within this time
_CACHE_MAX = 4096


def user_of_bearer(server: Server, token: str) -> User | None:
    """The active user of a token, remembered for `TOKEN_TTL` seconds (the store is asked at most once a second
    per token, not on every request)."""
    now = time.monotonic()
    cached = server.tokens.get(token)
    if cached is not None and cached[1] > now:
        return cached[0]
    user = user_of_token(server.store.engine, token)
    if len(server.tokens) >= _CACHE_MAX:
        server.tokens.clear()
    server.tokens[token] = (user, now + TOKEN_TTL)
    return user


async def authenticated(request: Request) -> User:
    """The user of a request: its Bearer token, or (GET only) its signed session cookie; else 401."""
    server = server_of(request)
    header = request.headers.get("authorization")
    if header is not None:
        scheme, _, token = header.partition(" ")
        user = user_of_bearer(server, token.strip()) if scheme.lower() == "bearer" and token.strip() else None
        if user is None:
            raise unauthorized()
        return user
    if request.method == "GET":
        session = server.signer.read_session(request.cookies.get(SESSION_COOKIE))
        user = user_of_id(server.store.engine, session.user_id) if session else None
        if user is not None:
            return user
    raise unauthorized()


def allowed(permission: Permission) -> Any:
    """A dependency: the authenticated user, who must hold `permission` (else 403)."""

    async def dependency(user: Annotated[User, Depends(authenticated)]) -> User:
        require(user, permission)
        return user

    return Depends(dependency)


router = APIRouter(prefix="/api/v1", responses=ERRORS)


# -- decisions ----------------------------------------------------------------------------------------------------


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, refused past `limit` bytes (413) without reading the rest."""
    length = request.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) > limit:
        raise ApiError(413, {"error": "too_large", "message": f"the body is larger than {limit} bytes"})
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise ApiError(413, {"error": "too_large", "message": f"the body is larger than {limit} bytes"})
        chunks.append(chunk)
    return b"".join(chunks)


def parse_declaration(body: bytes) -> Declaration:
    """The declaration of a request body; 422 naming each bad field (the CLI's messages, never a value)."""
    try:
        return Declaration.from_json(body, source="body")
    except DeclarationError as exc:
        raise invalid((p.field, p.message) for p in exc.problems) from None
    except InputFileError as exc:
        raise invalid([("body", str(exc).removeprefix("body: "))]) from None


def decide(server: Server, user: User, declaration: Declaration, lang: Lang, save: bool) -> str:
    """Decide (and with `save` store) a declaration for `user`: the decision's JSON text."""
    if not sees_fabrique(user, declaration.fabrique_id):
        raise forbidden()
    try:
        decision = evaluate(declaration, server.book, lang=lang)
    except NoRulesetInForce as exc:
        raise invalid([("training_start_date", str(exc).removeprefix("training_start_date: "))]) from None
    text = decision.model_dump_json()
    if not save:
        return text
    saved = server.store.save(declaration, decision, operator=user.name, lang=lang)
    return f'{text[:-1]},"decision_id":{saved.decision_id}}}'


@router.post("/decisions", response_model=DecisionOut, openapi_extra=declaration_body(),
             summary="Decide a declaration (and store it with ?save=true)")
async def post_decision(
    request: Request,
    user: Annotated[User, allowed("decide")],
    save: Annotated[bool, Query(description="Store the decision with its audit record; adds decision_id.")] = False,
    lang: Annotated[Lang, Query(description="Language of the reasons' messages.")] = "fr",
) -> Response:
    """The decision of one declaration (the output contract).  Desk users decide for their fabriques only."""
    body = await read_body(request, MAX_DECLARATION)
    declaration = parse_declaration(body)
    server = server_of(request)
    if save:
        text = await run_in_threadpool(decide, server, user, declaration, lang, True)
    else:
        text = decide(server, user, declaration, lang, False)
    return Response(text, media_type=JSON_TYPE)


@router.get("/decisions/{decision_id}", response_model=DecisionOut, summary="A stored decision")
def get_decision(decision_id: int, request: Request, user: Annotated[User, allowed("read")]) -> Response:
    stored = decision_for(server_of(request).store, user, decision_id)
    return json_response({**stored.decision, "decision_id": stored.id})


@router.get("/decisions/{decision_id}/trace", response_model=TraceOut, summary="The trace of a stored decision")
def get_trace(decision_id: int, request: Request, user: Annotated[User, allowed("read")]) -> Response:
    """The trace exactly as it was at decision time."""
    stored = decision_for(server_of(request).store, user, decision_id)
    return json_response({"decision_id": stored.id, "trace": stored.decision.get("trace", [])})


@router.get("/learners/{learner_id}/decisions", response_model=LearnerDecisions,
            summary="A learner's decisions and recoveries, oldest first")
def get_learner(learner_id: str, request: Request, user: Annotated[User, allowed("read")]) -> Response:
    records = history_for(server_of(request).store, user, learner_id)
    return json_response({"learner_id": learner_id, "records": [r.json() for r in records]})


# -- rule sets ----------------------------------------------------------------------------------------------------


def ruleset_summary(rs: RuleSet) -> dict[str, Any]:
    return {"academic_year": rs.year.label, "id": rs.id, "sha256": rs.sha256, "files": list(rs.files)}


def ruleset_detail(rs: RuleSet, lang: Lang) -> dict[str, Any]:
    return {
        **ruleset_summary(rs),
        "gates": [{"id": g.id, "code": g.code, "label": g.label.get(lang), "expression": g.predicate.text,
                   "legal_ref": g.legal_ref, "source": g.source} for g in rs.gates],
        "rates": {e: format(v, ".2f") for e, v in rs.rates.values.items()},
        "ceilings": {e: [format(v, ".2f") for v in row] for e, row in rs.ceilings.values.items()},
        "distance_bands": [{"from_km": str(b.from_km), "points": b.points} for b in rs.distance_bands],
        "months_cap": rs.months_cap,
        "notes": list(rs.notes),
    }


@router.get("/rulesets", response_model=list[RulesetSummary], summary="The rule sets, one per academic year")
def get_rulesets(request: Request, user: Annotated[User, allowed("rules")]) -> Response:
    return json_response([ruleset_summary(rs) for rs in server_of(request).book])


@router.get("/rulesets/{year}", response_model=RulesetOut, summary="One academic year's rule set")
def get_ruleset(year: str, request: Request, user: Annotated[User, allowed("rules")],
                lang: Annotated[Lang, Query()] = "fr") -> Response:
    book = server_of(request).book
    found = next((rs for rs in book if rs.year.label == year), None)
    if found is None:
        raise not_found("rule set (academic years covered: " + book.covered + ")")
    return json_response(ruleset_detail(found, lang))


health_router = APIRouter()


@health_router.get("/healthz", response_model=Health, summary="The server is up (no token)")
def healthz() -> Response:
    return json_response({"status": "ok", "engine_version": __version__})


__all__ = ["allowed", "authenticated", "health_router", "json_response", "read_body", "router"]
