"""The API's documented shapes (pydantic), from which `/openapi.json` is generated.

Handlers answer with bodies built straight from the library's JSON (a decision is already its contract's
JSON); these models say what those bodies hold.  The request body of `POST /api/v1/decisions` is the
declaration contract itself, read raw so that its errors are the CLI's messages (422, the conventions' body).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from ..models import Decision, Declaration, TraceStep


class DecisionOut(Decision):
    """A decision (the output contract), with `decision_id` once stored."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    decision_id: int | None = None


class Problem(BaseModel):
    field: str
    message: str


class InvalidBody(BaseModel):
    """422: `error` is `invalid_declaration` (the body) or `invalid_request` (a query or path parameter)."""

    error: str
    problems: list[Problem]


class ErrorBody(BaseModel):
    error: str
    message: str


class TraceOut(BaseModel):
    decision_id: int
    trace: list[TraceStep]


class HistoryItem(BaseModel):
    """One audit record of a learner: a decision (with its JSON) or a recovery."""

    record_id: int
    kind: str
    recorded_at: str
    operator: str
    decision_id: int | None
    current: bool | None = None
    payload: dict[str, Any]


class LearnerDecisions(BaseModel):
    learner_id: str
    records: list[HistoryItem]


class RulesetSummary(BaseModel):
    academic_year: str
    id: str
    sha256: str
    files: list[str]


class GateOut(BaseModel):
    id: str
    code: str
    label: str
    expression: str
    legal_ref: str
    source: str


class RulesetOut(RulesetSummary):
    gates: list[GateOut]
    rates: dict[str, str]
    ceilings: dict[str, list[str]]
    distance_bands: list[dict[str, Any]]
    months_cap: int
    notes: list[str]


class BatchAccepted(BaseModel):
    run_id: int
    status: Literal["running", "done", "failed"]


class BatchState(BaseModel):
    run_id: int
    status: str
    lines_total: int | None = None
    lines_done: int
    rows_decided: int
    rows_rejected: int
    decisions_new: int
    error: str | None = None
    downloads: dict[str, str] = {}


class VerifyOut(BaseModel):
    intact: bool
    records: int | None = None
    decisions: int | None = None
    recoveries: int | None = None
    purges: int | None = None
    head_hash: str | None = None
    record_id: str | None = None
    message: str | None = None


class Health(BaseModel):
    status: Literal["ok"]
    engine_version: str


ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorBody, "description": "no valid token"},
    403: {"model": ErrorBody, "description": "outside the user's role or fabriques (nothing else is said)"},
    422: {"model": InvalidBody, "description": "bad input, each problem naming its field"},
}


def declaration_body() -> dict[str, Any]:
    """The OpenAPI request body of a declaration (JSON), from the model."""
    schema = Declaration.model_json_schema(ref_template="#/components/schemas/{model}")
    schema.pop("$defs", None)
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}


__all__ = ["ERRORS", "BatchAccepted", "BatchState", "DecisionOut", "ErrorBody", "GateOut", "Health",
           "HistoryItem", "InvalidBody", "LearnerDecisions", "Problem", "RulesetOut", "RulesetSummary", "TraceOut",
           "VerifyOut", "declaration_body"]
