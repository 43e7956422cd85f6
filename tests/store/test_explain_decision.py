"""`aid-engine explain --decision ID`: the trace of a stored decision as it was at decision time, recomputed
from the declaration and the archived rule set and checked against the keyed digest its record binds; after
a purge it says the trace went with the declaration."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from sqlalchemy import text
from store_helpers import RULES, new_bareme
from typer.testing import CliRunner

from aid_engine import Declaration, evaluate
from aid_engine.cli import app
from aid_engine.store import open_store
from aid_engine.store.queries import stored_decision
from aid_engine.store.replay import Archive, stored_trace

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
GRANTED = str(EXAMPLES / "granted_echelon_7.json")
runner = CliRunner(env={"COLUMNS": "240", "NO_COLOR": "1", "TERM": "dumb"})


def run(*args: str) -> Any:
    return runner.invoke(app, list(args))


def test_the_trace_shown_is_the_one_decided_even_after_the_rules_changed(db_url: str, tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(RULES, rules)
    assert run("check", GRANTED, "--save", "--db", db_url, "--rules", str(rules)).exit_code == 0
    edited = new_bareme(tmp_path)
    shutil.rmtree(rules)
    shutil.copytree(edited, rules)
    store = open_store(db_url)
    try:
        with store.engine.connect() as c:
            shown = stored_trace(stored_decision(c, 1), Archive(c))
    finally:
        store.close()
    declaration = Declaration.parse(json.loads(Path(GRANTED).read_text(encoding="utf-8")))
    assert shown.state == "as_decided" and shown.decision == evaluate(declaration)
    result = run("explain", "--decision", "1", "--db", db_url, "--rules", str(rules), "--lang", "fr")
    assert result.exit_code == 0, result.stderr
    assert "bareme" in result.stdout and "6 335,00" in result.stdout.replace("\u202f", " ")


def test_after_a_purge_the_trace_went_with_the_declaration_in_french_and_english(db_url: str) -> None:
    assert run("check", GRANTED, "--save", "--db", db_url).exit_code == 0
    assert run("purge", "--before", "2999-01-01", "--db", db_url).exit_code == 0
    french = run("explain", "--decision", "1", "--db", db_url, "--lang", "fr")
    assert french.exit_code == 0 and "est partie avec sa déclaration" in french.stdout
    english = run("explain", "--decision", "1", "--db", db_url, "--lang", "en")
    assert english.exit_code == 0 and "went with its declaration" in english.stdout
    assert "granted" in english.stdout


def test_a_declaration_altered_after_the_decision_is_not_shown_as_its_trace(db_url: str) -> None:
    assert run("check", GRANTED, "--save", "--db", db_url).exit_code == 0
    store = open_store(db_url)
    try:
        with store.engine.begin() as c:
            c.execute(text("UPDATE declarations SET payload = replace(payload, '\"180.00\"', '\"181.00\"')"))
    finally:
        store.close()
    altered = run("explain", "--decision", "1", "--db", db_url, "--lang", "fr")
    assert altered.exit_code == 1 and "ne correspond pas" in altered.stderr


def test_explain_wants_a_file_or_a_decision(tmp_path: Path) -> None:
    assert run("explain").exit_code == 2
    assert run("explain", GRANTED, "--decision", "1").exit_code == 2
    missing = run("explain", "--decision", "1", "--db", f"sqlite:///{tmp_path / 'none.db'}", "--lang", "fr")
    assert missing.exit_code == 1 and "aucune base" in missing.stderr
