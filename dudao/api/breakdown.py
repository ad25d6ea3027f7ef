"""任务分解: analyse a speech (pasted text), list and read saved analyses with their rows, make draft directives."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import File, Form, Query, Router, Schema, Status, UploadedFile

from dudao.accounts.requests import AuthedRequest
from dudao.api.auth import require
from dudao.api.schemas import Id, Paged, PageParams
from dudao.breakdown import exports, selectors, services
from dudao.breakdown.parser.reading import MAX_BYTES
from dudao.core.errors import DomainError
from dudao.core.pagination import paginate

router = Router(tags=["任务分解"])


class AnalysisIn(Schema):
    text: str
    doc_date: dt.date | None = None
    title: str = ""


class DeadlineOut(Schema):
    text: str
    start: dt.date | None
    end: dt.date | None


class TargetOut(Schema):
    text: str
    number: float | None
    unit: str | None


class SourceOut(Schema):
    start: int
    end: int


class RowOut(Schema):
    id: int
    kind: str  # task / review (回顾) / other (非任务: greetings, praise, exhortations)
    damaged: bool  # its paragraph lost converter debris; check against the original
    section: str
    task: str
    responsible: list[str]
    deadline: DeadlineOut
    targets: list[TargetOut]
    mechanisms: list[str]
    module: str
    source: SourceOut
    directive: int | None
    version: int


class AnalysisOut(Schema):
    id: int
    title: str
    unit: int
    doc_date: dt.date
    row_count: int
    created_at: dt.datetime


class AnalysisDetailOut(AnalysisOut):
    source_text: str
    warnings: list[str]
    rows: list[RowOut]


class DraftsIn(Schema):
    rows: list[Id]


def _row_out(row: Any) -> dict[str, Any]:
    return {
        **exports.row_dict(row),
        "id": row.pk,
        "kind": row.kind,
        "damaged": row.damaged,
        "directive": row.directive_id,
        "version": row.version,
    }


def _detail(analysis: Any) -> dict[str, Any]:
    rows = [_row_out(r) for r in selectors.rows_of(analysis)]
    return {
        "id": analysis.pk,
        "title": analysis.title,
        "unit": analysis.unit_id,
        "doc_date": analysis.doc_date,
        "row_count": len(rows),
        "created_at": analysis.created_at,
        "source_text": analysis.source_text,
        "warnings": analysis.warnings,
        "rows": rows,
    }


@router.get("/breakdown/analyses", response=Paged[AnalysisOut])
def list_analyses(request: AuthedRequest, params: Query[PageParams]) -> dict[str, Any]:
    require(request, "breakdown.read")
    page = paginate(selectors.analysis_list(request.user), page=params.page, page_size=params.page_size)
    items = [
        {
            "id": a.pk,
            "title": a.title,
            "unit": a.unit_id,
            "doc_date": a.doc_date,
            "row_count": a.row_count,
            "created_at": a.created_at,
        }
        for a in page.items
    ]
    return {"items": items, "count": page.count}


@router.post("/breakdown/analyses", response={201: AnalysisDetailOut})
def create_analysis(request: AuthedRequest, payload: AnalysisIn) -> Status[Any]:
    require(request, "breakdown.change")
    analysis = services.analyse(
        actor=request.user, doc_date=payload.doc_date or timezone.localdate(), text=payload.text, title=payload.title
    )
    return Status(201, _detail(analysis))


@router.post("/breakdown/analyses/upload", response={201: AnalysisDetailOut})
def upload_analysis(
    request: AuthedRequest,
    file: File[UploadedFile],
    doc_date: Form[dt.date | None] = None,
    title: Form[str] = "",
) -> Status[Any]:
    """Analyse an uploaded .txt (any common Chinese encoding), .docx or text .pdf of at most 5 MB."""
    require(request, "breakdown.change")
    if file.size is not None and file.size > MAX_BYTES:
        raise DomainError(f"文件太大（{file.size / 1024 / 1024:.1f} MB），最大 5 MB。", code="too_large")
    analysis = services.analyse(
        actor=request.user,
        doc_date=doc_date or timezone.localdate(),
        data=file.read(),
        filename=file.name or "",
        title=title,
    )
    return Status(201, _detail(analysis))


@router.get("/breakdown/analyses/{analysis_id}", response=AnalysisDetailOut)
def get_analysis(request: AuthedRequest, analysis_id: Id) -> dict[str, Any]:
    require(request, "breakdown.read")
    return _detail(get_object_or_404(selectors.analyses_for(request.user), pk=analysis_id))


@router.post("/breakdown/analyses/{analysis_id}/drafts", response=list[RowOut])
def create_drafts(request: AuthedRequest, analysis_id: Id, payload: DraftsIn) -> list[dict[str, Any]]:
    require(request, "breakdown.change")
    require(request, "directive.change")
    analysis = get_object_or_404(selectors.analyses_for(request.user, "change"), pk=analysis_id)
    rows = services.create_drafts(actor=request.user, analysis=analysis, row_ids=list(payload.rows))
    return [_row_out(r) for r in rows]


class RowPatch(Schema):
    """Only the fields sent change; the others keep their values."""

    version: int
    kind: str | None = None  # task / review / other: whether the row is a task at all
    task: str | None = None
    responsible: list[str] | None = None
    deadline_text: str | None = None
    deadline_start: dt.date | None = None
    deadline_end: dt.date | None = None
    module: str | None = None
    targets: list[str] | None = None
    mechanisms: list[str] | None = None


@router.patch("/breakdown/rows/{row_id}", response=RowOut)
def update_row(request: AuthedRequest, row_id: Id, payload: RowPatch) -> dict[str, Any]:
    """Fix one row; `version` must be the one read (409 when someone changed it since)."""
    require(request, "breakdown.change")
    row = get_object_or_404(selectors.rows_for(request.user, "change"), pk=row_id)
    sent = payload.dict(exclude_unset=True)
    with transaction.atomic():  # a kind and fields sent together change together or not at all
        version = payload.version
        if payload.kind is not None:
            changes_kind = payload.kind != row.kind
            row = services.set_row_kind(actor=request.user, row=row, version=version, kind=payload.kind)
            if set(sent) <= {"version", "kind"}:
                return _row_out(row)
            if changes_kind:
                version = row.version  # the version this request's own kind change made
        row = services.update_row(
            actor=request.user,
            row=row,
            version=version,
            task=sent.get("task", row.task),
            responsible=sent.get("responsible", row.responsible),
            deadline_text=sent.get("deadline_text", row.deadline_text),
            deadline_start=sent.get("deadline_start", row.deadline_start),
            deadline_end=sent.get("deadline_end", row.deadline_end),
            module=payload.module,
            targets=payload.targets,
            mechanisms=payload.mechanisms,
        )
    return _row_out(row)
