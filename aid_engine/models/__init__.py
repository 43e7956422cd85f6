"""The contracts: a learner's declaration in, a decision out (docs/contracts.md).

`Declaration` holds exactly the fields of the input contract, validated strictly; `Decision` holds exactly the
output contract.  Both are frozen value objects.  The package splits the work: `fields` (value types and
their validators), `declaration`, `inputs` (JSON and CSV readers), `decision`.  `__all__` is what the rest
of the package and integrators use; the engine's assembly helpers stay in `models.decision`.  Nothing here
does I/O, reads the clock or logs a value.
"""

from __future__ import annotations

from .decision import (
    Amount,
    Counterfactuals,
    Decision,
    OptionalAmount,
    Reason,
    RulesetRef,
    TraceStep,
)
from .declaration import (
    DECLARATION_FIELDS,
    REQUIRED_FIELDS,
    Declaration,
    declaration_error,
    problems_from,
)
from .fields import (
    BOOL_FIELDS,
    DECIMAL_FIELDS,
    DISTANCE_MAX,
    ECHELONS,
    INT_FIELDS,
    OPTIONAL_FIELDS,
    RBG_MAX,
    Echelon,
    Nationality,
    Profile,
    Sex,
    Status,
)
from .inputs import csv_row_to_json, read_json_object

__all__ = [
    "BOOL_FIELDS",
    "DECIMAL_FIELDS",
    "DECLARATION_FIELDS",
    "DISTANCE_MAX",
    "ECHELONS",
    "INT_FIELDS",
    "OPTIONAL_FIELDS",
    "RBG_MAX",
    "REQUIRED_FIELDS",
    "Amount",
    "Counterfactuals",
    "Decision",
    "Declaration",
    "Echelon",
    "Nationality",
    "OptionalAmount",
    "Profile",
    "Reason",
    "RulesetRef",
    "Sex",
    "Status",
    "TraceStep",
    "csv_row_to_json",
    "declaration_error",
    "problems_from",
    "read_json_object",
]
