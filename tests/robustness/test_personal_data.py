"""Personal data: no log line, error message or exception text carries a declaration's value other than its
learner_id.  Declarations with distinctive values (an RBG of 31337.42, a birth date of 1987-06-05, a
fabrique FAB-ZQX-90210, 4321.987 km, 83 years of residence …), valid and spoiled, go through `batch`,
`check`, `check --save`, `replay`, `recovery`, `report`, `audit`, `purge` with every logger at DEBUG; stderr,
the logs, the rejected rows and the error texts are scanned for them.  Then `aid-engine purge` blanks them
in the store, the chain still verifies and `replay` says the declaration was purged."""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from robust_helpers import HEADER, aid_engine_process, assert_clean_failure, cli, csv_line
from sqlalchemy import text
from strategies import base_declaration

from aid_engine import DeclarationError, evaluate
from aid_engine.store import open_store
from aid_engine.store.purge import KEPT_FIELDS

SECRETS = {
    "revenu_brut_global": ("31337.42", "31337,42", "3133742"),
    "birth_date": ("1987-06-05", "05/06/1987"),
    "fabrique_id": ("FAB-ZQX-90210",),
    "distance_km": ("4321.987", "4321,987"),
    "residence_years": ("residence_years=83", "83 year"),
}
ALL_SECRETS = [s for values in SECRETS.values() for s in values]
# What a spoiled row holds instead (must not be echoed either).
SPOILED = {"revenu_brut_global": "31337.42x", "birth_date": "1987-06-31", "distance_km": "4321,98765",
           "residence_years": "eighty-three", "sex": "Q-SECRET", "income_year": "20x21",
           "training_start_date": "2024-02-30", "profile": "PROFILE-SECRET"}


def personal(**changes: Any) -> dict[str, Any]:
    values = {"revenu_brut_global": "31337.42", "birth_date": "1987-06-05", "fabrique_id": "FAB-ZQX-90210",
              "distance_km": "4321.987", "nationality": "other", "residence_years": 83, "sex": "F",
              "learner_id": "SECRET-KEEPER-1"}
    return base_declaration(**(values | changes))


def assert_no_secret(where: str, output: str, allowed: tuple[str, ...] = ()) -> None:
    for secret in [*ALL_SECRETS, *SPOILED.values()]:
        if secret not in allowed:
            assert secret not in output, f"{where} shows {secret!r}: {output[:3000]}"
    assert not re.search(r"(?<![\w.-])83(?![\w.-])", output) or where.startswith("stdout"), (where, output[:3000])


@pytest.fixture
def log_text(caplog: pytest.LogCaptureFixture) -> Any:
    caplog.set_level(logging.DEBUG)
    for library in ("sqlalchemy", "alembic", "psycopg"):  # SQLAlchemy sets its own loggers to WARNING otherwise
        caplog.set_level(logging.DEBUG, logger=library)
    return lambda: "\n".join(f"{r.name} {r.levelname} {r.getMessage()} {r.exc_text or ''}" for r in caplog.records)


def _batch_file(tmp_path: Path) -> Path:
    rows = [HEADER, csv_line(**{k: str(v) for k, v in personal().items()})]
    for n, (field, bad) in enumerate(SPOILED.items()):
        cells = {k: str(v) for k, v in personal(learner_id=f"SECRET-BAD-{n}").items()}
        rows.append(csv_line(**(cells | {field: bad})))
    path = tmp_path / "in.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_no_command_logs_or_says_a_personal_value(tmp_path: Path, db_url: str, log_text: Any) -> None:
    source = _batch_file(tmp_path)
    rejected = tmp_path / "rejected.csv"
    said: list[tuple[str, str]] = []

    def run(*args: str, stdout_too: bool = True) -> Any:
        result = cli(*args)
        said.append((f"stderr of {args[0]}", result.stderr))
        if stdout_too:
            said.append((f"stdout of {args[0]}", result.stdout))
        assert_clean_failure(result.stderr)
        return result

    assert run("batch", str(source), "--db", db_url, "--rejected", str(rejected), "--jobs", "1").exit_code == 0
    said.append(("rejected rows", rejected.read_text(encoding="utf-8")))
    good = tmp_path / "good.json"
    good.write_text(json.dumps(personal()), encoding="utf-8")
    assert run("check", str(good), "--save", "--db", db_url, stdout_too=False).exit_code == 0
    for n, (field, bad) in enumerate(SPOILED.items()):
        spoiled = tmp_path / f"bad{n}.json"
        spoiled.write_text(json.dumps(personal(**{field: bad})), encoding="utf-8")
        refused = run("check", str(spoiled), "--json")
        assert refused.exit_code == 2 and field in refused.stderr
    assert run("replay", "--all", "--db", db_url).exit_code == 0
    assert run("audit", "verify", "--db", db_url).exit_code == 0
    assert run("audit", "show", "SECRET-KEEPER-1", "--db", db_url).exit_code == 0
    assert run("recovery", "SECRET-KEEPER-1", "--left-on", "2025-01-10", "--db", db_url).exit_code in (0, 2)
    assert run("report", "--db", db_url, "--json", stdout_too=False).exit_code == 0
    assert run("purge", "--before", "2999-01-01", "--db", db_url).exit_code == 0
    assert run("replay", "--all", "--db", db_url).exit_code == 1  # purged: cannot be re-decided, each listed
    said.append(("logs (every logger at DEBUG)", log_text()))
    for where, output in said:
        assert_no_secret(where, output)
    assert "SECRET-KEEPER-1" in " ".join(o for _, o in said), "learner_id may be named, and is"


