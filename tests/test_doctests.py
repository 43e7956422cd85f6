"""The doctests of the pure helpers run with the suite (the examples in their docstrings are tests)."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = ["aid_engine.money", "aid_engine.memo", "aid_engine.periods", "aid_engine.engine", "aid_engine.explain",
           "aid_engine.errors", "aid_engine.i18n", "aid_engine.cli.lang", "aid_engine.cli.interactive"]


@pytest.mark.parametrize("name", MODULES)
def test_the_doctests_of_a_module_pass(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS, report=True, verbose=False)
    assert result.attempted > 0, f"{name} has no doctest"
    assert result.failed == 0, f"{result.failed} of {result.attempted} doctests of {name} failed"
