"""整改台账: the ledger with its filters, one item's timeline, problems raised against any unit from any source,
四定, progress, 销号 (request → verify/reject) and the district's 抽查复核 of 自查 close-outs verified in school."""

from __future__ import annotations

import datetime as dt
import json
from typing import IO, Any, TypeVar

import pydantic
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema, Status
from ninja.errors import ValidationError

from dudao.accounts.requests import AuthedRequest
from dudao.api.auth import require
from dudao.api.schemas import Id, Paged, PageParams
from dudao.core.errors import DomainError, Forbidden
from dudao.core.pagination import paginate
from dudao.orgs.selectors import units_for
from dudao.rectification import problems, rechecks, rules, services
from dudao.rectification.models import ItemSource, ItemStatus, RecheckStatus, RectificationItem
from dudao.rectification.selectors import (
    LedgerFilters,
    before_photos,
    items_for,
    ledger,
    owner_candidates,
    recheck_queue,
    with_rows,
)

router = Router(tags=["整改台账"])


S = TypeVar("S", bound=Schema)


class ItemOut(Schema):
    id: int
    school: int  # the responsible unit (any kind), under its first name; `unit` says the same
    school_name: str
    unit: int
    unit_name: str
    unit_kind: str
    source: str
    source_name: str
    source_ref: str
    verified_in_school: bool
    recheck_status: str
    recheck_name: str
    finding: int
    inspection: int | None
    inspection_name: str
    category: str
    description: str
    owner: int | None
    owner_name: str
    responsibility: str
    due_date: dt.date
    due_limit: dt.date
    progress: int
    status: str
    status_name: str
    is_overdue: bool
    days_overdue: int
    updated_at: dt.datetime
    version: int


class ItemPhotoOut(Schema):
    id: int
    file: int
    stage: str
    step: int | None


class StepOut(Schema):
    id: int
    kind: str
    kind_name: str
    actor: int | None
    actor_name: str
    progress: int | None
    text: str
    created_at: dt.datetime
    photos: list[int]


class ItemDetailOut(ItemOut):
    severity: str
    closeout_requested_by: int | None
    closeout_requested_at: dt.datetime | None
    closed_by: int | None
    closed_at: dt.datetime | None
    finding_photos: list[int]
    photos: list[ItemPhotoOut]
    steps: list[StepOut]
    evidence_warnings: list[str]


def _item(item: RectificationItem) -> ItemOut:
    return ItemOut(
        id=item.pk,
        school=item.school_id,
        school_name=item.school.name,
        unit=item.school_id,
        unit_name=item.school.name,
        unit_kind=item.school.kind,
        source=item.source,
        source_name=item.get_source_display(),
        source_ref=item.source_ref,
        verified_in_school=item.verified_in_school,
        recheck_status=item.recheck_status,
        recheck_name=item.get_recheck_status_display() if item.recheck_status else "",
        finding=item.finding_id,
        inspection=item.inspection_id,
        inspection_name=item.inspection.name if item.inspection else "",
        category=item.category,
        description=item.description,
        owner=item.owner_id,
        owner_name=item.owner.display_name if item.owner else "",
        responsibility=item.responsibility,
        due_date=item.due_date,
        due_limit=item.due_limit,
        progress=item.progress,
        status=item.status,
        status_name=item.get_status_display(),
        is_overdue=item.is_overdue,
        days_overdue=item.days_overdue,
        updated_at=item.updated_at,
        version=item.version,
    )


def _get_item(request: AuthedRequest, item_id: int) -> RectificationItem:
    require(request, "rectification.read")
    return get_object_or_404(with_rows(items_for(request.user)), pk=item_id)


def _detail(request: AuthedRequest, item_id: int) -> ItemDetailOut:
    item = _get_item(request, item_id)
    steps = item.steps.select_related("actor").prefetch_related("photos")
    finding = item.finding
    return ItemDetailOut(
        **_item(item).dict(),
        severity=finding.severity,
        closeout_requested_by=item.closeout_requested_by_id,
        closeout_requested_at=item.closeout_requested_at,
        closed_by=item.closed_by_id,
        closed_at=item.closed_at,
        finding_photos=[f.pk for f in before_photos(item)],
        photos=[
            ItemPhotoOut(id=p.pk, file=p.file_id, stage=p.stage, step=p.step_id) for p in item.photos.order_by("id")
        ],
        steps=[
            StepOut(
                id=s.pk,
                kind=s.kind,
                kind_name=s.get_kind_display(),
                actor=s.actor_id,
                actor_name=s.actor.display_name if s.actor else "",
                progress=s.progress,
                text=s.text,
                created_at=s.created_at,
                photos=[p.file_id for p in s.photos.all()],
            )
            for s in steps
        ],
        evidence_warnings=services.evidence_warnings(item),
    )


