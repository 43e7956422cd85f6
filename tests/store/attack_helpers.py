"""Helpers of the attacks on the store: a store built by real commands (two batch runs, two recoveries, a
purge between them, a `check --save`), the database's own catalogue, and triggers removed as an administrator
would remove them.

The first batch's declarations carry distinctive personal values (incomes, birth dates, distances no other row
holds), so that a scan of the store's bytes can look for them after the purge; the second batch comes after the
purge and keeps its declarations.
"""

from __future__ import annotations

import csv
import io
import json
import os
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, MetaData, Table, create_engine, inspect, text
from sqlalchemy.engine import Engine

from aid_engine.store import open_store

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
PG_ENV = "AID_ENGINE_TEST_PG_URL"
REQUIRE_PG_ENV = "AID_ENGINE_REQUIRE_PG"
# docs/conventions.md « Personal data »: every field is personal except these.
NOT_PERSONAL = {"learner_id", "fabrique_id", "application_date", "training_start_date", "training_end_date",
                "training_labelled"}
PURGED_ROWS = 8
KEPT_ROWS = 8


def pg_base_url() -> str:
    """The PostgreSQL server of the run, or skip (fail under CI) when there is none (the store suite's rule)."""
    url = os.environ.get(PG_ENV)
    if url:
        return url
    if os.environ.get(REQUIRE_PG_ENV):
        pytest.fail(f"{REQUIRE_PG_ENV} is set but {PG_ENV} is not: the PostgreSQL tests must run")
    pytest.skip(f"no PostgreSQL server: set {PG_ENV} (bash .ci/with-postgres.sh CMD starts one)")


def cli(*args: str) -> Any:
    """`aid-engine ARGS` in process, stdout and stderr apart."""
    from typer.testing import CliRunner

    from aid_engine.cli import app

    return CliRunner().invoke(app, list(args), catch_exceptions=False)


@dataclass
class Built:
    """A store made by real commands, and what the attacks need to know about it."""

    url: str
    purged: list[dict[str, str]] = field(default_factory=list)  # the first batch's rows, as CSV cells
    kept: list[dict[str, str]] = field(default_factory=list)  # the rows whose declarations stay


def _rows(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle, delimiter=";")
        return list(reader.fieldnames or []), list(reader)


def _write(path: Path, header: list[str], rows: list[dict[str, str]]) -> Path:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=header, delimiter=";", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def _valid(row: dict[str, str]) -> bool:
    """Whether the example row is one the batch accepts (the example file holds some spoiled on purpose)."""
    from aid_engine import DeclarationError
    from aid_engine.models import Declaration

    try:
        Declaration.from_csv_row({k: v for k, v in row.items() if v}, line=1)
    except DeclarationError:
        return False
    return True


def distinctive(row: dict[str, str], n: int) -> dict[str, str]:
    """The row with personal values no other row of the store holds (so that finding one is a leak)."""
    birth = date(1991, 1, 1) + timedelta(days=37 * n + 11)
    return row | {
        "revenu_brut_global": f"{23_456 + 1_013 * n},{(17 * n + 29) % 100:02d}",
        "birth_date": birth.isoformat(),
        "distance_km": f"{1_357 + 211 * n},987",
        "sex": "FMX"[n % 3],
        "own_tax_return": "true" if n % 2 else "false",
    }


def _granted(out: Path) -> dict[str, Any]:
    for line in out.read_text(encoding="utf-8").splitlines():
        decision = json.loads(line)
        if decision["status"] == "granted" and decision["months"] >= 3:
            return dict(decision)
    raise AssertionError(f"no granted decision of 3 months or more in {out}")


def _recovery(url: str, out: Path, rows: list[dict[str, str]]) -> None:
    granted = _granted(out)
    row = next(r for r in rows if r["learner_id"] == granted["learner_id"])
    left_on = date.fromisoformat(row["training_start_date"]) + timedelta(days=45)
    done = cli("recovery", granted["learner_id"], "--left-on", left_on.isoformat(), "--db", url,
               "--operator", "finance")
    assert done.exit_code == 0, done.stdout + done.stderr


def build_store(url: str, workdir: Path, before_first_write: Any = None) -> Built:
    """Batch (distinctive personal values), recovery, purge, batch, recovery, check --save: a store with a
    little of everything.  `before_first_write(engine)` runs once the schema exists, before any row."""
    header, every = _rows(EXAMPLES / "batch.csv")
    rows = [row for row in every if _valid(row)]
    first = [distinctive(row, n) for n, row in enumerate(rows[:PURGED_ROWS])]
    second = rows[PURGED_ROWS:PURGED_ROWS + KEPT_ROWS]
    store = open_store(url)
    try:
        if before_first_write is not None:
            before_first_write(store.engine)
    finally:
        store.close()
    for name, part in (("first", first), ("second", second)):
        source = _write(workdir / f"{name}.csv", header, part)
        out = workdir / f"{name}.jsonl"
        done = cli("batch", str(source), "--out", str(out), "--rejected", str(workdir / f"{name}.rejected.csv"),
                   "--db", url, "--operator", "finance", "--jobs", "1")
        assert done.exit_code == 0, done.stdout + done.stderr
        assert len(out.read_text(encoding="utf-8").splitlines()) == len(part), "a row of the attack was rejected"
        _recovery(url, out, part)
        if name == "first":
            tomorrow = (datetime.now(UTC) + timedelta(days=1)).date().isoformat()
            done = cli("purge", "--before", tomorrow, "--db", url, "--operator", "dpo")
            assert done.exit_code == 0, done.stdout + done.stderr
    done = cli("check", str(EXAMPLES / "granted_echelon_7.json"), "--save", "--db", url, "--operator", "desk")
    assert done.exit_code == 0, done.stdout + done.stderr
    verified = cli("audit", "verify", "--db", url)
    assert verified.exit_code == 0, "the store built for the attacks does not verify before any attack: " \
        + verified.stdout + verified.stderr
    return Built(url, purged=first, kept=second)


# -- the catalogue --------------------------------------------------------------------------------------


def reflect(engine: Engine) -> list[Table]:
    """Every table of the store, as the database's catalogue describes it (in a name order)."""
    metadata = MetaData()
    metadata.reflect(engine)
    return [metadata.tables[name] for name in sorted(metadata.tables)]


def unique_sets(engine: Engine, table: Table) -> list[list[str]]:
    """The column sets the catalogue says are unique (primary key aside)."""
    inspector = inspect(engine)
    sets = [list(u["column_names"]) for u in inspector.get_unique_constraints(table.name)]
    sets += [list(i["column_names"]) for i in inspector.get_indexes(table.name) if i.get("unique")]
    return [[c for c in s if c] for s in sets if s]


def remove_guards(connection: Connection) -> None:
    """What an administrator does before tampering: every trigger goes, foreign keys are no longer enforced."""
    if connection.dialect.name == "postgresql":
        for (name,) in connection.execute(text(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")):
            connection.execute(text(f'ALTER TABLE "{name}" DISABLE TRIGGER USER'))
        connection.execute(text("SET session_replication_role = replica"))  # foreign keys are triggers too
    else:
        connection.execute(text("PRAGMA foreign_keys = OFF"))  # before anything opens a transaction
        for (name,) in connection.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger'")).all():
            connection.execute(text(f'DROP TRIGGER "{name}"'))


def engine_of(url: str) -> Engine:
    """A plain engine on the store's database (no store code between the attacker and the rows)."""
    return create_engine(url)
