"""The exception hierarchy of aid_engine.

Every error the library raises on purpose derives from `AidEngineError` and carries a stable `.code`, so
that the command line maps errors to exit codes in one place and integrators can branch on the code.
Messages say what went wrong, where, and how to fix it.  This module must never import anything of the
package: every other module imports it.
"""

from __future__ import annotations

from dataclasses import dataclass


class AidEngineError(Exception):
    """Base of every error aid_engine raises on purpose."""

    code = "aid_engine_error"


@dataclass(frozen=True, slots=True)
class FieldProblem:
    """One bad field of a declaration: which field, what it held, what is wrong.

    `message` never repeats `value`: a message may reach a log, and a declaration's values are personal
    data; `value` is there for the program that handles the error.
    """

    field: str
    value: object
    message: str

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
    text = str(name)
    return text if len(text) <= limit else text[: limit - 1] + "…"


class DeclarationError(AidEngineError, ValueError):
    """A declaration that cannot be decided: a field missing, ill-typed, out of range or inconsistent.

    `.problems` lists every bad field; `.field` and `.value` are the first one's; `.line` is the line of the
    input file (CSV row or JSON Lines line) when there is one.
    """

    code = "bad_declaration"

    def __init__(
        self,
        problems: list[FieldProblem] | tuple[FieldProblem, ...],
        *,
        line: int | None = None,
        learner_id: str | None = None,
        source: str | None = None,
    ) -> None:
        self.problems = tuple(problems)
        self.line = line
        self.learner_id = learner_id
        self.source = source
        first = self.problems[0] if self.problems else FieldProblem("?", None, "invalid declaration")
        self.field = first.field
        self.value = first.value
        super().__init__(self.describe())

    @classmethod
    def single(cls, field: str, value: object, message: str, **where: object) -> DeclarationError:
        """An error about one field."""
        return cls([FieldProblem(field, value, message)], **where)  # type: ignore[arg-type]

    @property
    def reason(self) -> str:
        """Every problem, joined: the `reason` column of a rejected-rows file."""
        return "; ".join(str(p) for p in self.problems)

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
