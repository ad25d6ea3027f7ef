"""告知书: notices in scope, their receipts and 知晓率 roll-ups; writing and sending. The parents' pages
(`/n/<token>/`) are plain pages outside the API and its authentication."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import File, Form, Query, Router, Schema, Status, UploadedFile
from ninja.errors import HttpError
from pydantic import Field

from dudao.accounts.models import User
from dudao.api.auth import require
from dudao.api.schemas import Id, Paged, PageParams
from dudao.core.errors import DomainError, Forbidden
from dudao.core.pagination import paginate
from dudao.notices import audience, selectors, services
from dudao.notices.models import Notice, NoticeStatus, Receipt, StudentFlag
from dudao.orgs.models import OrgUnit
from dudao.orgs.scoping import can
from dudao.orgs.selectors import units_for


class AuthenticatedHttpRequest(HttpRequest):
    """Past the router's TokenOrSession auth the user is signed in; the request type django-stubs suggests."""

    user: User


router = Router(tags=["家长告知书"])


class QuestionOut(Schema):
    key: str
    kind: str
    label: str
    options: list[str]
    required: bool


class NoticeOut(Schema):
    id: int
    title: str
    issuer: int
    issuer_name: str
    status: str
    status_name: str
    body_html: str
    questions: list[QuestionOut]
    audience_units: list[int]
    audience_grade_names: list[str]
    audience_flags: list[str]
    links_expire_at: dt.datetime
    created_at: dt.datetime
    sent_at: dt.datetime | None
    version: int


def _notice_out(notice: Notice) -> NoticeOut:
    return NoticeOut(
        id=notice.pk,
        title=notice.title,
        issuer=notice.issuer_id,
        issuer_name=notice.issuer.name,
        status=notice.status,
        status_name=notice.get_status_display(),
        body_html=notice.body_html,
        questions=[QuestionOut(**q) for q in notice.questions],
        audience_units=[u.pk for u in notice.audience_units.all()],
        audience_grade_names=notice.audience_grade_names,
        audience_flags=notice.audience_flags,
        links_expire_at=notice.links_expire_at,
        created_at=notice.created_at,
        sent_at=notice.sent_at,
        version=notice.version,
    )


def _get(request: AuthenticatedHttpRequest, notice_id: int) -> Notice:
    require(request, "notice.read")
    return get_object_or_404(selectors.notices_for(request.user).prefetch_related("audience_units"), pk=notice_id)


def _unit(request: AuthenticatedHttpRequest, unit: int | None) -> OrgUnit:
    scope = selectors.scope_unit(request.user)
    if unit is None:
        if scope is None:
            raise DomainError("当前身份没有所属单位", code="no_scope", status=403)
        return scope
    return get_object_or_404(units_for(request.user), pk=unit)


@router.get("/notices", response=Paged[NoticeOut])
def list_notices(
    request: AuthenticatedHttpRequest, paging: Query[PageParams], status: NoticeStatus | None = None
) -> dict[str, object]:
    """Notices issued in the caller's scope and notices that reached it (a city notice is each school's task)."""
    require(request, "notice.read")
    qs = selectors.notices_for(request.user).prefetch_related("audience_units").order_by("-created_at", "-id")
    if status is not None:
        qs = qs.filter(status=status.value)
    page = paginate(qs, page=paging.page, page_size=paging.page_size)
    return {"items": [_notice_out(n) for n in page.items], "count": page.count}


class QuestionIn(Schema):
    kind: str
    label: str
    options: list[str] = []
    required: bool = True


class NoticeIn(Schema):
    title: str
    body: str = Field(description="纯文本（空行分段）或简单 HTML；保存前清洗")
    questions: list[QuestionIn] = []
    audience_units: list[Id] = []
    audience_grade_names: list[str] = []
    audience_flags: list[StudentFlag] = []
    links_expire_on: dt.date | None = None
    send: bool = False


@router.post("/notices", response={201: NoticeOut})
def create_notice(request: AuthenticatedHttpRequest, payload: NoticeIn) -> Status[Any]:
    """Write a notice as the caller's acting unit (bureau, district bureau or school); `send: true` sends it at once
    (one receipt per student reached, one link per guardian, one QR code per class)."""
    require(request, "notice.change")
    issuer = _unit(request, None)
    units = list(units_for(request.user).filter(pk__in=payload.audience_units))
    if len(units) != len(set(payload.audience_units)):
        raise DomainError("范围中有不存在或不在您管理范围内的单位", code="audience_outside")
    with transaction.atomic():  # a failed `send` leaves no draft behind (a retry would make a twin)
        notice = _create(request, issuer, units, payload)
    return Status(201, _notice_out(_get(request, notice.pk)))


def _create(request: AuthenticatedHttpRequest, issuer: Any, units: list[Any], payload: NoticeIn) -> Any:
    notice = services.create_notice(
        actor=request.user,
        issuer=issuer,
        title=payload.title,
        body=payload.body,
        questions=[q.dict() for q in payload.questions],
        audience_units=units,
        grade_names=payload.audience_grade_names,
        flags=[f.value for f in payload.audience_flags],
        links_expire_on=payload.links_expire_on,
    )
    if payload.send:
        services.send_notice(actor=request.user, notice=notice)
    return notice


