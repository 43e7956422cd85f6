"""Fixtures of the report suite: a store filled by real batch runs, on SQLite and, when a server is given,
PostgreSQL.

The `programme` store holds four runs: (1) the synthetic `examples/batch.csv`; (2) a small file of edge
cases written here (fabrique ids without a département or with two, a missing sex or birth date, a 26th
birthday on the start day, a formula-like fabrique id, two declarations purged afterwards); (3) the example
file again under a rule book whose files differ (new sha256, so every learner gets a second decision);
(4) the example file again with the project's rules (nothing new stored: its lines point to run 1's
decisions).  Run 1's decisions are dated 15 January 2025 and run 2's 20 February 2025, for the date scopes.
Then recoveries through the command line: the corrected learner GEN-2024-000280 leaves on 15 November 2024,
then a second recovery replaces it (`--replace`, left on 10 October); and the first learner with a current
ten-month grant leaves in its fourth month.
The PostgreSQL cases are skipped without `$AID_ENGINE_TEST_PG_URL` unless `$AID_ENGINE_REQUIRE_PG` is set.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, make_url, text, update
from strategies import base_declaration

import aid_engine
from aid_engine.batch import run_batch
from aid_engine.ruleset import load
from aid_engine.store import open_store
from aid_engine.store.tables import decisions, declarations

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_BATCH = ROOT / "examples" / "batch.csv"
RUN_1_DAY = datetime(2025, 1, 15, 10, 30, tzinfo=UTC)
RUN_2_DAY = datetime(2025, 2, 20, 23, 59, tzinfo=UTC)
PURGED_KEEPING_PAYLOAD = "EDGE-006"   # purged_at set, payload left as it was: still unknown
PURGED_BLANKED = "EDGE-010"           # purged_at set and every field but the learner id blanked


def edge_declarations() -> list[dict[str, Any]]:
    """Declarations that exercise what the report must not guess (base: granted, échelon 7, 2024-2025)."""
    b = base_declaration
    return [
        b(learner_id="EDGE-001", fabrique_id="FAB-0001", sex="F", birth_date="2000-01-01"),
        b(learner_id="EDGE-002", fabrique_id="FAB-75-13-0002"),
        b(learner_id="EDGE-003", fabrique_id="GEN-2A-0003", sex="M", birth_date="1990-05-05"),
        b(learner_id="EDGE-004", fabrique_id="FAB-974-0004", sex="F", birth_date="2001-02-03", income_year=2021),
        b(learner_id="EDGE-005", fabrique_id="=FAB-93+1", sex="X", training_leave=True,
          revenu_brut_global="90000"),
        b(learner_id=PURGED_KEEPING_PAYLOAD, fabrique_id="FAB-69-0006", sex="F", birth_date="2002-03-04"),
        b(learner_id="EDGE-007", fabrique_id="FAB-13-0007", profile="graduate_jobseeker",
          training_start_date="2025-01-13", training_end_date="2025-06-30", application_date="2025-01-20"),
        b(learner_id="EDGE-008", fabrique_id="FAB-2B-0008", sex="F", birth_date="1998-09-16"),
        b(learner_id="EDGE-009", fabrique_id="FAB-2B-0009", sex="M", birth_date="1998-09-17"),
        b(learner_id=PURGED_BLANKED, fabrique_id="FAB-59-0010", sex="F", birth_date="2003-01-01"),
    ]


@dataclass(frozen=True)
class Programme:
    """A filled store: its URL and the ids of its four runs."""

    url: str
    examples_run: int
    edge_run: int
    new_rules_run: int
    same_again_run: int


def _pg_url() -> str:
    """The PostgreSQL server of the run, or skip (fail under CI): the store suite's rule, shared."""
    spec = importlib.util.spec_from_file_location("store_conftest", Path(__file__).resolve().parent.parent
                                                  / "store" / "conftest.py")
    assert spec is not None and spec.loader is not None
    store_conftest = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(store_conftest)
    return str(store_conftest.pg_base_url())


