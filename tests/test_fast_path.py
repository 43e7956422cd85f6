"""The fast path gives the plain path's decisions, and the NumPy reference agrees with both.

Over 10,000 synthetic declarations of `benchmarks.synthetic` (fixed seed: every academic year, session dates,
exclusions, foreign learners, overseas distances, points above 17) and a fixed list of edge rows (each
ceiling at, a cent under and a cent over, every distance band edge, the decree's date, the start day, the
academic year's first and last days, 10 months and more, the residence condition's cases), in French and
English: `evaluate(d)` and the plain path `engine._evaluate(d, …, plain=True)` are compared field by field on
`model_dump(mode="json")`, the trace step by step.  The fast path runs on a freshly loaded rule book, so
its memos fill during the run (misses and hits both exercised), and once more with memos so small that
they are emptied again and again.

Then `benchmarks.reference` — a second implementation, vectorised over columns, with no rule-engine,
pydantic or Decimal — must give the same status, échelon, points de charge, months, amounts (cents) and
reason codes for every one of those declarations.  Equality only: no figure of speed is asserted here.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from strategies import base_declaration

import aid_engine
from aid_engine import Decision, engine
from aid_engine.models import ECHELONS
from aid_engine.ruleset import RuleBook
from benchmarks import reference, synthetic

RANDOM_ROWS = 10_000
LANGS = ("fr", "en")


# -- the edge rows ---------------------------------------------------------------------------------------


def _points(points: int) -> dict[str, Any]:
    """Children and distance giving exactly `points` (0 … any) in every academic year: 2 per child, +1 at 30 km."""
    return {"dependent_children": points // 2, "children_in_higher_education": 0,
            "distance_km": "30" if points % 2 else "0"}


def _year(first: int, **changes: Any) -> dict[str, Any]:
    """The base declaration moved to academic year `first` (start 16 September, expected income year)."""
    start = date(first, 9, 16)
    return base_declaration(training_start_date=start.isoformat(),
                            application_date=max(start + timedelta(days=10), date(2017, 4, 17)).isoformat(),
                            training_end_date=date(first + 1, 6, 27).isoformat(), income_year=first - 2, **changes)


def _ceiling_rows(book: RuleBook) -> Iterator[dict[str, Any]]:
    for rs in book:
        first = rs.year.first
        for points in (0, 1, 7, 17, 20):
            row = rs.row_of(points)
            for echelon in ECHELONS:
                ceiling = rs.ceilings.of(echelon, row)
                for delta in ("-0.01", "0", "0.01"):
                    yield _year(first, revenu_brut_global=str(ceiling + Decimal(delta)), **_points(points))


def _distance_rows(book: RuleBook) -> Iterator[dict[str, Any]]:
    for rs in book:
        for edge in (0, 30, 250, 3500, 13000):
            for km in {max(Decimal(edge) - Decimal("0.001"), Decimal(0)), Decimal(edge)}:
                yield _year(rs.year.first, distance_km=str(km), revenu_brut_global="20000")
        yield _year(rs.year.first, distance_km="40000.000", dependent_children=9, children_in_higher_education=9)


def _date_rows() -> Iterator[dict[str, Any]]:
    decree = date(2017, 4, 17)
    for applied in (decree - timedelta(days=1), decree):
        yield base_declaration(training_start_date="2017-03-01", training_end_date="2017-08-31",
                               application_date=applied.isoformat(), income_year=2014)
    for offset in (-1, 0, 400):  # a day before the start, the start day, after the end
        yield base_declaration(application_date=(date(2024, 9, 16) + timedelta(days=offset)).isoformat())
    for start, end in (("2024-08-31", "2025-06-30"), ("2024-09-01", "2024-09-01"), ("2016-09-01", "2017-08-31"),
                       ("2026-08-31", "2026-08-31"), ("2024-09-30", "2024-10-01"), ("2024-09-16", "2025-08-31"),
                       ("2024-09-16", "2025-07-01"), ("2024-09-16", "2025-06-30"), ("2024-01-31", "2025-12-31")):
        first = int(start[:4]) - (int(start[5:7]) < 9)
        yield base_declaration(training_start_date=start, training_end_date=end, income_year=first - 2,
                               application_date=max(start, "2017-04-17"))


def _person_rows() -> Iterator[dict[str, Any]]:
    for nationality in ("french", "eu_eea_swiss", "other"):
        for protection in (False, True):
            for years in (..., 0, 1, 2, 15):
                if years is ... and nationality != "french" and not protection:
                    continue  # bad input: residence_years is required then
                yield base_declaration(nationality=nationality, international_protection=protection,
                                       residence_years=years)
    for profile in ("unqualified", "graduate_jobseeker", "graduate_reconversion", "other"):
        yield base_declaration(profile=profile)
    exclusions = ("jobseeker_aid", "work_study_contract", "training_leave", "employment_or_region_aid",
                  "higher_education_grant")
    for name in exclusions:
        yield base_declaration(**{name: True})
    everything = dict.fromkeys(exclusions, True)
    yield base_declaration(**everything, training_labelled=False, profile="other", application_date="2024-09-01",
                           nationality="other", residence_years=0, income_year=2020, revenu_brut_global="500000")
    for income_year in (2021, 2022, 2023):
        for rbg in ("100", "50000", "200000"):  # review with an échelon, review above the 0bis ceiling
            yield base_declaration(income_year=income_year, revenu_brut_global=rbg)
    for rbg in ("0", "0.00", 0, 37081, 1234.5, "999999999.99"):  # JSON strings and numbers alike
        yield base_declaration(revenu_brut_global=rbg)
    yield base_declaration(own_tax_return=False, sex="X", birth_date="1999-12-31", distance_km=12.5)


def edge_rows(book: RuleBook) -> list[dict[str, Any]]:
    rows = [*_ceiling_rows(book), *_distance_rows(book), *_date_rows(), *_person_rows()]
    return [{**row, "learner_id": f"EDGE-{i:05d}"} for i, row in enumerate(rows)]


# -- the comparison --------------------------------------------------------------------------------------


def assert_same_decision(fast: Decision, plain: Decision, data: dict[str, Any], lang: str) -> None:
    """Field by field on the JSON dump, the trace step by step; JSON text too (so True ≠ 1, "1" ≠ 1)."""
    f, p = fast.model_dump(mode="json"), plain.model_dump(mode="json")
    if json.dumps(f) == json.dumps(p):
        return
    where = f"{data['learner_id']} ({lang}): {json.dumps(data, default=str)}"
    assert list(f) == list(p), f"{where}\nfields differ: fast {list(f)} plain {list(p)}"
    for name in p:
        if name == "trace":
            assert len(f[name]) == len(p[name]), f"{where}\ntrace lengths differ: {len(f[name])} ≠ {len(p[name])}"
            for i, (a, b) in enumerate(zip(f[name], p[name], strict=True)):
                assert json.dumps(a) == json.dumps(b), f"{where}\ntrace step {i} ({b['rule']}):\nfast  {a}\nplain {b}"
        assert json.dumps(f[name]) == json.dumps(p[name]), f"{where}\n{name}: fast {f[name]!r} plain {p[name]!r}"


@pytest.fixture(scope="module")
def declarations(rulebook: RuleBook) -> list[dict[str, Any]]:
    """10,000 synthetic declarations, then the edge rows."""
    return synthetic.declarations(RANDOM_ROWS) + edge_rows(rulebook)


@pytest.fixture(scope="module")
def plain_decisions(declarations: list[dict[str, Any]]) -> dict[str, list[Decision]]:
    book = aid_engine.default_rulebook()
    return {lang: [engine._evaluate(d, book, lang, plain=True) for d in declarations] for lang in LANGS}


@pytest.mark.parametrize("lang", LANGS)
def test_the_fast_path_gives_the_plain_paths_decisions(
    declarations: list[dict[str, Any]], plain_decisions: dict[str, list[Decision]], lang: str
) -> None:
    book = aid_engine.load_ruleset()  # its memos start empty and fill during the run
    for data, plain in zip(declarations, plain_decisions[lang], strict=True):
        assert_same_decision(aid_engine.evaluate(data, book, lang=lang), plain, data, lang)


def test_the_fast_path_gives_the_same_decisions_when_its_memos_are_emptied_again_and_again(
    declarations: list[dict[str, Any]], plain_decisions: dict[str, list[Decision]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine, "MEMO_LIMIT", 7)
    book = aid_engine.load_ruleset()
    for data, plain in zip(declarations[:2_000], plain_decisions["fr"], strict=False):
        assert_same_decision(aid_engine.evaluate(data, book), plain, data, "fr")


def test_the_numpy_reference_agrees_with_the_engine(
    declarations: list[dict[str, Any]], plain_decisions: dict[str, list[Decision]], rulebook: RuleBook
) -> None:
    computed = reference.decide(reference.columns_of(declarations), reference.Tables.of(rulebook))
    wrong = []
    for i, decision in enumerate(plain_decisions["fr"]):
        expected, got = computed.row(i), reference.engine_row(decision)
        if expected != got:
            diff = {k: (got[k], expected[k]) for k in expected if got[k] != expected[k]}
            wrong.append(f"{declarations[i]['learner_id']}: (engine, reference) {diff}")
    assert not wrong, f"{len(wrong)} decisions differ from the reference, first ones:\n" + "\n".join(wrong[:10])


def test_the_synthetic_declarations_cover_what_the_comparison_needs(
    declarations: list[dict[str, Any]], plain_decisions: dict[str, list[Decision]]
) -> None:
    """The comparison means something only if the sample holds every status, échelon, year and reason."""
    sample = plain_decisions["fr"][:RANDOM_ROWS]
    assert {d.status for d in sample} == {"granted", "refused", "review"}
    assert {d.echelon for d in sample} == {None, *ECHELONS}
    assert len({d.academic_year for d in sample}) == synthetic.LAST_YEAR - synthetic.FIRST_YEAR + 1
    assert {r.code for d in sample for r in d.reasons} == set(reference.REASONS)
    assert max(d.points_de_charge for d in sample) > 17
    assert {d.months for d in sample if d.echelon} >= {10}
