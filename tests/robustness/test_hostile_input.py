"""Hostile input: random bytes, wrong encodings, huge and non-finite numbers, impossible dates, text where
numbers go, missing and extra fields or columns, 10 MB fields — through the JSON reader, the CSV row reader,
the batch file readers, `evaluate` and the command line.  Every case ends in a decision or in a
`DeclarationError` / `InputFileError` naming the field or the file (exit 2 on the command line), never in
another exception or a traceback."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from robust_helpers import HEADER, assert_clean_failure, cli, csv_line, csv_row
from strategies import base_declaration, declarations

from aid_engine import Decision, DeclarationError, NoRulesetInForce, default_rulebook, evaluate
from aid_engine.batch import read_rows
from aid_engine.errors import InputFileError
from aid_engine.models import DECLARATION_FIELDS, Declaration, read_json_object

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
CROSS_FIELDS = {"training_end_date", "children_in_higher_education", "residence_years"}
BOOK = default_rulebook()

# Every JSON-shaped value a hostile sender may put in a field, including those no JSON parser gives.
hostile_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(10**30), max_value=10**30)
    | st.sampled_from([10**400, -(10**400), -1, -0, 2**63, 1e308, -0.0])
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.sampled_from([Decimal("NaN"), Decimal("sNaN"), Decimal("Infinity"), Decimal("-Infinity"),
                       Decimal("1E+400"), Decimal("-0.01"), Decimal("0.001"), Decimal("1e-400")])
    | st.text(max_size=40)
    | st.sampled_from(["2023-02-30", "2024-13-01", "0000-00-00", "9999-12-31", "2024-9-1", "1e400", "NaN",
                      "Infinity", "-5", "37081,50", "١٢٣", "  ", "", "true", "=HYPERLINK(\"http://x\",\"y\")",
                      "2024-02-29T00:00:00", "0x10", "1_000", "+5", "5.", ".5", "00012"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=5,
)


def decide(data: Any) -> Decision | DeclarationError | NoRulesetInForce:
    """`evaluate` on anything: a decision, or one of the two errors bad input may give."""
    try:
        return evaluate(data, BOOK)
    except (DeclarationError, NoRulesetInForce) as exc:
        assert str(exc) and "Traceback" not in str(exc)
        return exc


# -- evaluate and Declaration over JSON-shaped dicts ------------------------------------------------------------


@FUZZ
@given(field=st.sampled_from(DECLARATION_FIELDS), value=hostile_values)
def test_any_value_in_any_field_is_decided_or_an_error_naming_that_field(field: str, value: Any) -> None:
    outcome = decide(base_declaration(**{field: value}))
    if isinstance(outcome, DeclarationError):
        named = {p.field for p in outcome.problems}
        assert field in named or named <= CROSS_FIELDS, (field, value, str(outcome))


@FUZZ
@given(data=declarations(), dropped=st.sets(st.sampled_from(DECLARATION_FIELDS), max_size=4),
       extra=st.dictionaries(st.text(min_size=1, max_size=30), hostile_values, max_size=3))
def test_missing_and_extra_fields_are_named(data: dict[str, Any], dropped: set[str], extra: dict[str, Any]) -> None:
    spoiled = {k: v for k, v in data.items() if k not in dropped} | {
        k: v for k, v in extra.items() if k not in DECLARATION_FIELDS}
    outcome = decide(spoiled)
    unknown = set(spoiled) - set(DECLARATION_FIELDS)
    required_gone = dropped - {"residence_years", "sex", "birth_date"}
    if unknown or required_gone:
        assert isinstance(outcome, DeclarationError), (dropped, extra)
        named = " ".join(p.field for p in outcome.problems)
        assert all(f in named for f in required_gone)


@pytest.mark.parametrize(("field", "value"), [
    ("training_start_date", "2023-02-30"), ("application_date", "2024-02-30"), ("birth_date", "1987-02-29"),
    ("training_end_date", "2025-06-31"), ("revenu_brut_global", math.nan), ("revenu_brut_global", math.inf),
    ("revenu_brut_global", -math.inf), ("revenu_brut_global", Decimal("NaN")), ("revenu_brut_global", "NaN"),
    ("revenu_brut_global", "Infinity"), ("revenu_brut_global", "1e400"), ("revenu_brut_global", 10**400),
    ("revenu_brut_global", -1), ("revenu_brut_global", "-0.01"), ("revenu_brut_global", "1000000000.00"),
    ("revenu_brut_global", "12.345"), ("revenu_brut_global", "douze"), ("revenu_brut_global", True),
    ("revenu_brut_global", [1]), ("distance_km", Decimal("sNaN")), ("distance_km", "40000.001"),
    ("dependent_children", "2"), ("dependent_children", 2.5), ("dependent_children", 100),
    ("income_year", 10**30), ("residence_years", -1), ("training_labelled", "yes"), ("profile", "Unqualified"),
    ("learner_id", ""), ("learner_id", " "), ("learner_id", 42), ("learner_id", "x" * 201),
])
def test_each_named_hostile_value_is_refused_naming_its_field(field: str, value: Any) -> None:
    outcome = decide(base_declaration(**{field: value}))
    assert isinstance(outcome, DeclarationError), (field, value)
    assert outcome.field == field
    assert f"{field}:" in str(outcome)


# -- the JSON reader --------------------------------------------------------------------------------------------


@FUZZ
@given(raw=st.binary(max_size=400))
def test_random_bytes_are_an_input_file_error_or_a_declaration_error(raw: bytes) -> None:
    try:
        Declaration.from_json(raw, source="fuzz.json")
    except InputFileError as exc:
        assert str(exc).startswith("fuzz.json")
    except DeclarationError:
        pass


@FUZZ
@given(data=declarations(), cut=st.integers(min_value=0, max_value=600), junk=st.binary(max_size=8))
def test_a_damaged_json_declaration_is_named_by_file_and_position(data: dict[str, Any], cut: int, junk: bytes) -> None:
    text = json.dumps(data).encode()
    damaged = text[:cut] + junk + text[cut + len(junk):]
    try:
        Declaration.from_json(damaged, source="in.json")
    except InputFileError as exc:
        assert str(exc).startswith("in.json")
    except DeclarationError as exc:
        assert exc.problems


@pytest.mark.parametrize("encoding", ["latin-1", "utf-16", "utf-16-be", "utf-32", "cp1252"])
def test_a_json_file_in_another_encoding_is_refused_naming_the_file(encoding: str) -> None:
    text = json.dumps(base_declaration(fabrique_id="Fabrique Élysée"), ensure_ascii=False)
    with pytest.raises(InputFileError, match=r"^in\.json.*not UTF-8"):
        read_json_object(text.encode(encoding), source="in.json")


@pytest.mark.parametrize(("text", "words"), [
    ("[" * 100_000 + "]" * 100_000, "not valid JSON"),
    ('{"a":' * 100_000 + "1" + "}" * 100_000, "not valid JSON"),
    ('{"revenu_brut_global": 1' + "0" * 5000 + "}", "not valid JSON"),
    ('{"learner_id": "a", "learner_id": "b"}', "duplicate key"),
    ('{"revenu_brut_global": NaN}', "NaN is not a number"),
    ('{"revenu_brut_global": -Infinity}', "-Infinity is not a number"),
    ("\ufeff\ufeff{}", "not valid JSON"),
])
def test_deep_nesting_huge_literals_and_duplicates_are_input_file_errors(text: str, words: str) -> None:
    with pytest.raises(InputFileError, match=words):
        read_json_object(text, source="in.json")


# -- the CSV row reader -----------------------------------------------------------------------------------------


@FUZZ
@given(field=st.sampled_from(DECLARATION_FIELDS), cell=st.text(max_size=30))
def test_any_csv_cell_is_read_or_refused_naming_its_column(field: str, cell: str) -> None:
    try:
        declaration = Declaration.from_csv_row(csv_row(**{field: cell}), line=7)
    except DeclarationError as exc:
        assert exc.line == 7
        named = {p.field for p in exc.problems}
        assert field in named or named <= CROSS_FIELDS, (field, cell, str(exc))
        return
    assert isinstance(evaluate(declaration, BOOK) if declaration.training_start_date.year > 2016 else declaration,
                      Decision | Declaration)


@FUZZ
@given(dropped=st.sets(st.sampled_from(DECLARATION_FIELDS), min_size=1, max_size=5),
       extra=st.dictionaries(st.text(min_size=1, max_size=20).filter(lambda k: k.strip() not in DECLARATION_FIELDS),
                             st.text(max_size=10), max_size=2))
def test_missing_and_extra_csv_columns_are_named(dropped: set[str], extra: dict[str, str]) -> None:
    row = csv_row(**dict.fromkeys(dropped)) | extra
    required_gone = dropped - {"residence_years", "sex", "birth_date"}
    if not required_gone and not extra:
        Declaration.from_csv_row(row)
        return
    with pytest.raises(DeclarationError) as info:
        Declaration.from_csv_row(row)
    named = {p.field for p in info.value.problems}
    assert required_gone <= named


def test_a_row_longer_than_the_header_names_the_row() -> None:
    with pytest.raises(DeclarationError, match="more cells than the header"):
        Declaration.from_csv_row({**csv_row(), None: ["x"]})  # type: ignore[dict-item]


# -- batch files ------------------------------------------------------------------------------------------------


@FUZZ
@given(raw=st.binary(max_size=600), suffix=st.sampled_from([".csv", ".jsonl", ".txt"]))
def test_random_bytes_as_a_batch_file_give_rows_or_an_input_file_error(tmp_path_factory: pytest.TempPathFactory,
                                                                       raw: bytes, suffix: str) -> None:
    path = tmp_path_factory.mktemp("fuzz") / f"in{suffix}"
    path.write_bytes(raw)
    try:
        rows = list(read_rows(path))
    except InputFileError as exc:
        assert str(exc).startswith(str(path))
        return
    for row in rows:
        assert (row.declaration is None) != (row.rejection is None)


def test_a_10_mb_cell_rejects_its_row_and_the_batch_goes_on(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_text("\n".join([HEADER, csv_line(learner_id="A"), csv_line(learner_id="B", fabrique_id="F" * 10**7),
                               csv_line(learner_id="C", revenu_brut_global="9" * 100_000), csv_line(learner_id="D")])
                    + "\n", encoding="utf-8")
    rows = list(read_rows(path))
    assert [r.line for r in rows] == [2, 3, 4, 5]
    assert [r.declaration is not None for r in rows] == [True, False, False, True]
    assert rows[1].rejection is not None and "longer than 1 MiB" in rows[1].rejection.reason  # never held whole
    assert rows[2].rejection is not None and rows[2].rejection.fields == ("revenu_brut_global",)


def test_a_utf16_csv_is_refused_as_not_utf8_at_line_1(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_bytes(f"{HEADER}\n{csv_line()}\n".encode("utf-16"))
    with pytest.raises(InputFileError, match=r"line 1: is not UTF-8"):
        list(read_rows(path))


def test_a_latin1_row_is_rejected_and_the_others_are_decided(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_bytes(f"{HEADER}\n{csv_line(learner_id='A')}\n".encode()
                     + f"{csv_line(learner_id='B', fabrique_id='Fabrique Élysée')}\n".encode("latin-1")
                     + f"{csv_line(learner_id='C')}\n".encode())
    rows = list(read_rows(path))
    assert [r.rejection.reason if r.rejection else "ok" for r in rows] == ["ok", "is not UTF-8 text", "ok"]


# -- the command line -------------------------------------------------------------------------------------------

BAD_FILES: dict[str, bytes] = {
    "random.json": bytes(range(256)) * 4,
    "utf16.json": json.dumps(base_declaration()).encode("utf-16"),
    "latin1.json": json.dumps(base_declaration(fabrique_id="É"), ensure_ascii=False).encode("latin-1"),
    "big_id.json": json.dumps(base_declaration(learner_id="x" * 10**7)).encode(),
    "big_income.json": json.dumps(base_declaration(revenu_brut_global="9" * 10**7)).encode(),
    "nan.json": json.dumps(base_declaration(revenu_brut_global=math.nan)).encode(),
    "feb30.json": json.dumps(base_declaration(training_start_date="2023-02-30")).encode(),
    "text_count.json": json.dumps(base_declaration(dependent_children="two")).encode(),
    "extra.json": json.dumps(base_declaration(salary=1)).encode(),
    "missing.json": json.dumps(base_declaration(revenu_brut_global=...)).encode(),
    "list.json": b"[]",
    "empty.json": b"",
    "deep.json": b"[" * 200_000,
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_check_of_a_hostile_file_exits_2_naming_the_file_without_a_traceback(
        name: str, write_file: Callable[[str, bytes], Path]) -> None:
    result = cli("check", str(write_file(name, BAD_FILES[name])), "--json")
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert result.stdout == ""
    assert name in result.stderr and result.stderr.startswith("error: ")
    assert_clean_failure(result.stderr)


def test_a_hostile_batch_file_is_read_to_its_end_with_each_bad_row_rejected(tmp_path: Path) -> None:
    lines = [HEADER, csv_line(learner_id="OK-1"), csv_line(learner_id="BIG", fabrique_id="F" * 10**7),
             csv_line(learner_id="NAN", revenu_brut_global="NaN"), csv_line(learner_id="EXP", distance_km="1e400"),
             csv_line(learner_id="FEB30", training_start_date="2023-02-30"), "a;b;c",
             csv_line(learner_id="NEG", revenu_brut_global="-0,01"), csv_line(learner_id="OK-2")]
    path = tmp_path / "in.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = cli("batch", str(path), "--db", f"sqlite:///{tmp_path / 's.db'}", "--out", str(tmp_path / "o.jsonl"),
                 "--rejected", str(tmp_path / "r.csv"), "--jobs", "1")
    assert result.exit_code == 0, result.stderr
    assert_clean_failure(result.stdout + result.stderr)
    assert len((tmp_path / "o.jsonl").read_text().splitlines()) == 2
    rejected = (tmp_path / "r.csv").read_text().splitlines()[1:]
    assert [r.split(",")[0] for r in rejected] == ["3", "4", "5", "6", "7", "8"]


@pytest.mark.parametrize("header", ["learner_id;appl\rication_date", "learner_id\r;x"])
def test_a_carriage_return_inside_the_csv_header_is_an_input_file_error(tmp_path: Path, header: str) -> None:
    path = tmp_path / "in.csv"  # found by the atheris run: csv.Error escaped as an internal error
    path.write_bytes(f"{header}\n{csv_line()}\n".encode())
    with pytest.raises(InputFileError, match=r"line 1: the header line is not readable CSV"):
        list(read_rows(path))


def test_a_carriage_return_inside_a_csv_row_rejects_that_row_only(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    lines = [HEADER, csv_line(learner_id="A"), csv_line(learner_id="B", fabrique_id="F\rX"), csv_line(learner_id="C")]
    path.write_bytes(("\n".join(lines) + "\n").encode())
    rows = list(read_rows(path))
    assert [r.rejection is None for r in rows] == [True, False, True]
