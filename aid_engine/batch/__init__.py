"""Batch decisions: a CSV or JSON Lines file of declarations in, decisions stored with their audit trail out.

`run_batch(store, book, path, out=..., rejected=...)` streams the file, decides each row with the fast path,
stores the decisions in chunks (resumable, idempotent) and writes the output files; bad rows go to the
rejected file with their line, learner_id, fields and reasons, and the other rows go on.  An edge module:
the decision core never imports it, and it must never hold the whole file in memory.
"""

from __future__ import annotations

from .deciding import Decider, decide_one, default_jobs, rules_fingerprint
from .outputs import REJECTED_HEADER
from .readers import Record, Rejection, Row, read_records, read_rows, validate
from .runner import CHUNK_SIZE, BatchResult, fingerprint, run_batch
from .summary import Summary

__all__ = [
    "CHUNK_SIZE",
    "REJECTED_HEADER",
    "BatchResult",
    "Decider",
    "Record",
    "Rejection",
    "Row",
    "Summary",
    "decide_one",
    "default_jobs",
    "fingerprint",
    "read_records",
    "read_rows",
    "rules_fingerprint",
    "run_batch",
    "validate",
]