def test_error_texts_never_carry_the_bad_value() -> None:
    for field, bad in SPOILED.items():
        with pytest.raises(DeclarationError) as info:
            evaluate(personal(**{field: bad}))
        texts = [str(info.value), repr(info.value), info.value.reason, *map(str, info.value.problems)]
        for shown in texts:
            assert_no_secret(f"error about {field}", shown)


def test_a_store_failure_names_the_learner_and_nothing_else(tmp_path: Path) -> None:
    db_file = tmp_path / "ro.db"
    open_store(f"sqlite:///{db_file}").close()
    good = tmp_path / "good.json"
    good.write_text(json.dumps(personal()), encoding="utf-8")
    failed = aid_engine_process("check", str(good), "--save", "--db", f"sqlite:///file:{db_file}?mode=ro&uri=true")
    assert failed.returncode == 1 and "SECRET-KEEPER-1" in failed.stderr
    assert_clean_failure(failed.stderr)
    assert_no_secret("stderr of a failed save", failed.stderr)


# -- purge ------------------------------------------------------------------------------------------------------


def _received(url: str, learner: str, when: datetime) -> None:
    store = open_store(url)
    try:
        with store.engine.begin() as c:
            c.execute(text("UPDATE declarations SET received_at = :w WHERE learner_id = :l"), {"w": when, "l": learner})
    finally:
        store.close()


def test_purge_blanks_old_declarations_keeps_the_chain_and_replay_says_purged(db_url: str, tmp_path: Path) -> None:
    for n, learner in enumerate(("OLD-1", "OLD-2", "NEW-1")):
        path = tmp_path / f"{learner}.json"
        path.write_text(json.dumps(personal(learner_id=learner, income_year=2022 - n % 2)), encoding="utf-8")
        assert cli("check", str(path), "--save", "--db", db_url).exit_code == 0
    long_ago = datetime(2020, 1, 1, tzinfo=UTC)
    _received(db_url, "OLD-1", long_ago)
    _received(db_url, "OLD-2", long_ago + timedelta(days=30))
    cutoff = (long_ago + timedelta(days=60)).date().isoformat()

    purged = cli("purge", "--before", cutoff, "--db", db_url, "--operator", "dpo")
    assert purged.exit_code == 0, purged.stderr
    assert purged.stdout.startswith(f"2 declaration(s) received before {cutoff} purged")
    again = cli("purge", "--before", cutoff, "--db", db_url)
    assert again.exit_code == 0 and "no declaration" in again.stdout

    store = open_store(db_url)
    try:
        with store.engine.connect() as c:
            rows = {r.learner_id: r for r in c.execute(text("SELECT learner_id, payload, purged_at FROM declarations"))}
            ids = dict(c.execute(text("SELECT learner_id, id FROM decisions")).all())
            kinds = c.execute(text("SELECT kind, learner_id, operator FROM audit_records ORDER BY id")).all()
        report = store.verify()
    finally:
        store.close()
    for learner in ("OLD-1", "OLD-2"):
        kept = json.loads(rows[learner].payload)
        assert set(kept) <= set(KEPT_FIELDS) and kept["learner_id"] == learner
        assert rows[learner].purged_at is not None
        assert_no_secret("purged payload", rows[learner].payload, allowed=("FAB-ZQX-90210",))
    assert rows["NEW-1"].purged_at is None and "31337.42" in rows["NEW-1"].payload
    assert [(k, learner, op) for k, learner, op in kinds if k == "purge"] == [("purge", "OLD-1", "dpo"),
                                                                              ("purge", "OLD-2", "dpo")]
    assert (report.records, report.decisions, report.purges) == (5, 3, 2)

    verified = cli("audit", "verify", "--db", db_url)
    assert verified.exit_code == 0 and "2 purge record(s)" in verified.stdout
    one = cli("replay", str(ids["OLD-1"]), "--db", db_url)
    assert one.exit_code == 1 and "its declaration's personal data was purged" in one.stdout
    every = cli("replay", "--all", "--db", db_url)
    assert "2 purged" in every.stdout and "1 same" in every.stdout
    shown = cli("audit", "show", "OLD-1", "--db", db_url)
    assert "purge" in shown.stdout and "personal field(s) blanked" in shown.stdout
    report_run = cli("report", "--db", db_url, "--json")
    assert report_run.exit_code == 0, report_run.stderr


def test_purge_refuses_a_date_that_is_not_one(db_url: str) -> None:
    result = cli("purge", "--before", "2024-02-30", "--db", db_url)
    assert result.exit_code == 2 and "--before" in result.stderr
