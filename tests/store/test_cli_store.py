"""The store's commands through typer's CliRunner: what they print and their exit codes (docs/conventions.md: 0 done,
2 bad input, 1 a broken audit chain or a store that fails)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from store_helpers import drop_triggers, head_lines, new_bareme
from typer.testing import CliRunner

from aid_engine.cli import app
from aid_engine.store import open_store

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
GRANTED = str(EXAMPLES / "granted_echelon_7.json")
runner = CliRunner(env={"COLUMNS": "240", "NO_COLOR": "1", "TERM": "dumb"})


def run(*args: str) -> Any:
    return runner.invoke(app, list(args))


@pytest.fixture
def batched(db_url: str, example_batch: Path, tmp_path: Path) -> str:
    result = run("batch", str(head_lines(example_batch, tmp_path / "in.csv", 80)), "--db", db_url,
                 "--operator", "finance")
    assert result.exit_code == 0, result.stderr
    return db_url


def test_batch_exits_0_with_a_summary_when_it_read_the_file_to_its_end(db_url: str, example_batch: Path,
                                                                        tmp_path: Path) -> None:
    out, rejected = tmp_path / "d.jsonl", tmp_path / "r.csv"
    result = run("batch", str(example_batch), "--db", db_url, "--out", str(out), "--rejected", str(rejected))
    assert result.exit_code == 0, result.stderr
    assert "run 1 done" in result.stdout and "decided: " in result.stdout and "by échelon" in result.stdout
    decided = int(result.stdout.split("decided: ")[1].split()[0])
    assert len(out.read_text(encoding="utf-8").splitlines()) == decided
    assert rejected.read_text(encoding="utf-8").startswith("line,learner_id,field,reason\n")
    assert not list(tmp_path.glob("*.part"))
    again = run("batch", str(example_batch), "--db", db_url)
    assert again.exit_code == 0 and "0 new decision(s) stored" in again.stdout


@pytest.mark.parametrize(("content", "words"), [
    (None, "no such file"), ("learner_id;revenu\n", "unknown column 'revenu'"), ("", "is empty")])
def test_batch_of_an_unreadable_file_exits_2_naming_it(db_url: str, tmp_path: Path, content: str | None,
                                                       words: str) -> None:
    path = tmp_path / "in.csv"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    result = run("batch", str(path), "--db", db_url)
    assert result.exit_code == 2
    assert words in result.stderr and str(path) in result.stderr


def test_batch_compare_to_lists_the_changes_under_a_new_bareme(db_url: str, tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    base = json.loads(Path(GRANTED).read_text(encoding="utf-8"))  # 2024-2025, whose barème changes
    path.write_text(json.dumps(base) + "\n", encoding="utf-8")
    assert run("batch", str(path), "--db", db_url).exit_code == 0
    result = run("batch", str(path), "--db", db_url, "--rules", str(new_bareme(tmp_path)), "--compare-to", "1")
    assert result.exit_code == 0, result.stderr
    assert ("GEN-2024-0001 (training from 2024-09-16): granted, échelon 7, €6,335.00 → granted, échelon 7, €6,435.00"
            in result.stdout)
    assert "1 learner(s) compared: 1 changed" in result.stdout
    assert run("diff", "1", "2", "--db", db_url).stdout.count("GEN-2024-0001") == 1
    assert run("diff", "1", "7", "--db", db_url).exit_code == 2


def test_audit_verify_exits_0_on_an_intact_chain_and_1_naming_the_first_bad_record(batched: str) -> None:
    result = run("audit", "verify", "--db", batched)
    assert result.exit_code == 0 and "audit chain intact" in result.stdout
    store = open_store(batched)
    try:
        with store.engine.begin() as c:
            drop_triggers(c)
            c.execute(text("UPDATE audit_records SET operator = 'nobody' WHERE id = 7"))
    finally:
        store.close()
    broken = run("audit", "verify", "--db", batched)
    assert broken.exit_code == 1
    assert "audit record 7: altered" in broken.stderr


def test_audit_show_lists_a_learners_records_and_exits_2_for_an_unknown_learner(batched: str) -> None:
    shown = run("audit", "show", "GEN-2019-000001", "--db", batched, "--json")
    assert shown.exit_code == 0, shown.stderr
    records = json.loads(shown.stdout)
    assert records[0]["kind"] == "decision" and records[0]["operator"] == "finance"
    assert records[0]["decision"]["learner_id"] == "GEN-2019-000001"
    assert "record 1 " in run("audit", "show", "GEN-2019-000001", "--db", batched).stdout
    unknown = run("audit", "show", "NOBODY", "--db", batched)
    assert unknown.exit_code == 2 and "NOBODY" in unknown.stderr


def test_replay_says_same_or_why_it_cannot(batched: str, tmp_path: Path) -> None:
    one = run("replay", "1", "--db", batched)
    assert one.exit_code == 0 and "same decision" in one.stdout
    every = run("replay", "--all", "--db", batched)
    assert every.exit_code == 0 and "replayed: " in every.stdout and "same" in every.stdout
    store = open_store(batched)
    try:
        with store.engine.connect() as c:
            latest = c.execute(text("SELECT id FROM decisions WHERE academic_year = '2025-2026'")).scalars().first()
    finally:
        store.close()
    other_rules = str(new_bareme(tmp_path))
    archived = run("replay", str(latest), "--db", batched, "--rules", other_rules)
    assert archived.exit_code == 0 and "same decision" in archived.stdout  # the store's archive, not --rules
    store = open_store(batched)
    try:
        with store.engine.begin() as c:
            c.execute(text("DELETE FROM rulesets"))
    finally:
        store.close()
    missing = run("replay", str(latest), "--db", batched, "--rules", other_rules)
    assert missing.exit_code == 1
    assert "no rule set with sha256" in missing.stdout and "replayed: 1 rules_missing" in missing.stdout
    assert run("replay", "--db", batched).exit_code == 2
    assert run("replay", "999999", "--db", batched).exit_code == 2


def test_recovery_prints_the_amount_owed_and_records_it(db_url: str) -> None:
    saved = run("check", GRANTED, "--json", "--save", "--db", db_url, "--operator", "desk")
    assert saved.exit_code == 0 and json.loads(saved.stdout)["status"] == "granted"
    assert "saved as decision 1" in saved.stderr
    result = run("recovery", "GEN-2024-0001", "--left-on", "2025-01-10", "--db", db_url, "--operator", "finance")
    assert result.exit_code == 0, result.stderr
    assert "amount owed back: 3167.50 €" in result.stdout and "recorded as audit record 2" in result.stdout
    again = run("recovery", "GEN-2024-0001", "--left-on", "2025-01-10", "--db", db_url)
    assert "already recorded as audit record 2" in again.stdout
    assert run("audit", "verify", "--db", db_url).exit_code == 0
    for args in (("--left-on", "2025-13-01"), ("--left-on", "2024-01-01")):
        assert run("recovery", "GEN-2024-0001", *args, "--db", db_url).exit_code == 2
    assert run("recovery", "NOBODY", "--left-on", "2025-01-10", "--db", db_url).exit_code == 2


def test_check_save_stores_once_and_keeps_stdout_the_decision_json(db_url: str) -> None:
    first = run("check", GRANTED, "--json", "--save", "--db", db_url)
    second = run("check", GRANTED, "--json", "--save", "--db", db_url)
    assert json.loads(first.stdout) == json.loads(second.stdout)
    assert "already stored as decision 1" in second.stderr
    assert run("check", GRANTED, "--db", db_url).exit_code == 2


def test_the_default_database_is_aid_engine_db_here_or_aid_engine_db_from_the_environment(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("AID_ENGINE_DB", raising=False)
    assert run("check", GRANTED, "--save").exit_code == 0
    assert (tmp_path / "aid_engine.db").is_file()
    assert "1 record(s)" in run("audit", "verify").stdout
    monkeypatch.setenv("AID_ENGINE_DB", f"sqlite:///{tmp_path / 'other.db'}")
    assert run("check", GRANTED, "--save").exit_code == 0
    assert "1 record(s)" in run("audit", "verify").stdout and (tmp_path / "other.db").is_file()


def test_db_upgrade_migrates_an_empty_database_then_has_nothing_to_do(db_url: str) -> None:
    first = run("db", "upgrade", "--db", db_url)
    assert first.exit_code == 0 and "upgraded from empty to" in first.stdout
    assert "already at the latest revision" in run("db", "upgrade", "--db", db_url).stdout


def test_a_store_that_cannot_be_opened_exits_1_without_a_traceback(tmp_path: Path) -> None:
    result = run("batch", GRANTED, "--db", f"sqlite:///{tmp_path / 'no' / 'such' / 'dir.db'}")
    assert result.exit_code == 1
    assert "cannot open the database" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("command", [("audit", "verify"), ("audit", "show", "L1"), ("replay", "--all"),
                                     ("diff", "1", "2"), ("report",)])
def test_a_read_only_command_never_creates_a_store(tmp_path: Path, command: tuple[str, ...],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "missing.db"
    monkeypatch.setenv("AID_ENGINE_LANG", "fr")
    result = run(*command, "--db", f"sqlite:///{target}")
    assert result.exit_code == 1, result.stderr
    assert f"aucune base à sqlite:///{target}" in result.stderr and not target.exists()
    monkeypatch.setenv("AID_ENGINE_LANG", "en")
    english = run(*command, "--db", f"sqlite:///{target}")
    assert english.exit_code == 1 and f"no database at sqlite:///{target}" in english.stderr
    assert not target.exists()


def test_check_without_save_never_loads_the_store_libraries() -> None:
    code = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from aid_engine.cli import app\n"
        f"assert CliRunner().invoke(app, ['check', {GRANTED!r}, '--json']).exit_code == 0\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'sqlalchemy', 'sqlmodel', 'alembic', 'psycopg'}))\n"
    )
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert loaded.stdout.strip() == "[]"