@router.get("/rectifications", response=Paged[ItemOut])
def list_items(
    request: AuthedRequest,
    paging: Query[PageParams],
    school: Id | None = None,
    status: ItemStatus | None = None,
    overdue: bool | None = None,
    inspection: Id | None = None,
    category: str = "",
    owner: Id | None = None,
    q: str = "",
    unit: Id | None = None,
    source: ItemSource | None = None,
    recheck: RecheckStatus | None = None,
) -> dict[str, object]:
    """The ledger (整改台账), by due date. `unit` (or `school`): any unit, the items of every unit inside it;
    `inspection`: a round id; `source`: where problems came from; `recheck`: the district's spot check of 自查
    close-outs (pending/confirmed/reopened); `overdue`: true/false (overdue = not closed and past the due date,
    in Asia/Shanghai dates)."""
    require(request, "rectification.read")
    school = unit if unit is not None else school
    filters = LedgerFilters(
        inspection=inspection,
        status=status.value if status is not None else "",
        overdue=overdue,
        category=category.strip()[:100],
        owner=owner,
        unit=get_object_or_404(units_for(request.user), pk=school) if school is not None else None,
        q=q.strip()[:50],
        source=source.value if source is not None else "",
        recheck=recheck.value if recheck is not None and recheck.value else "",
    )
    page = paginate(with_rows(ledger(request.user, filters)), page=paging.page, page_size=paging.page_size)
    return {"items": [_item(i) for i in page.items], "count": page.count}


@router.get("/rectifications/rechecks", response=Paged[ItemOut])
def list_rechecks(request: AuthedRequest, paging: Query[PageParams]) -> dict[str, object]:
    """抽查复核: 自查 close-outs verified inside a school and drawn for the district's check, oldest first."""
    require(request, "rectification.verify")
    page = paginate(recheck_queue(request.user), page=paging.page, page_size=paging.page_size)
    return {"items": [_item(i) for i in page.items], "count": page.count}


@router.get("/rectifications/{item_id}", response=ItemDetailOut)
def get_item(request: AuthedRequest, item_id: int) -> ItemDetailOut:
    """One item with its timeline (`steps`), its photos (`photos`: progress and "after"; `finding_photos`: the
    inspector's "before"), and warnings for the verifier when an "after" photo repeats another picture."""
    return _detail(request, item_id)


class AssignIn(Schema):
    owner: Id
    responsibility: str
    due_date: dt.date
    version: int


@router.post("/rectifications/{item_id}/assign", response=ItemDetailOut)
def assign(request: AuthedRequest, item_id: int, payload: AssignIn) -> ItemDetailOut:
    """四定: the unit's office (a school's principal or office; a district bureau's or an office's own people)
    names the owner (someone of the unit), the duty and the date (no later than `due_limit`)."""
    item = _get_item(request, item_id)
    if not rules.manages(request.user, item.school):
        raise Forbidden("只有责任单位的校长、学校管理员或负责人可以落实四定")
    owner = owner_candidates(item.school).filter(pk=payload.owner).first()
    if owner is None:
        raise DomainError(f"责任人须是{item.school.name}的在岗人员", code="owner_outside")
    services.assign(
        actor=request.user,
        item=item,
        owner=owner,
        responsibility=payload.responsibility,
        due_date=payload.due_date,
        version=payload.version,
    )
    return _detail(request, item_id)


class ProgressIn(Schema):
    progress: int
    text: str
    version: int


class CloseoutIn(Schema):
    text: str
    version: int


def _json_or_form(request: AuthedRequest, schema: type[S]) -> tuple[S, list[tuple[IO[bytes], str]]]:
    """The body as JSON, or as multipart form fields with `photos` files."""
    photos: list[tuple[IO[bytes], str]] = []
    if request.content_type == "multipart/form-data" or request.content_type == "application/x-www-form-urlencoded":
        data: Any = request.POST.dict()
        photos = [(f, f.name or "") for f in request.FILES.getlist("photos")]
    else:
        try:
            data = json.loads(request.body or b"{}")
        except (ValueError, UnicodeDecodeError) as exc:
            raise DomainError("请求体不是有效的 JSON", code="malformed_json") from exc
    try:
        return schema.model_validate(data), photos
    except pydantic.ValidationError as exc:
        errors = [
            {**e, "loc": ("body", *e["loc"])}
            for e in exc.errors(include_url=False, include_context=False, include_input=False)
        ]
        raise ValidationError(errors) from exc


def _body(schema: str, photos_required: bool) -> dict[str, Any]:
    """OpenAPI request body of an endpoint that takes JSON or a multipart form with photos."""
    bodies: dict[str, dict[str, Any]] = {
        "ProgressIn": {"progress": {"type": "integer"}, "text": {"type": "string"}, "version": {"type": "integer"}},
        "CloseoutIn": {"text": {"type": "string"}, "version": {"type": "integer"}},
        "ProblemIn": {
            "unit": {"type": "integer"},
            "source": {"type": "string", "enum": list(ItemSource.values)},
            "source_ref": {"type": "string"},
            "category": {"type": "string"},
            "description": {"type": "string"},
            "severity": {"type": "string", "enum": ["general", "serious"]},
            "due_limit": {"type": "string", "format": "date"},
        },
    }
    fields = bodies[schema]
    photos = {"type": "array", "items": {"type": "string", "format": "binary"}}
    required = [k for k in fields if k not in ("source_ref", "category", "severity")]
    return {
        "requestBody": {
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {**fields, "photos": photos},
                        "required": [*required, "photos"] if photos_required else required,
                    }
                },
                "application/json": {"schema": {"type": "object", "properties": fields, "required": required}},
            },
        }
    }