@pytest.fixture(scope="session")
def changed_rules(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project's rules with one comment more in base.yaml: the same law, another sha256."""
    target = tmp_path_factory.mktemp("rules") / "rules"
    shutil.copytree(ROOT / "rules", target)
    with (target / "base.yaml").open("a", encoding="utf-8") as base:
        base.write("\n# re-run under a new rule book (report tests)\n")
    return target


def _purge(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as connection:
        for learner, keep in ((PURGED_KEEPING_PAYLOAD, True), (PURGED_BLANKED, False)):
            values: dict[str, Any] = {"purged_at": datetime(2025, 6, 1, tzinfo=UTC)}
            if not keep:
                values["payload"] = json.dumps({"learner_id": learner})
            connection.execute(update(declarations).where(declarations.c.learner_id == learner).values(**values))
    engine.dispose()


def _date_runs(url: str, first: int, second: int) -> None:
    engine = create_engine(url)
    with engine.begin() as connection:
        for run, moment in ((first, RUN_1_DAY), (second, RUN_2_DAY)):
            connection.execute(update(decisions).where(decisions.c.run_id == run).values(decided_at=moment))
    engine.dispose()


def fill(url: str, work: Path, changed: Path) -> Programme:
    """Run the four batches into the store at `url` (see the module docstring)."""
    edge = work / "edge.jsonl"
    edge.write_text("".join(json.dumps(d) + "\n" for d in edge_declarations()), encoding="utf-8")
    store = open_store(url)
    book = aid_engine.default_rulebook()
    try:
        runs = [run_batch(store, rules, path, operator="report-tests").run.id
                for rules, path in ((book, EXAMPLE_BATCH), (book, edge), (load(changed), EXAMPLE_BATCH),
                                    (book, EXAMPLE_BATCH))]
    finally:
        store.close()
    _purge(url)
    _date_runs(url, runs[0], runs[1])
    _recoveries(url)
    return Programme(url, *runs)


CORRECTED = "GEN-2024-000280"


def _recoveries(url: str) -> None:
    from typer.testing import CliRunner

    from aid_engine.cli import app

    engine = create_engine(url)
    with engine.connect() as connection:
        learner, start = connection.execute(text(
            "SELECT d.learner_id, x.payload FROM decisions d JOIN declarations x ON x.id = d.declaration_id "
            "WHERE d.status = 'granted' AND d.months = 10 AND d.learner_id LIKE 'GEN-%' ORDER BY d.id DESC"
        )).first() or ("", "{}")
    engine.dispose()
    fourth = json.loads(start)["training_start_date"][:8] + "28"  # the start month's 28th, then three months on
    year, month = int(fourth[:4]), int(fourth[5:7]) + 3
    left = f"{year + (month - 1) // 12}-{(month - 1) % 12 + 1:02d}-10"
    runner = CliRunner()
    for args in ((CORRECTED, "--left-on", "2024-11-15"), (CORRECTED, "--left-on", "2024-10-10", "--replace"),
                 (learner, "--left-on", left)):
        result = runner.invoke(app, ["recovery", *args, "--db", url, "--operator", "report-tests"])
        assert result.exit_code == 0, result.output


@pytest.fixture(scope="session", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def programme(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
              changed_rules: Path) -> Iterator[Programme]:
    """The filled store, once per backend for the whole session."""
    work = tmp_path_factory.mktemp(f"programme-{request.param}")
    if request.param == "sqlite":
        yield fill(f"sqlite:///{work / 'store.db'}", work, changed_rules)
        return
    base = _pg_url()
    schema = f"report_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
        yield fill(url.render_as_string(hide_password=False), work, changed_rules)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def empty_store(tmp_path: Path) -> str:
    """The URL of an empty store (made first: the report only reads, it never creates a store)."""
    from aid_engine.store import open_store

    url = f"sqlite:///{tmp_path / 'empty.db'}"
    open_store(url).close()
    return url
