"""`aid-engine serve`: the desk in a browser and the HTTP API, over the same store, chain and rule book.

    from aid_engine.web import create_app
    app = create_app(open_store(url), default_rulebook())      # a FastAPI application; uvicorn runs it

An edge of aid_engine (FastAPI, Jinja2, the store): the decision core never imports it.  It must never log a
request body, a query string or a declaration's value, and never fetch anything from outside the server.
"""

from __future__ import annotations

from .app import create_app

__all__ = ["create_app"]
