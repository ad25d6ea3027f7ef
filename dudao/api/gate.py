"""门卫登记 API: visitors of the schools in scope (a date range, paged), registration and check-out. ID numbers and
phones are always masked here; the full numbers are shown only on the visit's page (with an access event)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Query, Router, Schema, Status
from ninja.errors import HttpError
from pydantic import Field

from dudao.accounts.requests import AuthedRequest
from dudao.api.schemas import Id, Paged, PageParams
from dudao.core.errors import DomainError
from dudao.core.pagination import paginate
from dudao.gate import selectors, services
from dudao.gate.models import Visit, VisitReason
from dudao.orgs.scoping import can
from dudao.orgs.text import mask_id_card, mask_phone

router = Router(tags=["门卫登记"])
# A list covers at most this many days at once.
MAX_RANGE_DAYS = 62


def _require_gate(request: AuthedRequest) -> None:
    if not (can(request.user, "visitor.read") or can(request.user, "visitor.register")):
        raise HttpError(403, "您当前的身份无权访问此接口")


class VisitOut(Schema):
    id: int
    school: int
    school_name: str
    name: str
    id_card_no: str = Field(description="遮盖后的身份证号")
    phone: str = Field(description="遮盖后的手机号")
    host: int | None
    host_name: str
    reason: str
    reason_name: str
    has_symptoms: bool
    temperature: Decimal
    travel_history: str
    health_flag: bool
    checked_in_at: dt.datetime
    checked_out_at: dt.datetime | None
    inside: bool
    version: int


def _visit(v: Visit) -> VisitOut:
    return VisitOut(
        id=v.pk,
        school=v.school_id,
        school_name=v.school.name,
        name=v.name,
        id_card_no=mask_id_card(v.id_card_no),
        phone=mask_phone(v.phone),
        host=v.host_id,
        host_name=v.host_label,
        reason=v.reason,
        reason_name=v.reason_label,
        has_symptoms=v.has_symptoms,
        temperature=v.temperature,
        travel_history=v.travel_history,
        health_flag=v.health_flag,
        checked_in_at=v.checked_in_at,
        checked_out_at=v.checked_out_at,
        inside=v.is_inside,
        version=v.version,
    )


@router.get("/visitors", response=Paged[VisitOut])
def list_visitors(
    request: AuthedRequest,
    paging: Query[PageParams],
    start: dt.date | None = None,
    end: dt.date | None = None,
    school: Id | None = None,
    inside: bool | None = None,
) -> dict[str, object]:
    """Visits in scope, newest first. `start`/`end` (default today; at most 62 days; a guard sees today only),
    `school` (a school in scope, else 404), `inside=true` for those not yet checked out."""
    _require_gate(request)
    today = timezone.localdate()
    start = start or today
    end = end or (start if start > today else today)
    if end < start:
        raise DomainError("结束日期不能早于开始日期", code="range_reversed")
    if (end - start).days + 1 > MAX_RANGE_DAYS:
        raise DomainError(f"一次最多查询 {MAX_RANGE_DAYS} 天", code="range_too_long")
    qs = selectors.visits_for(request.user).filter(
        checked_in_at__gte=selectors.day_bounds(start)[0], checked_in_at__lt=selectors.day_bounds(end)[1]
    )
    if school is not None:
        qs = qs.filter(school=get_object_or_404(selectors.schools_for(request.user), pk=school))
    if inside is not None:
        qs = qs.filter(checked_out_at__isnull=inside)
    page = paginate(qs.order_by("-checked_in_at", "-id"), page=paging.page, page_size=paging.page_size)
    return {"items": [_visit(v) for v in page.items], "count": page.count}


class VisitIn(Schema):
    school: Id | None = Field(None, description="学校编号；不填则为当前身份所在学校")
    name: str = ""
    id_card_no: str = ""
    phone: str = ""
    host: Id | None = Field(None, description="被访人（本校人员的账户编号）")
    host_text: str = Field("", description="被访人（校外或未登记人员），与 host 二选一")
    reason: VisitReason
    reason_other: str = ""
    has_symptoms: bool = False
    temperature: Decimal
    travel_history: str = ""
    checked_in_at: dt.datetime | None = Field(None, description="进校时间，不填为现在；不能晚于现在")
    previous: Id | None = Field(None, description="近30天本校的一次来访：沿用其姓名、身份证号和手机号")


@router.post("/visitors", response={201: VisitOut})
def create_visitor(request: AuthedRequest, payload: VisitIn) -> Status[VisitOut]:
    """Register a visitor. A second identical request within ten minutes returns the first record."""
    if not can(request.user, "visitor.register"):
        raise HttpError(403, "您当前的身份不能登记访客")
    if payload.school is not None:
        school = get_object_or_404(selectors.schools_for(request.user), pk=payload.school)
    else:
        assignment_school = selectors.acting_school(request.user)
        if assignment_school is None:
            raise DomainError("请指定学校（school）", code="school_missing")
        school = assignment_school
    host = None
    if payload.host is not None:
        host = selectors.host_choices(school).filter(pk=payload.host).first()
        if host is None:
            raise DomainError("被访人不是本校人员", code="host_elsewhere")
    previous = None
    if payload.previous is not None:
        previous = selectors.previous_visit(request.user, school, payload.previous)
        if previous is None:
            raise DomainError("所选的近期访客不存在", code="previous_missing")
    visit = services.register_visit(
        actor=request.user,
        school=school,
        data=services.VisitorInput(
            name=payload.name,
            id_card_no=payload.id_card_no,
            phone=payload.phone,
            host=host,
            host_text=payload.host_text,
            reason=payload.reason,
            reason_other=payload.reason_other,
            has_symptoms=payload.has_symptoms,
            temperature=payload.temperature,
            travel_history=payload.travel_history,
            checked_in_at=payload.checked_in_at,
            previous=previous,
        ),
    )
    return Status(201, _visit(visit))


class CheckOutIn(Schema):
    at: dt.datetime | None = Field(None, description="离校时间，不填为现在")
    version: int | None = None


@router.post("/visitors/{visit_id}/check-out", response=VisitOut)
def check_out_visitor(request: AuthedRequest, visit_id: Id, payload: CheckOutIn | None = None) -> VisitOut:
    """Record the time out; a visitor already checked out is returned unchanged."""
    if not can(request.user, "visitor.register"):
        raise HttpError(403, "您当前的身份不能登记访客离校")
    visit = get_object_or_404(selectors.visits_for(request.user), pk=visit_id)
    payload = payload or CheckOutIn(at=None, version=None)
    done = services.check_out(actor=request.user, visit=visit, at=payload.at, version=payload.version)
    return _visit(get_object_or_404(selectors.visits_for(request.user), pk=done.pk))
