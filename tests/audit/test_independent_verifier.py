"""A checkpoint and a proof made by aid_engine verify with `independent_verifier.py`, written from
docs/audit.md alone (no aid_engine import), reading the SQLite store with sqlite3; and it refuses them once
the store or the checkpoint is tampered with."""

from __future__ import annotations

import ast
import json
import sqlite3
from pathlib import Path

import independent_verifier as iv
import pytest
from audit_helpers import cli, examples

from aid_engine.store import open_store

HERE = Path(__file__).resolve().parent


def test_the_independent_verifier_imports_nothing_of_aid_engine() -> None:
    tree = ast.parse((HERE / "independent_verifier.py").read_text(encoding="utf-8"))
    names = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    names |= {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    assert {name.split(".")[0] for name in names} <= {"__future__", "base64", "hashlib", "json", "sqlite3",
                                                       "typing", "cryptography"}


def test_a_checkpoint_and_proofs_verify_independently(tmp_path: Path, keys: dict[str, Path]) -> None:
    database = tmp_path / "store.db"
    store = open_store(f"sqlite:///{database}")
    try:
        for item in examples():  # one decision per transaction, as `check --save` stores them
            store.write([item], operator="desk")
    finally:
        store.close()
    point = tmp_path / "checkpoint.txt"
    assert cli("audit", "checkpoint", "--db", f"sqlite:///{database}", "--key", str(keys["key"]),
               "--out", str(point))[0] == 0
    vkey = keys["pub"].read_text(encoding="utf-8").strip()
    note = point.read_text(encoding="utf-8")
    assert iv.verify_store(note, vkey, str(database)) == 8
    with sqlite3.connect(database) as c:
        stored = dict(c.execute("SELECT id, hash FROM audit_records").fetchall())
    for decision in range(1, 9):
        code, out, err = cli("audit", "prove", str(decision), "--db", f"sqlite:///{database}")
        assert code == 0, err
        proof = iv.load_proof(out)
        iv.verify_proof(proof, vkey)
        assert proof["record_hash"] == stored[proof["leaf_index"] + 1]
        forged = {**proof, "record_hash": stored[(proof["leaf_index"] + 1) % 8 + 1]}
        with pytest.raises(iv.Refused, match="root"):
            iv.verify_proof(forged, vkey)
    with pytest.raises(iv.Refused, match="no signature by this key"):
        iv.verify_note(note, keys["other_pub"].read_text(encoding="utf-8").strip())
    with sqlite3.connect(database) as c:
        c.execute("DROP TRIGGER audit_records_no_update")
        c.execute("UPDATE audit_records SET hash = ? WHERE id = 5", ("0" * 64,))
    with pytest.raises(iv.Refused, match="root"):
        iv.verify_store(note, vkey, str(database))
    assert json.loads(out)["tree_size"] == 8
