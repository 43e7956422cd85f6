"""The NumPy reference's speed: the same decisions over columns, the machine's limit for this arithmetic.

Two figures: the arithmetic alone on columns already built (`reference.decide`, best of 5 runs, the first
one discarded as warm-up), and the reference from JSON-shaped dicts (building the columns with Python's
`Decimal` and `numpy.array`, then deciding), which shows what reading the input costs before any rule runs.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from aid_engine.ruleset import RuleBook

from . import reference


def run(dicts: Sequence[dict[str, Any]], columns: reference.Columns, book: RuleBook) -> dict[str, dict[str, Any]]:
    """Time the reference on `columns` and from `dicts` (the same declarations)."""
    tables = reference.Tables.of(book)
    reference.decide(columns.take(slice(0, 100)), tables)
    timings = []
    for _ in range(5):
        start = time.perf_counter()
        reference.decide(columns, tables)
        timings.append(time.perf_counter() - start)
    best = min(timings)
    figures: dict[str, dict[str, Any]] = {
        "reference_columns": {"rate": len(columns) / best, "seconds": best, "n": len(columns)},
    }
    start = time.perf_counter()
    reference.decide(reference.columns_of(dicts), tables)
    seconds = time.perf_counter() - start
    figures["reference_dicts"] = {"rate": len(dicts) / seconds, "seconds": seconds, "n": len(dicts)}
    return figures
