"""下载中心: start an export as a background job, follow its progress, download the file (owner only)."""

from __future__ import annotations

import datetime as dt
import json

from django.http import FileResponse, HttpResponse
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema, Status
from pydantic import ConfigDict, Field

from dudao.accounts.requests import AuthedRequest
from dudao.api.schemas import Id, Paged, PageParams
from dudao.core.pagination import paginate
from dudao.exports import selectors, services
from dudao.exports.models import ExportJob, JobStatus

router = Router(tags=["下载中心"])

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ExportIn(Schema):
    """`kind` (roster, ledger, receipts, audit) and the export's filters, either under `filters` or beside `kind`
    (the query parameters of the page's own export: roster `unit`, `full`; ledger `status`, `overdue`, `unit` …;
    receipts `notice`, `unit`; audit `actor`, `kind`, `action`, `date_from` …)."""

    model_config = ConfigDict(extra="allow")  # the filters beside `kind` are read from the body itself

    kind: str = Field(min_length=1, max_length=30)
    filters: dict[str, str | int | bool] = Field(default_factory=dict)


class ExportJobOut(Schema):
    id: int
    kind: str
    label: str
    filters: dict[str, str]
    status: str
    status_name: str
    progress: int
    total_rows: int
    row_count: int
    personal_data: bool
    filename: str
    size: int
    error: str
    created_at: dt.datetime
    finished_at: dt.datetime | None
    expires_at: dt.datetime | None
    file_url: str | None


def _out(job: ExportJob) -> ExportJobOut:
    return ExportJobOut(
        id=job.pk,
        kind=job.kind,
        label=job.label,
        filters=job.filters,
        status=job.status,
        status_name=job.get_status_display(),
        progress=job.progress,
        total_rows=job.total_rows,
        row_count=job.row_count,
        personal_data=job.personal_data,
        filename=job.filename,
        size=job.size,
        error=job.error,
        created_at=job.created_at,
        finished_at=job.finished_at,
        expires_at=job.expires_at,
        file_url=f"/api/v1/exports/{job.pk}/file" if job.status == JobStatus.DONE else None,
    )


def _plain(value: object) -> str:
    if isinstance(value, bool):
        return "1" if value else ""
    return str(value)


@router.post("/exports", response={200: ExportJobOut, 201: ExportJobOut})
def start_export(request: AuthedRequest, payload: ExportIn) -> Status[ExportJobOut]:
    """Queue the export as a job, whatever its size (201); the same export already queued or running for this user
    and identity is answered instead (200). A role without the export's permission: 403; an object out of scope:
    404; nothing to export: 400."""
    body = json.loads(request.body or b"{}")
    beside = body.items() if isinstance(body, dict) else ()
    filters = {
        key: _plain(value)
        for key, value in beside
        if key not in {"kind", "filters"} and isinstance(value, str | int | bool) and value is not None
    }
    filters.update({key: _plain(value) for key, value in payload.filters.items()})
    started = services.start_export(actor=request.user, kind=payload.kind, filters=filters, background=True)
    assert started.job is not None
    return Status(201 if started.created else 200, _out(started.job))


@router.get("/exports", response=Paged[ExportJobOut])
def list_exports(request: AuthedRequest, paging: Query[PageParams], status: str = "") -> dict[str, object]:
    """The user's own exports, newest first; `status` one of queued, running, done, failed, expired."""
    qs = selectors.jobs_for(request.user)
    if status:
        qs = qs.filter(status=status)
    page = paginate(qs, page=paging.page, page_size=paging.page_size)
    return {"items": [_out(job) for job in page.items], "count": page.count}


@router.get("/exports/{job_id}", response=ExportJobOut)
def get_export(request: AuthedRequest, job_id: Id) -> ExportJobOut:
    return _out(get_object_or_404(selectors.jobs_for(request.user), pk=job_id))


@router.get("/exports/{job_id}/file", response={200: None})
def download_export(request: AuthedRequest, job_id: Id) -> HttpResponse | FileResponse:
    """The file (owner only; anyone else's job answers 404). Not finished yet: 409; expired: 410."""
    job = get_object_or_404(selectors.jobs_for(request.user), pk=job_id)
    handle = services.open_download(actor=request.user, job=job)
    return FileResponse(handle, as_attachment=True, filename=job.filename, content_type=XLSX)


@router.delete("/exports/{job_id}", response={204: None})
def delete_export(request: AuthedRequest, job_id: Id) -> Status[None]:
    job = get_object_or_404(selectors.jobs_for(request.user), pk=job_id)
    services.delete_job(actor=request.user, job=job)
    return Status(204, None)
