"""Signed checkpoints against a store tampered with as a database administrator would (triggers dropped):
cut off, rewritten with every hash recomputed, a forged record slipped in before the checkpoint, or a
checkpoint signed by another key — each is caught by `audit verify --checkpoint` (exit 1), while the hash
chain alone still says « intact ».  On SQLite and PostgreSQL."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from audit_helpers import cli, examples
from sqlalchemy import Engine, delete, text

from aid_engine import Declaration, evaluate
from aid_engine.audit import merkle
from aid_engine.store import Decided, Store, open_store
from aid_engine.store.tables import audit_records, decisions


def _drop_triggers(engine: Engine) -> None:
    with engine.begin() as c:
        if c.dialect.name == "postgresql":
            c.execute(text("ALTER TABLE audit_records DISABLE TRIGGER USER"))
        else:
            c.execute(text("DROP TRIGGER audit_records_no_update"))
            c.execute(text("DROP TRIGGER audit_records_no_delete"))


def _cut_after(store: Store, keep: int) -> None:
    """Remove every audit record after `keep`, with its decision row."""
    _drop_triggers(store.engine)
    with store.engine.begin() as c:
        c.execute(delete(decisions).where(decisions.c.audit_id > keep))
        c.execute(delete(audit_records).where(audit_records.c.id > keep))


def _forged() -> Decided:
    """A decision that was never made: the first example's declaration with another income."""
    declaration = examples()[0]
    changed = Declaration.model_validate({**json.loads(declaration.declaration_json), "revenu_brut_global": "1"})
    return Decided.of(changed, evaluate(changed))


def _checkpoint(store: Store, keys: dict[str, Path], tmp_path: Path, key: str = "key") -> Path:
    out = tmp_path / f"checkpoint-{key}.txt"
    code, _, err = cli("audit", "checkpoint", "--db", store.url, "--key", str(keys[key]), "--out", str(out))
    assert code == 0, err
    return out


def _verify(store: Store, checkpoint: Path, public: Path) -> tuple[int, str, str]:
    return cli("audit", "verify", "--db", store.url, "--checkpoint", str(checkpoint), "--public-key", str(public))


def test_an_untouched_store_extends_its_checkpoint_and_the_records_after_it(filled: Store, keys: dict[str, Path],
                                                                               tmp_path: Path) -> None:
    point = _checkpoint(filled, keys, tmp_path)
    filled.write([_forged()], operator="desk")  # a later, honest decision
    code, out, err = _verify(filled, point, keys["pub"])
    assert code == 0, err
    assert f"checkpoint {point}: the store extends it (8 record(s), signed by aid-engine)" in out
    assert "audit chain intact: 9 record(s)" in out


def test_a_truncated_store_is_caught(filled: Store, keys: dict[str, Path], tmp_path: Path) -> None:
    point = _checkpoint(filled, keys, tmp_path)
    _cut_after(filled, 6)
    assert filled.verify().records == 6  # the chain alone cannot tell
    code, _, err = _verify(filled, point, keys["pub"])
    assert code == 1
    assert "covers 8 record(s) and the store holds 6" in err


def test_a_store_rewritten_with_recomputed_hashes_is_caught(filled: Store, keys: dict[str, Path],
                                                           tmp_path: Path) -> None:
    point = _checkpoint(filled, keys, tmp_path)
    _cut_after(filled, 4)
    filled.write(examples()[4:], operator="someone else")  # the same decisions, records written anew
    assert filled.verify().records == 8
    code, _, err = _verify(filled, point, keys["pub"])
    assert code == 1
    assert "do not have this checkpoint's root" in err


def test_a_forged_record_slipped_in_before_the_checkpoint_is_caught(filled: Store, keys: dict[str, Path],
                                                                   tmp_path: Path) -> None:
    point = _checkpoint(filled, keys, tmp_path)
    _cut_after(filled, 7)
    filled.write([_forged(), examples()[7]], operator="desk")
    assert filled.verify().records == 9
    code, _, err = _verify(filled, point, keys["pub"])
    assert code == 1
    assert "do not have this checkpoint's root" in err


def test_a_checkpoint_signed_by_another_key_is_caught(filled: Store, keys: dict[str, Path], tmp_path: Path) -> None:
    point = _checkpoint(filled, keys, tmp_path, key="other")
    code, _, err = _verify(filled, point, keys["pub"])
    assert code == 1
    assert "signed by another key" in err
    assert _verify(filled, point, keys["other_pub"])[0] == 0


def test_a_checkpoint_edited_after_signing_or_of_another_store_is_caught(
        filled: Store, new_db: Callable[[], str], keys: dict[str, Path], tmp_path: Path) -> None:
    point = _checkpoint(filled, keys, tmp_path)
    edited = tmp_path / "edited.txt"
    edited.write_text(point.read_text(encoding="utf-8").replace("\n8\n", "\n7\n"), encoding="utf-8")
    code, _, err = _verify(filled, edited, keys["pub"])
    assert code == 1 and "does not verify" in err
    other = open_store(new_db())
    try:
        other.write(examples(), operator="desk")
        code, _, err = _verify(other, point, keys["pub"])
    finally:
        other.close()
    assert code == 1 and "not of this store" in err


def test_a_checkpoint_needs_a_key(filled: Store, keys: dict[str, Path], tmp_path: Path,
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AID_ENGINE_SIGNING_KEY", raising=False)
    code, _, err = cli("audit", "checkpoint", "--db", filled.url)
    assert code == 2 and "no signing key" in err
    point = _checkpoint(filled, keys, tmp_path)
    code, _, err = cli("audit", "verify", "--db", filled.url, "--checkpoint", str(point))
    assert code == 2 and "--public-key" in err
    monkeypatch.setenv("AID_ENGINE_SIGNING_KEY", str(keys["key"]))
    code, out, _ = cli("audit", "checkpoint", "--db", filled.url)
    assert code == 0 and out.startswith("aid-engine/") and "\n8\n" in out


def test_a_proof_verifies_against_the_latest_checkpoint(filled: Store, keys: dict[str, Path],
                                                        tmp_path: Path) -> None:
    code, _, err = cli("audit", "prove", "3", "--db", filled.url)
    assert code == 1 and "no checkpoint" in err
    _checkpoint(filled, keys, tmp_path)
    filled.write([_forged()], operator="desk")
    code, _, err = cli("audit", "prove", "9", "--db", filled.url)
    assert code == 1 and "after the latest checkpoint" in err
    _checkpoint(filled, keys, tmp_path, key="other")  # 9 records now, the latest checkpoint
    for decision in range(1, 10):
        code, out, err = cli("audit", "prove", str(decision), "--db", filled.url)
        assert code == 0, err
        proof = json.loads(out)
        assert (proof["leaf_index"], proof["tree_size"]) == (decision - 1, 9)
        root = base64.b64decode(proof["root_hash"])
        path = [base64.b64decode(h) for h in proof["hashes"]]
        assert merkle.verify_inclusion(decision - 1, 9, bytes.fromhex(proof["record_hash"]), path, root)
