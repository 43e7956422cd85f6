"""The engine's own shape: steps that read only what they declare, a memo key derived from those reads, the
language checked, and `evaluate` short enough to read as the decree."""

from __future__ import annotations

import inspect
from typing import Any

import pytest
from strategies import base_declaration

import aid_engine
from aid_engine import Declaration, engine
from aid_engine.engine import Line, Step, step


def test_a_step_reading_a_field_it_did_not_declare_fails_on_the_plain_path(monkeypatch: pytest.MonkeyPatch) -> None:
    @step("distance_km")
    def sloppy(rs: Any, d: Declaration) -> tuple[int, Line]:
        points = rs.distance_points(d.distance_km) + d.dependent_children  # dependent_children not declared
        return points, Line("points.distance", "x", {"distance_km": str(d.distance_km)}, points)

    monkeypatch.setattr(engine, "distance_points", sloppy)
    with pytest.raises(AttributeError, match="dependent_children"):
        engine._evaluate(base_declaration(), aid_engine.default_rulebook(), "fr", plain=True)


def test_the_memo_key_is_the_declared_fields_and_the_earlier_values() -> None:
    """Two declarations that differ only in a field a step does not declare share that step's trace object;
    one that differs in a declared field gets its own."""
    book = aid_engine.load_ruleset()
    a = aid_engine.evaluate(base_declaration(), book)
    b = aid_engine.evaluate(base_declaration(learner_id="OTHER-1", fabrique_id="FAB-99"), book)
    c = aid_engine.evaluate(base_declaration(dependent_children=1), book)
    by_rule = {s.rule.split("<")[0]: i for i, s in enumerate(a.trace)}
    children = by_rule["points.children"]
    assert a.trace[children] is b.trace[children]
    assert a.trace[children] is not c.trace[children] and a.trace[children] != c.trace[children]


def test_every_step_declares_fields_of_the_declaration() -> None:
    steps = [v for v in vars(engine).values() if isinstance(v, Step)]
    assert len(steps) >= 10
    for s in steps:
        assert set(s.reads) <= set(Declaration.model_fields), s


@pytest.mark.parametrize("lang", ["de", "FR", "", "english"])
def test_a_language_other_than_fr_or_en_is_an_error(lang: str) -> None:
    with pytest.raises(ValueError, match="lang must be one of fr, en"):
        aid_engine.evaluate(base_declaration(), lang=lang)  # type: ignore[arg-type]


def test_evaluate_fits_on_one_screen() -> None:
    lines = inspect.getsource(engine._evaluate).splitlines()
    assert len(lines) <= 40, len(lines)
    assert "plain" not in inspect.signature(aid_engine.evaluate).parameters
    assert "plain" not in inspect.signature(engine.evaluate).parameters
