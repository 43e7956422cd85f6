"""The contracts: a learner's declaration in, a decision out (DESIGN.md « Input contract », « Output contract »).

`Declaration` holds exactly the fields of the input contract, validated strictly: no unknown field, no
missing required field, no value out of range, no silent default.  `Decision` holds exactly the output
contract.  Both are frozen value objects.  This module must never do I/O, read the clock or log a value.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from difflib import get_close_matches
from typing import Annotated, Any, Literal, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    PlainValidator,
    StrictBool,
    StrictInt,
    ValidationError,
    WithJsonSchema,
    model_validator,
)
from pydantic_core import PydanticCustomError

from .errors import DeclarationError, FieldProblem, InputFileError, field_name, kind_of
from .money import as_str, parse_decimal

Profile = Literal["unqualified", "graduate_jobseeker", "graduate_reconversion", "other"]
Nationality = Literal["french", "eu_eea_swiss", "other"]
Sex = Literal["F", "M", "X"]
Status = Literal["granted", "refused", "review"]
Echelon = Literal["0bis", "1", "2", "3", "4", "5", "6", "7"]
ECHELONS: tuple[Echelon, ...] = ("0bis", "1", "2", "3", "4", "5", "6", "7")

RBG_MAX = Decimal("999999999.99")
DISTANCE_MAX = Decimal("40000")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


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
                raise PydanticCustomError("iso_date", "is not a calendar date (no such day)") from None
            if len(_PARSED_DATES) >= 50_000:
                _PARSED_DATES.clear()
            _PARSED_DATES[value] = parsed
            return parsed
        raise PydanticCustomError("iso_date", "is not a date like 2024-09-01")
    if isinstance(value, datetime):
        raise PydanticCustomError("iso_date", "is a date and time; give a date like 2024-09-01")
    if isinstance(value, date):
        return value
    raise PydanticCustomError("iso_date", "is not a date like 2024-09-01")


def _bounded_decimal(name: str, places: int, maximum: Decimal) -> PlainValidator:
    step = Decimal(1).scaleb(-places)
    parsed: dict[str, Decimal] = {}  # texts that passed, parsed once (bounded)

    def check(value: object) -> Decimal:
        if type(value) is str:
            known = parsed.get(value)
            if known is not None:
                return known
            number = checked(value)
            if len(parsed) >= 50_000:
                parsed.clear()
            parsed[value] = number
            return number
        return checked(value)

    def checked(value: object) -> Decimal:
        try:
            number = parse_decimal(value)
        except ValueError as exc:
            raise PydanticCustomError("decimal", str(exc)) from None
        if number.is_signed():  # -0 too: a minus sign in an amount is a mistake to report
            raise PydanticCustomError("range", "is negative; it must be 0 or more")
        if number > maximum:
            raise PydanticCustomError("range", f"is above the maximum {maximum}")
        rounded = number.quantize(step)
        if rounded != number:
            raise PydanticCustomError("decimal_places", f"has more than {places} decimals")
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
Text = Annotated[str, Field(min_length=1, max_length=200, pattern=r"\S")]

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


class Declaration(BaseModel):
    """A learner's resource declaration, exactly DESIGN.md's input contract.

    Build it with `Declaration.model_validate(dict)` (JSON-shaped values), `Declaration.parse(dict)` (same,
    raising `DeclarationError`), `Declaration.from_json(bytes)` or `Declaration.from_csv_row(row, line=n)`.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=False)

    learner_id: Text
    application_date: IsoDate
    training_start_date: IsoDate
    training_end_date: IsoDate
    training_labelled: StrictBool
    fabrique_id: Text
    profile: Profile
    nationality: Nationality
    residence_years: Count | None = None
    international_protection: StrictBool
    own_tax_return: StrictBool
    revenu_brut_global: Euros
    income_year: Annotated[StrictInt, Field(ge=1990, le=2100)]
    dependent_children: Count
    children_in_higher_education: Count
    distance_km: Kilometres
    jobseeker_aid: StrictBool
    work_study_contract: StrictBool
    training_leave: StrictBool
    employment_or_region_aid: StrictBool
    higher_education_grant: StrictBool
    sex: Sex | None = None
    birth_date: IsoDate | None = None

    @model_validator(mode="after")
    def _cross_field(self) -> Declaration:
        if self.training_end_date < self.training_start_date:
            raise PydanticCustomError(
                "cross_field",
                "training_end_date: is before training_start_date",
                {"field": "training_end_date"},
            )
        if self.children_in_higher_education > self.dependent_children:
            raise PydanticCustomError(
                "cross_field",
                "children_in_higher_education: is more than dependent_children",
                {"field": "children_in_higher_education"},
            )
        if self.nationality != "french" and not self.international_protection and self.residence_years is None:
            raise PydanticCustomError(
                "cross_field",
                "residence_years: is required when nationality is not french and there is no protection",
                {"field": "residence_years"},
            )
        return self

    # -- named constructors -------------------------------------------------------------------------------

    @classmethod
    def parse(cls, data: Mapping[str, Any], *, line: int | None = None, source: str | None = None) -> Declaration:
        """Validate a JSON-shaped mapping; raise `DeclarationError` naming every bad field."""
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            learner = data.get("learner_id") if isinstance(data, Mapping) else None
            raise declaration_error(
                exc, line=line, source=source, learner_id=learner if isinstance(learner, str) else None
            ) from None

    @classmethod
    def from_json(cls, text: str | bytes, *, source: str = "<input>") -> Declaration:
        """Read one declaration from a JSON document holding one object."""
        return cls.parse(read_json_object(text, source=source), source=source)

    @classmethod
    def from_csv_row(cls, row: Mapping[str, str | None], *, line: int | None = None) -> Declaration:
        """Read one CSV row: `true`/`false`/`1`/`0` booleans, digit-string counts, `,` or `.` decimals.

        An empty cell is an absent value: allowed for the optional fields, reported for the others.
        """
        data, problems = csv_row_to_json(row)
        learner = row.get("learner_id") or None
        try:
            declaration = cls.model_validate(data)
        except ValidationError as exc:
            unreadable = {p.field for p in problems}  # reported once, not again as "missing"
            problems.extend(p for p in declaration_error(exc).problems
                            if not (p.field in unreadable and p.message == _MESSAGES["missing"]))
        if problems:
            problems.sort(key=lambda p: _FIELD_ORDER.get(p.field, len(_FIELD_ORDER)))
            raise DeclarationError(problems, line=line, learner_id=learner)
        return declaration

    def with_changes(self, **changes: Any) -> Declaration:
        """A re-validated "what if" copy (model_copy would skip validation and accept a negative income)."""
        return type(self).parse({**self.model_dump(), **changes})


