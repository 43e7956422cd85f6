"""The decision: exactly the output contract of docs/contracts.md, and the parts it is made of.

`Decision.model_dump(mode="json")` is the stable JSON: amounts as two-decimal strings, échelon as a string or
null.  Trace steps are shared between decisions on the engine's fast path, so what they read is read-only.
This module must never do I/O.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Annotated, Any, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, PlainSerializer, PlainValidator, WithJsonSchema

from ..money import as_str, parse_decimal
from .fields import Echelon, Status

_M = TypeVar("_M", bound=BaseModel)
_FIELDS_SETS: dict[type[BaseModel], set[str]] = {}
# The slots every pydantic model instance has, set directly (what `model_construct` does, less its bookkeeping).
_SET_DICT = BaseModel.__dict__["__dict__"].__set__
_SET_FIELDS_SET = BaseModel.__dict__["__pydantic_fields_set__"].__set__
_SET_EXTRA = BaseModel.__dict__["__pydantic_extra__"].__set__
_SET_PRIVATE = BaseModel.__dict__["__pydantic_private__"].__set__
_new = object.__new__


def assemble(cls: type[_M], values: dict[str, Any]) -> _M:
    """An instance of a frozen contract model from values the engine built and knows valid.

    The engine's hot path: what `model_construct` does, without its per-call bookkeeping.  `values` must
    hold every field; the instance takes the dict as is.  Tests validate what this builds against the
    JSON Schema and against the plain path, which validates every model.
    """
    fields_set = _FIELDS_SETS.get(cls)
    if fields_set is None:
        fields_set = _FIELDS_SETS[cls] = set(cls.model_fields)
    instance: _M = _new(cls)
    _SET_DICT(instance, values)
    _SET_FIELDS_SET(instance, fields_set)
    _SET_EXTRA(instance, None)
    _SET_PRIVATE(instance, None)
    return instance


Amount = Annotated[
    Decimal,
    PlainValidator(lambda v: parse_decimal(v)),
    PlainSerializer(as_str, return_type=str),
    WithJsonSchema({"type": "string", "pattern": r"^\d+\.\d{2}$"}),
]
OptionalAmount = Annotated[
    Decimal | None,
    PlainValidator(lambda v: None if v is None else parse_decimal(v)),
    PlainSerializer(lambda v: None if v is None else as_str(v), return_type=str | None),
    WithJsonSchema({"anyOf": [{"type": "string", "pattern": r"^-?\d+\.\d{2}$"}, {"type": "null"}]}),
]
JsonValue = Any


class Reason(BaseModel):
    """A condition that failed: its stable code, a message for a person, the legal reference."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    code: str
    message: str
    legal_ref: str


class FrozenDict(dict[str, Any]):
    """A dict that refuses change: trace steps are shared between decisions, so what they read is read-only."""

    def _refuse(self, *args: object, **kwargs: object) -> Any:
        raise TypeError("a trace step's inputs cannot be changed")

    __setitem__ = __delitem__ = clear = pop = popitem = setdefault = update = __ior__ = _refuse

    def __reduce__(self) -> tuple[type[FrozenDict], tuple[dict[str, Any]]]:
        return FrozenDict, (dict(self),)


def frozen_inputs(values: Any) -> Any:
    """Inputs made read-only all the way down: mappings become FrozenDict, lists tuples."""
    if isinstance(values, dict):
        return values if type(values) is FrozenDict else FrozenDict({k: frozen_inputs(v) for k, v in values.items()})
    if isinstance(values, list):
        return tuple(frozen_inputs(v) for v in values)
    return values


class TraceStep(BaseModel):
    """One line of the trace: the rule, its expression, the values it read and what it gave."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    rule: str
    expression: str
    inputs: Annotated[dict[str, JsonValue], AfterValidator(frozen_inputs)]
    result: JsonValue


class RulesetRef(BaseModel):
    """Which rule set decided: its id and the sha256 of its files."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")


class Counterfactuals(BaseModel):
    """What would change the outcome, at the same declaration otherwise."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    rbg_ceiling_current: OptionalAmount
    rbg_for_next_echelon: OptionalAmount
    points_for_next_echelon: Annotated[int, Field(ge=1)] | None
    rbg_excess_over_0bis: OptionalAmount
    # The échelon the RBG reaches on the barème at its points, whatever the gates say (None above the 0bis
    # ceiling): what displays and recovery read, never the trace.
    echelon_reached: Echelon | None


class Decision(BaseModel):
    """A grant decision, exactly the output contract (docs/contracts.md); `model_dump(mode="json")` its JSON."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    learner_id: str
    status: Status
    echelon: Echelon | None
    points_de_charge: Annotated[int, Field(ge=0)]
    annual_amount: Amount
    monthly_amount: Amount
    months: Annotated[int, Field(ge=0, le=12)]
    total_amount: Amount
    academic_year: str = Field(pattern=r"^\d{4}-\d{4}$")
    reasons: tuple[Reason, ...]
    trace: tuple[TraceStep, ...]
    ruleset: RulesetRef
    engine_version: str
    counterfactuals: Counterfactuals

    @property
    def is_granted(self) -> bool:
        return self.status == "granted"

    @property
    def reason_codes(self) -> tuple[str, ...]:
        return tuple(r.code for r in self.reasons)

    def to_json(self) -> str:
        """The contract's JSON, on one line, keys in contract order."""
        return json.dumps(self.model_dump(mode="json"), ensure_ascii=False, separators=(",", ":"))