@router.post("/rectifications/{item_id}/progress", response=ItemDetailOut, openapi_extra=_body("ProgressIn", False))
def record_progress(request: AuthedRequest, item_id: int) -> ItemDetailOut:
    """定进度: progress 0–99 with a note, by the owner or the school office. JSON, or multipart with `photos`."""
    item = _get_item(request, item_id)
    payload, photos = _json_or_form(request, ProgressIn)
    services.record_progress(
        actor=request.user,
        item=item,
        progress=payload.progress,
        text=payload.text,
        photos=photos,
        version=payload.version,
    )
    return _detail(request, item_id)


@router.post(
    "/rectifications/{item_id}/request-closeout", response=ItemDetailOut, openapi_extra=_body("CloseoutIn", True)
)
def request_closeout(request: AuthedRequest, item_id: int) -> ItemDetailOut:
    """申请销号: multipart with `text`, `version` and one or more `photos` of the fixed state (required)."""
    item = _get_item(request, item_id)
    payload, photos = _json_or_form(request, CloseoutIn)
    services.request_closeout(actor=request.user, item=item, text=payload.text, photos=photos, version=payload.version)
    return _detail(request, item_id)


class VerifyIn(Schema):
    text: str = ""
    version: int


class RejectIn(Schema):
    reason: str
    version: int


@router.post("/rectifications/{item_id}/verify", response=ItemDetailOut)
def verify(request: AuthedRequest, item_id: int, payload: VerifyIn) -> ItemDetailOut:
    """验收销号: someone outside the school (inspector, district, bureau) who neither owns nor requested it."""
    item = _get_item(request, item_id)
    services.verify_closeout(actor=request.user, item=item, text=payload.text, version=payload.version)
    return _detail(request, item_id)


class RecheckIn(Schema):
    decision: str  # "confirm" or "reopen"
    text: str = ""  # the opinion; required as the reason when reopening
    version: int


@router.post("/rectifications/{item_id}/recheck", response=ItemDetailOut)
def recheck(request: AuthedRequest, item_id: int, payload: RecheckIn) -> ItemDetailOut:
    """区县复核 of a drawn 自查 close-out: `confirm` keeps it closed; `reopen` sends it back to in_progress with
    `text` as the reason and reminds the owner."""
    item = _get_item(request, item_id)
    if not rechecks.may_recheck(request.user, item):
        raise Forbidden("只有区县或上级单位可以抽查复核")
    if payload.decision == "confirm":
        rechecks.confirm_recheck(actor=request.user, item=item, text=payload.text, version=payload.version)
    elif payload.decision == "reopen":
        rechecks.reopen_after_recheck(actor=request.user, item=item, reason=payload.text, version=payload.version)
    else:
        raise DomainError("复核结论应为 confirm（确认销号）或 reopen（退回整改）", code="decision_invalid")
    return _detail(request, item_id)


@router.post("/rectifications/{item_id}/reject", response=ItemDetailOut)
def reject(request: AuthedRequest, item_id: int, payload: RejectIn) -> ItemDetailOut:
    """验收不通过: back to in_progress with the `reason`."""
    item = _get_item(request, item_id)
    services.reject_closeout(actor=request.user, item=item, reason=payload.reason, version=payload.version)
    return _detail(request, item_id)


class ProblemIn(Schema):
    unit: Id
    source: ItemSource
    source_ref: str = ""
    category: str = ""
    description: str
    severity: str = "general"
    due_limit: dt.date


@router.post("/rectifications", response={201: ItemDetailOut}, openapi_extra=_body("ProblemIn", False))
def raise_problem(request: AuthedRequest) -> Status[ItemDetailOut]:
    """登记问题 against any unit in scope (学校、区县教育局、科室) from any source; a school records only its own
    自查 problems. JSON, or multipart with `photos` of the problem. A repeat of the same problem within ten
    minutes answers the item already raised."""
    require(request, "rectification.read")
    payload, photos = _json_or_form(request, ProblemIn)
    unit = get_object_or_404(units_for(request.user), pk=payload.unit)
    item = problems.raise_problem(
        actor=request.user,
        unit=unit,
        source=payload.source.value,
        source_ref=payload.source_ref,
        category=payload.category,
        description=payload.description,
        severity=payload.severity,
        due_limit=payload.due_limit,
        photos=photos,
    )
    return Status(201, _detail(request, item.pk))
