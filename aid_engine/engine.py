"""The decision: `evaluate(declaration, ruleset) -> Decision` (décret n° 2017-548, arts. 1 to 3).

`evaluate` reads top to bottom as the decree applied in order: academic year of the training start date,
every gate (all failures listed), income year, points de charge (distance + children, table row capped at
17), échelon by RBG ≤ ceiling, status by precedence, amounts.  Each of those is a small step function
`(rules, declaration, *earlier values) -> (value, Line)`, declared with the declaration fields it reads
(`@step("training_start_date")`); the `Line` is its trace step (rule, expression, inputs, result) and, when a
condition fails, the reason.

Memoisation is derived, never written by hand: a step's value and line depend only on the rule set, the
fields it declares and the earlier values it is given, so the engine keys its memo on exactly those, read
from the declaration by the step's own field list.  The memos are the engine's (one `_Engine` per rule set and
language, kept here), not the rule set's.  The plain path is the same code without memos: every predicate is
evaluated with rule-engine, every model validated, and each step sees a view of the declaration that refuses
any field it did not declare — so a step that reads more than it says fails the tests that compare the paths.

This module must never do I/O, read the clock or draw a random number.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from decimal import Decimal
from operator import attrgetter
from types import UnionType
from typing import Annotated, Any, Generic, Literal, NamedTuple, TypeVar, Union, get_args, get_origin
from weakref import WeakKeyDictionary

from ._version import __version__
from .errors import NoRulesetInForce
from .explain import counterfactuals_of
from .memo import remember
from .models import Counterfactuals, Decision, Declaration, Echelon, Reason, Status, TraceStep
from .models.decision import FrozenDict, assemble
from .money import display, to_cents
from .periods import months_begun
from .ruleset import Condition, Gate, RuleBook, RuleSet

Lang = Literal["fr", "en"]
LANGS: tuple[str, ...] = get_args(Lang)
_T = TypeVar("_T")


def as_lang(value: str) -> Lang:
    """`value` as a language of the messages; a `ValueError` if it is neither "fr" nor "en".

    >>> as_lang("en")
    'en'
    """
    if value == "fr":
        return "fr"
    if value == "en":
        return "en"
    raise ValueError(f"lang must be one of {', '.join(LANGS)}, not {value!r}")

# A memo is emptied when it grows past this many entries, so memory stays flat over any number of
# decisions (keys holding dates or amounts can take many values over a long batch).
MEMO_LIMIT = 20_000


# -- what a step gives --------------------------------------------------------------------------------------


class Failed(NamedTuple):
    """A condition that failed (a gate, the income year, the ceiling) and the values its message names."""

    condition: Gate | Condition
    values: tuple[tuple[str, object], ...] = ()


class Line(NamedTuple):
    """A step's line of the trace; `failed` when the step is a condition that does not hold."""

    rule: str
    expression: str
    inputs: dict[str, Any]
    result: Any
    failed: Failed | None = None


# Fields with few values, whose combinations repeat across learners: booleans, enums and counts.
def _few_values(annotation: Any) -> bool:
    """Whether a field's type has few values: bool, int (counts and years), a Literal, or one of those or None."""
    if annotation in (bool, int) or get_origin(annotation) is Literal:
        return True
    if get_origin(annotation) is Annotated:
        return _few_values(get_args(annotation)[0])
    args = [a for a in get_args(annotation) if a is not type(None)]
    return get_origin(annotation) in (Union, UnionType) and len(args) == 1 and _few_values(args[0])


FEW_VALUES = frozenset(name for name, info in Declaration.model_fields.items() if _few_values(info.annotation))


def shareable(reads: tuple[str, ...]) -> bool:
    """Whether what reads these fields is worth a memo: at most one of them of many values (a date, an amount),
    since the combinations of two such fields hardly repeat.

    >>> shareable(("profile", "training_start_date")), shareable(("application_date", "training_start_date"))
    (True, False)
    """
    return sum(name not in FEW_VALUES for name in reads) <= 1


