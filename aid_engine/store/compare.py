"""Comparing two batch runs learner by learner: what changed (status, échelon, amount) and why.

Typical use: the same file decided again after a new barème (`aid-engine batch FILE --compare-to RUN`).  Each
run's decisions are streamed in the order of their history — learner, then training start date (the store's
one definition, `queries.training_start_of`) — and of a history the run's latest stored decision is the one
compared (the current one of that run: a correction later in the file wins); the two streams are merged; for
each learner and training whose status, échelon or amounts differ, the reasons are read from the two decisions: the
declaration changed (fields named, values not shown), the rule set changed, reason codes that appeared or
went, points de charge, the ceilings read, the rate, the months.

It reads only, and never holds a run in memory: two ordered streams, merged.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Engine, select

from ..i18n import amount, cents, status_label, t
from ..models import ECHELONS
from ..ruleset import RuleSet
from .queries import stored_decision, training_start_of
from .records import keyed_hex
from .replay import Archive, as_then, redecide, ruleset_of
from .tables import batch_lines, decisions, declarations

STREAM_PAGE = 1000


@dataclass(frozen=True, slots=True)
class Brief:
    """What a run decided for one learner."""

    decision_id: int
    status: str
    echelon: str | None
    annual_cents: int
    total_cents: int
    ruleset_id: str
    ruleset_sha256: str
    declaration_id: int
    audit_id: int

    def outcome(self) -> tuple[str, str | None, int, int]:
        return self.status, self.echelon, self.annual_cents, self.total_cents

    def text(self, lang: str = "fr") -> str:
        """« accordée, échelon 7, 6 335,00 € » in French; "granted, échelon 7, €6,335.00" in English."""
        echelon = t("diff.echelon", lang, echelon=self.echelon) if self.echelon else ""
        return f"{status_label(self.status, lang)}{echelon}, {cents(self.total_cents, lang)}"


@dataclass(frozen=True, slots=True)
class Reason:
    """One reason why an outcome changed: a message key (`diff.why.KEY`) and its parameters (an amount stays a
    Decimal, written in the reader's language)."""

    key: str
    params: tuple[tuple[str, str | Decimal], ...] = ()

    def text(self, lang: str = "fr") -> str:
        """The reason in `lang`; a parameter given per language (`label_fr`, `label_en`) is `label` in it."""
        values = {k: amount(v, lang) if isinstance(v, Decimal) else v for k, v in self.params}
        values |= {k[:-3]: v for k, v in values.items() if k.endswith(f"_{lang}")}
        return t(f"diff.why.{self.key}", lang, **values)

    def __str__(self) -> str:
        return self.text("en")


def _reason(key: str, **params: object) -> Reason:
    return Reason(key, tuple((k, v if isinstance(v, Decimal) else str(v)) for k, v in params.items()))


@dataclass(frozen=True, slots=True)
class Change:
    """A learner whose outcome differs between run A and run B (None: not in that run)."""

    learner_id: str
    before: Brief | None
    after: Brief | None
    why: tuple[Reason, ...]
    training_start: str = ""  # the history's training start date (ISO), "" when the declaration holds none


@dataclass
class Tally:
    """Counts of a comparison."""

    compared: int = 0
    changed: int = 0
    only_before: int = 0
    only_after: int = 0


Key = tuple[str, str]  # learner_id, training start date ("" when unknown)


def _stream(connection: Connection, run_id: int) -> Iterator[tuple[Key, Brief]]:
    d = decisions.c
    dialect = connection.dialect.name
    start = training_start_of(dialect)
    learner = d.learner_id.collate("C") if dialect == "postgresql" else d.learner_id
    ordered_start = start.collate("C") if dialect == "postgresql" else start
    statement = (
        select(d.learner_id, start, d.id, d.status, d.echelon, d.annual_cents, d.total_cents, d.ruleset_id,
               d.ruleset_sha256, d.declaration_id, d.audit_id)
        .join_from(batch_lines, decisions, batch_lines.c.decision_id == d.id)
        .join(declarations, d.declaration_id == declarations.c.id)
        .where(batch_lines.c.run_id == run_id).order_by(learner, ordered_start, d.id)
    )
    current: tuple[Key, Brief] | None = None
    for row in connection.execution_options(yield_per=STREAM_PAGE).execute(statement):
        learner_id, training_start, *values = row
        item = ((str(learner_id), str(training_start or "")), Brief(*values))
        if current is not None and current[0] != item[0]:
            yield current
        current = item
    if current is not None:
        yield current


def _merged(a: Iterator[tuple[Key, Brief]], b: Iterator[tuple[Key, Brief]]
            ) -> Iterator[tuple[Key, Brief | None, Brief | None]]:
    x, y = next(a, None), next(b, None)
    while x is not None or y is not None:
        if x is not None and (y is None or x[0] < y[0]):
            yield x[0], x[1], None
            x = next(a, None)
        elif y is not None and (x is None or y[0] < x[0]):
            yield y[0], None, y[1]
            y = next(b, None)
        elif x is not None and y is not None:
            yield x[0], x[1], y[1]
            x, y = next(a, None), next(b, None)


def compare_runs(engine: Engine, run_a: int, run_b: int, tally: Tally | None = None) -> Iterator[Change]:
    """The learners and trainings whose outcome differs from run `run_a` to run `run_b`, in learner order."""
    tally = tally if tally is not None else Tally()
    with engine.connect() as connection, engine.connect() as other, engine.connect() as lookup:
        for (learner, start), before, after in _merged(_stream(connection, run_a), _stream(other, run_b)):
            tally.compared += 1
            if before is None or after is None:
                tally.only_before += after is None
                tally.only_after += before is None
                yield Change(learner, before, after, (_reason("only_in", run=run_a if after is None else run_b),),
                             start)
            elif before.outcome() != after.outcome():
                tally.changed += 1
                yield Change(learner, before, after, tuple(why(lookup, before, after)), start)


def full_decision(connection: Connection, decision_id: int, archive: Archive) -> tuple[dict[str, Any], RuleSet | None]:
    """A stored decision's full JSON and its rule set: a format-1 record's own JSON, else decided again from its
    declaration with the archived rule set (as it was, when the keyed digest agrees); the outcome alone once
    purged."""
    stored = stored_decision(connection, decision_id)
    ruleset = ruleset_of(stored, None, archive)
    if stored.record_format == 1 or stored.declaration is None or ruleset is None or stored.secret is None:
        return stored.decision, ruleset
    decision = redecide(stored, ruleset)
    if keyed_hex(stored.secret, as_then(decision, stored)) != stored.decision_digest:
        return stored.decision, ruleset
    return dict(decision.model_dump(mode="json")), ruleset


def _payload(connection: Connection, table: Any, ident: int) -> dict[str, Any]:
    text = connection.execute(select(table.c.payload).where(table.c.id == ident)).scalar_one()
    return dict(json.loads(text))


def why(connection: Connection, before: Brief, after: Brief) -> list[Reason]:
    """The differences between two decisions of a learner that explain the change of outcome."""
    reasons: list[Reason] = []
    if before.declaration_id != after.declaration_id:
        old, new = (_payload(connection, declarations, b.declaration_id) for b in (before, after))
        fields = [k for k in dict.fromkeys([*old, *new]) if old.get(k) != new.get(k)]
        reasons.append(_reason("declaration", fields=", ".join(fields)))
    if before.ruleset_sha256 != after.ruleset_sha256:
        reasons.append(_reason("ruleset", before=f"{before.ruleset_id} ({before.ruleset_sha256[:12]})",
                               after=f"{after.ruleset_id} ({after.ruleset_sha256[:12]})"))
    archive = Archive(connection)
    (a, rules_a), (b, rules_b) = (full_decision(connection, x.decision_id, archive) for x in (before, after))
    reasons += _decision_reasons(a, b, rules_a, rules_b)
    return reasons or [_reason("same_inputs")]


def row_ceilings(rules: RuleSet | None, points: object) -> dict[str, Decimal]:
    """The ceilings a decision's income was held against: its rule set's row for its points de charge."""
    if rules is None or not isinstance(points, int):
        return {}
    row = rules.row_of(points)
    return {e: rules.ceilings.of(e, row) for e in ECHELONS}


def _labels(rules: RuleSet | None, code: str) -> dict[str, str]:
    """A reason code's label in each language, from the rule set that gave it (the code when it has none)."""
    found = next((r.label for r in rules.reasons if r.code == code), None) if rules is not None else None
    return {f"label_{lang}": found.get(lang) if found is not None else code for lang in ("fr", "en")}


def _decision_reasons(a: dict[str, Any], b: dict[str, Any], rules_a: RuleSet | None,
                      rules_b: RuleSet | None) -> list[Reason]:
    found: list[Reason] = []
    codes_a, codes_b = ({r["code"] for r in x["reasons"]} for x in (a, b))
    found += [_reason("now", code=code, **_labels(rules_b, code)) for code in sorted(codes_b - codes_a)]
    found += [_reason("no_longer", code=code, **_labels(rules_a, code)) for code in sorted(codes_a - codes_b)]
    if a["points_de_charge"] != b["points_de_charge"]:
        found.append(_reason("points", before=a["points_de_charge"], after=b["points_de_charge"]))
    ceilings_a = row_ceilings(rules_a, a["points_de_charge"])
    ceilings_b = row_ceilings(rules_b, b["points_de_charge"])
    found += [_reason("ceiling", echelon=e, before=ceilings_a[e], after=ceilings_b[e])
              for e in ceilings_b if e in ceilings_a and ceilings_a[e] != ceilings_b[e]]
    if a["echelon"] == b["echelon"] and a["annual_amount"] != b["annual_amount"]:
        found.append(_reason("rate", echelon=b["echelon"], before=Decimal(a["annual_amount"]),
                             after=Decimal(b["annual_amount"])))
    if a["months"] != b["months"]:
        found.append(_reason("months", before=a["months"], after=b["months"]))
    return found
