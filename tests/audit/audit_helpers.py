"""Helpers of the checkpoint suite: the example decisions, the command line."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from aid_engine import Declaration, evaluate
from aid_engine.cli import app
from aid_engine.store import Decided

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def examples() -> list[Decided]:
    """The decided example declarations (eight), in file order."""
    declarations = [Declaration.parse(json.loads(p.read_text(encoding="utf-8")))
                    for p in sorted(EXAMPLES.glob("*.json"))]
    return [Decided.of(d, evaluate(d)) for d in declarations]


def cli(*args: str) -> tuple[int, str, str]:
    """Run the command line; its exit code, stdout and stderr."""
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr
