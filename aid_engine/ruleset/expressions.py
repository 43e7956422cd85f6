"""Eligibility predicates as rule-engine expressions: compiled once, type-checked, confined.

A predicate is compiled at load time against the types of the `Declaration` fields, so an unknown symbol
or a type mismatch fails when the rules load, never during a batch.  The language is confined to what a
predicate of the decree needs: declaration fields, literals, comparisons, `in`, `and`/`or`/`not`, `??`
and the ternary.  Attribute access, item access, function calls, regular expressions and `$` builtins
(`$now`, `$today`, `$random` among them) are refused, so no rule depends on the day it runs or reaches
beyond the declaration.  This module must never do I/O.
"""

from __future__ import annotations

import operator
import types as pytypes
import typing
import warnings
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from difflib import get_close_matches
from typing import Any

from ..errors import clipped
from ..memo import remember
from ..models import Declaration
from ..text import shown
from .parser_tables import install as _install_parser_tables

_install_parser_tables()  # before rule_engine builds its parser at import: saves ~0.3 s per process

import rule_engine  # noqa: E402
from rule_engine import ast as re_ast  # noqa: E402
from rule_engine import builtins as re_builtins  # noqa: E402
from rule_engine.types import DataType  # noqa: E402

MIDNIGHTS_LIMIT = 50_000

# Fields a rule may not read: programme statistics and identifiers never decide anything.
UNREADABLE = {
    "sex": "is for programme statistics only and never used by a rule",
    "birth_date": "is for programme statistics only and never used by a rule",
    "learner_id": "is an opaque identifier and never used by a rule",
    "fabrique_id": "names the training organisation and is never used by a rule",
}

_ALLOWED_NODES: tuple[type, ...] = (
    re_ast.Statement,
    re_ast.LogicExpression,
    re_ast.ComparisonExpression,
    re_ast.ArithmeticComparisonExpression,
    re_ast.ContainsExpression,
    re_ast.ArrayExpression,
    re_ast.UnaryExpression,
    re_ast.SymbolExpression,
    re_ast.BooleanExpression,
    re_ast.FloatExpression,
    re_ast.StringExpression,
    re_ast.DatetimeExpression,
    re_ast.NullExpression,
    re_ast.CoalesceExpression,
    re_ast.TernaryExpression,
    re_ast.AddExpression,
    re_ast.SubtractExpression,
    re_ast.ArithmeticExpression,
)
# Arithmetic stays exact and total: no division, modulo or power in a predicate.
_ARITHMETIC = {"add": operator.add, "sub": operator.sub, "mul": operator.mul}
_COMPARISONS = {
    "eq": operator.eq, "ne": operator.ne, "ge": operator.ge, "gt": operator.gt, "le": operator.le, "lt": operator.lt,
}
_REFUSED_WHY = {
    "GetAttributeExpression": "attribute access (x.attr) is not allowed in a rule",
    "GetItemExpression": "item access (x[i]) is not allowed in a rule",
    "GetSliceExpression": "slices are not allowed in a rule",
    "FunctionCallExpression": "function calls are not allowed in a rule",
    "FuzzyComparisonExpression": "regular expressions (=~) are not allowed in a rule",
    "ComprehensionExpression": "comprehensions are not allowed in a rule",
}


MAX_EXPRESSION = 2_000  # characters of one predicate: the longest of the law is about 100
MAX_DEPTH = 50  # levels of nesting of one predicate (`not not …`, parentheses): evaluation recurses that deep


class ExpressionError(ValueError):
    """A predicate that does not compile; `suggestion` is a did-you-mean for an unknown symbol."""

    def __init__(self, message: str, suggestion: str | None = None) -> None:
        super().__init__(message)
        self.suggestion = suggestion


