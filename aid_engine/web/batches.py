"""Batch runs started through the server: the upload kept in a file of the server's own directory, one
background thread per run (`batch.run_batch`, the same run as `aid-engine batch`: resumable, idempotent,
stored with the audit trail, the user as operator), its progress, its output files to download.

`start` returns once the run is claimed in the store (so the caller has its run id) or failed before.
A run started by the command line, or before this server started, is known from the store (counts only).
It must never keep a file outside its directory nor log a row.
"""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import AidEngineError, NotFound
from ..store.runs import RunInfo, run_info

log = logging.getLogger("aid_engine.web")
OUT_NAME = "decisions.jsonl"
REJECTED_NAME = "rejected.csv"


@dataclass
class Job:
    """A run this server started: its files, how far it went, how it ended."""

    directory: Path
    input_name: str
    operator: str
    run_id: int | None = None
    lines_total: int = 0
    rows_done: int = 0
    status: str = "starting"
    error: str | None = None
    counts: dict[str, int] = field(default_factory=dict)
    started: threading.Event = field(default_factory=threading.Event)

    @property
    def out(self) -> Path:
        return self.directory / OUT_NAME

    @property
    def rejected(self) -> Path:
        return self.directory / REJECTED_NAME


def safe_name(name: str) -> str:
    """A file name made of safe characters, kept short (the run's input name in the store and the report).

    >>> safe_name("../../etc/passwd"), safe_name("lot 2025;1.csv"), safe_name("")
    ('passwd', 'lot_2025_1.csv', 'upload')
    """
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "_", name.replace("\\", "/").rsplit("/", 1)[-1]).strip("._")
    return cleaned[:80] or "upload"


class BatchJobs:
    """The batch runs this server started, by run id."""

    def __init__(self, server: Any) -> None:
        self.server = server
        self._jobs: dict[int, Job] = {}
        self._lock = threading.Lock()
        self._count = 0

    def new_directory(self) -> Path:
        with self._lock:
            self._count += 1
            directory = Path(self.server.workdir) / f"upload-{self._count}"
        directory.mkdir(mode=0o700, parents=True)
        return directory

    def start(self, directory: Path, input_path: Path, operator: str, lang: str = "fr") -> Job:
        """Run the batch of `input_path` in a thread; return once it is claimed (run id known) or failed."""
        job = Job(directory, input_path.name, operator)
        thread = threading.Thread(target=self._run, args=(job, input_path, lang), daemon=True,
                                  name=f"batch-{input_path.name}")
        thread.start()
        job.started.wait()
        if job.run_id is not None:
            with self._lock:
                self._jobs[job.run_id] = job
        return job

    def _run(self, job: Job, input_path: Path, lang: str) -> None:
        from ..batch import run_batch

        def on_start(run: RunInfo, _resumed: bool, total_lines: int) -> Any:
            job.run_id = run.id
            job.lines_total = max(total_lines - 1, 0)
            job.status = "running"
            job.started.set()

            def advance(rows: int) -> None:
                job.rows_done += rows

            return advance

        try:
            result = run_batch(self.server.store, self.server.book, input_path, out=job.out, rejected=job.rejected,
                               operator=job.operator, lang=lang, jobs=1, on_start=on_start)
            job.counts = {"rows_decided": result.run.rows_decided, "rows_rejected": result.run.rows_rejected,
                          "decisions_new": result.run.decisions_new, "lines_done": result.run.lines_done,
                          **{f"status_{k}": v for k, v in result.summary.by_status.items()}}
            job.rows_done = result.run.rows_decided + result.run.rows_rejected
            job.status = "done"
        except AidEngineError as exc:
            job.status, job.error = "failed", str(exc).replace(str(input_path), job.input_name)[:300]
        except Exception as exc:  # a thread must not die silently: the page and the API say it failed
            log.error("batch run failed: %s", type(exc).__name__)
            job.status, job.error = "failed", "internal error"
        finally:
            job.started.set()

    def job(self, run_id: int) -> Job | None:
        with self._lock:
            return self._jobs.get(run_id)

    def state(self, run_id: int) -> dict[str, Any]:
        """The state of a run: this server's job if it has one, else the run as stored; `NotFound` if none."""
        job = self.job(run_id)
        if job is None:
            run = run_info(self.server.store.engine, run_id)
            return {"run_id": run.id, "status": run.status, "lines_total": None, "lines_done": run.lines_done,
                    "rows_decided": run.rows_decided, "rows_rejected": run.rows_rejected,
                    "decisions_new": run.decisions_new, "error": None, "downloads": {}}
        done = job.status == "done"
        downloads = {"decisions": f"/api/v1/batches/{run_id}/decisions",
                     "rejected": f"/api/v1/batches/{run_id}/rejected"} if done else {}
        return {"run_id": run_id, "status": job.status, "lines_total": job.lines_total,
                "lines_done": job.counts.get("lines_done", job.rows_done),
                "rows_decided": job.counts.get("rows_decided", 0), "rows_rejected": job.counts.get("rows_rejected", 0),
                "decisions_new": job.counts.get("decisions_new", 0), "error": job.error, "downloads": downloads,
                "rows_done": job.rows_done,
                "by_status": {k[7:]: v for k, v in job.counts.items() if k.startswith("status_")}}

    def output(self, run_id: int, which: str) -> Path:
        job = self.job(run_id)
        if job is None or job.status != "done":
            raise NotFound(f"no output of batch run {run_id} on this server")
        return job.out if which == "decisions" else job.rejected


__all__ = ["BatchJobs", "Job", "safe_name"]