class ImageOut(Schema):
    id: int
    url: str = Field(description='在正文中以 <img src="…"> 引用的地址')


@router.post("/notices/images", response={201: ImageOut})
def upload_image(
    request: AuthenticatedHttpRequest, image: File[UploadedFile], issuer: Form[Id | None] = None
) -> Status[Any]:
    """A picture for a notice body (JPG, PNG or WebP, checked by content, at most 8 MB), kept for `issuer` (default:
    the caller's unit). Put the answer's `url` in the body as `<img src="…">`; other pictures are removed."""
    require(request, "notice.change")
    unit = _writer(request, issuer)
    stored = services.upload_image(actor=request.user, unit=unit, upload=image, name=image.name or "image")
    return Status(201, ImageOut(id=stored.pk, url=services.image_url(stored)))


def _writer(request: AuthenticatedHttpRequest, issuer: int | None) -> OrgUnit:
    unit = _unit(request, issuer)
    if not can(request.user, "notice.change", unit) or unit.kind not in services.ISSUER_KINDS:
        raise Forbidden("请以教育局、区县教育局或学校身份写告知书")
    return unit


class AudienceCountOut(Schema):
    classes: int
    students: int
    guardians: int = Field(description="监护人数；学生多于 2 万时按抽样估算")
    guardians_estimated: bool


@router.get("/notices/audience-count", response=AudienceCountOut)
def audience_count(
    request: AuthenticatedHttpRequest,
    issuer: Id | None = None,
    units: Query[list[Id]] = [],  # noqa: B006 (ninja reads the default, never mutates it)
    grade_names: Query[list[str]] = [],  # noqa: B006
    flags: Query[list[StudentFlag]] = [],  # noqa: B006
) -> AudienceCountOut:
    """How many classes, students and guardians a notice from `issuer` with this audience would reach now."""
    require(request, "notice.change")
    unit = _writer(request, issuer)
    chosen = list(
        OrgUnit.objects.filter(pk__in=units, path__under=unit.path, kind__in=audience.AUDIENCE_KINDS).exclude(
            pk=unit.pk
        )
    )
    if len(chosen) != len(set(units)):
        raise HttpError(404, "范围中有不存在或不在发文单位之内的单位")
    found = audience.count(unit, audience.outermost(chosen), grade_names, [f.value for f in flags])
    return AudienceCountOut(
        classes=found.classes,
        students=found.students,
        guardians=found.guardians,
        guardians_estimated=found.guardians_estimated,
    )


@router.get("/notices/{notice_id}", response=NoticeOut)
def get_notice(request: AuthenticatedHttpRequest, notice_id: int) -> NoticeOut:
    return _notice_out(_get(request, notice_id))


class VersionIn(Schema):
    version: int


class NoticePatch(Schema):
    """Fields to change on a draft; those left out keep their value. `version` is the one read (409 if stale)."""

    version: int
    title: str | None = None
    body: str | None = Field(default=None, description="纯文本（空行分段）或简单 HTML；保存前清洗")
    questions: list[QuestionIn] | None = None
    audience_units: list[Id] | None = None
    audience_grade_names: list[str] | None = None
    audience_flags: list[StudentFlag] | None = None
    links_expire_on: dt.date | None = None


@router.patch("/notices/{notice_id}", response=NoticeOut)
def update_notice(request: AuthenticatedHttpRequest, notice_id: int, payload: NoticePatch) -> NoticeOut:
    """Edit a draft (409 once it is sent, or when `version` is stale)."""
    require(request, "notice.change")
    notice = _get(request, notice_id)
    if payload.audience_units is None:
        units = list(notice.audience_units.all())
    else:
        units = list(units_for(request.user).filter(pk__in=payload.audience_units))
        if len(units) != len(set(payload.audience_units)):
            raise DomainError("范围中有不存在或不在您管理范围内的单位", code="audience_outside")
    expires = timezone.localtime(notice.links_expire_at).date()
    services.update_notice(
        actor=request.user,
        notice=notice,
        version=payload.version,
        title=notice.title if payload.title is None else payload.title,
        body=notice.body_html if payload.body is None else payload.body,
        questions=notice.questions if payload.questions is None else [q.dict() for q in payload.questions],
        audience_units=units,
        grade_names=(
            notice.audience_grade_names if payload.audience_grade_names is None else payload.audience_grade_names
        ),
        flags=notice.audience_flags if payload.audience_flags is None else [f.value for f in payload.audience_flags],
        links_expire_on=payload.links_expire_on or expires,
    )
    return _notice_out(_get(request, notice_id))


@router.delete("/notices/{notice_id}", response={204: None})
def delete_notice(request: AuthenticatedHttpRequest, notice_id: int, version: int) -> Status[None]:
    """Delete a draft (`?version=` as read; 409 once it is sent)."""
    require(request, "notice.change")
    notice = _get(request, notice_id)
    services.delete_notice(actor=request.user, notice=notice, version=version)
    return Status(204, None)


