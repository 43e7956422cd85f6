"""Replay: decide a stored declaration again with the rule set it was decided with and say what would differ.

The rule set is taken from the store's archive by the sha256 the decision recorded (format 2 archives every
rule set at first use), else from the rule sets of `rules/` (or `--rules`) with that sha256 (format-1
decisions).  When neither holds it, the outcome says so.  A format-2 decision is compared on its outcome
(status, échelon, points, amounts, months, academic year, reason codes) field by field, then on the keyed
digest of its full JSON (trace and messages included) while its declaration's secret exists; a format-1
decision on its full JSON.  The engine version is reported apart (a new release is not a different decision).

It must never store anything: a replay only reads and compares.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import Connection, select

from ..engine import as_lang, evaluate
from ..errors import DeclarationError, RulesetError
from ..models import Decision, Declaration
from ..ruleset import RuleBook, RuleSet
from ..ruleset.loader import parse_files
from .queries import StoredDecision
from .records import decision_view, keyed_hex
from .tables import rulesets
from .writer import Decided

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


class Archive:
    """The rule sets archived in a store, read once each by sha256 (None: not archived)."""

    def __init__(self, connection: Connection | None) -> None:
        self.connection = connection
        self._read: dict[str, RuleSet | None] = {}

    def get(self, sha256: str) -> RuleSet | None:
        if sha256 not in self._read:
            self._read[sha256] = self._load(sha256)
        return self._read[sha256]

    def _load(self, sha256: str) -> RuleSet | None:
        if self.connection is None:
            return None
        files = self.connection.execute(select(rulesets.c.files).where(rulesets.c.sha256 == sha256)).scalar()
        if files is None:
            return None
        try:
            return parse_files(json.loads(files), root="archive").by_sha256(sha256)
        except RulesetError:  # altered archive: `audit verify` names it; here it is just not usable
            return None


def ruleset_of(stored: StoredDecision, book: RuleBook | None, archive: Archive | None) -> RuleSet | None:
    """The rule set a stored decision was decided with: the archive's, else the rule book's, by sha256."""
    found = archive.get(stored.ruleset_sha256) if archive is not None else None
    if found is None and book is not None:
        found = book.by_sha256(stored.ruleset_sha256)
    return found


def redecide(stored: StoredDecision, ruleset: RuleSet) -> Decision:
    """The decision of `stored`'s declaration (not purged) again, under `ruleset`, in its language."""
    assert stored.declaration is not None
    return evaluate(Declaration.parse(stored.declaration), ruleset, lang=as_lang(stored.lang))


def as_then(decision: Decision, stored: StoredDecision) -> str:
    """The full decision JSON as the stored decision's engine version would have written it."""
    return decision.model_copy(update={"engine_version": stored.engine_version}).model_dump_json()


def replay(stored: StoredDecision, book: RuleBook | None, archive: Archive | None = None) -> ReplayOutcome:
    """Decide `stored`'s declaration again with the rule set of the recorded sha256 and compare."""
    ruleset = ruleset_of(stored, book, archive)
    if ruleset is None:
        return _outcome(stored, "rules_missing")
    if stored.declaration is None:
        return _outcome(stored, "purged")
    try:
        now = redecide(stored, ruleset)
    except DeclarationError as exc:  # a stored declaration that no longer validates: report, never guess
        fields = ", ".join(dict.fromkeys(p.field for p in exc.problems))
        return _outcome(stored, "differs", (Difference("declaration", f"no longer valid ({fields})", None),))
    full = now.model_dump(mode="json")
    if stored.record_format == 1:
        found = tuple(differences(stored.decision, full))
    else:


        replayed = decision_view({"payload": Decided.of(Declaration.parse(stored.declaration), now).outcome_json,
                                  "format": 2, "learner_id": now.learner_id, "ruleset_id": now.ruleset.id,
                                  "ruleset_sha256": now.ruleset.sha256, "engine_version": now.engine_version})
        found = tuple(differences(stored.decision, replayed))
        if not found and stored.secret is not None and keyed_hex(stored.secret, as_then(now, stored)) != \
                stored.decision_digest:
            found = (Difference("trace", "the trace or messages stored (by keyed digest)", "differ"),)
    return _outcome(stored, "differs" if found else "same", found, now.engine_version)


TraceState = Literal["as_decided", "purged", "rules_missing", "altered"]


@dataclass(frozen=True, slots=True)
class StoredTrace:
    """The full decision of a stored decision, trace included, as it was at decision time — or why it cannot
    be shown: its declaration was purged (the trace went with it), its rule set is neither archived nor in the
    rule book, or the decision recomputed does not match the keyed digest its record binds."""

    stored: StoredDecision
    state: TraceState
    decision: Decision | None = None


def stored_trace(stored: StoredDecision, archive: Archive, book: RuleBook | None = None) -> StoredTrace:
    """The decision with its trace as it was at decision time (format 1: as stored; format 2: decided again
    from the declaration with the archived rule set, and checked against the record's keyed digest)."""
    if stored.record_format == 1 and "trace" in stored.decision:
        return StoredTrace(stored, "as_decided", Decision.model_validate(stored.decision))
    if stored.declaration is None or stored.secret is None:
        return StoredTrace(stored, "purged")
    ruleset = ruleset_of(stored, book, archive)
    if ruleset is None:
        return StoredTrace(stored, "rules_missing")
    try:
        decision = redecide(stored, ruleset)
    except DeclarationError:
        return StoredTrace(stored, "altered")
    if keyed_hex(stored.secret, as_then(decision, stored)) != stored.decision_digest:
        return StoredTrace(stored, "altered")
    return StoredTrace(stored, "as_decided", decision.model_copy(update={"engine_version": stored.engine_version}))


def full_json(connection: Connection, stored: StoredDecision) -> dict[str, Any]:
    """A stored decision's full JSON, trace included, as it was at decision time when it can be shown (see
    `stored_trace`); else its outcome as its record holds it."""
    shown = stored_trace(stored, Archive(connection))
    return dict(shown.decision.model_dump(mode="json")) if shown.decision is not None else stored.decision
