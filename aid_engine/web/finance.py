"""Finance and audit through `aid-engine serve`: batch runs (upload, progress, counts, downloads), the report
(the CLI's JSON and HTML), the audit trail's status — as API routes and as pages.

A batch file is limited in size (`--max-upload-mb`), written in the server's own directory and run by
`batch.run_batch` in a thread (the same run as `aid-engine batch`, the user as operator); `POST
/api/v1/batches` answers 202 with the run id once the run is claimed.  The report page is the report's own
HTML document, served with its own stricter policy (no script at all, inline styles and data: images).
Nothing here logs a row or a value.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response

from ..errors import AuditChainBroken, NotFound
from ..store.users import User
from .access import ApiError, invalid, not_found
from .api import allowed, json_response, read_body
from .batches import safe_name
from .context import server_of
from .desk import _guard, _lang
from .pages import render
from .schemas import BatchAccepted, BatchState, VerifyOut

REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'"
router = APIRouter(prefix="/api/v1")


# -- batches ------------------------------------------------------------------------------------------------------


def start_batch(request: Request, user: User, body: bytes, name: str) -> dict[str, Any]:
    """Write the upload and start its run; the accepted answer, or 422 when the file cannot be run."""
    server = server_of(request)
    directory = server.batches.new_directory()
    path = directory / safe_name(name)
    if path.name in ("decisions.jsonl", "rejected.csv"):
        path = directory / f"input-{path.name}"
    path.write_bytes(body)
    job = server.batches.start(directory, path, user.name, _lang(request))
    if job.run_id is None:
        raise invalid([("body", job.error or "the file cannot be run")], error="invalid_batch")
    return {"run_id": job.run_id, "status": job.status}


@router.post("/batches", status_code=202, response_model=BatchAccepted, summary="Start a batch run (CSV or JSON Lines)",
             openapi_extra={"requestBody": {"required": True, "content": {
                 "text/csv": {"schema": {"type": "string"}},
                 "application/x-ndjson": {"schema": {"type": "string"}}}}})
async def post_batch(
    request: Request,
    user: Annotated[User, allowed("batch")],
    name: Annotated[str, Query(max_length=200, description="The file's name (CSV: .csv; JSON Lines: .jsonl)")]
    = "",
) -> Response:
    """The body is the file: CSV (`;` or `,`) or JSON Lines, as `aid-engine batch` reads.  202 with `run_id`."""
    body = await read_body(request, server_of(request).max_upload)
    if not name:
        kind = request.headers.get("content-type", "")
        name = "upload.jsonl" if "json" in kind else "upload.csv"
    accepted = await run_in_threadpool(start_batch, request, user, body, name)
    return json_response(accepted, 202)


@router.get("/batches/{run_id}", response_model=BatchState, summary="A batch run's progress and counts")
def get_batch(run_id: int, request: Request, user: Annotated[User, allowed("batch")]) -> Response:
    try:
        return json_response(server_of(request).batches.state(run_id))
    except NotFound:
        raise not_found("batch run") from None


@router.get("/batches/{run_id}/{which}", summary="A finished run's decisions (JSON Lines) or rejected rows (CSV)",
            response_class=FileResponse)
def get_batch_file(run_id: int, which: str, request: Request, user: Annotated[User, allowed("batch")]) -> Response:
    if which not in ("decisions", "rejected"):
        raise not_found("batch output")
    try:
        path = server_of(request).batches.output(run_id, which)
    except NotFound:
        raise not_found("batch output") from None
    kind = "application/x-ndjson" if which == "decisions" else "text/csv"
    return FileResponse(path, media_type=kind, filename=f"run-{run_id}-{path.name}")


# -- report -------------------------------------------------------------------------------------------------------


def _day(value: str | None, field: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise invalid([(field, "is not a date like 2025-01-31")], error="invalid_request") from None


def _share(value: str, field: str, low: Decimal, high: Decimal) -> Decimal:
    try:
        number = Decimal(value.replace(",", "."))
    except InvalidOperation:
        raise invalid([(field, "is not a decimal number")], error="invalid_request") from None
    if not number.is_finite() or not low <= number <= high:
        raise invalid([(field, f"must be between {low} and {high}")], error="invalid_request")
    return number


def build_report(request: Request, run: int | None, date_from: str | None, date_to: str | None, envelope: str,
                 women: str, young: str) -> Any:
    """The report of a scope, as `aid-engine report` builds it."""
    from ..report import Scope, Targets
    from ..report import build_report as build
    from ..report.queries import read_facts

    start, end = _day(date_from, "from"), _day(date_to, "to")
    if run is not None and (start or end):
        raise invalid([("run", "give either run or from/to, not both")], error="invalid_request")
    scope = Scope.of_run(run) if run is not None else Scope.of_dates(start, end) if start or end else Scope()
    money = _share(envelope, "envelope", Decimal("0.01"), Decimal("999999999999.99"))
    targets = Targets(_share(women, "target_women", Decimal(0), Decimal(1)),
                      _share(young, "target_young_unqualified", Decimal(0), Decimal(1)))
    server = server_of(request)
    try:
        with server.store.errors("read the decisions for the report"):
            return build(read_facts(server.store.engine, scope), scope=scope, envelope=money, targets=targets,
                         reason_label=server.book.reason_label)
    except NotFound:
        raise not_found("batch run") from None


ReportRun = Annotated[int | None, Query(description="Only the decisions of this batch run.")]
ReportFrom = Annotated[str | None, Query(alias="from", description="Stored on or after this day (YYYY-MM-DD).")]
ReportTo = Annotated[str | None, Query(alias="to", description="Stored on or before this day (YYYY-MM-DD).")]
Envelope = Annotated[str, Query(description="The programme's envelope in euros.")]
Women = Annotated[str, Query(description="Target share of women (0–1).")]
Young = Annotated[str, Query(description="Target share of under-26 without qualification (0–1).")]


@router.get("/report", summary="The programme report (the JSON of `aid-engine report --json`)")
def get_report(request: Request, user: Annotated[User, allowed("report")], run: ReportRun = None,
               date_from: ReportFrom = None, date_to: ReportTo = None, envelope: Envelope = "10000000",
               target_women: Women = "0.30", target_young_unqualified: Young = "0.50") -> Response:
    from ..report.export import report_json

    report = build_report(request, run, date_from, date_to, envelope, target_women, target_young_unqualified)
    return Response(json.dumps(report_json(report), ensure_ascii=False), media_type="application/json")


# -- audit --------------------------------------------------------------------------------------------------------


def verify(request: Request) -> dict[str, Any]:
    try:
        chain = server_of(request).store.verify()
    except AuditChainBroken as exc:
        return {"intact": False, "record_id": str(exc.record_id), "message": str(exc)[:300]}
    return {"intact": True, "records": chain.records, "decisions": chain.decisions, "recoveries": chain.recoveries,
            "purges": chain.purges, "head_hash": chain.head_hash}


def checkpoint_of(request: Request) -> dict[str, Any] | None:
    from ..audit.log import latest_note

    store = server_of(request).store
    with store.errors("read the latest checkpoint"), store.engine.connect() as connection:
        latest = latest_note(connection)
    return None if latest is None else {"checkpoint_id": latest[0], "note": latest[1]}


@router.get("/audit/checkpoint", summary="The store's latest signed checkpoint (C2SP tlog-checkpoint note)")
def get_checkpoint(request: Request, user: Annotated[User, allowed("audit")]) -> Response:
    found = checkpoint_of(request)
    if found is None:
        raise ApiError(404, {"error": "no_checkpoint", "message": "the store has no checkpoint yet "
                                                                  "(aid-engine audit checkpoint)"})
    return json_response(found)


@router.get("/decisions/{decision_id}/proof", summary="The inclusion proof of a stored decision (audit prove)")
def get_proof(decision_id: int, request: Request, user: Annotated[User, allowed("read")]) -> Response:
    """The proof that the decision's audit record is in the latest checkpoint; 404 before a checkpoint covers it."""
    from ..audit.log import prove
    from ..errors import StoreError
    from .reading import decision_for

    server = server_of(request)
    decision_for(server.store, user, decision_id)
    try:
        return json_response(prove(server.store.engine, decision_id))
    except StoreError as exc:
        raise ApiError(404, {"error": "no_proof", "message": str(exc)[:300]}) from None


