"""The JSON Schemas of the contracts, generated from the models and committed beside this file.

`declaration.json` (input) and `decision.json` (output) are the published contract; a test fails when the
committed files drift from the models.  Pure: `schema_of` builds the schema, it does not read the files.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..models import Decision, Declaration

SCHEMA_DIR = Path(__file__).resolve().parent
_BASE = "https://aid-engine.invalid/schemas/"


def schema_of(which: str) -> dict[str, Any]:
    """The JSON Schema of `declaration` (validation mode) or `decision` (serialisation mode)."""
    if which == "declaration":
        schema = Declaration.model_json_schema(mode="validation")
    elif which == "decision":
        schema = Decision.model_json_schema(mode="serialization")
    else:
        raise ValueError(f"no schema named {which!r}: declaration or decision")
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": _BASE + which + ".json", **schema}
