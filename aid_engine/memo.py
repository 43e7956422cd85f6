"""Bounded memos: the one rule for every cache of the hot path, so memory stays flat over any batch.

A memo that reaches its limit is emptied and fills again: keys that take many values (dates, amounts) never
grow it without end, and the few frequent keys come back at once.  Pure: no I/O.
"""

from __future__ import annotations

from typing import TypeVar

_K = TypeVar("_K")
_V = TypeVar("_V")


def remember(cache: dict[_K, _V], key: _K, value: _V, limit: int) -> _V:
    """Store `value` under `key`, emptying `cache` first when it holds `limit` entries; return `value`.

    >>> cache: dict[str, int] = {"a": 1, "b": 2}
    >>> remember(cache, "c", 3, limit=2), cache
    (3, {'c': 3})
    """
    if len(cache) >= limit:
        cache.clear()
    cache[key] = value
    return value