@router.post("/audit/verify", response_model=VerifyOut, summary="Verify the audit trail (`aid-engine audit verify`)")
def post_verify(request: Request, user: Annotated[User, allowed("audit")]) -> Response:
    return json_response(verify(request))


# -- pages --------------------------------------------------------------------------------------------------------


def mount(app: FastAPI) -> None:
    app.include_router(router)

    @app.get("/finance/batches", include_in_schema=False)
    def batches_page(request: Request) -> Response:
        guard = _guard(request, "batch")
        if isinstance(guard, Response):
            return guard
        user, csrf = guard
        limit = server_of(request).max_upload >> 20
        return render(request, "batches.html", user=user, csrf=csrf, limit_mb=limit, error=None)

    @app.post("/finance/batches", include_in_schema=False)
    async def batch_upload(request: Request) -> Response:
        guard = _guard(request, "batch")
        if isinstance(guard, Response):
            return guard
        user, csrf = guard
        server = server_of(request)
        limit = server.max_upload
        length = request.headers.get("content-length", "")
        if length.isdigit() and int(length) > limit + 64 * 1024:
            return render(request, "batches.html", 413, user=user, csrf=csrf, limit_mb=limit >> 20, error="too_large")
        async with request.form(max_part_size=limit) as form:
            upload = form.get("file")
            if form.get("csrf") != csrf or upload is None or isinstance(upload, str):
                return render(request, "batches.html", 400, user=user, csrf=csrf, limit_mb=limit >> 20, error="form")
            body = await upload.read(limit + 1)
            filename = upload.filename or "upload.csv"
        if len(body) > limit:
            return render(request, "batches.html", 413, user=user, csrf=csrf, limit_mb=limit >> 20, error="too_large")
        try:
            accepted = await run_in_threadpool(start_batch, request, user, body, filename)
        except ApiError as exc:
            message = exc.body.get("problems", [{}])[0].get("message", "")
            return render(request, "batches.html", 422, user=user, csrf=csrf, limit_mb=limit >> 20, error="run",
                          message=message)
        return RedirectResponse(f"/finance/batches/{accepted['run_id']}", status_code=303)

    @app.get("/finance/batches/{run_id}", include_in_schema=False)
    def batch_page(request: Request, run_id: int) -> Response:
        guard = _guard(request, "batch")
        if isinstance(guard, Response):
            return guard
        user, csrf = guard
        try:
            state = server_of(request).batches.state(run_id)
        except NotFound:
            return render(request, "forbidden.html", 404, user=user, csrf=csrf, missing=True)
        return render(request, "batch.html", user=user, csrf=csrf, state=state)

    @app.get("/finance/report", include_in_schema=False)
    def report_page(request: Request) -> Response:
        guard = _guard(request, "report")
        if isinstance(guard, Response):
            return guard
        user, csrf = guard
        return render(request, "report.html", user=user, csrf=csrf)

    @app.get("/finance/report/view", include_in_schema=False)
    def report_view(request: Request, run: ReportRun = None, date_from: ReportFrom = None,
                    date_to: ReportTo = None, envelope: Envelope = "10000000") -> Response:
        guard = _guard(request, "report")
        if isinstance(guard, Response):
            return guard
        from ..report.html import report_page

        try:
            report = build_report(request, run, date_from or None, date_to or None, envelope, "0.30", "0.50")
        except ApiError as exc:
            return HTMLResponse(f"<p>{exc.status}</p>", status_code=exc.status)
        page = report_page(report, datetime.now(UTC))
        return HTMLResponse(page, headers={"Content-Security-Policy": REPORT_CSP})

    @app.get("/audit", include_in_schema=False)
    def audit_page(request: Request) -> Response:
        guard = _guard(request, "audit")
        if isinstance(guard, Response):
            return guard
        user, csrf = guard
        return render(request, "audit.html", user=user, csrf=csrf, result=None, checkpoint=last_checkpoint(request))

    @app.post("/audit", include_in_schema=False)
    async def audit_verify(request: Request) -> Response:
        guard = _guard(request, "audit")
        if isinstance(guard, Response):
            return guard
        user, csrf = guard
        async with request.form() as form:
            posted = form.get("csrf")
        if posted != csrf:
            return render(request, "audit.html", 400, user=user, csrf=csrf, result=None, checkpoint=None)
        result = await run_in_threadpool(verify, request)
        return render(request, "audit.html", user=user, csrf=csrf, result=result,
                      checkpoint=last_checkpoint(request))


def last_checkpoint(request: Request) -> dict[str, Any] | None:
    """The store's last signed checkpoint, for the audit page (None when there is none yet)."""
    found = checkpoint_of(request)
    return None if found is None else {"text": found["note"], "id": found["checkpoint_id"]}


__all__ = ["REPORT_CSP", "mount", "router"]
