"""Reading declarations from foreign formats: a JSON document, a CSV row.

JSON numbers are read as Decimal (never float); NaN, Infinity, duplicate keys and exponent numbers are
refused.  A CSV row's text becomes JSON-shaped values: `true`/`false`/`1`/`0`, digit-string counts, `,` or `.`
decimals; an empty cell is an absent value.  This module must never do I/O: it reads text it is given.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from decimal import Decimal
from difflib import get_close_matches
from typing import Any

from ..errors import FieldProblem, InputFileError, field_name, kind_of
from ..money import NotAnAmount, parse_decimal
from .fields import BOOL_FIELDS, DECIMAL_FIELDS, INT_FIELDS


def _json_decimal(literal: str) -> Decimal | str:
    """A JSON number with a fraction as Decimal; in exponent form it stays text, which no field accepts."""
    return literal if "e" in literal or "E" in literal else Decimal(literal)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number")


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"duplicate key {key!r}")
        result[key] = value
    return result


def read_json_object(text: str | bytes, *, source: str = "<input>", line: int | None = None) -> dict[str, Any]:
    """Parse one JSON object: numbers as Decimal (never float), NaN/Infinity and duplicate keys refused."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise InputFileError(source, f"is not UTF-8 (byte {exc.start})", line=line) from None
    try:
        data = json.loads(
            text, parse_float=_json_decimal, parse_constant=_reject_constant, object_pairs_hook=_no_duplicate_keys
        )
    except json.JSONDecodeError as exc:
        raise InputFileError(
            source, f"is not valid JSON: {exc.msg}", line=line or exc.lineno, column=exc.colno
        ) from None
    except (ValueError, RecursionError) as exc:
        raise InputFileError(source, f"is not valid JSON: {exc}", line=line) from None
    if not isinstance(data, dict):
        raise InputFileError(source, f"holds a JSON {type(data).__name__}, not one object", line=line or 1)
    return data


_TRUE = {"true": True, "1": True, "false": False, "0": False}


def csv_row_to_json(
    row: Mapping[str, str | None] | Mapping[str | None, str | None], known: Collection[str]
) -> tuple[dict[str, Any], list[FieldProblem]]:
    """Turn a CSV row's strings into JSON-shaped values; cells that cannot be read and columns not in
    `known` (the declaration's fields) become problems."""
    data: dict[str, Any] = {}
    problems: list[FieldProblem] = []
    unknown = 0
    for key, cell in row.items():
        if key is None:
            problems.append(FieldProblem.of("row", "too_many_cells"))
            continue
        name = key.strip()
        if name not in known:
            unknown += 1
            close = get_close_matches(name, list(known), n=1) if unknown <= 5 and len(name) <= 60 else []
            problems.append(FieldProblem.of(field_name(name), "unknown_field", suggestion=close[0] if close else None))
            continue
        if cell is None or cell.strip() == "":
            continue  # absent: optional fields stay absent, required ones are reported as missing
        text = cell.strip()
        if name in BOOL_FIELDS:
            if text.lower() not in _TRUE:
                problems.append(FieldProblem.of(name, "not_a_boolean_cell", got=kind_of(cell)))
                continue
            data[name] = _TRUE[text.lower()]
        elif name in INT_FIELDS:
            if not text.isascii() or not text.isdigit():
                problems.append(FieldProblem.of(name, "not_a_whole_number", got=kind_of(cell)))
                continue
            data[name] = int(text)
        elif name in DECIMAL_FIELDS:
            try:
                data[name] = parse_decimal(text, allow_comma=True)
            except NotAnAmount as exc:
                problems.append(FieldProblem.of(name, exc.code, got=kind_of(cell)))
        else:
            data[name] = cell if name in ("learner_id", "fabrique_id") else text
    return data, problems


# -- the decision ---------------------------------------------------------------------------------------
