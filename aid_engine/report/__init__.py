"""The programme report: what the stored decisions cost against the envelope and whom they reach.

    from aid_engine.report import Scope, build_report
    from aid_engine.report.queries import read_facts            # the store edge (sqlalchemy)
    report = build_report(read_facts(store.engine, Scope.of_run(3)), envelope=Decimal("10000000"))

`queries` reads the decisions of a scope from the store (read only); `facts` turns a stored row into typed
facts; `figures` computes the `Report` (a frozen value, money as Decimal) in one pass; `cashflow` spreads the
grants over calendar months; `tables`, `terminal`, `export` (JSON, CSV) and `html` with `charts` render it.
An edge of aid_engine: the decision core never imports it.  It must never write to the store, and this
module imports none of the heavy libraries (sqlalchemy, rich, matplotlib): their modules import them.
"""

from __future__ import annotations

from .facts import DecisionFacts, facts_of
from .figures import DEFAULT_ENVELOPE, build_report
from .model import (
    CashFlow,
    Counts,
    EchelonGrants,
    Envelope,
    GroupTally,
    Instalment,
    LearnerCashFlow,
    MonthAmount,
    ReasonCount,
    Repaid,
    Report,
    Scope,
    Share,
    Superseded,
    Targets,
)

__all__ = [
    "DEFAULT_ENVELOPE",
    "CashFlow",
    "Counts",
    "DecisionFacts",
    "EchelonGrants",
    "Envelope",
    "GroupTally",
    "Instalment",
    "LearnerCashFlow",
    "MonthAmount",
    "ReasonCount",
    "Repaid",
    "Report",
    "Scope",
    "Share",
    "Superseded",
    "Targets",
    "build_report",
    "facts_of",
]