def _data_type(annotation: Any) -> Any:
    """The rule-engine type of a Declaration field's annotation."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _data_type(typing.get_args(annotation)[0])
    if origin in (typing.Union, pytypes.UnionType):
        inner = [a for a in typing.get_args(annotation) if a is not type(None)]
        return DataType.NULLABLE(_data_type(inner[0]))
    if origin is typing.Literal or annotation is str:
        return DataType.STRING
    if annotation is bool:
        return DataType.BOOLEAN
    if annotation in (int, Decimal):
        return DataType.FLOAT
    if annotation is date:
        return DataType.DATETIME
    raise TypeError(f"no rule-engine type for {annotation!r}")  # pragma: no cover - a new field type


SYMBOL_TYPES: Mapping[str, Any] = {
    name: _data_type(field.annotation)
    for name, field in Declaration.model_fields.items()
    if name not in UNREADABLE
}


def _resolve_type(name: str) -> Any:
    if name in SYMBOL_TYPES:
        return SYMBOL_TYPES[name]
    if name in UNREADABLE:
        raise ExpressionError(f"{name} {UNREADABLE[name]}")
    close = get_close_matches(name, list(SYMBOL_TYPES), n=1)
    raise ExpressionError(f"unknown field {name!r}", suggestion=close[0] if close else None)


def _context() -> rule_engine.Context:
    context = rule_engine.Context(type_resolver=_resolve_type, default_timezone="utc")
    # No builtins at all: `$now`, `$today`, `$random` and the functions are unknown symbols, refused at parse.
    context.builtins = re_builtins.Builtins({}, timezone=context.default_timezone, value_types={})
    return context


def _children(node: Any) -> Iterator[Any]:
    names: set[str] = set(getattr(node, "__dict__", {}))
    for klass in type(node).__mro__:
        names.update(getattr(klass, "__slots__", ()))
    for name in sorted(names - {"context"}):
        value = getattr(node, name, None)
        if isinstance(value, re_ast.ASTNodeBase):
            yield value
        elif isinstance(value, tuple | list):
            yield from (v for v in value if isinstance(v, re_ast.ASTNodeBase))


def _confine(node: Any, symbols: list[str], depth: int = 0) -> None:
    """Refuse any node outside the confined language or nested deeper than `MAX_DEPTH`; collect the symbols
    read, in order."""
    if depth > MAX_DEPTH:
        raise ExpressionError(f"the expression is nested more than {MAX_DEPTH} levels deep")
    kind = type(node).__name__
    # Checked first: a regular-expression comparison is a subclass of the plain comparison.
    if kind in _REFUSED_WHY or not isinstance(node, _ALLOWED_NODES):
        raise ExpressionError(_REFUSED_WHY.get(kind, f"{kind} is not allowed in a rule"))
    if isinstance(node, re_ast.ComparisonExpression) and not _comparable(node.left, node.right):
        raise ExpressionError(
            f"type mismatch: {_type_name(node.left)} compared with {_type_name(node.right)} is never equal")
    if isinstance(node, re_ast.ArithmeticExpression | re_ast.AddExpression | re_ast.SubtractExpression) and (
        node.type not in _ARITHMETIC
    ):
        raise ExpressionError(f"the operator {node.type!r} is not allowed in a rule (only +, - and *)")
    if isinstance(node, re_ast.UnaryExpression) and node.type not in ("not", "uminus"):
        raise ExpressionError(f"the unary operator {node.type!r} is not allowed in a rule")
    if isinstance(node, re_ast.SymbolExpression):
        if node.scope is not None:
            raise ExpressionError(f"builtin ${node.name} is not allowed in a rule (rules never read the clock)")
        if node.name not in symbols:
            symbols.append(node.name)
    for child in _children(node):
        _confine(child, symbols, depth + 1)


def _base_type(node: Any) -> Any:
    result_type = getattr(node, "result_type", DataType.UNDEFINED)
    return result_type.inner_type if DataType.is_type(result_type, DataType.NULLABLE) else result_type


def _type_name(node: Any) -> str:
    return str(getattr(_base_type(node), "name", "UNDEFINED"))


def _comparable(left: Any, right: Any) -> bool:
    """Whether == / != between two operands can be true: same type, or one side null or of unknown type."""
    if isinstance(left, re_ast.NullExpression) or isinstance(right, re_ast.NullExpression):
        return True
    a, b = _base_type(left), _base_type(right)
    if DataType.UNDEFINED in (a, b):
        return True
    return bool(DataType.is_compatible(a, b))


_MIDNIGHTS: dict[date, datetime] = {}  # each date's UTC midnight, made once (bounded: dates repeat in a batch)


def _rule_value(value: Any) -> Any:
    """A field value as rule-engine compares it: dates become UTC midnights."""
    if isinstance(value, date) and not isinstance(value, datetime):
        midnight = _MIDNIGHTS.get(value)
        if midnight is None:
            midnight = remember(_MIDNIGHTS, value, datetime(value.year, value.month, value.day, tzinfo=UTC),
                                MIDNIGHTS_LIMIT)
        return midnight
    return value


Evaluator = Callable[[Mapping[str, Any]], Any]


def _to_python(node: Any) -> Evaluator:
    """Compile a node of the confined language to a Python closure with rule-engine's semantics.

    Values reach the closure as rule-engine receives them (`_rule_value`): the comparisons, `in`, `??`,
    the ternary and + - * of Python on those values are what rule-engine computes for this subset.
    """
    if isinstance(node, re_ast.Statement):
        return _to_python(node.expression)
    if isinstance(node, re_ast.SymbolExpression):
        name = node.name
        return lambda v: v[name]
    if isinstance(node, re_ast.ArrayExpression):
        items = [_to_python(item) for item in node.value]
        return lambda v: tuple(item(v) for item in items)
    if isinstance(node, re_ast.LiteralExpressionBase):
        constant = node.value
        return lambda v: constant
    if isinstance(node, re_ast.LogicExpression):
        left, right = _to_python(node.left), _to_python(node.right)
        if node.type == "and":
            return lambda v: bool(left(v)) and bool(right(v))
        return lambda v: bool(left(v)) or bool(right(v))
    if isinstance(node, re_ast.UnaryExpression):
        right = _to_python(node.right)
        return (lambda v: not right(v)) if node.type == "not" else (lambda v: -right(v))
    if isinstance(node, re_ast.ComparisonExpression | re_ast.ArithmeticComparisonExpression):
        compare, left, right = _COMPARISONS[node.type], _to_python(node.left), _to_python(node.right)
        return lambda v: compare(left(v), right(v))
    if isinstance(node, re_ast.ContainsExpression):
        container, member = _to_python(node.container), _to_python(node.member)
        return lambda v: member(v) in container(v)
    if isinstance(node, re_ast.CoalesceExpression):
        left, right = _to_python(node.left), _to_python(node.right)
        return lambda v: (lambda x: right(v) if x is None else x)(left(v))
    if isinstance(node, re_ast.TernaryExpression):
        condition, when_true, when_false = (
            _to_python(node.condition), _to_python(node.case_true), _to_python(node.case_false))
        return lambda v: when_true(v) if condition(v) else when_false(v)
    if isinstance(node, re_ast.ArithmeticExpression | re_ast.AddExpression | re_ast.SubtractExpression):
        apply, left, right = _ARITHMETIC[node.type], _to_python(node.left), _to_python(node.right)
        return lambda v: apply(left(v), right(v))
    raise ExpressionError(f"{type(node).__name__} is not allowed in a rule")  # pragma: no cover - confined


@dataclass(frozen=True, eq=False)
class Predicate:
    """A compiled predicate: its text, the fields it reads (in order), the rule-engine rule, and the same
    rule compiled to a Python closure for the fast path (tests prove the two agree)."""

    text: str
    symbols: tuple[str, ...]
    rule: Any
    compiled: Evaluator

    def __call__(self, values: Mapping[str, Any]) -> bool:
        """Evaluate with rule-engine on the values of the fields it reads (field → Python value)."""
        return bool(self.rule.evaluate({name: _rule_value(values[name]) for name in self.symbols}))

    def fast(self, values: Mapping[str, Any]) -> bool:
        """Evaluate with the compiled closure: the same result as `__call__`."""
        return bool(self.compiled({name: _rule_value(values[name]) for name in self.symbols}))

    def on(self, declaration: Declaration) -> bool:
        return self({name: getattr(declaration, name) for name in self.symbols})


def compile_predicate(text: str) -> Predicate:
    """Compile a predicate once; raise `ExpressionError` saying what is wrong and how to fix it."""
    if not isinstance(text, str) or not text.strip():
        raise ExpressionError("the expression is empty")
    if len(text) > MAX_EXPRESSION:
        raise ExpressionError(f"the expression is longer than {MAX_EXPRESSION} characters")
    try:
        with warnings.catch_warnings():
            # rule-engine decodes string escapes with a codec that only warns on a bad one ('\\ '): refuse it.
            warnings.simplefilter("error", DeprecationWarning)
            rule = rule_engine.Rule(text, context=_context())
    except ExpressionError:
        raise
    except DeprecationWarning:
        raise ExpressionError("invalid escape sequence in a string") from None
    except RecursionError:
        raise ExpressionError(f"the expression is nested more than {MAX_DEPTH} levels deep") from None
    except rule_engine.errors.SymbolResolutionError as exc:
        if exc.symbol_scope is not None:
            raise ExpressionError(f"builtin ${exc.symbol_name} is not allowed in a rule") from None
        raise ExpressionError(f"unknown field {exc.symbol_name!r}", suggestion=exc.suggestion) from None
    except rule_engine.errors.RuleSyntaxError as exc:
        token = getattr(exc, "token", None)
        raise ExpressionError(f"syntax error at {shown(token.value)}" if token is not None
                              else "syntax error at the end") from None
    except rule_engine.errors.EngineError as exc:
        raise ExpressionError(f"{type(exc).__name__}: {clipped(str(exc.message), 200)}") from None
    symbols: list[str] = []
    _confine(rule.statement, symbols)
    result_type = getattr(rule.statement.expression, "result_type", DataType.UNDEFINED)
    if result_type not in (DataType.BOOLEAN, DataType.UNDEFINED):
        raise ExpressionError(f"a predicate must give true or false, this one gives {result_type.name}")
    if not symbols:
        raise ExpressionError("the expression reads no field of the declaration")
    return Predicate(text=text, symbols=tuple(symbols), rule=rule, compiled=_to_python(rule.statement))
