"""Fixtures of the checkpoint suite: the store suite's databases (SQLite, and PostgreSQL when a server is
given), a store holding the examples' decisions, and signing keys made by `aid-engine audit keygen`."""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from pathlib import Path

import pytest
from audit_helpers import cli, examples

from aid_engine.store import Store, open_store

_spec = importlib.util.spec_from_file_location("store_conftest", Path(__file__).resolve().parent.parent
                                               / "store" / "conftest.py")
assert _spec is not None and _spec.loader is not None
_store = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_store)
pg_schemas = _store.pg_schemas
pg_url = _store.pg_url
new_db = _store.new_db
db_url = _store.db_url

@pytest.fixture
def filled(db_url: str) -> Iterator[Store]:
    """A store holding the eight example decisions, one audit record each."""
    store = open_store(db_url)
    store.write(examples(), operator="desk")
    yield store
    store.close()


@pytest.fixture
def keys(tmp_path: Path) -> dict[str, Path]:
    """Two signing keys and their public keys: key/pub (the operator's) and other/other_pub."""
    made = {}
    for name in ("key", "other"):
        path = tmp_path / f"{name}.key"
        code, out, _ = cli("audit", "keygen", "--key", str(path))
        assert code == 0
        public = tmp_path / f"{name}.pub"
        public.write_text(out, encoding="utf-8")
        made[name], made[f"{name}_pub"] = path, public
    made["pub"] = made.pop("key_pub")
    return made


@pytest.fixture(autouse=True)
def _english_messages(monkeypatch: pytest.MonkeyPatch) -> None:
    """This suite reads the commands' messages in English (`AID_ENGINE_LANG=en`, inherited by the commands it
    starts); the French view, the default, is checked by tests/test_french.py."""
    monkeypatch.setenv("AID_ENGINE_LANG", "en")
