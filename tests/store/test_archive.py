"""Rule sets archived by sha256 at first use: replay and the trace of a stored decision use the archive, so they
still work once the rules files changed."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from sqlalchemy import text
from store_helpers import RULES, head_lines, new_bareme
from typer.testing import CliRunner

from aid_engine.cli import app
from aid_engine.store import open_store
from aid_engine.store.records import ruleset_sha256

runner = CliRunner(env={"COLUMNS": "240", "NO_COLOR": "1", "TERM": "dumb"})


def run(*args: str) -> Any:
    return runner.invoke(app, list(args))


def test_replay_uses_the_archive_after_a_rate_was_edited_in_the_rules_directory(
        db_url: str, example_batch: Path, tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(RULES, rules)
    batch = head_lines(example_batch, tmp_path / "in.csv", 60)
    assert run("batch", str(batch), "--db", db_url, "--rules", str(rules)).exit_code == 0
    edited = new_bareme(tmp_path)  # rules/ with other rates and ceilings for 2024-2025 …
    shutil.rmtree(rules)
    shutil.copytree(edited, rules)  # … now in the very directory the decisions were made with
    replayed = run("replay", "--all", "--db", db_url, "--rules", str(rules))
    assert replayed.exit_code == 0, replayed.stdout
    assert "differ" not in replayed.stdout and "rules_missing" not in replayed.stdout
    assert replayed.stdout.strip().splitlines()[-1].startswith("replayed: ") and " same" in replayed.stdout
    decided_again = run("batch", str(batch), "--db", db_url, "--rules", str(rules))  # the new barème: new rows
    assert decided_again.exit_code == 0
    assert run("audit", "verify", "--db", db_url).exit_code == 0


def test_the_archive_holds_each_used_rule_set_once_with_its_exact_files(db_url: str, example_batch: Path,
                                                                        tmp_path: Path) -> None:
    batch = head_lines(example_batch, tmp_path / "in.csv", 40)
    for _ in range(2):
        assert run("batch", str(batch), "--db", db_url).exit_code == 0
    store = open_store(db_url)
    try:
        with store.engine.connect() as c:
            rows = c.execute(text("SELECT sha256, ruleset_id, files FROM rulesets")).all()
            used = set(c.execute(text("SELECT DISTINCT ruleset_sha256 FROM decisions")).scalars())
    finally:
        store.close()
    assert {sha for sha, _, _ in rows} == used and len(rows) == len(used)
    for sha, ident, files in rows:
        texts = json.loads(files)
        assert ruleset_sha256(texts) == sha
        assert texts["base.yaml"] == (RULES / "base.yaml").read_text(encoding="utf-8")
        assert f"years/{ident.split('/')[-1]}.yaml" in texts


def test_replay_lists_every_decision_that_cannot_be_redecided_and_exits_1(db_url: str, example_batch: Path,
                                                                         tmp_path: Path) -> None:
    batch = head_lines(example_batch, tmp_path / "in.csv", 30)
    assert run("batch", str(batch), "--db", db_url).exit_code == 0
    assert run("purge", "--before", "2999-01-01", "--db", db_url).exit_code == 0
    replayed = run("replay", "--all", "--db", db_url)
    assert replayed.exit_code == 1
    lines = replayed.stdout.strip().splitlines()
    purged = [line for line in lines if "purged" in line and line.startswith("decision ")]
    assert len(purged) > 1 and lines[-1] == f"replayed: {len(purged)} purged"
