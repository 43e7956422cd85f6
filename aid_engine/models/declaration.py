"""The declaration: exactly the fields of DESIGN.md's input contract, validated strictly.

No unknown field, no missing required field, no value out of range, no silent default; the few cross-field
checks DESIGN.md names (end ≥ start, children in higher education ≤ children, residence years for a foreign
learner without protection).  Errors name each bad field and never repeat the values it holds.  This module
must never do I/O, read the clock or log a value.
"""

from __future__ import annotations

from collections.abc import Mapping
from difflib import get_close_matches
from typing import Any

from pydantic import BaseModel, ConfigDict, StrictBool, ValidationError, model_validator
from pydantic_core import PydanticCustomError

from ..errors import DeclarationError, FieldProblem, field_name, kind_of
from .fields import OPTIONAL_FIELDS, Count, Euros, IsoDate, Kilometres, Nationality, Profile, Sex, Text, Year
from .inputs import csv_row_to_json, read_json_object


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
        data, problems = csv_row_to_json(row, DECLARATION_FIELDS)
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

