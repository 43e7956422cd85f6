"""The FastAPI application of `aid-engine serve`: the API, the pages, their static files, the error answers.

`create_app(store, book)` builds it around an opened store and a rule book; `aid-engine serve` runs it on
uvicorn.  FastAPI's own docs pages fetch their assets from a CDN, so they are off: `/api/docs` is a page of
ours, drawn from `/openapi.json` by a script served here.  Errors never carry a declaration's value nor a
database's message (those are logged by kind only).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from .._version import __version__
from ..errors import StoreError
from ..ruleset import RuleBook
from ..store import Store
from .access import ApiError
from .context import Server
from .notice import NOTICE_FILE, NoticeRules, load_notice
from .security import SecurityHeaders, Signer

log = logging.getLogger("aid_engine.web")

DESCRIPTION = (
    "Décide l'aide aux apprenants de la Grande École du numérique (décret n° 2017-548). "
    "Authorization: Bearer TOKEN (`aid-engine users add`). 401 without a valid token, 403 outside the role or "
    "the fabriques, 422 for bad input naming each field."
)


def _api_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return JSONResponse(exc.body, status_code=exc.status, headers=exc.headers)


def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    problems = []
    for err in exc.errors()[:20]:
        loc = [str(part) for part in err.get("loc", ()) if part not in ("query", "path", "body", "header")]
        problems.append({"field": ".".join(loc) or "request", "message": str(err.get("msg", "is not valid"))[:200]})
    return JSONResponse({"error": "invalid_request", "problems": problems}, status_code=422)


def _http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    names = {404: "not_found", 405: "method_not_allowed"}
    return JSONResponse({"error": names.get(exc.status_code, "http_error"), "message": str(exc.detail)},
                        status_code=exc.status_code, headers=getattr(exc, "headers", None))


def _store_error(_request: Request, exc: Exception) -> JSONResponse:
    log.error("store error: %s", type(exc).__name__)
    return JSONResponse({"error": "store_unavailable", "message": "the store cannot answer now"}, status_code=503)


def notice_rules(book: RuleBook) -> NoticeRules:
    """The notice's data: `notice.yaml` of the rule book's directory, else of the project's `rules/`."""
    from ..ruleset.loader import default_rules_dir

    own = Path(book.root) if book.root else None
    if own is not None and (own / NOTICE_FILE).is_file():
        return load_notice(own)
    return load_notice(default_rules_dir())


def create_app(store: Store, book: RuleBook, *, signer: Signer | None = None, max_upload: int | None = None,
               secure_cookies: bool = False) -> FastAPI:
    """The application around an opened store and a rule book (the caller closes the store)."""
    from . import api, pages

    app = FastAPI(title="aid_engine", version=__version__, description=DESCRIPTION, docs_url=None,
                  redoc_url=None, openapi_url="/openapi.json")
    server = Server(store=store, book=book, signer=signer or Signer(), secure_cookies=secure_cookies)
    if max_upload is not None:
        server.max_upload = max_upload
    from .batches import BatchJobs

    server.jobs = BatchJobs(server)
    server.notice = notice_rules(book)
    app.state.server = server
    handlers: dict[Any, Any] = {ApiError: _api_error, RequestValidationError: _validation_error,
                                StarletteHTTPException: _http_error, StoreError: _store_error}
    for kind, handler in handlers.items():
        app.add_exception_handler(kind, handler)
    app.include_router(api.health_router)
    app.include_router(api.router)
    pages.mount(app)
    app.add_middleware(SecurityHeaders)
    return app


__all__ = ["create_app"]
