"""Shared fixtures of the decision suite: the project's rule book, its root, and a base declaration to vary."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from strategies import base_declaration as _base_declaration

import aid_engine
from aid_engine.ruleset import RuleBook


@pytest.fixture(scope="session")
def rulebook() -> RuleBook:
    """The rule book of the project's rules/, loaded once."""
    return aid_engine.default_rulebook()


@pytest.fixture(scope="session")
def project_root() -> Path:
    return Path(__file__).resolve().parent.parent


@pytest.fixture(name="base_declaration")
def base_declaration_factory() -> Callable[..., dict[str, Any]]:
    """`base_declaration(**changes)`: the base declaration (granted at échelon 7 in 2024-2025) with changes;
    a key set to `...` is removed."""
    return _base_declaration
