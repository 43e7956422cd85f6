"""A signed checkpoint at the end of every `batch` run and `check --save` when a key is set (`--key` or
`$AID_ENGINE_SIGNING_KEY`), stored and, with `--checkpoint-out`, written where the operator keeps it; none
without a key."""

from __future__ import annotations

from pathlib import Path

import pytest
from audit_helpers import EXAMPLES, cli
from sqlalchemy import select

from aid_engine.audit.tables import checkpoints
from aid_engine.store import open_store


def _stored(url: str) -> list[tuple[int, str]]:
    store = open_store(url)
    try:
        with store.engine.connect() as c:
            return [(int(size), str(note)) for size, note in
                    c.execute(select(checkpoints.c.tree_size, checkpoints.c.note).order_by(checkpoints.c.id))]
    finally:
        store.close()


def test_a_batch_run_ends_with_a_signed_checkpoint(db_url: str, keys: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "after-run.txt"
    code, _, err = cli("batch", str(EXAMPLES / "batch.csv"), "--db", db_url, "--key", str(keys["key"]),
                       "--checkpoint-out", str(out))
    assert code == 0, err
    [(size, note)] = _stored(db_url)
    assert size == 385 and out.read_text(encoding="utf-8") == note
    assert f"checkpoint 1 signed: 385 record(s), written to {out}" in err
    code, stdout, err = cli("audit", "verify", "--db", db_url, "--checkpoint", str(out), "--public-key",
                            str(keys["pub"]))
    assert code == 0, err
    assert "the store extends it (385 record(s), signed by aid-engine)" in stdout


def test_check_save_ends_with_a_checkpoint_when_the_environment_names_a_key(
        db_url: str, keys: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AID_ENGINE_SIGNING_KEY", str(keys["key"]))
    for example in sorted(EXAMPLES.glob("*.json"))[:2]:
        code, _, err = cli("check", str(example), "--save", "--db", db_url)
        assert code == 0, err
    assert [size for size, _ in _stored(db_url)] == [1, 2]


def test_no_key_no_checkpoint_and_checkpoint_out_needs_one(db_url: str, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AID_ENGINE_SIGNING_KEY", raising=False)
    example = str(sorted(EXAMPLES.glob("*.json"))[0])
    assert cli("check", example, "--save", "--db", db_url)[0] == 0
    assert _stored(db_url) == []
    code, _, err = cli("check", example, "--save", "--db", db_url, "--checkpoint-out", str(tmp_path / "c.txt"))
    assert code == 2 and "no signing key" in err
    code, _, err = cli("batch", str(EXAMPLES / "batch.csv"), "--db", db_url, "--checkpoint-out",
                       str(tmp_path / "c.txt"))
    assert code == 2 and "no signing key" in err
    assert not (tmp_path / "c.txt").exists()
