"""The exception hierarchy of aid_engine.

Every error the library raises on purpose derives from `AidEngineError` and carries a stable `.code`, so
that the command line maps errors to exit codes in one place and integrators can branch on the code.
Messages say what went wrong, where, and how to fix it.  This module must never import anything of the
package: every other module imports it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from dataclasses import field as dc_field
from typing import Any


class AidEngineError(Exception):
    """Base of every error aid_engine raises on purpose."""

    code = "aid_engine_error"


# The English message of each problem code.  The code is the stable key (integrators branch on it, the
# translations are keyed by it); a message names what is wrong with the field, never what the field holds.
# `{name}` parameters are filled from the problem's `params`, which never hold a declaration's value either.
PROBLEM_MESSAGES: dict[str, str] = {
    "missing": "is required and missing",
    "unknown_field": "is not a field of the declaration",
    "not_a_boolean": "must be true or false",
    "not_a_boolean_cell": "must be true/false or 1/0",
    "not_a_whole_number": "must be a whole number",
    "not_a_string": "must be a string",
    "not_one_of": "must be one of {expected}",
    "below_minimum": "is out of range (input should be greater than or equal to {minimum})",
    "above_maximum": "is above the maximum {maximum}",
    "empty": "must not be empty",
    "too_long": "is too long ({maximum} characters at most)",
    "blank": "must not be blank",
    "control_character": "holds a control or bidirectional character (only printable characters are allowed)",
    "not_a_date": "is not a date like 2024-09-01",
    "no_such_day": "is not a calendar date (no such day)",
    "date_and_time": "is a date and time; give a date like 2024-09-01",
    "boolean_amount": "is a boolean, not an amount",
    "not_finite": "is not a finite number",
    "not_a_number": "is not a decimal number",
    "not_plain_decimal": "is not a plain decimal number (digits, an optional '.', no exponent)",
    "negative": "is negative; it must be 0 or more",
    "too_many_decimals": "has more than {places} decimals",
    "end_before_start": "is before training_start_date",
    "more_than_dependent_children": "is more than dependent_children",
    "residence_years_required": "is required when nationality is not french and there is no protection",
    "too_many_cells": "has more cells than the header has columns",
    "too_large": "is too large ({limit} bytes at most for one declaration)",
    "invalid": "is not valid",
}
# Parameters that add a sentence to any message: what the bad value is (`kind_of`), a close field name.
_SUFFIXES = {"got": " (got {got})", "suggestion": " (did you mean '{suggestion}'?)"}

MAX_PROBLEMS = 20  # per declaration: a row of 200 000 bad cells reports 20, then how many more
MAX_MESSAGE = 200  # characters of one problem's message


def problem_message(code: str, params: Mapping[str, str] | None = None) -> str:
    """The English message of a problem `code` with its `params`, at most `MAX_MESSAGE` characters.

    >>> problem_message("too_many_decimals", {"places": "2"})
    'has more than 2 decimals'
    >>> problem_message("unknown_field", {"suggestion": "distance_km"})
    "is not a field of the declaration (did you mean 'distance_km'?)"
    """
    params = params or {}
    text = PROBLEM_MESSAGES.get(code, PROBLEM_MESSAGES["invalid"])
    text += "".join(suffix for name, suffix in _SUFFIXES.items() if name in params)
    return clipped(text.format_map(_Params(params)), MAX_MESSAGE)


class _Params(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "?"


def clipped(text: str, limit: int) -> str:
    """`text` cut to `limit` characters, an ellipsis marking the cut.

    >>> clipped("abcdef", 4)
    'abc…'
    """
    return text if len(text) <= limit else text[: limit - 1] + "…"


_NO_VALUE: Any = object()


@dataclass(frozen=True, slots=True)
class FieldProblem:
    """One bad field of a declaration: which field, a stable `code` and a message.

    A problem never holds the declaration nor, by default, the field's value: a problem may be logged, and a
    declaration's values are personal data.  `value` is filled only when the caller asks for it
    (`Declaration.parse(data, with_values=True)`); otherwise it is None.  `params` are the message's
    parameters (a maximum, the kind of value given, a close field name), never a value.
    """

    field: str
    code: str
    message: str = ""
    params: Mapping[str, str] = dc_field(default_factory=dict)
    value: object = dc_field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "field", field_name(self.field))
        object.__setattr__(self, "message", clipped(self.message or problem_message(self.code, self.params),
                                                    MAX_MESSAGE))

    @classmethod
    def of(cls, field: object, code: str, **params: object) -> FieldProblem:
        """A problem with its English message made from `code` and `params`."""
        return cls(field_name(field), code, params={k: str(v) for k, v in params.items() if v is not None})

    def with_value(self, value: object) -> FieldProblem:
        """The same problem holding `value`: only for a caller that asked for values."""
        return replace(self, value=value)

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


def kind_of(value: object) -> str:
    """What a bad value is, without saying what it holds: messages never repeat a declaration's data.

    >>> kind_of("17/05/1990"), kind_of(-5), kind_of(None), kind_of(True)
    ('text of 10 characters', 'a number', 'null', 'true/false')
    """
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, str):
        return f"text of {len(value)} character{'s' if len(value) > 1 else ''}" if value else "empty text"
    if isinstance(value, int | float) or type(value).__name__ == "Decimal":
        return "a number"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return f"a {type(value).__name__}"


def field_name(name: object, limit: int = 60) -> str:
    """A field name as given (an unknown column may be anything), cut to `limit` characters."""
    return clipped(str(name), limit)


class DeclarationError(AidEngineError, ValueError):
    """A declaration that cannot be decided: a field missing, ill-typed, out of range or inconsistent.

    `.problems` lists the bad fields (at most `MAX_PROBLEMS`; `.omitted` counts the others, `more` of them
    known only by their number), each with its
    field, code and message; `.field` and `.code` are the first one's; `.line` is the line of the input file
    (CSV row or JSON Lines line) when there is one.  No message repeats a value; `.value` is the first
    problem's value when the caller asked for values, else None.
    """

    code = "bad_declaration"

    def __init__(
        self,
        problems: list[FieldProblem] | tuple[FieldProblem, ...],
        *,
        line: int | None = None,
        learner_id: str | None = None,
        source: str | None = None,
        more: int = 0,
    ) -> None:
        problems = tuple(problems)
        self.problems = problems[:MAX_PROBLEMS]
        self.omitted = len(problems) - len(self.problems) + more
        self.line = line
        self.learner_id = learner_id
        self.source = source
        first = self.problems[0] if self.problems else FieldProblem.of("declaration", "invalid")
        self.field = first.field
        self.problem_code = first.code
        self.value = first.value
        super().__init__(self.describe())

    @classmethod
    def single(cls, field: str, code: str, **where: Any) -> DeclarationError:
        """An error about one field."""
        return cls([FieldProblem.of(field, code)], **where)

    @property
    def reason(self) -> str:
        """Every problem, joined: the `reason` column of a rejected-rows file (bounded: 20 problems)."""
        text = "; ".join(str(p) for p in self.problems)
        if self.omitted:
            text += f"; and {self.omitted} more problem{'s' if self.omitted > 1 else ''}"
        return text

    def describe(self) -> str:
        where = []
        if self.source:
            where.append(self.source)
        if self.line is not None:
            where.append(f"line {self.line}")
        prefix = (", ".join(where) + ": ") if where else ""
        return f"{prefix}invalid declaration: {self.reason}"


class InputFileError(AidEngineError, ValueError):
    """A file that is not what it should be (not UTF-8, not JSON, not one object, no header...)."""

    code = "bad_input_file"

    def __init__(self, source: str, message: str, *, line: int | None = None, column: int | None = None):
        self.source = source
        self.message = message
        self.line = line
        self.column = column
        pos = ""
        if line is not None:
            pos = f", line {line}" + (f", column {column}" if column is not None else "")
        super().__init__(f"{source}{pos}: {message}")


class RulesetError(AidEngineError, ValueError):
    """A rules file that cannot be loaded: it names the file, the line, the rule and, when it can, a fix."""

    code = "bad_ruleset"

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        rule_id: str | None = None,
        suggestion: str | None = None,
    ) -> None:
        self.message = message
        self.file = file
        self.line = line
        self.rule_id = rule_id
        self.suggestion = suggestion
        where = file or "<rules>"
        if line is not None:
            where += f":{line}"
        text = f"{where}: "
        if rule_id:
            text += f"rule {rule_id}: "
        text += message
        if suggestion:
            text += f" (did you mean {suggestion!r}?)"
        super().__init__(text)

    def under(self, directory: str) -> RulesetError:
        """The same error with its file named from `directory`."""
        file = f"{directory.rstrip('/')}/{self.file}" if self.file else directory
        return RulesetError(self.message, file=file, line=self.line, rule_id=self.rule_id, suggestion=self.suggestion)


class NoRulesetInForce(AidEngineError, LookupError):
    """No rule set covers the academic year of the training start date: an error, never 0 €."""

    code = "no_ruleset_in_force"

    def __init__(self, start: object, covered: str) -> None:
        self.field = "training_start_date"
        self.value = start
        super().__init__(
            f"training_start_date: no rule set in force for {start} (academic years covered: {covered})"
        )


class StoreError(AidEngineError):
    """The store cannot do what was asked (unreachable database, read-only file, full disk...)."""

    code = "store_error"


class NotFound(AidEngineError, LookupError):
    """A stored object (decision, run, learner) that does not exist."""

    code = "not_found"


class AuditChainBroken(AidEngineError):
    """The audit hash chain does not verify: `.record_id` names the first record that fails."""

    code = "audit_chain_broken"

    def __init__(self, record_id: object, message: str) -> None:
        self.record_id = record_id
        super().__init__(f"audit record {record_id}: {message}")
