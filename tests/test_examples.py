"""Every file of examples/ runs and gives its documented decision."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import regenerate

from aid_engine import evaluate
from aid_engine.models import Declaration

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
DECLARATIONS = sorted(EXAMPLES.glob("*.json"))


def test_there_are_the_documented_examples() -> None:
    names = {p.stem for p in DECLARATIONS}
    assert {"granted_echelon_7", "granted_echelon_0bis", "refused_income", "refused_exclusion",
            "review_income_year", "foreign_learner"} <= names


@pytest.mark.parametrize("path", DECLARATIONS, ids=lambda p: p.stem)
def test_example_gives_its_documented_decision(path: Path) -> None:
    expected = json.loads((EXAMPLES / "expected" / path.name).read_text(encoding="utf-8"))
    decision = evaluate(Declaration.from_json(path.read_bytes(), source=str(path)))
    assert decision.model_dump(mode="json") == expected


def test_the_expected_decisions_are_what_the_regeneration_command_writes() -> None:
    written = regenerate.example_decisions()
    assert sorted(p.name for p in written) == sorted(p.name for p in DECLARATIONS)
    stale = [p.name for p, text in written.items() if p.read_text(encoding="utf-8") != text]
    assert not stale, f"examples/expected/ {stale} differ from what `python tests/regenerate.py` writes"


@pytest.mark.parametrize(
    ("stem", "status", "echelon"),
    [
        ("granted_echelon_7", "granted", "7"),
        ("granted_echelon_0bis", "granted", "0bis"),
        ("refused_income", "refused", None),
        ("refused_exclusion", "refused", None),
        ("review_income_year", "review", "4"),
        ("foreign_learner", "granted", "4"),
    ],
)
def test_example_names_say_what_they_show(stem: str, status: str, echelon: str | None) -> None:
    decision = evaluate(Declaration.from_json((EXAMPLES / f"{stem}.json").read_bytes()))
    assert (decision.status, decision.echelon) == (status, echelon)


def test_embed_example_runs() -> None:
    result = subprocess.run([sys.executable, str(EXAMPLES / "embed.py")], capture_output=True, text=True,
                            timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert "CRM-88412: granted, échelon 5" in result.stdout
    assert "rejected: field revenu_brut_global" in result.stdout
