"""Batch runs started through the server: one background thread each, their progress, their output files."""

from __future__ import annotations

from typing import Any


class BatchJobs:
    """The batch runs this server started (filled in by the finance pages)."""

    def __init__(self, server: Any) -> None:
        self.server = server


__all__ = ["BatchJobs"]
