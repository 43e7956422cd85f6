"""The committed JSON Schemas are the contract: they equal the models' schemas, and decisions validate."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from strategies import base_declaration

import aid_engine
from aid_engine.schemas import schema_of

SCHEMAS = Path(__file__).resolve().parent.parent / "aid_engine" / "schemas"
CASES = Path(__file__).resolve().parent / "cases"


def committed(which: str) -> dict[str, Any]:
    schema: dict[str, Any] = json.loads((SCHEMAS / f"{which}.json").read_text(encoding="utf-8"))
    return schema


def validator(which: str) -> jsonschema.Draft202012Validator:
    schema = committed(which)
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


@pytest.mark.parametrize("which", ["declaration", "decision"])
def test_the_committed_schema_equals_the_models_schema(which: str) -> None:
    assert committed(which) == schema_of(which), (
        f"aid_engine/schemas/{which}.json drifted from the models: regenerate it with `aid-engine schema {which}`")


def case_declarations() -> list[dict[str, Any]]:
    declarations = []
    for path in sorted(CASES.glob("*.yaml")):
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        for case in document["cases"]:
            if "error" not in case["expected"]:
                declarations.append({**document["base"], **case["declaration"]})
    return declarations


def test_every_decision_of_the_case_files_validates_against_decision_json() -> None:
    check = validator("decision")
    declarations = case_declarations()
    assert len(declarations) > 300
    for lang in ("fr", "en"):
        for data in declarations:
            decision = aid_engine.evaluate(data, lang=lang).model_dump(mode="json")
            errors = [f"{'/'.join(map(str, e.path))}: {e.message}" for e in check.iter_errors(decision)]
            assert not errors, (data["learner_id"], errors)


def test_every_declaration_of_the_case_files_validates_against_declaration_json() -> None:
    check = validator("declaration")
    for data in case_declarations():
        errors = [e.message for e in check.iter_errors(json.loads(json.dumps(data)))]
        assert not errors, errors


def test_a_parsed_declaration_dumps_to_json_that_validates() -> None:
    check = validator("declaration")
    declaration = aid_engine.Declaration.parse(base_declaration(sex="X", birth_date="2000-01-31", distance_km=12.5,
                                                                revenu_brut_global=37081))
    dumped = declaration.model_dump(mode="json")
    assert not [e.message for e in check.iter_errors(dumped)]


def test_the_declaration_schema_refuses_what_the_model_refuses() -> None:
    check = validator("declaration")
    assert not check.is_valid(base_declaration(revenu_brut_global=-1))
    assert not check.is_valid(base_declaration(surprise=True))
    assert not check.is_valid(base_declaration(learner_id=...))
    assert not check.is_valid(base_declaration(profile="student"))
