"""The declaration: exactly the fields of the input contract (docs/contracts.md), validated strictly.

No unknown field, no missing required field, no value out of range, no silent default; the few cross-field
checks docs/contracts.md names (end ≥ start, children in higher education ≤ children, residence years for a foreign
learner without protection).  Errors name each bad field and never repeat the values it holds.  This module
must never do I/O, read the clock or log a value.
"""

from __future__ import annotations

from collections.abc import Mapping
from difflib import get_close_matches
from typing import Any

from pydantic import BaseModel, ConfigDict, StrictBool, ValidationError, model_validator
from pydantic_core import PydanticCustomError

from ..errors import MAX_PROBLEMS, DeclarationError, FieldProblem, field_name, kind_of
from .fields import (
    OPTIONAL_FIELDS,
    Count,
    Euros,
    IsoDate,
    Kilometres,
    Nationality,
    Profile,
    Sex,
    Text,
    Year,
    learner_id_of,
)
from .inputs import csv_row_to_json, read_json_object


class Declaration(BaseModel):
    """A learner's resource declaration, exactly the input contract of docs/contracts.md.

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
    income_year: Year
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
            raise PydanticCustomError("cross_field", "training_end_date: is before training_start_date",
                                      {"field": "training_end_date", "code": "end_before_start"})
        if self.children_in_higher_education > self.dependent_children:
            raise PydanticCustomError("cross_field", "children_in_higher_education: is more than dependent_children",
                                      {"field": "children_in_higher_education",
                                       "code": "more_than_dependent_children"})
        if self.nationality != "french" and not self.international_protection and self.residence_years is None:
            raise PydanticCustomError(
                "cross_field",
                "residence_years: is required when nationality is not french and there is no protection",
                {"field": "residence_years", "code": "residence_years_required"},
            )
        return self

    # -- named constructors -------------------------------------------------------------------------------

    @classmethod
    def parse(cls, data: Mapping[str, Any], *, line: int | None = None, source: str | None = None,
              with_values: bool = False) -> Declaration:
        """Validate a JSON-shaped mapping; raise `DeclarationError` naming every bad field.

        The problems hold no value unless `with_values` is asked: then each holds what its field held.
        """
        if isinstance(data, Mapping) and not _FIELD_SET.issuperset(data):
            # unknown keys, found here in one pass: pydantic would build one error per unknown key
            learner = learner_id_of(data)
            unknown = [k for k in data if k not in _FIELD_SET]
            extra = unknown_field_problems([str(k) for k in unknown[:MAX_PROBLEMS]], DECLARATION_FIELDS)
            more = len(unknown) - len(extra)
            try:
                cls.model_validate({k: v for k, v in data.items() if k in _FIELD_SET})
            except ValidationError as exc:
                raise declaration_error(exc, line=line, source=source, learner_id=learner,
                                        with_values=with_values, extra=extra, more=more) from None
            raise DeclarationError(extra, line=line, source=source, learner_id=learner, more=more)
        try:  # what model_validate calls, without its wrapper: this is every decision's first cost
            declaration: Declaration = cls.__pydantic_validator__.validate_python(data)
            return declaration
        except ValidationError as exc:
            raise declaration_error(
                exc, line=line, source=source, learner_id=learner_id_of(data), with_values=with_values
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
        data, problems = csv_row_to_json(row, DECLARATION_FIELDS)
        learner = learner_id_of(row)
        try:
            declaration = cls.model_validate(data)
        except ValidationError as exc:
            unreadable = {p.field for p in problems}  # reported once, not again as "missing"
            problems.extend(p for p in problems_from(exc.errors(include_url=False))
                            if not (p.field in unreadable and p.code == "missing"))
        if problems:
            problems.sort(key=lambda p: _FIELD_ORDER.get(p.field, len(_FIELD_ORDER)))
            raise DeclarationError(problems, line=line, learner_id=learner)
        return declaration

    def with_changes(self, **changes: Any) -> Declaration:
        """A re-validated "what if" copy (model_copy would skip validation and accept a negative income)."""
        return type(self).parse({**self.model_dump(), **changes})


_FIELD_ORDER = {name: i for i, name in enumerate(Declaration.model_fields)}
DECLARATION_FIELDS: tuple[str, ...] = tuple(Declaration.model_fields)
_FIELD_SET = frozenset(DECLARATION_FIELDS)
REQUIRED_FIELDS: tuple[str, ...] = tuple(f for f in DECLARATION_FIELDS if f not in OPTIONAL_FIELDS)

# pydantic's error type → the problem code (errors.PROBLEM_MESSAGES holds the messages).
_CODES = {
    "missing": "missing",
    "extra_forbidden": "unknown_field",
    "bool_type": "not_a_boolean",
    "int_type": "not_a_whole_number",
    "int_parsing": "not_a_whole_number",
    "string_type": "not_a_string",
    "literal_error": "not_one_of",
    "greater_than_equal": "below_minimum",
    "less_than_equal": "above_maximum",
    "string_too_short": "empty",
    "string_too_long": "too_long",
    "string_pattern_mismatch": "blank",
}
_SUGGESTED = 5  # unknown fields that get a did-you-mean: difflib costs ≈ 0.1 ms a name, a bomb has 200 000


def declaration_error(
    exc: ValidationError, *, line: int | None = None, source: str | None = None, learner_id: str | None = None,
    with_values: bool = False, extra: list[FieldProblem] | None = None, more: int = 0,
) -> DeclarationError:
    """Translate pydantic's errors into one `DeclarationError` naming each field and the fix (values only
    `with_values`)."""
    problems = [*(extra or []), *problems_from(exc.errors(include_url=False), with_values=with_values)]
    problems.sort(key=lambda p: _FIELD_ORDER.get(p.field, len(_FIELD_ORDER)))
    return DeclarationError(problems, line=line, source=source, learner_id=learner_id, more=more)


def unknown_field_problems(names: list[str], known: tuple[str, ...]) -> list[FieldProblem]:
    """A problem per unknown field name (at most MAX_PROBLEMS are built), the first few with a close name."""
    problems = []
    for i, name in enumerate(names[:MAX_PROBLEMS]):
        close = get_close_matches(name, known, n=1) if i < _SUGGESTED and len(name) <= 60 else []
        problems.append(FieldProblem.of(field_name(name), "unknown_field", suggestion=close[0] if close else None))
    return problems


def problems_from(errors: list[Any], default_field: str | None = None, *,
                  with_values: bool = False) -> list[FieldProblem]:
    """One `FieldProblem` per pydantic error; `default_field` names errors that carry no location."""
    problems: list[FieldProblem] = []
    for err in errors:
        ctx = err.get("ctx") or {}
        loc = err["loc"]
        field = field_name(loc[0]) if loc else str(ctx.get("field", default_field or "declaration"))
        value = err.get("input")
        kind = err["type"]
        code = ctx.get("code") or _CODES.get(kind, "invalid")
        params: dict[str, object] = {}
        if kind == "extra_forbidden":
            problems.extend(unknown_field_problems([field], DECLARATION_FIELDS))
            continue
        if kind == "literal_error":
            params["expected"] = ctx.get("expected", "")
        elif kind == "greater_than_equal":
            params["minimum"] = ctx.get("ge")
        elif kind == "less_than_equal":
            params["maximum"] = ctx.get("le")
        elif kind == "string_too_long":
            params["maximum"] = ctx.get("max_length")
        for name in ("maximum", "places"):
            if name in ctx:
                params[name] = ctx[name]
        if kind.endswith("_type") or kind in ("literal_error", "iso_date", "decimal"):
            params["got"] = kind_of(value)
        problem = FieldProblem.of(field, code, **params)
        if code == "invalid" and kind not in _CODES:
            problem = FieldProblem(field, code, str(err["msg"]).split(": ", 1)[-1])  # pydantic's own words
        problems.append(problem.with_value(value) if with_values and kind != "missing" else problem)
    return problems
