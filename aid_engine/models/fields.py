"""The value types of the input contract: enums, dates, bounded decimals and counts, with their validators.

Dates are ISO `YYYY-MM-DD` text or `date`; amounts are a JSON number, an int, a Decimal or a plain decimal
text, never in exponent form, never negative (docs/contracts.md « Values »).  Texts that parse are remembered in
bounded caches, since a batch repeats the same dates and amounts many times.  This module must never do I/O.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, PlainSerializer, PlainValidator, StrictInt, WithJsonSchema
from pydantic_core import PydanticCustomError

from ..memo import remember
from ..money import NotAnAmount, parse_decimal

Profile = Literal["unqualified", "graduate_jobseeker", "graduate_reconversion", "other"]
Nationality = Literal["french", "eu_eea_swiss", "other"]
Sex = Literal["F", "M", "X"]
Status = Literal["granted", "refused", "review"]
Echelon = Literal["0bis", "1", "2", "3", "4", "5", "6", "7"]
ECHELONS: tuple[Echelon, ...] = ("0bis", "1", "2", "3", "4", "5", "6", "7")

RBG_MAX = Decimal("999999999.99")
DISTANCE_MAX = Decimal("40000")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


PARSE_MEMO_LIMIT = 50_000
_PARSED_DATES: dict[str, date] = {}  # dates repeat a lot in a batch: parse each text once (bounded)


def _iso_date(value: object) -> date:
    if type(value) is str:
        known = _PARSED_DATES.get(value)
        if known is not None:
            return known
        # Only YYYY-MM-DD: date.fromisoformat alone would also take "20240901" or a week date "2024-W01-1".
        if len(value) == 10 and value[4] == "-" and value[7] == "-" and _ISO_DATE.fullmatch(value):
            try:
                parsed = date.fromisoformat(value)
            except ValueError:
                raise PydanticCustomError("iso_date", "is not a calendar date (no such day)",
                                          {"code": "no_such_day"}) from None
            return remember(_PARSED_DATES, value, parsed, PARSE_MEMO_LIMIT)
        raise PydanticCustomError("iso_date", "is not a date like 2024-09-01", {"code": "not_a_date"})
    if isinstance(value, datetime):
        raise PydanticCustomError("iso_date", "is a date and time; give a date like 2024-09-01",
                                  {"code": "date_and_time"})
    if isinstance(value, date):
        return value
    raise PydanticCustomError("iso_date", "is not a date like 2024-09-01", {"code": "not_a_date"})


def _bounded_decimal(name: str, places: int, maximum: Decimal) -> PlainValidator:
    step = Decimal(1).scaleb(-places)
    parsed: dict[str, Decimal] = {}  # texts that passed, parsed once (bounded)

    def check(value: object) -> Decimal:
        if type(value) is str:
            known = parsed.get(value)
            if known is not None:
                return known
            number = checked(value)
            return remember(parsed, value, number, PARSE_MEMO_LIMIT)
        return checked(value)

    def checked(value: object) -> Decimal:
        if type(value) is str and value.isascii() and value.isdigit():
            number = Decimal(value)  # ASCII digits alone: a whole number, no sign to refuse
        else:
            try:
                number = parse_decimal(value)
            except NotAnAmount as exc:
                raise PydanticCustomError("decimal", str(exc), {"code": exc.code}) from None
            if number.is_signed():  # -0 too: a minus sign in an amount is a mistake to report
                raise PydanticCustomError("range", "is negative; it must be 0 or more", {"code": "negative"})
        if number > maximum:
            raise PydanticCustomError("range", "is above the maximum {maximum}",
                                      {"code": "above_maximum", "maximum": str(maximum)})
        rounded = number.quantize(step)
        if rounded != number:
            raise PydanticCustomError("decimal_places", "has more than {places} decimals",
                                      {"code": "too_many_decimals", "places": str(places)})
        return rounded

    return PlainValidator(check, json_schema_input_type=Any)


def _decimal_schema(name: str, places: int, maximum: Decimal) -> WithJsonSchema:
    return WithJsonSchema({
        "anyOf": [
            {"type": "number", "minimum": 0, "maximum": float(maximum)},
            {"type": "string", "pattern": rf"^\d+(\.\d{{1,{places}}})?$"},
        ],
        "description": f"{name}: a decimal ≥ 0 with at most {places} decimals (JSON number or string)",
    })


IsoDate = Annotated[
    date,
    PlainValidator(_iso_date),
    WithJsonSchema({"type": "string", "format": "date"}),
    PlainSerializer(date.isoformat, return_type=str),
]
Euros = Annotated[
    Decimal,
    _bounded_decimal("revenu_brut_global", 2, RBG_MAX),
    _decimal_schema("revenu_brut_global", 2, RBG_MAX),
    PlainSerializer(str, return_type=str),
]
Kilometres = Annotated[
    Decimal,
    _bounded_decimal("distance_km", 3, DISTANCE_MAX),
    _decimal_schema("distance_km", 3, DISTANCE_MAX),
    PlainSerializer(str, return_type=str),
]
Count = Annotated[StrictInt, Field(ge=0, le=99)]
Year = Annotated[StrictInt, Field(ge=1990, le=2100)]
# Unicode Cc (C0, DEL, C1; NUL included) and the bidirectional embeddings, overrides and isolates: a name
# holding one could rewrite a terminal line or reorder what a reader sees (docs/conventions.md).
UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _printable(value: str) -> str:
    if value.isascii() and value.isprintable():  # the common case, at once: ASCII without a control character
        return value
    if UNPRINTABLE.search(value):
        raise PydanticCustomError("control_character", "holds a control or bidirectional character",
                                  {"code": "control_character"})
    return value


def is_printable_text(value: object, limit: int = 200) -> bool:
    """True for a text of 1 to `limit` characters without a control or bidirectional character.

    >>> is_printable_text("GEN-1"), is_printable_text("GEN\x1b[2J"), is_printable_text("x" * 201)
    (True, False, False)
    """
    return isinstance(value, str) and 0 < len(value) <= limit and not UNPRINTABLE.search(value)


def learner_id_of(data: object) -> str | None:
    """The learner_id of a mapping when it is a well-formed one (a bad one is never repeated), else None."""
    learner = data.get("learner_id") if isinstance(data, Mapping) else None
    return learner if isinstance(learner, str) and is_printable_text(learner) and learner.strip() else None


Text = Annotated[str, Field(min_length=1, max_length=200, pattern=r"\S"), AfterValidator(_printable)]

BOOL_FIELDS = (
    "training_labelled",
    "international_protection",
    "own_tax_return",
    "jobseeker_aid",
    "work_study_contract",
    "training_leave",
    "employment_or_region_aid",
    "higher_education_grant",
)
INT_FIELDS = ("residence_years", "income_year", "dependent_children", "children_in_higher_education")
DECIMAL_FIELDS = ("revenu_brut_global", "distance_km")
OPTIONAL_FIELDS = ("residence_years", "sex", "birth_date")