class Step(Generic[_T]):
    """A step of the decision: its function and the declaration fields it reads (the memo key's one source).

    It is memoised (`shared`) unless declared otherwise or unless it reads two fields or more of many values
    (dates, amounts): their combinations hardly repeat, and a memo of them would only grow and miss.
    """

    __slots__ = ("fn", "key", "reads", "shared")

    def __init__(self, fn: Callable[..., tuple[_T, Line]], reads: tuple[str, ...], shared: bool) -> None:
        self.fn, self.reads = fn, reads
        self.shared = shared and shareable(reads)
        # The fields it reads, from a declaration: the memo key (with the earlier values the step is given).
        self.key: Callable[[Declaration], Any] | None = attrgetter(*reads) if reads else None

    def __repr__(self) -> str:
        return f"<step {getattr(self.fn, '__name__', '?')} reads {self.reads}>"


def step(*reads: str, shared: bool = True) -> Callable[[Callable[..., tuple[_T, Line]]], Step[_T]]:
    """Declare a step and the fields of the declaration it reads.  `shared=False`: not worth a memo (its
    inputs take too many values for a hit to come back)."""
    return lambda fn: Step(fn, reads, shared)


_ISO_TEXTS: dict[date, str] = {}  # each date's ISO text, made once (bounded: dates repeat in a batch)


def iso(day: date) -> str:
    """A date as the trace records it, `YYYY-MM-DD`.

    >>> iso(date(2024, 9, 1))
    '2024-09-01'
    """
    text = _ISO_TEXTS.get(day)
    return remember(_ISO_TEXTS, day, day.isoformat(), MEMO_LIMIT) if text is None else text


def json_value(value: object) -> Any:
    """A field value as the trace records it: dates ISO, decimals as text.

    >>> json_value(date(2024, 9, 1)), json_value(Decimal("12.50")), json_value(3), json_value(None)
    ('2024-09-01', '12.50', 3, None)
    """
    if isinstance(value, date):
        return iso(value)
    if isinstance(value, Decimal):
        return str(value)
    return value


# -- the steps, in the order of the decree ------------------------------------------------------------------

ACADEMIC_YEAR_RULE = "the 1 September → 31 August year containing training_start_date"
STATUS_RULE = (
    "a failing gate → refused; else income_year not the expected year → review; "
    "else revenu_brut_global above the 0bis ceiling → refused; else granted"
)


@step("training_start_date")
def academic_year(rs: RuleSet, d: Declaration) -> tuple[str, Line]:
    """docs/policies.md policy 1: the barème of the academic year holding the training start date."""
    return rs.label, Line("period.academic_year", ACADEMIC_YEAR_RULE,
                          {"training_start_date": iso(d.training_start_date)}, rs.label)


def gate_step(gate: Gate, plain: bool) -> Step[bool]:
    """Policy 5: a gate of the rules, reading exactly the fields of its predicate (rule-engine on the plain path,
    its compiled closure on the fast path: tests prove them equal)."""
    evaluate_predicate = gate.predicate.__call__ if plain else gate.predicate.fast
    symbols, rule, expression, failed = gate.predicate.symbols, gate.id, gate.predicate.text, Failed(gate)

    def passes(rs: RuleSet, d: Declaration) -> tuple[bool, Line]:
        values = {name: getattr(d, name) for name in symbols}
        passed = evaluate_predicate(values)
        inputs = {name: json_value(value) for name, value in values.items()}
        return passed, Line(rule, expression, inputs, passed, None if passed else failed)

    passes.__name__ = gate.id
    return Step(passes, symbols, shared=True)


@step("income_year")
def income_year(rs: RuleSet, d: Declaration) -> tuple[bool, Line]:
    """Policy 6: the income of the first year of the academic year − 2; another year goes to review."""
    ok = d.income_year == rs.expected_income_year
    failed = None if ok else Failed(rs.income_year, (("expected_income_year", rs.expected_income_year),
                                                      ("academic_year", rs.label)))
    return ok, Line(f"{rs.income_year.id}<{rs.label}>",
                    f"income_year == {rs.expected_income_year}  (first year of {rs.label} − {rs.income_year_offset})",
                    {"income_year": d.income_year}, ok, failed)


