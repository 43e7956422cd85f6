"""Rule sets: each load error fails with file, line and what to fix; the numbers of rules/ are the law's.

`tests/fixtures/bad_rules/<case>/` is a copy of rules/ with one thing broken; its `expect.txt` lists the
words the error must contain, `FILE:LINE` first.  The numbers are compared with this suite's own copy of
the barème (`tests/cases/generate.py`), and with the patterns the published tables follow.
"""

from __future__ import annotations

import re
import shutil
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
from strategies import law

import aid_engine
from aid_engine import NoRulesetInForce, RulesetError
from aid_engine.ruleset import RuleBook, load, parse_files, read_files

HERE = Path(__file__).resolve().parent
RULES = HERE.parent / "rules"
BAD_RULES = HERE / "fixtures" / "bad_rules"
BAD_CASES = sorted(p.name for p in BAD_RULES.iterdir() if p.is_dir())
LABELS = [law.label(y) for y in law.YEARS]


def expected_words(case: str) -> list[str]:
    lines = (BAD_RULES / case / "expect.txt").read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


# -- load errors ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", BAD_CASES)
def test_a_broken_rules_directory_fails_to_load_naming_file_line_and_fix(case: str) -> None:
    with pytest.raises(RulesetError) as info:
        load(BAD_RULES / case)
    message = str(info.value)
    missing = [w for w in expected_words(case) if w not in message]
    assert not missing, f"{case}: {missing} not in: {message}"
    where = expected_words(case)[0]
    file, line = where.rsplit(":", 1)
    assert info.value.file is not None and info.value.file.endswith(file), message
    assert info.value.line == int(line), message
    assert str(BAD_RULES / case) in message, "the message names the file from the directory given"


def test_every_load_error_of_the_brief_has_its_broken_directory() -> None:
    assert set(BAD_CASES) >= {
        "yaml_syntax", "expression_syntax", "unknown_field", "type_mismatch", "builtin_now", "builtin_today",
        "builtin_random", "attribute_access", "function_call", "missing_ceiling_row", "ceilings_not_decreasing",
        "ceilings_not_increasing", "unknown_echelon", "unknown_key", "overlapping_years", "hole_between_years",
        "bad_placeholder", "gate_reads_sex",
    }


def test_the_project_rules_load() -> None:
    book = load(RULES)
    assert [rs.year.label for rs in book] == LABELS


def test_parse_files_is_pure_and_gives_the_same_rule_book_as_load() -> None:
    files = read_files(RULES)
    book = parse_files(files)
    loaded = load(RULES)
    assert [(rs.id, rs.sha256) for rs in book] == [(rs.id, rs.sha256) for rs in loaded]


def test_a_directory_without_base_yaml_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "years").mkdir()
    with pytest.raises(RulesetError) as info:
        load(tmp_path)
    assert "base.yaml" in str(info.value)


def test_a_missing_directory_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(RulesetError) as info:
        load(tmp_path / "nowhere")
    assert "nowhere" in str(info.value)


def test_a_rules_file_that_is_not_utf8_names_the_file() -> None:
    files = read_files(RULES)
    files["years/2024-2025.yaml"] = b"academic_year: 2024-2025\nunchanged: caf\xe9\n"
    with pytest.raises(RulesetError) as info:
        parse_files(files)
    assert "years/2024-2025.yaml" in str(info.value)
    assert "UTF-8" in str(info.value)


# -- ids, hashes, years -----------------------------------------------------------------------------------------


def test_every_ruleset_has_an_id_by_year_and_a_sha256(rulebook: RuleBook) -> None:
    assert [rs.year.label for rs in rulebook] == sorted(p.stem for p in (RULES / "years").glob("*.yaml"))
    assert rulebook.covered == f"{law.label(law.FIRST_YEAR)} … {law.label(law.LAST_YEAR)}"  # the oracle's years
    for rs in rulebook:
        assert rs.id == f"gen-aid/{rs.year.label}"
        assert re.fullmatch(r"[0-9a-f]{64}", rs.sha256)
        assert rs.ref.id == rs.id and rs.ref.sha256 == rs.sha256
    assert len({rs.sha256 for rs in rulebook}) == len(rulebook)


def copy_rules(tmp_path: Path) -> Path:
    target = tmp_path / "rules"
    shutil.copytree(RULES, target)
    return target


def test_the_sha256_changes_when_a_rules_file_changes(tmp_path: Path) -> None:
    before = {rs.year.label: rs.sha256 for rs in load(RULES)}
    rules = copy_rules(tmp_path)
    year_file = rules / "years" / "2024-2025.yaml"
    year_file.write_text(year_file.read_text(encoding="utf-8") + "# a comment\n", encoding="utf-8")
    after = {rs.year.label: rs.sha256 for rs in load(rules)}
    assert after["2024-2025"] != before["2024-2025"]
    assert after["2023-2024"] == before["2023-2024"], "an earlier year's rule set does not read that file"

    base = rules / "base.yaml"
    base.write_text(base.read_text(encoding="utf-8").replace("offset: 2", "offset: 2  # n-2"), encoding="utf-8")
    changed = {rs.year.label: rs.sha256 for rs in load(rules)}
    assert all(changed[y] != after[y] for y in LABELS), "every year reads base.yaml"


def test_the_sha256_does_not_depend_on_the_directory(tmp_path: Path) -> None:
    assert [rs.sha256 for rs in load(copy_rules(tmp_path))] == [rs.sha256 for rs in load(RULES)]