_FIELD_ORDER = {name: i for i, name in enumerate(Declaration.model_fields)}
DECLARATION_FIELDS: tuple[str, ...] = tuple(Declaration.model_fields)
REQUIRED_FIELDS: tuple[str, ...] = tuple(f for f in DECLARATION_FIELDS if f not in OPTIONAL_FIELDS)

_MESSAGES = {
    "missing": "is required and missing",
    "extra_forbidden": "is not a field of the declaration",
    "bool_type": "must be true or false",
    "int_type": "must be a whole number",
    "string_type": "must be a string",
    "literal_error": None,
    "greater_than_equal": None,
    "less_than_equal": None,
    "string_too_short": "must not be empty",
    "string_too_long": "is too long (200 characters at most)",
    "string_pattern_mismatch": "must not be blank",
}


def declaration_error(
    exc: ValidationError, *, line: int | None = None, source: str | None = None, learner_id: str | None = None
) -> DeclarationError:
    """Translate pydantic's errors into one `DeclarationError` naming each field, its value and the fix."""
    return DeclarationError(
        problems_from(exc.errors(include_url=False)), line=line, source=source, learner_id=learner_id
    )


def problems_from(errors: list[Any], default_field: str | None = None) -> list[FieldProblem]:
    """One `FieldProblem` per pydantic error; `default_field` names errors that carry no location."""
    problems: list[FieldProblem] = []
    for err in errors:
        ctx = err.get("ctx") or {}
        loc = err["loc"]
        field = field_name(loc[0]) if loc else str(ctx.get("field", default_field or "declaration"))
        value = err.get("input")
        kind = err["type"]
        if kind == "cross_field":
            problems.append(FieldProblem(field, None, err["msg"].split(": ", 1)[-1]))
            continue
        text = _MESSAGES.get(kind) or err["msg"]
        if kind == "extra_forbidden":
            close = get_close_matches(field, DECLARATION_FIELDS, n=1)
            if close:
                text += f" (did you mean {close[0]!r}?)"
        elif kind == "literal_error":
            text = f"must be one of {ctx.get('expected', '')}"
        elif kind in ("greater_than_equal", "less_than_equal"):
            text = f"is out of range ({err['msg'].lower()})"
        if kind.endswith("_type") or kind in ("literal_error", "iso_date", "decimal"):
            text = f"{text} (got {kind_of(value)})"
        problems.append(FieldProblem(field, value, text))
    return problems


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