@step("distance_km", shared=False)
def distance_points(rs: RuleSet, d: Declaration) -> tuple[int, Line]:
    """Policy 3: the points of the half-open distance band holding distance_km."""
    points = rs.distance_points(d.distance_km)
    return points, Line(f"points.distance<{rs.label}>", rs.distance_rule, {"distance_km": str(d.distance_km)}, points)


@step("dependent_children", "children_in_higher_education")
def children_points(rs: RuleSet, d: Declaration) -> tuple[int, Line]:
    """Policy 3: points per dependent child, more per child in higher education."""
    children, in_he = d.dependent_children, d.children_in_higher_education
    points = rs.children_points(children, in_he)
    return points, Line(f"points.children<{rs.label}>", rs.children_rule,
                        {"dependent_children": children, "children_in_higher_education": in_he}, points)


@step()
def points_de_charge(rs: RuleSet, d: Declaration, distance: int, children: int) -> tuple[int, Line]:
    """Policy 3: the decision's points de charge, the sum uncapped."""
    points = distance + children
    return points, Line(f"points.total<{rs.label}>",
                        "distance points + children points (the decision's points_de_charge, uncapped)",
                        {"distance_points": distance, "children_points": children}, points)


@step()
def table_row(rs: RuleSet, d: Declaration, points: int) -> tuple[int, Line]:
    """Policy 3: the tables' row, min(points, 17)."""
    row = rs.row_of(points)
    capped = f": the tables stop at {rs.last_row} points, row {rs.last_row} used for {points}" if (
        points > rs.last_row) else ""
    return row, Line(f"bareme.row<{rs.label}>", f"min(points_de_charge, {rs.last_row}){capped}",
                     {"points_de_charge": points}, row)


@step("revenu_brut_global", shared=False)
def echelon_reached(rs: RuleSet, d: Declaration, row: int, points: int) -> tuple[Echelon | None, Line]:
    """Policy 4: the highest échelon whose ceiling at the row is ≥ the RBG; none above the 0bis ceiling."""
    rbg = d.revenu_brut_global
    reached = rs.echelon_of(rbg, row)
    failed = None if reached is not None else Failed(rs.income_ceiling, (
        ("ceiling_0bis", rs.ceilings.of("0bis", row)), ("points", points)))
    return reached, Line(
        f"{rs.income_ceiling.id}<{rs.label}>",
        "the highest échelon of 7, 6, …, 1, 0bis whose ceiling at this row is ≥ revenu_brut_global",
        {"revenu_brut_global": str(rbg), "row": row, "ceilings": rs.ceiling_texts[row]}, reached, failed)


@step()
def decision_status(rs: RuleSet, d: Declaration, failed_gates: tuple[str, ...], income_ok: bool,
                    reached: Echelon | None) -> tuple[Status, Line]:
    """Policy 6: a failing gate → refused; else a wrong income year → review; else the barème."""
    status = status_of(bool(failed_gates), income_ok, reached)
    return status, Line("decision.status", STATUS_RULE, {
        "failed_gates": failed_gates, "income_year_matches": income_ok, "echelon_reached": reached}, status)


def status_of(gates_failed: bool, income_ok: bool, reached: Echelon | None) -> Status:
    """docs/policies.md policy 6: a failing gate → refused; else a wrong income year → review; else the barème.

    >>> status_of(True, True, "7"), status_of(False, False, None), status_of(False, True, None)
    ('refused', 'review', 'refused')
    """
    if gates_failed:
        return "refused"
    if not income_ok:
        return "review"
    return "refused" if reached is None else "granted"


@step()
def annual_amount(rs: RuleSet, d: Declaration, echelon: Echelon | None) -> tuple[Decimal, Line]:
    """Policy 7: the 10-month rate of the échelon in the academic year; 0.00 without an échelon."""
    annual = rs.amounts_of(echelon)[0]
    return annual, Line(f"amount.annual<{rs.label}>", "the 10-month rate of the échelon (0.00 without an échelon)",
                        {"echelon": echelon}, str(annual))


