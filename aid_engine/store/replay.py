"""Replay: decide a stored declaration again with the stored rule set and say what would differ.

The rule set is found by the sha256 the decision recorded, among the rule sets of `rules/` (or `--rules`).
When no rule set has that sha256 any more, the outcome says so — the rules changed since, and the decision
can only be replayed with the rules files of that time.  Differences are listed field by field, the trace
step by step; the engine version is reported apart (a new release is not a different decision).

It must never store anything: a replay only reads and compares.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from ..engine import as_lang, evaluate
from ..errors import DeclarationError
from ..models import Declaration
from ..ruleset import RuleBook
from .queries import StoredDecision

State = Literal["same", "differs", "rules_missing", "purged"]
IGNORED = frozenset({"engine_version"})


@dataclass(frozen=True, slots=True)
class Difference:
    """One field whose stored and replayed values differ (`None` where one side has no such field)."""

    path: str
    stored: Any
    replayed: Any


@dataclass(frozen=True, slots=True)
class ReplayOutcome:
    """The replay of one stored decision."""

    decision_id: int
    learner_id: str
    ruleset_id: str
    ruleset_sha256: str
    state: State
    differences: tuple[Difference, ...] = ()
    engine_then: str = ""
    engine_now: str = ""


def _label(item: Any) -> str:
    if isinstance(item, dict):
        for key in ("rule", "code"):
            if isinstance(item.get(key), str):
                return f":{item[key]}"
    return ""


def differences(stored: Any, replayed: Any, path: str = "") -> list[Difference]:
    """Every leaf where two JSON values differ, named by its path.

    >>> differences({"a": 1, "b": [1, 2]}, {"a": 1, "b": [1, 3]})
    [Difference(path='b[1]', stored=2, replayed=3)]
    """
    if isinstance(stored, dict) and isinstance(replayed, dict):
        found: list[Difference] = []
        for key in [*stored, *(k for k in replayed if k not in stored)]:
            if not path and key in IGNORED:
                continue
            found += differences(stored.get(key), replayed.get(key), f"{path}.{key}" if path else key)
        return found
    if isinstance(stored, list) and isinstance(replayed, list):
        found = []
        for index in range(max(len(stored), len(replayed))):
            a = stored[index] if index < len(stored) else None
            b = replayed[index] if index < len(replayed) else None
            found += differences(a, b, f"{path}[{index}{_label(a if a is not None else b)}]")
        return found
    return [] if stored == replayed else [Difference(path, stored, replayed)]


def _outcome(stored: StoredDecision, state: State, found: tuple[Difference, ...] = (),
             engine_now: str = "") -> ReplayOutcome:
    return ReplayOutcome(stored.id, stored.learner_id, stored.ruleset_id, stored.ruleset_sha256, state, found,
                         stored.engine_version, engine_now)


def replay(stored: StoredDecision, book: RuleBook) -> ReplayOutcome:
    """Decide `stored`'s declaration again with the rule set of the recorded sha256 and compare."""
    ruleset = book.by_sha256(stored.ruleset_sha256)
    if ruleset is None:
        return _outcome(stored, "rules_missing")
    if stored.declaration is None:
        return _outcome(stored, "purged")
    try:
        declaration = Declaration.parse(stored.declaration)
    except DeclarationError as exc:  # a stored declaration that no longer validates: report, never guess
        fields = ", ".join(dict.fromkeys(p.field for p in exc.problems))
        return _outcome(stored, "differs", (Difference("declaration", f"no longer valid ({fields})", None),))
    now = evaluate(declaration, ruleset, lang=as_lang(stored.lang))
    found = tuple(differences(stored.decision, now.model_dump(mode="json")))
    return _outcome(stored, "differs" if found else "same", found, now.engine_version)