def csv_row_to_json(row: Mapping[str, str | None]) -> tuple[dict[str, Any], list[FieldProblem]]:
    """Turn a CSV row's strings into JSON-shaped values; cells that cannot be read become problems."""
    data: dict[str, Any] = {}
    problems: list[FieldProblem] = []
    for key, cell in row.items():
        if key is None:
            problems.append(FieldProblem("row", cell, "has more cells than the header has columns"))
            continue
        name = key.strip()
        if name not in _FIELD_ORDER:
            close = get_close_matches(name, DECLARATION_FIELDS, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            problems.append(FieldProblem(field_name(name), cell, f"is not a field of the declaration{hint}"))
            continue
        if cell is None or cell.strip() == "":
            continue  # absent: optional fields stay absent, required ones are reported as missing
        text = cell.strip()
        if name in BOOL_FIELDS:
            if text.lower() not in _TRUE:
                problems.append(FieldProblem(name, cell, f"must be true/false or 1/0 (got {kind_of(cell)})"))
                continue
            data[name] = _TRUE[text.lower()]
        elif name in INT_FIELDS:
            if not text.isascii() or not text.isdigit():
                problems.append(FieldProblem(name, cell, f"must be a whole number (got {kind_of(cell)})"))
                continue
            data[name] = int(text)
        elif name in DECIMAL_FIELDS:
            try:
                data[name] = parse_decimal(text, allow_comma=True)
            except ValueError as exc:
                problems.append(FieldProblem(name, cell, f"{exc} (got {kind_of(cell)})"))
        else:
            data[name] = cell if name in ("learner_id", "fabrique_id") else text
    return data, problems


# -- the decision ---------------------------------------------------------------------------------------

_M = TypeVar("_M", bound=BaseModel)
_FIELDS_SETS: dict[type[BaseModel], set[str]] = {}


def assemble(cls: type[_M], values: dict[str, Any]) -> _M:
    """An instance of a frozen contract model from values the engine built and knows valid.

    The engine's hot path: what `model_construct` does, without its per-call bookkeeping.  `values` must
    hold every field; the instance takes the dict as is.  Tests validate what this builds against the
    JSON Schema and against the plain path, which validates every model.
    """
    fields_set = _FIELDS_SETS.get(cls)
    if fields_set is None:
        fields_set = _FIELDS_SETS[cls] = set(cls.model_fields)
    instance = cls.__new__(cls)
    object.__setattr__(instance, "__dict__", values)
    object.__setattr__(instance, "__pydantic_fields_set__", fields_set)
    object.__setattr__(instance, "__pydantic_extra__", None)
    object.__setattr__(instance, "__pydantic_private__", None)
    return instance

Amount = Annotated[
    Decimal,
    PlainValidator(lambda v: parse_decimal(v)),
    PlainSerializer(as_str, return_type=str),
    WithJsonSchema({"type": "string", "pattern": r"^\d+\.\d{2}$"}),
]
OptionalAmount = Annotated[
    Decimal | None,
    PlainValidator(lambda v: None if v is None else parse_decimal(v)),
    PlainSerializer(lambda v: None if v is None else as_str(v), return_type=str | None),
    WithJsonSchema({"anyOf": [{"type": "string", "pattern": r"^-?\d+\.\d{2}$"}, {"type": "null"}]}),
]
JsonValue = Any


class Reason(BaseModel):
    """A condition that failed: its stable code, a message for a person, the legal reference."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    code: str
    message: str
    legal_ref: str


class FrozenDict(dict[str, Any]):
    """A dict that refuses change: trace steps are shared between decisions, so what they read is read-only."""

    def _refuse(self, *args: object, **kwargs: object) -> Any:
        raise TypeError("a trace step's inputs cannot be changed")

    __setitem__ = __delitem__ = clear = pop = popitem = setdefault = update = __ior__ = _refuse

    def __reduce__(self) -> tuple[type[FrozenDict], tuple[dict[str, Any]]]:
        return FrozenDict, (dict(self),)


def frozen_inputs(values: Any) -> Any:
    """Inputs made read-only all the way down: mappings become FrozenDict, lists tuples."""
    if isinstance(values, dict):
        return values if type(values) is FrozenDict else FrozenDict({k: frozen_inputs(v) for k, v in values.items()})
    if isinstance(values, list):
        return tuple(frozen_inputs(v) for v in values)
    return values


class TraceStep(BaseModel):
    """One line of the trace: the rule, its expression, the values it read and what it gave."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    rule: str
    expression: str
    inputs: Annotated[dict[str, JsonValue], AfterValidator(frozen_inputs)]
    result: JsonValue


class RulesetRef(BaseModel):
    """Which rule set decided: its id and the sha256 of its files."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")


class Counterfactuals(BaseModel):
    """What would change the outcome, at the same declaration otherwise."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    rbg_ceiling_current: OptionalAmount
    rbg_for_next_echelon: OptionalAmount
    points_for_next_echelon: Annotated[int, Field(ge=1)] | None
    rbg_excess_over_0bis: OptionalAmount


class Decision(BaseModel):
    """A grant decision, exactly DESIGN.md's output contract; `model_dump(mode="json")` is the stable JSON."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    learner_id: str
    status: Status
    echelon: Echelon | None
    points_de_charge: Annotated[int, Field(ge=0)]
    annual_amount: Amount
    monthly_amount: Amount
    months: Annotated[int, Field(ge=0, le=12)]
    total_amount: Amount
    academic_year: str = Field(pattern=r"^\d{4}-\d{4}$")
    reasons: tuple[Reason, ...]
    trace: tuple[TraceStep, ...]
    ruleset: RulesetRef
    engine_version: str
    counterfactuals: Counterfactuals

    @property
    def is_granted(self) -> bool:
        return self.status == "granted"

    @property
    def reason_codes(self) -> tuple[str, ...]:
        return tuple(r.code for r in self.reasons)

    def to_json(self) -> str:
        """The contract's JSON, on one line, keys in contract order."""
        return json.dumps(self.model_dump(mode="json"), ensure_ascii=False, separators=(",", ":"))