@step()
def monthly_amount(rs: RuleSet, d: Declaration, echelon: Echelon | None) -> tuple[Decimal, Line]:
    """Policy 7: annual ÷ 10, rounded to the cent, half up."""
    annual, monthly = rs.amounts_of(echelon)
    return monthly, Line(f"amount.monthly<{rs.label}>",
                         f"annual_amount ÷ {rs.monthly_divisor}, rounded to the cent (half up)",
                         {"annual_amount": str(annual)}, str(monthly))


@step("training_start_date", "training_end_date")
def months_paid(rs: RuleSet, d: Declaration, echelon: Echelon | None) -> tuple[int, Line]:
    """Policy 7: every calendar month holding a day of training, at most 10; none without an échelon."""
    start, end = d.training_start_date, d.training_end_date
    months = 0 if echelon is None else min(months_begun(start, end), rs.months_cap)
    return months, Line(
        f"amount.months<{rs.label}>",
        f"calendar months from the start month to the end month, both included, at most {rs.months_cap}"
        " (0 without an échelon)",
        {"training_start_date": iso(start), "training_end_date": iso(end), "echelon": echelon}, months)


@step()
def total_amount(rs: RuleSet, d: Declaration, monthly: Decimal, months: int) -> tuple[Decimal, Line]:
    """Policy 7: monthly × months."""
    total = to_cents(monthly * months)
    return total, Line(f"amount.total<{rs.label}>", "monthly_amount × months",
                       {"monthly_amount": str(monthly), "months": months}, str(total))


# -- the decision, step by step -----------------------------------------------------------------------------


def evaluate(declaration: Declaration | Mapping[str, Any], ruleset: RuleSet | RuleBook, *,
             lang: Lang = "fr") -> Decision:
    """Decide a declaration with the rule set in force at its training start date.

    `declaration` is a `Declaration` or a JSON-shaped mapping (validated, `DeclarationError` if bad);
    `lang` is "fr" or "en" (the reasons' messages), anything else a `ValueError`.
    """
    return _evaluate(declaration, ruleset, lang, plain=False)


def _evaluate(declaration: Declaration | Mapping[str, Any], ruleset: RuleSet | RuleBook, lang: str, *,
              plain: bool) -> Decision:
    """`evaluate`, on the fast path or (`plain=True`: tests and benchmarks) the plain one: the same steps."""
    d = declaration if isinstance(declaration, Declaration) else Declaration.parse(declaration)
    rs = resolve(ruleset, d.training_start_date)
    t = _engine_of(rs, lang, plain).decision_of(d)
    year = t.run(academic_year)
    failed_gates = t.gates()
    income_ok = t.run(income_year)
    distance = t.run(distance_points)
    children = t.run(children_points)
    points = t.run(points_de_charge, distance, children)
    row = t.run(table_row, points)
    reached = t.run(echelon_reached, row, points)
    status = t.run(decision_status, failed_gates, income_ok, reached)
    echelon = None if status == "refused" else reached
    annual = t.run(annual_amount, echelon)
    monthly = t.run(monthly_amount, echelon)
    months = t.run(months_paid, echelon)
    total = t.run(total_amount, monthly, months)
    counterfactuals = counterfactuals_of(rs, d.revenu_brut_global, points, row, reached, status)
    decision: Decision = t.model(Decision, {
        "learner_id": d.learner_id, "status": status, "echelon": echelon, "points_de_charge": points,
        "annual_amount": annual, "monthly_amount": monthly, "months": months, "total_amount": total,
        "academic_year": year, "reasons": tuple(t.reasons), "trace": tuple(t.steps), "ruleset": rs.ref,
        "engine_version": __version__, "counterfactuals": t.model(Counterfactuals, counterfactuals),
    })
    return decision


