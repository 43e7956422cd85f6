"""Helpers of the store suite: a comparable snapshot of a store, tampering as a database administrator
would, a rules directory under a new barème, small batch files."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, select, text

from aid_engine.store.tables import audit_records, batch_lines, batch_runs, decisions, declarations

RULES = Path(__file__).resolve().parents[2] / "rules"
# What differs between two runs that did the same work: when, by whom, and the hashes that cover the time.
VOLATILE = {"recorded_at", "decided_at", "received_at", "started_at", "finished_at", "operator", "hash",
            "prev_hash", "owner_pid", "owner_host", "id", "audit_id", "declaration_id", "run_id",
            # keyed with a random secret per declaration: two stores of the same declarations differ here
            "digest", "declaration_digest", "secret", "decision_digest", "decision_id", "payload_keyed"}


def _rows(connection: Connection, table: Any, order: Any) -> list[dict[str, Any]]:
    rows = connection.execute(select(table).order_by(*order)).mappings()
    return [{k: _stable(k, v) for k, v in row.items() if k not in VOLATILE} for row in rows]


def _stable(column: str, value: Any) -> Any:
    """A run record's payload without its times."""
    if column == "payload" and isinstance(value, str) and '"lines_sha256"' in value:
        return {k: v for k, v in json.loads(value).items() if k not in VOLATILE}
    return value


def snapshot(engine: Engine) -> dict[str, Any]:
    """The store's content without times, operators, ids and hashes: equal for two runs doing the same work."""
    with engine.connect() as c:
        lines = c.execute(
            select(batch_lines.c.line, decisions.c.learner_id, decisions.c.status, decisions.c.total_cents)
            .join(decisions, batch_lines.c.decision_id == decisions.c.id).order_by(batch_lines.c.line)
        ).all()
        return {
            "declarations": _rows(c, declarations, [declarations.c.id]),
            "decisions": _rows(c, decisions, [decisions.c.id]),
            "audit_records": _rows(c, audit_records, [audit_records.c.id]),
            "batch_runs": _rows(c, batch_runs, [batch_runs.c.id]),
            "batch_lines": [tuple(row) for row in lines],
        }


def count(engine: Engine, table: Any) -> int:
    with engine.connect() as c:
        return len(c.execute(select(table.c[next(iter(table.c.keys()))])).all())


def drop_triggers(connection: Connection) -> None:
    """What an administrator does before tampering: the append-only triggers go."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("ALTER TABLE audit_records DISABLE TRIGGER USER"))
    else:
        connection.execute(text("DROP TRIGGER audit_records_no_update"))
        connection.execute(text("DROP TRIGGER audit_records_no_delete"))


def new_bareme(tmp_path: Path) -> Path:
    """A copy of rules/ where 2024-2025 gets new rates (+100 €) and ceilings (+10 %): a new barème, carried
    into the later years (the last year in which a training could still start labelled, policy 9)."""
    target = tmp_path / "rules-new"
    shutil.copytree(RULES, target)
    base = (RULES / "years" / "2023-2024.yaml").read_text(encoding="utf-8")
    rates_at = base.index("rates:")
    body = base[rates_at:]

    def raise_rate(match: re.Match[str]) -> str:
        return f'"{match.group(1)}": {int(match.group(2)) + 100}'

    def raise_ceilings(match: re.Match[str]) -> str:
        values = [str(int(v) * 11 // 10) for v in match.group(2).split(", ")]
        return f'"{match.group(1)}": [{", ".join(values)}]'

    rates_line = re.search(r"  values: \{.*\}", body)
    assert rates_line is not None
    new_rates = re.sub(r'"(\w+)": (\d+)', raise_rate, rates_line.group(0))
    body = body.replace(rates_line.group(0), new_rates)
    body = re.sub(r'"(\w+)": \[([\d, ]+)\]', raise_ceilings, body)
    body = body.replace('source: "', 'source: "test barème: ')
    (target / "years" / "2024-2025.yaml").write_text(f"academic_year: 2024-2025\n{body}", encoding="utf-8")
    return target


def head_lines(source: Path, target: Path, lines: int) -> Path:
    """The first `lines` lines of a file (its header included), as a new file."""
    with source.open(encoding="utf-8") as handle:
        target.write_text("".join(line for _, line in zip(range(lines), handle, strict=False)), encoding="utf-8")
    return target
