"""整改台账: the ledger with its filters, one item's timeline, 四定, progress and 销号 (request → verify/reject)."""

from __future__ import annotations

import datetime as dt
import json
from typing import IO, Any, TypeVar

import pydantic
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema
from ninja.errors import ValidationError

from dudao.accounts.requests import AuthedRequest
from dudao.api.auth import require
from dudao.api.schemas import Id, Paged, PageParams
from dudao.core.errors import DomainError, Forbidden
from dudao.core.pagination import paginate
from dudao.orgs.scoping import can
from dudao.orgs.selectors import staff_for, units_for
from dudao.rectification import services
from dudao.rectification.models import ItemStatus, RectificationItem
from dudao.rectification.selectors import LedgerFilters, items_for, ledger, with_rows

router = Router(tags=["整改台账"])


S = TypeVar("S", bound=Schema)


class ItemOut(Schema):
    id: int
    school: int
    school_name: str
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
        finding_photos=list(finding.photos.values_list("pk", flat=True)),
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
) -> dict[str, object]:
    """The ledger (整改台账), by due date. `school`: any unit (items of schools inside it); `inspection`: a round id;
    `overdue`: true/false (overdue = not closed and past the due date, in Asia/Shanghai dates)."""
    require(request, "rectification.read")
    filters = LedgerFilters(
        inspection=inspection,
        status=status.value if status is not None else "",
        overdue=overdue,
        category=category.strip()[:100],
        owner=owner,
        unit=get_object_or_404(units_for(request.user), pk=school) if school is not None else None,
        q=q.strip()[:50],
    )
    page = paginate(with_rows(ledger(request.user, filters)), page=paging.page, page_size=paging.page_size)
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
    """四定: the principal or school office names the owner (a staff member of the school), the duty and the date
    (no later than `due_limit`)."""
    item = _get_item(request, item_id)
    if not can(request.user, "rectification.assign", item.school):
        raise Forbidden("只有校长或学校管理员可以落实四定")
    owner = staff_for(request.user).filter(pk=payload.owner).first()
    if owner is None:
        raise DomainError("责任人须是本校在岗教职工", code="owner_outside")
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
    fields = {
        "ProgressIn": {"progress": {"type": "integer"}, "text": {"type": "string"}, "version": {"type": "integer"}},
        "CloseoutIn": {"text": {"type": "string"}, "version": {"type": "integer"}},
    }[schema]
    photos = {"type": "array", "items": {"type": "string", "format": "binary"}}
    required = list(fields)
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


@router.post("/rectifications/{item_id}/reject", response=ItemDetailOut)
def reject(request: AuthedRequest, item_id: int, payload: RejectIn) -> ItemDetailOut:
    """验收不通过: back to in_progress with the `reason`."""
    item = _get_item(request, item_id)
    services.reject_closeout(actor=request.user, item=item, reason=payload.reason, version=payload.version)
    return _detail(request, item_id)