def resolve(ruleset: RuleSet | RuleBook, start: date) -> RuleSet:
    """The rule set that decides a training starting on `start`; `NoRulesetInForce` if none."""
    if isinstance(ruleset, RuleBook):
        return ruleset.in_force(start)
    if not ruleset.covers(start):
        raise NoRulesetInForce(start.isoformat(), ruleset.year.label)
    return ruleset


# -- the engine: steps run, memoised on what they read ------------------------------------------------------

_ENGINES: WeakKeyDictionary[RuleSet, dict[tuple[str, bool], _Engine]] = WeakKeyDictionary()
_LAST: list[_Engine | None] = [None]  # the engine used last (it keeps its rule set alive until another is used)


def _engine_of(rs: RuleSet, lang: str, plain: bool) -> _Engine:
    """The engine of a rule set and language, made once and kept as long as the rule set lives."""
    last = _LAST[0]  # a batch decides run after run in one year and language: the last engine, first
    if last is not None and last.rs is rs and last.lang == lang and last.plain is plain:
        return last
    engine = _engine_made(rs, lang, plain)
    _LAST[0] = engine
    return engine


def _engine_made(rs: RuleSet, lang: str, plain: bool) -> _Engine:
    engines = _ENGINES.get(rs)
    if engines is None:
        engines = _ENGINES[rs] = {}
    engine = engines.get((lang, plain))
    if engine is None:
        engine = engines[(lang, plain)] = _Engine(rs, as_lang(lang), plain)
    return engine


class _Engine:
    """Runs the steps of one rule set and language: memoised and assembled (fast), or validated (plain)."""

    def __init__(self, rs: RuleSet, lang: Lang, plain: bool) -> None:
        self.rs, self.lang, self.plain = rs, lang, plain
        self.gates = tuple(gate_step(g, plain) for g in rs.gates)
        self.gate_runs = _gate_runs(self.gates)
        self.memos: dict[Step[Any], dict[Any, Outcome]] = {}
        self.reasons: dict[Failed, Reason] = {}

    def decision_of(self, d: Declaration) -> _Decision:
        return _PlainDecision(self, d) if self.plain else _Decision(self, d)

    def model(self, cls: type[Any], values: dict[str, Any]) -> Any:
        return cls.model_validate(values) if self.plain else assemble(cls, values)

    def memo(self, s: Step[Any]) -> dict[Any, Outcome]:
        memo = self.memos.get(s)
        if memo is None:
            memo = self.memos[s] = {}
        return memo

    def made(self, s: Step[Any], d: Declaration | _Only, earlier: tuple[Any, ...]) -> Outcome:
        """A step run: its value, its trace step and the reason when it is a condition that fails."""
        value, (rule, expression, inputs, result, failed) = s.fn(self.rs, d, *earlier)
        if self.plain:
            trace = TraceStep.model_validate({"rule": rule, "expression": expression, "inputs": inputs,
                                              "result": result})
        else:  # shared steps are read-only
            trace = assemble(TraceStep, {"rule": rule, "expression": expression, "inputs": FrozenDict(inputs),
                                         "result": result})
        return value, trace, None if failed is None else self.reason(failed)

    def reason(self, failed: Failed) -> Reason:
        """The reason of a failed condition, its message filled with the values it names (amounts displayed)."""
        reason = None if self.plain else self.reasons.get(failed)
        if reason is None:
            c = failed.condition
            message = c.message.get(self.lang)
            if failed.values:
                message = message.format(**{k: display(v, self.lang) if isinstance(v, Decimal) else v
                                            for k, v in failed.values})
            reason = self.model(Reason, {"code": c.code, "message": message, "legal_ref": c.legal_ref})
            if not self.plain:
                remember(self.reasons, failed, reason, MEMO_LIMIT)
        return reason


Outcome = tuple[Any, TraceStep, Reason | None]


class _GateRun(NamedTuple):
    """Consecutive gates memoised together on the union of the fields they declare, as long as that union is
    `shareable`; a gate that is not memoised runs alone."""

    steps: tuple[Step[bool], ...]
    key: Callable[[Declaration], Any]
    memo: dict[Any, tuple[tuple[TraceStep, ...], tuple[Reason, ...], tuple[str, ...]]]


