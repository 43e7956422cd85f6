"""Evaluation alone, in one process: decisions per second with the full trace (DESIGN.md « Speed contract »).

The figure of the speed contract is `aid_engine.evaluate(d)` on JSON-shaped dicts, a `Decision` returned
with its trace.  Beside it: validation alone (`Declaration.model_validate`), `evaluate` on declarations
validated beforehand (what is left once validation is paid), and the plain path (every predicate through
rule-engine, every model validated) on a subset.  The rule book is loaded and a few decisions made before
the clock starts, so the figures are those of a warm process; the memos start empty on the timed rows.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Sequence
from typing import Any

import aid_engine
from aid_engine import Declaration
from aid_engine.ruleset import RuleBook


def _rate(items: Sequence[Any], work: Callable[[Any], object]) -> tuple[float, float]:
    """(items per second, seconds) of `work` over `items`, with the collector run before the clock starts."""
    gc.collect()
    start = time.perf_counter()
    for item in items:
        work(item)
    seconds = time.perf_counter() - start
    return len(items) / seconds, seconds


def _fresh_rulebook() -> RuleBook:
    """A newly loaded rule book: the engine's memos (kept per rule set) start empty."""
    return aid_engine.load_ruleset()


def run(dicts: Sequence[dict[str, Any]], plain_n: int = 5_000) -> dict[str, dict[str, Any]]:
    """Time every evaluation figure over `dicts` (and the first `plain_n` of them on the plain path)."""
    for d in dicts[:50]:  # imports, the default rule book, first calls: paid once per process
        aid_engine.evaluate(d, plain=True)
    figures: dict[str, dict[str, Any]] = {}

    # The contract's figure, literally: the default rule book, its fast-path memos empty until now.
    rate, seconds = _rate(dicts, aid_engine.evaluate)
    figures["evaluate_dicts"] = {"rate": rate, "seconds": seconds, "n": len(dicts)}

    gc.collect()
    start = time.perf_counter()
    validated = [Declaration.model_validate(d) for d in dicts]
    seconds = time.perf_counter() - start
    figures["validate_dicts"] = {"rate": len(dicts) / seconds, "seconds": seconds, "n": len(dicts)}

    book = _fresh_rulebook()
    rate, seconds = _rate(validated, lambda d: aid_engine.evaluate(d, book))
    figures["evaluate_declarations"] = {"rate": rate, "seconds": seconds, "n": len(validated)}
    del validated

    subset = dicts[:plain_n]
    book = _fresh_rulebook()
    rate, seconds = _rate(subset, lambda d: aid_engine.evaluate(d, book, plain=True))
    figures["evaluate_plain"] = {"rate": rate, "seconds": seconds, "n": len(subset)}

    # The same subset on the fast path, for a like-for-like ratio (memos empty again).
    book = _fresh_rulebook()
    rate, seconds = _rate(subset, lambda d: aid_engine.evaluate(d, book))
    figures["evaluate_dicts_subset"] = {"rate": rate, "seconds": seconds, "n": len(subset)}
    return figures
