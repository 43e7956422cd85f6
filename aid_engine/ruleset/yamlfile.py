"""Rules files as YAML that remembers where each value stands, for errors that name the file and line.

`read_yaml` gives nested `LineDict`/`LineList` whose `.lines` map each key or item to its line; dates and
floats stay text, so amounts are read as Decimal from their text, never through a float.  `Place` reads a
mapping's fields with their type and raises a `RulesetError` at the right line.  This module must never do
I/O: it parses text it is given.

A rules file that validates must not hurt later (docs/conventions.md « Inputs, outputs and limits »): YAML aliases are
refused (an alias bomb expands to gigabytes from a few lines), an integer has at most `MAX_DIGITS` digits, an
amount is a plain decimal number, nesting is bounded, a message holds bare `{name}` placeholders only (a
format spec such as `{x:>999999999}` would write a gigabyte per decision), and an error never renders more
than a short extract of the value it refuses (`shown`).
"""

from __future__ import annotations

import re
import string
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from difflib import get_close_matches
from typing import Any

import yaml

from ..errors import RulesetError, clipped
from ..text import shown
from .model import Messages


class LineDict(dict[str, Any]):
    """A YAML mapping that remembers the line of each key."""

    line: int = 0
    lines: dict[str, int]


class LineList(list[Any]):
    """A YAML sequence that remembers the line of each item."""

    line: int = 0
    lines: list[int]


MAX_DIGITS = 30  # of an integer in a rules file: every count and amount of the law fits in far fewer
# An amount of a rules file: digits, an optional decimal part; no sign, no exponent, no infinity.
_PLAIN_AMOUNT = re.compile(r"[0-9]{1,15}(\.[0-9]{1,15})?")


class _Loader(yaml.SafeLoader):
    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()  # type: ignore[no-untyped-call]
            raise RulesetError("YAML aliases (*name) are not allowed in rules files: write the value itself",
                               line=event.start_mark.line + 1)
        return super().compose_node(parent, index)


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> LineDict:
    result = LineDict()
    result.line = node.start_mark.line + 1
    result.lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, str | int):
            raise RulesetError("keys must be names", line=key_node.start_mark.line + 1)
        key = str(key)
        if key in result:
            raise RulesetError(f"duplicate key {shown(key)}", line=key_node.start_mark.line + 1)
        result[key] = loader.construct_object(value_node, deep=True)
        result.lines[key] = key_node.start_mark.line + 1
    return result


def _construct_sequence(loader: _Loader, node: yaml.SequenceNode) -> LineList:
    result = LineList(loader.construct_object(child, deep=True) for child in node.value)
    result.line = node.start_mark.line + 1
    result.lines = [child.start_mark.line + 1 for child in node.value]
    return result


def _construct_str(loader: _Loader, node: yaml.ScalarNode) -> str:
    return str(loader.construct_scalar(node))


def _construct_int(loader: _Loader, node: yaml.ScalarNode) -> int:
    text = str(loader.construct_scalar(node))
    if sum(c.isalnum() for c in text) > MAX_DIGITS:
        raise RulesetError(f"a number of more than {MAX_DIGITS} digits is not allowed in rules files",
                           line=node.start_mark.line + 1)
    return int(loader.construct_yaml_int(node))


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)
# Dates and floats stay text: amounts are read as Decimal from their text, never through a float.
_Loader.add_constructor("tag:yaml.org,2002:timestamp", _construct_str)
_Loader.add_constructor("tag:yaml.org,2002:float", _construct_str)
_Loader.add_constructor("tag:yaml.org,2002:int", _construct_int)


def read_yaml(name: str, text: str) -> LineDict:
    try:
        data = yaml.load(text, Loader=_Loader)
    except RulesetError as exc:
        raise RulesetError(exc.message, file=name, line=exc.line) from None
    except RecursionError:
        raise RulesetError("nested too deeply", file=name) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        raise RulesetError(
            f"not valid YAML: {clipped(problem, 200)}", file=name, line=mark.line + 1 if mark else None
        ) from None
    if not isinstance(data, LineDict):
        raise RulesetError("must hold a mapping of keys", file=name, line=1)
    return data


# -- reading fields with their place ------------------------------------------------------------------------


@dataclass(frozen=True)
class Place:
    """A mapping of a rules file, with the file name to report errors against."""

    file: str
    data: LineDict
    rule_id: str | None = None

    def line(self, key: str | None = None) -> int:
        return self.data.lines.get(key, self.data.line) if key else self.data.line

    def fail(self, message: str, key: str | None = None, suggestion: str | None = None) -> RulesetError:
        return RulesetError(message, file=self.file, line=self.line(key), rule_id=self.rule_id, suggestion=suggestion)

    def keys(self, allowed: Sequence[str], required: Sequence[str]) -> None:
        for key in self.data:
            if key not in allowed:
                close = get_close_matches(key, allowed, n=1)
                raise self.fail(f"unknown key {shown(key)}", key, close[0] if close else None)
        for key in required:
            if key not in self.data:
                raise self.fail(f"missing key {key!r}")

    def sub(self, key: str, rule_id: str | None = None) -> Place:
        value = self.data.get(key)
        if not isinstance(value, LineDict):
            raise self.fail(f"{key!r} must be a mapping", key)
        return Place(self.file, value, rule_id or self.rule_id)

    def text(self, key: str) -> str:
        value = self.data.get(key)
        if not isinstance(value, str) or not value.strip():
            raise self.fail(f"{key!r} must be a non-empty text", key)
        return value

    def integer(self, key: str, minimum: int = 0) -> int:
        value = self.data.get(key)
        if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
            raise self.fail(f"{key!r} must be a whole number ≥ {minimum}, not {shown(value)}", key)
        return value

    def amount(self, value: object, key: str) -> Decimal:
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise self.fail(f"{key!r}: {shown(value)} is not an amount", key)
        if isinstance(value, int) and value < 0:
            raise self.fail(f"{key!r}: {shown(value)} must be an amount ≥ 0", key)
        if not _PLAIN_AMOUNT.fullmatch(str(value)):
            raise self.fail(f"{key!r}: {shown(value)} is not an amount (a plain number such as 1234.56: digits, "
                            "an optional decimal point, no sign, no exponent)", key)
        return Decimal(str(value))

    def messages(self, key: str, placeholders: Sequence[str] = ()) -> Messages:
        sub = self.sub(key)
        sub.keys(("fr", "en"), ("fr", "en"))
        texts = {lang: sub.text(lang) for lang in ("fr", "en")}
        for lang, text in texts.items():
            try:
                fields = [(n, spec, conversion) for _, n, spec, conversion in string.Formatter().parse(text)
                          if n is not None]
            except ValueError as exc:
                raise sub.fail(f"message {lang}: {exc}", lang) from None
            for name, spec, conversion in fields:
                if spec or conversion:
                    raise sub.fail(f"message {lang}: {shown('{' + name + '}')} must be a bare placeholder "
                                   "(no format spec after ':', no conversion after '!')", lang)
                if name not in placeholders:
                    allowed = ", ".join("{" + p + "}" for p in placeholders) or "none"
                    raise sub.fail(f"message {lang}: unknown placeholder {{{name}}} (allowed: {allowed})", lang)
        return Messages(fr=texts["fr"], en=texts["en"])