def test_the_rule_set_in_force_is_that_of_the_start_dates_academic_year(rulebook: RuleBook) -> None:
    from datetime import date

    assert rulebook.in_force(date(2016, 9, 1)).year.label == "2016-2017"
    assert rulebook.in_force(date(2023, 8, 31)).year.label == "2022-2023"
    assert rulebook.in_force(date(2023, 9, 1)).year.label == "2023-2024"
    assert rulebook.in_force(date(2026, 8, 31)).year.label == "2025-2026"
    assert rulebook.in_force(date(2027, 8, 31)).year.label == "2026-2027"
    for day in (date(law.FIRST_YEAR, 8, 31), date(law.LAST_YEAR + 1, 9, 1)):
        with pytest.raises(NoRulesetInForce) as info:
            rulebook.in_force(day)
        assert info.value.field == "training_start_date"
        assert day.isoformat() in str(info.value)


def test_evaluate_with_one_rule_set_refuses_a_date_it_does_not_cover(rulebook: RuleBook, base_declaration) -> None:
    with pytest.raises(NoRulesetInForce):
        aid_engine.evaluate(base_declaration(), rulebook.year("2023-2024"))
    decision = aid_engine.evaluate(base_declaration(), rulebook.year("2024-2025"))
    assert decision.academic_year == "2024-2025"


# -- the numbers are the law's ----------------------------------------------------------------------------------


@pytest.mark.parametrize("label", LABELS)
def test_the_ceilings_are_table_a_then_table_b(rulebook: RuleBook, label: str) -> None:
    rs = rulebook.year(label)
    first = rs.year.first
    table = law.TABLE_A if first <= 2022 else law.TABLE_B
    assert rs.last_row == 17
    for e in law.ECHELONS:
        assert [rs.ceilings.of(e, p) for p in range(18)] == [Decimal(v) for v in table[e]], (label, e)


def test_table_a_echelon_7_is_250_euros_per_point_plus_one(rulebook: RuleBook) -> None:
    assert list(law.TABLE_A["7"]) == [250 * (p + 1) for p in range(18)]
    assert list(law.TABLE_B["7"]) == [265 * (p + 1) for p in range(18)]
    for rs in rulebook:
        per_point = 250 if rs.year.first <= 2022 else 265
        assert [rs.ceilings.of("7", p) for p in range(18)] == [per_point * (p + 1) for p in range(18)], rs.id


def test_table_b_is_table_a_raised_by_6_percent_cell_by_cell(rulebook: RuleBook) -> None:
    a, b = rulebook.year("2022-2023"), rulebook.year("2023-2024")
    for e in law.ECHELONS:
        for p in range(18):
            raised = (Decimal(law.TABLE_A[e][p]) * Decimal("1.06")).quantize(Decimal(1), rounding=ROUND_HALF_UP)
            assert law.TABLE_B[e][p] == raised, (e, p)
            in_rules = (a.ceilings.of(e, p) * Decimal("1.06")).quantize(Decimal(1), rounding=ROUND_HALF_UP)
            assert b.ceilings.of(e, p) == in_rules, (e, p)


def test_the_tables_decrease_from_0bis_to_7_and_increase_with_points() -> None:
    for table in (law.TABLE_A, law.TABLE_B):
        for p in range(18):
            column = [table[e][p] for e in law.ECHELONS]
            assert column == sorted(column, reverse=True) and len(set(column)) == 8
        for e in law.ECHELONS:
            assert list(table[e]) == sorted(set(table[e]))


@pytest.mark.parametrize("label", LABELS)
def test_the_rates_are_the_10_month_rows(rulebook: RuleBook, label: str) -> None:
    rs = rulebook.year(label)
    assert [rs.rates.values[e] for e in law.ECHELONS] == [Decimal(v) for v in law.RATES[rs.year.first]]
    assert rs.monthly_divisor == 10
    assert rs.months_cap == 10


def test_2023_2024_adds_370_euros_to_every_rate(rulebook: RuleBook) -> None:
    before, after = rulebook.year("2022-2023"), rulebook.year("2023-2024")
    assert all(after.rates.values[e] - before.rates.values[e] == 370 for e in law.ECHELONS)


def test_2016_2017_rates_equal_2017_2018(rulebook: RuleBook) -> None:
    assert rulebook.year("2016-2017").rates.values == rulebook.year("2017-2018").rates.values


@pytest.mark.parametrize("label", LABELS)
def test_the_points_rules_of_each_year(rulebook: RuleBook, label: str) -> None:
    rs = rulebook.year(label)
    assert (rs.per_child, rs.per_child_in_higher_education) == (2, 4)
    bands = [(b.from_km, b.points) for b in rs.distance_bands]
    assert bands == list(law.bands(rs.year.first))
    assert rs.expected_income_year == rs.year.first - 2


@pytest.mark.parametrize("label", LABELS)
def test_the_gates_are_the_ten_of_design_in_order(rulebook: RuleBook, label: str) -> None:
    rs = rulebook.year(label)
    assert [g.code for g in rs.gates] == list(law.GATE_CODES)
    for gate in rs.gates:
        assert gate.legal_ref and gate.message.fr and gate.message.en and gate.source
        assert not {"sex", "birth_date", "learner_id", "fabrique_id"} & set(gate.predicate.symbols)
    assert rs.income_year.code == "income_year_mismatch"
    assert rs.income_ceiling.code == "income_above_ceiling"


@pytest.mark.parametrize("label", LABELS)
def test_every_number_carries_its_source(rulebook: RuleBook, label: str) -> None:
    rs = rulebook.year(label)
    for source in (rs.ceilings.source, rs.rates.source, rs.distance_source, rs.children_source, rs.amounts_source,
                   rs.last_row_source):
        assert source.strip()
