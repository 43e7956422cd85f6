"""Who may do what through `aid-engine serve`, and the errors the API answers with.

Roles (the README's « aid-engine serve » section): desk = decide, save, and read the decisions of its fabriques'
learners; finance = batch, report, cash flow, read every decision; auditor = audit, read-only (every
decision, the report); admin = everything.  A desk user asking for a decision or a learner outside its
fabriques gets 403 with the same body whether that decision or learner exists or not: nothing else is said.
This module must never put a declaration's value in an error.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal

from ..store.queries import StoredDecision
from ..store.users import User

Permission = Literal["decide", "read", "batch", "report", "audit", "rules"]
PERMISSIONS: dict[Permission, frozenset[str]] = {
    "decide": frozenset({"desk", "admin"}),
    "read": frozenset({"desk", "finance", "auditor", "admin"}),
    "batch": frozenset({"finance", "admin"}),
    "report": frozenset({"finance", "auditor", "admin"}),
    "audit": frozenset({"auditor", "admin"}),
    "rules": frozenset({"desk", "finance", "auditor", "admin"}),
}


class ApiError(Exception):
    """An answer other than 2xx: its status and JSON body."""

    def __init__(self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> None:
        super().__init__(body.get("error", "error"))
        self.status = status
        self.body = body
        self.headers = headers or {}


def unauthorized() -> ApiError:
    return ApiError(401, {"error": "unauthorized", "message": "a valid token is required "
                                                              "(Authorization: Bearer TOKEN)"},
                    {"WWW-Authenticate": "Bearer"})


def forbidden() -> ApiError:
    """The one 403 body: it says nothing about the resource asked for."""
    return ApiError(403, {"error": "forbidden", "message": "not allowed for this user"})


def not_found(what: str) -> ApiError:
    return ApiError(404, {"error": "not_found", "message": f"no such {what}"})


def invalid(problems: Iterable[tuple[str, str]], error: str = "invalid_declaration") -> ApiError:
    """422 with the conventions' body: each problem's field and message."""
    return ApiError(422, {"error": error, "problems": [{"field": f, "message": m} for f, m in problems]})


def may(user: User, permission: Permission) -> bool:
    return user.role in PERMISSIONS[permission]


def require(user: User, permission: Permission) -> None:
    if not may(user, permission):
        raise forbidden()


def sees_fabrique(user: User, fabrique_id: str | None) -> bool:
    """Whether the user may see a learner of this fabrique (every role but desk sees every fabrique)."""
    if user.role != "desk":
        return True
    return fabrique_id is not None and fabrique_id in user.fabriques


def fabrique_of(stored: StoredDecision) -> str | None:
    """The fabrique of a stored decision's declaration (kept by the purge, which keeps it with the dates)."""
    declaration = stored.declaration
    value = declaration.get("fabrique_id") if declaration else None
    return value if isinstance(value, str) else None


__all__ = ["PERMISSIONS", "ApiError", "Permission", "fabrique_of", "forbidden", "invalid", "may", "not_found",
           "require", "sees_fabrique", "unauthorized"]