def _reads_of(steps: list[Step[bool]]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(name for s in steps for name in s.reads))


def _gate_runs(gates: tuple[Step[bool], ...]) -> tuple[_GateRun | Step[bool], ...]:
    runs: list[_GateRun | Step[bool]] = []
    group: list[Step[bool]] = []

    def close() -> None:
        if len(group) > 1:
            runs.append(_GateRun(tuple(group), attrgetter(*_reads_of(group)), {}))
        else:
            runs.extend(group)  # one gate: its own memo is enough
        group.clear()

    for s in gates:
        if not (s.shared and shareable(_reads_of([*group, s]))):
            close()
        (group if s.shared else runs).append(s)
    close()
    return tuple(runs)


class _Decision:
    """One decision being made on the fast path: its trace and reasons, in the order of the steps."""

    __slots__ = ("d", "engine", "failed_gates", "memos", "model", "reasons", "steps")

    def __init__(self, engine: _Engine, d: Declaration) -> None:
        self.engine, self.d, self.model, self.memos = engine, d, engine.model, engine.memos
        self.steps: list[TraceStep] = []
        self.reasons: list[Reason] = []

    def run(self, s: Step[_T], *earlier: Any) -> _T:
        """The step's outcome from its memo, keyed on the fields it declares and the earlier values it takes."""
        if s.shared:
            memo = self.memos.get(s)
            if memo is None:
                memo = self.engine.memo(s)
            key = earlier if s.key is None else (s.key(self.d), *earlier) if earlier else s.key(self.d)
            hit = memo.get(key)
            if hit is None:
                hit = remember(memo, key, self.engine.made(s, self.d, earlier), MEMO_LIMIT)
        else:
            hit = self.engine.made(s, self.d, earlier)
        self.steps.append(hit[1])
        if hit[2] is not None:
            self.reasons.append(hit[2])
        value: _T = hit[0]
        return value

    def gates(self) -> tuple[str, ...]:
        """Every gate in rules order (every failure listed); the codes of those that fail."""
        failed: list[str] = []
        for run in self.engine.gate_runs:
            if isinstance(run, Step):
                if not self.run(run):
                    failed.append(self.reasons[-1].code)
                continue
            key = run.key(self.d)
            memo = run.memo
            hit = memo.get(key)
            if hit is None:  # each gate through its own memo: the run's steps are shared objects
                steps, reasons = len(self.steps), len(self.reasons)
                for s in run.steps:
                    self.run(s)
                made = tuple(self.reasons[reasons:])
                hit = remember(memo, key, (tuple(self.steps[steps:]), made, tuple(r.code for r in made)), MEMO_LIMIT)
                failed += hit[2]
                continue
            self.steps += hit[0]
            self.reasons += hit[1]
            failed += hit[2]
        return tuple(failed)


class _PlainDecision(_Decision):
    """The plain path: the same steps, no memo, each step seeing only the fields it declares."""

    __slots__ = ()

    def run(self, s: Step[_T], *earlier: Any) -> _T:
        value, trace, reason = self.engine.made(s, _Only(self.d, s.reads, s), earlier)
        self.steps.append(trace)
        if reason is not None:
            self.reasons.append(reason)
        result: _T = value
        return result

    def gates(self) -> tuple[str, ...]:
        return tuple(g.code for g, s in zip(self.engine.rs.gates, self.engine.gates, strict=True) if not self.run(s))


class _Only:
    """The plain path's view of a declaration for one step: the fields the step declared, nothing else."""

    __slots__ = ("_d", "_reads", "_step")

    def __init__(self, d: Declaration, reads: tuple[str, ...], s: Step[Any]) -> None:
        self._d, self._reads, self._step = d, reads, s

    def __getattr__(self, name: str) -> Any:
        if name not in self._reads:
            raise AttributeError(f"{self._step!r} read {name!r} without declaring it")
        return getattr(self._d, name)
