"""The people who use `aid-engine serve`: a name, a role, the fabriques of a desk user, and a token's hash.

A token is 32 random bytes shown once, when the user is added; only its SHA-256 is stored (a token is as
long as a key, so a plain digest is enough: nothing to guess, no salt needed).  A revoked user keeps its row
(names stay unique and the audit trail's operators stay meaningful) and is refused from then on.  A user may
also hold a one-time sign-in link (the first admin's, printed by `serve`): its hash is cleared when it is used.

This module must never store or log a token, only its hash.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine, func, insert, select, update
from sqlmodel import Field, SQLModel

from ..errors import AidEngineError, NotFound

ROLES = ("desk", "finance", "auditor", "admin")
NAME_MAX = 200
FABRIQUE_MAX = 200
TOKEN_BYTES = 32


class UserRow(SQLModel, table=True):
    """A user of the web desk and the HTTP API."""

    __tablename__ = "users"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=NAME_MAX, unique=True)
    role: str = Field(max_length=10)
    fabriques: str = Field(default="[]", max_length=4000)
    token_hash: str = Field(max_length=64, unique=True)
    signin_hash: str | None = Field(default=None, max_length=64, unique=True)
    created_at: datetime
    revoked_at: datetime | None = None


users = SQLModel.metadata.tables["users"]


class UserError(AidEngineError, ValueError):
    """A user that cannot be added or found as asked (a bad name or role, a name taken)."""

    code = "bad_user"


@dataclass(frozen=True, slots=True)
class User:
    """A user as the server sees it: who, what role, which fabriques (desk users only)."""

    id: int
    name: str
    role: str
    fabriques: tuple[str, ...]
    created_at: datetime
    revoked_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


def token_hash(token: str) -> str:
    """The stored form of a token.

    >>> token_hash("abc")[:16]
    'ba7816bf8f01cfea'
    """
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def _printable(text: str) -> bool:
    return text.isprintable() and not any("\u202a" <= c <= "\u202e" or "\u2066" <= c <= "\u2069" for c in text)


def check_name(name: str) -> str:
    """A user name: printable, non-blank, at most 200 characters (it becomes the audit trail's operator)."""
    name = name.strip()
    if not name or len(name) > NAME_MAX or not _printable(name):
        raise UserError("user name: must be 1 to 200 printable characters")
    return name


def _check(role: str, fabriques: tuple[str, ...]) -> tuple[str, ...]:
    if role not in ROLES:
        raise UserError(f"role: must be one of {', '.join(ROLES)}")
    cleaned = tuple(dict.fromkeys(f.strip() for f in fabriques))
    if any(not f or len(f) > FABRIQUE_MAX or not _printable(f) for f in cleaned):
        raise UserError("fabrique: must be 1 to 200 printable characters")
    if role == "desk" and not cleaned:
        raise UserError("a desk user needs at least one --fabrique")
    if role != "desk" and cleaned:
        raise UserError("--fabrique is for desk users only (the other roles see every fabrique)")
    return cleaned


def _user(row: object) -> User:
    r = row._mapping  # type: ignore[attr-defined]
    return User(r["id"], r["name"], r["role"], tuple(json.loads(r["fabriques"])), r["created_at"], r["revoked_at"])


def add_user(engine: Engine, name: str, role: str, fabriques: tuple[str, ...] = (), *,
             with_signin: bool = False) -> tuple[User, str, str | None]:
    """Add a user; return it, its token (to show once) and, `with_signin`, a one-time sign-in token."""
    name = check_name(name)
    fabriques = _check(role, fabriques)
    token = new_token()
    signin = new_token() if with_signin else None
    with engine.begin() as connection:
        if connection.execute(select(users.c.id).where(users.c.name == name)).first() is not None:
            raise UserError(f"user name: {name!r} is already taken (revoked users keep their name)")
        connection.execute(insert(users).values(
            name=name, role=role, fabriques=json.dumps(list(fabriques), ensure_ascii=False),
            token_hash=token_hash(token), signin_hash=token_hash(signin) if signin else None,
            created_at=datetime.now(UTC)))
    return user_named(engine, name), token, signin


def user_named(engine: Engine, name: str) -> User:
    with engine.connect() as connection:
        row = connection.execute(select(users).where(users.c.name == name)).first()
    if row is None:
        raise NotFound(f"no user named {name!r}")
    return _user(row)


def list_users(engine: Engine) -> list[User]:
    with engine.connect() as connection:
        return [_user(row) for row in connection.execute(select(users).order_by(users.c.id))]


def count_users(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(users)).scalar_one())


def revoke_user(engine: Engine, name: str) -> User:
    """Refuse the user's token and sessions from now on (the row stays); `NotFound` if there is none."""
    user = user_named(engine, name)
    if user.active:
        with engine.begin() as connection:
            connection.execute(update(users).where(users.c.id == user.id)
                               .values(revoked_at=datetime.now(UTC), signin_hash=None))
    return user_named(engine, name)


def user_of_token(engine: Engine, token: str) -> User | None:
    """The active user holding `token`, else None."""
    digest = token_hash(token)
    with engine.connect() as connection:
        row = connection.execute(select(users).where(users.c.token_hash == digest)).first()
    if row is None or not hmac.compare_digest(row._mapping["token_hash"], digest):
        return None
    user = _user(row)
    return user if user.active else None


def user_of_id(engine: Engine, user_id: int) -> User | None:
    """The active user `user_id`, else None (a session of a revoked user ends at its next request)."""
    with engine.connect() as connection:
        row = connection.execute(select(users).where(users.c.id == user_id)).first()
    user = _user(row) if row is not None else None
    return user if user is not None and user.active else None


def use_signin(engine: Engine, signin: str) -> User | None:
    """The active user whose one-time sign-in token this is; the token is spent (cleared) on the way."""
    digest = token_hash(signin)
    with engine.begin() as connection:
        row = connection.execute(select(users).where(users.c.signin_hash == digest)).first()
        if row is None:
            return None
        done = connection.execute(update(users).where(users.c.id == row._mapping["id"],
                                                      users.c.signin_hash == digest).values(signin_hash=None))
        if done.rowcount != 1:  # another request spent it first
            return None
    user = _user(row)
    return user if user.active else None


__all__ = ["ROLES", "User", "UserError", "UserRow", "add_user", "count_users", "list_users", "revoke_user",
           "token_hash", "use_signin", "user_named", "user_of_id", "user_of_token", "users"]
