"""`aid-engine users add|list|revoke`: the token is shown once as the last line of stdout, only its hash is
stored, a desk user needs a fabrique, a revoked user is refused."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from typer.testing import CliRunner

from aid_engine.cli import app
from aid_engine.store import open_store
from aid_engine.store.users import token_hash, user_of_token, users


def run(*args: str) -> object:
    return CliRunner().invoke(app, list(args))


def test_a_token_is_printed_once_and_only_its_hash_is_stored(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'u.db'}"
    result = run("users", "add", "jdupont", "--role", "desk", "--fabrique", "FAB-1", "--fabrique", "FAB-2",
                 "--db", url)
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    token = result.stdout.strip().splitlines()[-1]  # type: ignore[attr-defined]
    assert len(token) >= 40
    store = open_store(url)
    try:
        with store.engine.connect() as c:
            rows = c.execute(select(users)).mappings().all()
        assert [r["token_hash"] for r in rows] == [token_hash(token)]
        assert token not in str([dict(r) for r in rows])
        user = user_of_token(store.engine, token)
        assert user is not None and user.name == "jdupont" and user.fabriques == ("FAB-1", "FAB-2")
    finally:
        store.close()
    listed = run("users", "list", "--db", url)
    assert "jdupont\tdesk\tFAB-1, FAB-2\tactive" in listed.stdout  # type: ignore[attr-defined]
    assert token not in listed.stdout  # type: ignore[attr-defined]
    assert run("users", "revoke", "jdupont", "--db", url).exit_code == 0  # type: ignore[attr-defined]
    assert "revoked" in run("users", "list", "--db", url).stdout  # type: ignore[attr-defined]
    store = open_store(url)
    try:
        assert user_of_token(store.engine, token) is None
    finally:
        store.close()


def test_bad_users_are_refused_with_exit_2(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'u.db'}"
    for args in (("users", "add", "x", "--role", "desk"),             # a desk user without a fabrique
                 ("users", "add", "x", "--role", "boss"),             # no such role
                 ("users", "add", "x", "--role", "finance", "--fabrique", "F"),
                 ("users", "add", "a\x1bb", "--role", "admin")):      # a control character in the name
        result = run(*args, "--db", url)
        assert result.exit_code == 2, args  # type: ignore[attr-defined]
    assert run("users", "add", "x", "--role", "admin", "--db", url).exit_code == 0  # type: ignore[attr-defined]
    assert run("users", "add", "x", "--role", "admin", "--db", url).exit_code == 2  # type: ignore[attr-defined]
    assert run("users", "revoke", "nobody", "--db", url).exit_code == 2  # type: ignore[attr-defined]
