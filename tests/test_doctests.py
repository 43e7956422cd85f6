"""Every doctest of every module of the package runs with the suite (the examples in docstrings are tests).

The modules are collected by walking the package, so a module added with a doctest is tested without being
listed here; a docstring example that cannot run is written without the `>>>` prompt.
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import aid_engine

# Every module but the entry points (importing them runs the CLI) and the Alembic revisions (Alembic's).
SUBMODULES = sorted(m.name for m in pkgutil.walk_packages(aid_engine.__path__, "aid_engine.")
                    if not m.name.endswith(".__main__") and not m.name.startswith("aid_engine.migrations"))
MODULES = ["aid_engine", *SUBMODULES]


def _doctests_of(name: str) -> list[doctest.DocTest]:
    tests = doctest.DocTestFinder().find(importlib.import_module(name), name)
    return [t for t in tests if t.examples]


WITH_DOCTESTS = [name for name in MODULES if _doctests_of(name)]


def test_the_walk_finds_the_modules_known_to_hold_doctests() -> None:
    assert len(MODULES) > 40
    assert {"aid_engine", "aid_engine.money", "aid_engine.engine", "aid_engine.report.charts",
            "aid_engine.store.records", "aid_engine.store.recovery"} <= set(WITH_DOCTESTS)


@pytest.mark.parametrize("name", WITH_DOCTESTS)
def test_the_doctests_of_a_module_pass(name: str, tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # an example that writes a file writes it here
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS, report=True,
                             verbose=False)
    assert result.attempted > 0, f"{name} has no doctest"
    assert result.failed == 0, f"{result.failed} of {result.attempted} doctests of {name} failed"
