"""Evaluation alone, in one process: decisions per second with the full trace (the README's « Speed » section).

The figure of the speed contract is `aid_engine.evaluate(d)` on JSON-shaped dicts, a `Decision` returned
with its trace.  It is timed over `passes` passes of the N dicts: the first with the default rule book
(`aid_engine.evaluate(d)`, literally), the others each with a freshly loaded rule book, so every pass starts
with empty fast-path memos, as a batch does; the figure is the best pass (the one least disturbed by other
work on the machine), and the JSON also holds every pass and the CPU time.

Beside it: validation alone (`Declaration.model_validate`), `evaluate` on declarations validated beforehand
(what is left once validation is paid), and the plain path (every predicate through rule-engine, every
model validated) on a subset, with the fast path on the same subset for a like-for-like ratio.  The rule
book is loaded and a few decisions made on the plain path before any clock starts.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Sequence
from typing import Any

import aid_engine
from aid_engine import Declaration
from aid_engine.engine import _evaluate


def _plain(d: dict[str, Any], book: Any) -> object:
    """The plain path: every predicate through rule-engine, every model validated."""
    return _evaluate(d, book, "fr", plain=True)


def _timed(items: Sequence[Any], work: Callable[[Any], object]) -> dict[str, Any]:
    """Wall and CPU seconds of `work` over `items`, the collector run before the clock starts."""
    gc.collect()
    cpu, wall = time.process_time(), time.perf_counter()
    for item in items:
        work(item)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return {"rate": len(items) / wall, "seconds": wall, "cpu_rate": len(items) / cpu if cpu else None,
            "n": len(items)}


def _best(passes: list[dict[str, Any]]) -> dict[str, Any]:
    best = max(passes, key=lambda p: p["rate"])
    return {**best, "passes": [round(p["rate"]) for p in passes]}


def run(dicts: Sequence[dict[str, Any]], plain_n: int = 5_000, passes: int = 3) -> dict[str, dict[str, Any]]:
    """Time every evaluation figure over `dicts` (and the first `plain_n` of them on the plain path)."""
    for d in dicts[:50]:  # imports, the default rule book, first calls: paid once per process
        _plain(d, aid_engine.default_rulebook())
    figures: dict[str, dict[str, Any]] = {}

    # The contract's figure: first literally on the default rule book, then on fresh ones (empty memos).
    runs = [_timed(dicts, aid_engine.evaluate)]
    for _ in range(passes - 1):
        book = aid_engine.load_ruleset()
        runs.append(_timed(dicts, lambda d, book=book: aid_engine.evaluate(d, book)))
    figures["evaluate_dicts"] = _best(runs)

    figures["validate_dicts"] = _best([_timed(dicts, Declaration.model_validate) for _ in range(passes)])

    validated = [Declaration.model_validate(d) for d in dicts]
    runs = []
    for _ in range(passes):
        book = aid_engine.load_ruleset()
        runs.append(_timed(validated, lambda d, book=book: aid_engine.evaluate(d, book)))
    figures["evaluate_declarations"] = _best(runs)
    del validated

    subset = dicts[:plain_n]
    book = aid_engine.load_ruleset()
    figures["evaluate_plain"] = _timed(subset, lambda d: _plain(d, book))
    book = aid_engine.load_ruleset()
    figures["evaluate_dicts_subset"] = _timed(subset, lambda d: aid_engine.evaluate(d, book))
    return figures