@router.post("/notices/{notice_id}/send", response=NoticeOut)
def send_notice(request: AuthenticatedHttpRequest, notice_id: int, payload: VersionIn) -> NoticeOut:
    """Send a draft: one receipt per student reached, one link per guardian, one QR code per class (a large
    audience is written in the background: the answer shows `sending`). 409 when already sent or stale."""
    require(request, "notice.change")
    notice = _get(request, notice_id)
    services.send_notice(actor=request.user, notice=notice, version=payload.version)
    return _notice_out(_get(request, notice_id))


@router.post("/notices/{notice_id}/withdraw", response=NoticeOut)
def withdraw_notice(request: AuthenticatedHttpRequest, notice_id: int, payload: VersionIn) -> NoticeOut:
    """撤回: every guardian link and class QR code stops working at once."""
    notice = _get(request, notice_id)
    services.withdraw_notice(actor=request.user, notice=notice, version=payload.version)
    return _notice_out(_get(request, notice_id))


class ReceiptOut(Schema):
    id: int
    student: int
    student_name: str
    klass: int
    klass_name: str
    school: int
    guardian_phones: list[str] = Field(description="脱敏手机号")
    confirmed: bool
    confirmed_at: dt.datetime | None
    channel: str
    link: int | None
    confirmed_by: int | None
    answers: dict[str, Any]


def _receipt_out(r: Receipt) -> ReceiptOut:
    return ReceiptOut(
        id=r.pk,
        student=r.student_id,
        student_name=r.student.name,
        klass=r.klass_id,
        klass_name=r.klass.name,
        school=r.school_id,
        guardian_phones=[services.mask_guardian_phone(g.phone) for g in r.student.guardians.all()],
        confirmed=r.confirmed_at is not None,
        confirmed_at=r.confirmed_at,
        channel=r.channel,
        link=r.link_id,
        confirmed_by=r.confirmed_by_id,
        answers=r.answers,
    )


@router.get("/notices/{notice_id}/receipts", response=Paged[ReceiptOut])
def list_receipts(
    request: AuthenticatedHttpRequest,
    notice_id: int,
    paging: Query[PageParams],
    unit: Id | None = None,
    confirmed: bool | None = None,
) -> dict[str, object]:
    """Receipts (one per student) in the caller's scope; `unit`: a school, grade or class inside it;
    `confirmed=false`: the non-readers."""
    notice = _get(request, notice_id)
    where = _unit(request, unit)
    qs = (
        selectors.receipts_for(request.user, notice)
        .filter(selectors.receipt_filter(where))
        .select_related("student", "klass")
        .prefetch_related("student__guardians")
        .order_by("klass__path", "student__name", "id")
    )
    if confirmed is not None:
        qs = qs.filter(confirmed_at__isnull=not confirmed)
    page = paginate(qs, page=paging.page, page_size=paging.page_size)
    return {"items": [_receipt_out(r) for r in page.items], "count": page.count}


class PhoneConfirmIn(Schema):
    note: str = ""


@router.post("/notices/{notice_id}/receipts/{receipt_id}/phone-confirm", response=ReceiptOut)
def phone_confirm(
    request: AuthenticatedHttpRequest, notice_id: int, receipt_id: int, payload: PhoneConfirmIn
) -> ReceiptOut:
    """The class teacher records a confirmation given on the phone (channel `phone`)."""
    notice = _get(request, notice_id)
    receipt = get_object_or_404(selectors.receipts_for(request.user, notice).select_related("klass"), pk=receipt_id)
    services.confirm_by_phone(actor=request.user, receipt=receipt, note=payload.note)
    fresh = selectors.receipts_for(request.user, notice).select_related("student", "klass").get(pk=receipt_id)
    return _receipt_out(fresh)


class RateOut(Schema):
    unit: int
    name: str
    kind: str
    total: int
    confirmed: int
    rate: float
    children: list[RateOut] = []


class RatesOut(Schema):
    unit: int
    name: str
    total: int
    confirmed: int
    rate: float
    rows: list[RateOut]


def _rate(row: selectors.RateRow) -> RateOut:
    return RateOut(
        unit=row.unit_id,
        name=row.name,
        kind=row.kind,
        total=row.total,
        confirmed=row.confirmed,
        rate=row.rate,
        children=[_rate(c) for c in row.children],
    )


@router.get("/notices/{notice_id}/rates", response=RatesOut)
def rates(request: AuthenticatedHttpRequest, notice_id: int, unit: Id | None = None) -> RatesOut:
    """知晓率 at `unit` (default: the caller's unit) with one level below: districts (and schools directly under
    the city) for the city, schools for a district, grades with their classes for a school."""
    notice = _get(request, notice_id)
    where = _unit(request, unit)
    table = selectors.rates(notice, where)
    return RatesOut(
        unit=where.pk,
        name=where.name,
        total=table.total,
        confirmed=table.confirmed,
        rate=table.rate,
        rows=[_rate(r) for r in table.rows],
    )
