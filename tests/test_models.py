"""Input validation (docs/contracts.md « Input »): every bad value is answered with an error naming its field.

Dicts are validated in lax mode but strictly: no unknown field, no missing required field, no value out of
range, no silent default.  CSV rows have their own readings (booleans true/false/1/0, digit strings, decimal
commas).  A JSON file that is not UTF-8 or not one object is an `InputFileError` naming the position.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError
from strategies import BASE_DECLARATION, base_declaration

from aid_engine import Declaration, DeclarationError, InputFileError
from aid_engine.models import read_json_object

BOOL_FIELDS = (
    "training_labelled", "international_protection", "own_tax_return", "jobseeker_aid", "work_study_contract",
    "training_leave", "employment_or_region_aid", "higher_education_grant",
)
DATE_FIELDS = ("application_date", "training_start_date", "training_end_date")
COUNT_FIELDS = ("dependent_children", "children_in_higher_education")
REQUIRED = tuple(BASE_DECLARATION)


def rejected(data: dict[str, Any]) -> DeclarationError:
    with pytest.raises(DeclarationError) as info:
        Declaration.parse(data)
    return info.value


def assert_names(error: DeclarationError, field: str) -> None:
    assert error.field == field, str(error)
    assert field in str(error)
    assert any(p.field == field for p in error.problems)


# -- dicts: each field's bad values -----------------------------------------------------------------------------

BAD_VALUES: list[tuple[str, Any]] = [
    ("learner_id", ""), ("learner_id", "   "), ("learner_id", 3), ("learner_id", None), ("learner_id", "x" * 201),
    ("fabrique_id", ""), ("fabrique_id", 42), ("fabrique_id", None),
    ("profile", "student"), ("profile", "Unqualified"), ("profile", None), ("profile", 1),
    ("nationality", "FR"), ("nationality", "French"), ("nationality", None),
    ("residence_years", -1), ("residence_years", 100), ("residence_years", True), ("residence_years", "3"),
    ("residence_years", 2.5),
    ("revenu_brut_global", "-1"), ("revenu_brut_global", "-0.01"), ("revenu_brut_global", -5),
    ("revenu_brut_global", "1.234"), ("revenu_brut_global", "37081.505"), ("revenu_brut_global", 1.005),
    ("revenu_brut_global", "1e400"), ("revenu_brut_global", "1E4"), ("revenu_brut_global", Decimal("1E+400")),
    ("revenu_brut_global", float("nan")), ("revenu_brut_global", Decimal("NaN")), ("revenu_brut_global", "NaN"),
    ("revenu_brut_global", float("inf")), ("revenu_brut_global", "Infinity"), ("revenu_brut_global", "-Infinity"),
    ("revenu_brut_global", Decimal("Infinity")), ("revenu_brut_global", True), ("revenu_brut_global", False),
    ("revenu_brut_global", "37 081"), ("revenu_brut_global", "37081,50"), ("revenu_brut_global", "37.081,50"),
    ("revenu_brut_global", "1000000000"), ("revenu_brut_global", "999999999.999"), ("revenu_brut_global", None),
    ("revenu_brut_global", ""), ("revenu_brut_global", [1]), ("revenu_brut_global", {"value": 1}),
    ("income_year", "2022"), ("income_year", 1989), ("income_year", 2101), ("income_year", True),
    ("income_year", 2022.0), ("income_year", None),
    ("distance_km", "-0.001"), ("distance_km", "40000.001"), ("distance_km", "1.2345"), ("distance_km", "1e3"),
    ("distance_km", True), ("distance_km", None), ("distance_km", "12 km"),
    ("sex", "Q"), ("sex", "f"), ("sex", ""), ("sex", 1),
    ("birth_date", "2003-13-01"), ("birth_date", "14/05/2003"), ("birth_date", datetime(2003, 5, 14, 8, 30)),
    *[(f, bad) for f in COUNT_FIELDS for bad in (-1, 100, True, False, "3", 1.5, None, Decimal(2))],
    *[(f, bad) for f in BOOL_FIELDS for bad in (1, 0, "true", "false", "yes", None, "")],
    *[(f, bad) for f in DATE_FIELDS for bad in ("2023-02-30", "2024-02-30", "01/09/2024", "2024-9-1",
                                                 "2024-09-01T00:00:00", datetime(2024, 9, 16, 0, 0), 20240916,
                                                 "", None, "2024-09-01 ")],
]


@pytest.mark.parametrize(("field", "value"), BAD_VALUES, ids=[f"{f}={v!r}" for f, v in BAD_VALUES])
def test_a_bad_value_is_an_error_naming_its_field(field: str, value: Any) -> None:
    assert_names(rejected(base_declaration(**{field: value})), field)


@pytest.mark.parametrize("field", REQUIRED)
def test_a_missing_required_field_is_named(field: str) -> None:
    error = rejected(base_declaration(**{field: ...}))
    assert_names(error, field)
    assert "missing" in str(error)


def test_an_unknown_field_is_named_with_a_suggestion() -> None:
    error = rejected(base_declaration(distnce_km="3"))
    assert_names(error, "distnce_km")
    assert "did you mean 'distance_km'" in str(error)


def test_an_unknown_field_with_no_close_name_is_named() -> None:
    assert_names(rejected(base_declaration(favourite_colour="blue")), "favourite_colour")


def test_every_bad_field_is_listed_not_only_the_first() -> None:
    error = rejected(base_declaration(revenu_brut_global="-1", income_year="2022", sex="Q"))
    assert {p.field for p in error.problems} == {"revenu_brut_global", "income_year", "sex"}


def test_a_declaration_error_is_a_value_error_with_a_stable_code() -> None:
    error = rejected(base_declaration(revenu_brut_global="-1"))
    assert isinstance(error, ValueError)
    assert error.code == "bad_declaration"
    assert error.problems[0].code == error.problem_code == "negative"
    assert error.value is None  # no value unless the caller asks for it
    with pytest.raises(DeclarationError) as info:
        Declaration.parse(base_declaration(revenu_brut_global="-1"), with_values=True)
    assert info.value.value == "-1"


@pytest.mark.parametrize(("field", "value"), [("revenu_brut_global", "１００"), ("revenu_brut_global", "٣٧٠٨١"),
                                            ("distance_km", "٣٠"), ("distance_km", "３０.５")])
def test_an_amount_in_non_ascii_digits_is_refused_as_the_schema_refuses_it(field: str, value: str) -> None:
    assert_names(rejected(base_declaration(**{field: value})), field)
    assert_names(csv_rejected(csv_row(**{field: value})), field)


def test_a_negative_income_says_it_is_negative() -> None:
    assert "negative" in str(rejected(base_declaration(revenu_brut_global="-1")))


def test_a_negative_zero_is_refused_or_read_as_zero_never_kept_negative() -> None:
    try:
        declaration = Declaration.parse(base_declaration(revenu_brut_global="-0", distance_km="-0.0"))
    except DeclarationError as error:
        assert error.field in ("revenu_brut_global", "distance_km")
        return
    dumped = declaration.model_dump(mode="json")
    assert not dumped["revenu_brut_global"].startswith("-"), dumped["revenu_brut_global"]
    assert not dumped["distance_km"].startswith("-"), dumped["distance_km"]


# -- cross-field checks -----------------------------------------------------------------------------------------


def test_an_end_before_the_start_names_the_end_date() -> None:
    assert_names(rejected(base_declaration(training_end_date="2024-09-15")), "training_end_date")


def test_an_end_on_the_start_day_is_valid() -> None:
    assert Declaration.parse(base_declaration(training_end_date="2024-09-16")).training_end_date == date(2024, 9, 16)


def test_more_children_in_higher_education_than_children_names_the_field() -> None:
    error = rejected(base_declaration(dependent_children=1, children_in_higher_education=2))
    assert_names(error, "children_in_higher_education")


def test_children_in_higher_education_count_among_dependent_children() -> None:
    declaration = Declaration.parse(base_declaration(dependent_children=2, children_in_higher_education=2))
    assert declaration.children_in_higher_education == 2


@pytest.mark.parametrize("nationality", ["eu_eea_swiss", "other"])
def test_residence_years_is_required_for_a_foreign_learner_without_protection(nationality: str) -> None:
    assert_names(rejected(base_declaration(nationality=nationality)), "residence_years")
    assert_names(rejected(base_declaration(nationality=nationality, residence_years=None)), "residence_years")


@pytest.mark.parametrize(("nationality", "protection"), [("french", False), ("other", True), ("eu_eea_swiss", True)])
def test_residence_years_may_be_absent_otherwise(nationality: str, protection: bool) -> None:
    declaration = Declaration.parse(base_declaration(nationality=nationality, international_protection=protection))
    assert declaration.residence_years is None


# -- good values ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "read"),
    [("37081", "37081.00"), ("37081.5", "37081.50"), ("37081.50", "37081.50"), (37081, "37081.00"),
     (Decimal("37081.5"), "37081.50"), (37081.5, "37081.50"), (0, "0.00"), ("999999999.99", "999999999.99"),
     (0.1, "0.10")],
)
def test_an_income_is_a_decimal_from_a_number_an_int_a_decimal_or_a_string(value: Any, read: str) -> None:
    declaration = Declaration.parse(base_declaration(revenu_brut_global=value))
    assert isinstance(declaration.revenu_brut_global, Decimal)
    assert str(declaration.revenu_brut_global) == read


@pytest.mark.parametrize("value", ["0", "29.999", "40000", "40000.000", 12.5, 3500])
def test_a_distance_within_range_is_read(value: Any) -> None:
    assert Declaration.parse(base_declaration(distance_km=value)).distance_km == Decimal(str(value))


def test_dates_are_iso_strings_or_dates() -> None:
    declaration = Declaration.parse(base_declaration(training_start_date=date(2024, 9, 16), birth_date="2003-05-14"))
    assert declaration.training_start_date == date(2024, 9, 16)
    assert declaration.birth_date == date(2003, 5, 14)


@pytest.mark.parametrize("absent", [{}, {"sex": None, "birth_date": None}])
def test_sex_and_birth_date_are_optional(absent: dict[str, Any]) -> None:
    declaration = Declaration.parse(base_declaration(**absent))
    assert declaration.sex is None
    assert declaration.birth_date is None


@pytest.mark.parametrize("sex", ["F", "M", "X"])
def test_sex_takes_f_m_or_x(sex: str) -> None:
    assert Declaration.parse(base_declaration(sex=sex)).sex == sex


def test_nothing_is_defaulted_silently() -> None:
    declaration = Declaration.parse(base_declaration())
    assert declaration.model_dump(exclude_none=True).keys() == BASE_DECLARATION.keys()


def test_a_declaration_is_frozen_and_a_what_if_copy_is_revalidated() -> None:
    declaration = Declaration.parse(base_declaration())
    with pytest.raises(ValidationError):
        declaration.revenu_brut_global = Decimal(-1)  # type: ignore[misc]
    assert declaration.with_changes(revenu_brut_global="200").revenu_brut_global == Decimal("200.00")
    with pytest.raises(DeclarationError) as info:
        declaration.with_changes(revenu_brut_global="-1")
    assert info.value.field == "revenu_brut_global"


def test_the_json_dump_of_a_declaration_reads_back_equal() -> None:
    declaration = Declaration.parse(base_declaration(sex="F", birth_date="2003-05-14", distance_km="12.5"))
    assert Declaration.parse(declaration.model_dump(mode="json")) == declaration


# -- JSON documents ---------------------------------------------------------------------------------------------


def test_json_numbers_are_read_as_decimal_never_float() -> None:
    text = json.dumps(base_declaration(revenu_brut_global="X", distance_km="Y"))
    text = text.replace('"X"', "37081.15").replace('"Y"', "249.999")
    assert isinstance(read_json_object(text)["revenu_brut_global"], Decimal)
    declaration = Declaration.from_json(text.encode())
    assert declaration.revenu_brut_global == Decimal("37081.15")
    assert declaration.distance_km == Decimal("249.999")


def test_a_json_number_too_large_names_the_field() -> None:
    text = json.dumps(base_declaration(revenu_brut_global="X")).replace('"X"', "1e400")
    with pytest.raises(DeclarationError) as info:
        Declaration.from_json(text, source="big.json")
    assert_names(info.value, "revenu_brut_global")
    assert "big.json" in str(info.value)


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_json_nan_and_infinities_are_bad_input(constant: str) -> None:
    text = json.dumps(base_declaration(revenu_brut_global="X")).replace('"X"', constant)
    with pytest.raises((InputFileError, DeclarationError)):
        Declaration.from_json(text, source="nan.json")


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        (b"[1, 2]", ["list.json", "line 1", "not one object"]),
        (b'"text"', ["list.json", "line 1", "not one object"]),
        (b"42", ["list.json", "line 1", "not one object"]),
        (b"null", ["list.json", "line 1", "not one object"]),
        (b'{"learner_id": "x",\n  "a": }', ["list.json", "line 2", "column"]),
        (b"", ["list.json", "line 1"]),
        (b'{"learner_id": "caf\xe9"}', ["list.json", "UTF-8", "byte 19"]),
        (b'\xff\xfe{\x00}\x00', ["list.json", "UTF-8", "byte 0"]),
        (b'{"a": 1, "a": 2}', ["list.json", "duplicate", "'a'"]),
    ],
)
def test_a_json_file_that_is_not_one_utf8_object_names_the_file_and_position(raw: bytes, words: list[str]) -> None:
    with pytest.raises(InputFileError) as info:
        Declaration.from_json(raw, source="list.json")
    for word in words:
        assert word in str(info.value)


def test_a_json_file_with_a_bom_is_read() -> None:
    raw = b"\xef\xbb\xbf" + json.dumps(base_declaration()).encode()
    assert Declaration.from_json(raw).learner_id == BASE_DECLARATION["learner_id"]


def test_a_bad_field_in_a_json_file_names_the_file_and_the_field() -> None:
    with pytest.raises(DeclarationError) as info:
        Declaration.from_json(json.dumps(base_declaration(income_year="2022")), source="decl.json")
    assert_names(info.value, "income_year")
    assert "decl.json" in str(info.value)


# -- CSV rows ---------------------------------------------------------------------------------------------------


def csv_row(**changes: Any) -> dict[str, str]:
    """The base declaration as a CSV row of strings (`...` removes a column)."""
    def cell(value: Any) -> str:
        return {True: "true", False: "false"}.get(value, str(value)) if isinstance(value, bool) else str(value)

    return {k: cell(v) for k, v in base_declaration(**changes).items()}


def csv_rejected(row: dict[str, Any], line: int = 7) -> DeclarationError:
    with pytest.raises(DeclarationError) as info:
        Declaration.from_csv_row(row, line=line)
    assert info.value.line == line
    assert f"line {line}" in str(info.value)
    return info.value


@pytest.mark.parametrize(("cell", "value"), [("true", True), ("TRUE", True), ("True", True), (" true ", True),
                                             ("1", True), ("false", False), ("FALSE", False), ("0", False)])
def test_csv_booleans(cell: str, value: bool) -> None:
    declaration = Declaration.from_csv_row(csv_row(training_labelled=cell, jobseeker_aid=cell), line=2)
    assert declaration.training_labelled is value
    assert declaration.jobseeker_aid is value


@pytest.mark.parametrize("cell", ["yes", "oui", "2", "-1", "vrai", "t"])
def test_a_bad_csv_boolean_names_the_field(cell: str) -> None:
    assert_names(csv_rejected(csv_row(jobseeker_aid=cell)), "jobseeker_aid")


@pytest.mark.parametrize(("cell", "value"), [("37081,50", "37081.50"), ("37081.50", "37081.50"), ("37081", "37081.00"),
                                             (" 37081,5 ", "37081.50")])
def test_csv_decimals_take_a_point_or_a_comma(cell: str, value: str) -> None:
    assert str(Declaration.from_csv_row(csv_row(revenu_brut_global=cell)).revenu_brut_global) == value


def test_csv_distance_takes_a_comma() -> None:
    assert Declaration.from_csv_row(csv_row(distance_km="249,999")).distance_km == Decimal("249.999")


@pytest.mark.parametrize("cell", ["1.234,56", "37 081", "1e4", "-5", "NaN", "12,345,6"])
def test_a_bad_csv_decimal_names_the_field(cell: str) -> None:
    assert_names(csv_rejected(csv_row(revenu_brut_global=cell)), "revenu_brut_global")


def test_csv_counts_are_digit_strings() -> None:
    declaration = Declaration.from_csv_row(csv_row(dependent_children="3", children_in_higher_education="1",
                                                   income_year="2022", nationality="other", residence_years="2"))
    assert (declaration.dependent_children, declaration.children_in_higher_education) == (3, 1)
    assert declaration.residence_years == 2
    assert declaration.income_year == 2022


@pytest.mark.parametrize("cell", ["3.0", "-1", "+3", "three", "3,0", "１"])
def test_a_bad_csv_count_names_the_field(cell: str) -> None:
    assert_names(csv_rejected(csv_row(dependent_children=cell)), "dependent_children")


def test_a_bad_csv_cell_is_reported_as_bad_not_as_missing() -> None:
    error = csv_rejected(csv_row(dependent_children="three"))
    assert [p.field for p in error.problems] == ["dependent_children"]
    assert "missing" not in str(error)


@pytest.mark.parametrize(
    "row",
    [
        csv_row(),                                              # columns absent
        {**csv_row(), "sex": "", "birth_date": "", "residence_years": ""},   # cells empty
        {**csv_row(), "sex": None, "birth_date": None},         # cells missing (short row)
        {**csv_row(), "sex": "  ", "birth_date": " "},          # blank cells
    ],
    ids=["column", "empty-cell", "missing-cell", "blank-cell"],
)
def test_csv_optional_fields_are_absent_whether_column_or_cell_is_missing(row: dict[str, Any]) -> None:
    declaration = Declaration.from_csv_row(row, line=3)
    assert (declaration.sex, declaration.birth_date, declaration.residence_years) == (None, None, None)


def test_csv_optional_fields_are_read_when_given() -> None:
    declaration = Declaration.from_csv_row({**csv_row(), "sex": "X", "birth_date": "2001-02-03"})
    assert (declaration.sex, declaration.birth_date) == ("X", date(2001, 2, 3))


@pytest.mark.parametrize("field", ["learner_id", "revenu_brut_global", "training_start_date", "training_labelled"])
def test_an_empty_required_csv_cell_is_missing(field: str) -> None:
    error = csv_rejected({**csv_row(), field: ""})
    assert_names(error, field)
    assert "missing" in str(error)


def test_a_missing_csv_residence_for_a_foreign_learner_is_named() -> None:
    assert_names(csv_rejected({**csv_row(nationality="other"), "residence_years": ""}), "residence_years")


def test_an_unknown_csv_column_is_named_with_a_suggestion() -> None:
    error = csv_rejected({**csv_row(), "residence_yeras": "3"})
    assert_names(error, "residence_yeras")
    assert "residence_years" in str(error)


def test_an_unknown_csv_column_is_named_even_when_its_cell_is_empty() -> None:
    assert_names(csv_rejected({**csv_row(), "residence_yeras": ""}), "residence_yeras")


def test_a_row_longer_than_the_header_is_refused() -> None:
    csv_rejected({**csv_row(), None: ["extra"]})  # type: ignore[dict-item]


def test_a_bad_csv_date_names_the_field() -> None:
    assert_names(csv_rejected(csv_row(application_date="01/10/2024")), "application_date")
