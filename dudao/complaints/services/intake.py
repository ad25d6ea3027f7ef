"""受理: items from the public form (no login), the hotline clerk, and forwarded 12345 tickets (see `excel`)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from dudao.accounts.models import User
from dudao.audit.services import record_change, snapshot
from dudao.complaints.models import Category, Channel, Complaint, ComplaintSeries, ComplaintStep, Kind, StepKind
from dudao.core.errors import DomainError, Forbidden
from dudao.orgs.models import OrgUnit, UnitKind
from dudao.orgs.scoping import acting_assignment, can

MAX_TITLE = 100
MAX_CONTENT = 2000
MIN_CONTENT = 10
MAX_ABOUT = 100
MAX_NAME = 30
# Mobile numbers, or landlines with an area code (0xxx-xxxxxxx), as the public writes them.
PHONE = re.compile(r"^(1[3-9][0-9]{9}|0[0-9]{2,3}-?[0-9]{7,8})$")
AUDIT_FIELDS = ["year", "seq", "kind", "category", "channel", "title", "unit", "status", "deadline", "rating"]


@dataclass(frozen=True)
class Submission:
    """What the complainant says, however it reached the bureau."""

    kind: str
    category: str
    title: str
    content: str
    about: str = ""
    is_anonymous: bool = False
    name: str = ""
    phone: str = ""
    external_no: str = ""


def _text(value: str, *, label: str, limit: int, code: str, minimum: int = 1) -> str:
    text = (value or "").strip()
    if not text:
        raise DomainError(f"请填写{label}", code=code)
    if len(text) < minimum:
        raise DomainError(f"{label}至少 {minimum} 个字，请把情况说清楚", code=code)
    if len(text) > limit:
        raise DomainError(f"{label}不能超过 {limit} 字（现有 {len(text)} 字）", code=code)
    return text


def clean(submission: Submission) -> Submission:
    """The submission checked and trimmed, or a DomainError naming the first problem."""
    if submission.kind not in Kind.values:
        raise DomainError("请选择诉求类型（投诉举报或意见建议）", code="kind_invalid")
    if submission.category not in Category.values:
        raise DomainError("请选择问题类别", code="category_invalid")
    title = _text(submission.title, label="标题", limit=MAX_TITLE, code="title_required")
    content = _text(
        submission.content, label="具体内容", limit=MAX_CONTENT, code="content_required", minimum=MIN_CONTENT
    )
    about = (submission.about or "").strip()
    if len(about) > MAX_ABOUT:
        raise DomainError(f"涉及学校或单位不能超过 {MAX_ABOUT} 字", code="about_too_long")
    name, phone = (submission.name or "").strip(), re.sub(r"\s", "", submission.phone or "")
    if submission.is_anonymous:
        name, phone = "", ""
    else:
        name = _text(name, label="姓名（或选择匿名）", limit=MAX_NAME, code="name_required")
        if not phone:
            raise DomainError("请填写联系电话，以便承办单位向您核实情况（或选择匿名）", code="phone_required")
        if not PHONE.match(phone):
            raise DomainError("联系电话格式不正确：请填写 11 位手机号或带区号的固定电话", code="phone_invalid")
    external = (submission.external_no or "").strip()[:40]
    return Submission(
        kind=submission.kind,
        category=submission.category,
        title=title,
        content=content,
        about=about,
        is_anonymous=submission.is_anonymous,
        name=name,
        phone=phone,
        external_no=external,
    )


def intake_bureau() -> OrgUnit:
    """The bureau whose office receives the public's items: `DUDAO_COMPLAINTS_INTAKE_UNIT` (a unit id) when set,
    else the root of the tree (one deployment serves one bureau)."""
    configured = getattr(settings, "DUDAO_COMPLAINTS_INTAKE_UNIT", None)
    if configured:
        unit = OrgUnit.objects.filter(pk=int(configured)).first()
        if unit is not None:
            return unit
    root = OrgUnit.get_root_nodes().order_by("path").first()
    if root is None:
        raise DomainError("系统尚未设置教育局，暂不能受理", code="no_bureau", status=503)
    return root


def clerk_bureau(actor: User) -> OrgUnit:
    """The bureau an office clerk takes calls for: the acting unit (a bureau or district bureau)."""
    assignment = acting_assignment(actor)
    if assignment is None or assignment.unit.kind not in (UnitKind.BUREAU, UnitKind.DISTRICT):
        raise Forbidden("请切换到教育局办公室身份后再登记来电或导入工单")
    return assignment.unit


def next_number(year: int) -> int:
    """The year's next sequence number; the series row stays locked until the transaction ends, so two
    submissions at the same moment never get the same number."""
    ComplaintSeries.objects.get_or_create(year=year)
    series = ComplaintSeries.objects.select_for_update().get(year=year)
    series.last += 1
    series.save(update_fields=["last"])
    return series.last


def _create(
    *, actor: User | None, submission: Submission, channel: str, bureau: OrgUnit, request_key: str | None
) -> Complaint:
    now = timezone.now()
    year = timezone.localdate().year
    complaint = Complaint.objects.create(
        year=year,
        seq=next_number(year),
        kind=submission.kind,
        category=submission.category,
        channel=channel,
        title=submission.title,
        content=submission.content,
        about=submission.about,
        is_anonymous=submission.is_anonymous,
        name=submission.name,
        phone=submission.phone,
        external_no=submission.external_no,
        intake_unit=bureau,
        unit=bureau,
        received_at=now,
        received_by=actor,
        request_key=request_key,
    )
    ComplaintStep.objects.create(
        complaint=complaint, kind=StepKind.RECEIVED, text=Channel(channel).label, unit=bureau, actor=actor
    )
    # The identity never enters the audit trail: only whether there is one.
    record_change(
        actor=actor,
        action="create",
        obj=complaint,
        unit_path=bureau.path,
        after={**snapshot(complaint, AUDIT_FIELDS), "anonymous": submission.is_anonymous},
    )
    return complaint


def _same(existing: Complaint, submission: Submission) -> Complaint:
    """A key reused for different content is refused: a key must never hand out someone else's item."""
    if existing.title != submission.title or existing.content != submission.content:
        raise DomainError("该提交编号已被使用，请刷新页面后重新提交", code="request_key_reused", status=409)
    return existing


def _once(key: str | None, submission: Submission, create: Callable[[], Complaint]) -> Complaint:
    """Run `create` unless an item with the same one-time key exists (a double click, a resent form)."""
    if key is not None:
        existing = Complaint.objects.filter(request_key=key).first()
        if existing is not None:
            return _same(existing, submission)
    try:
        with transaction.atomic():
            return create()
    except IntegrityError:
        existing = Complaint.objects.filter(request_key=key).first() if key else None
        if existing is None:
            raise
        return _same(existing, submission)


def _key(request_key: str) -> str | None:
    return (request_key or "").strip()[:64] or None


def submit_public(*, submission: Submission, request_key: str = "", bureau: OrgUnit | None = None) -> Complaint:
    """An item from the public form or `POST /api/v1/public/complaints` (no account). The caller limits the rate
    per client address before calling."""
    cleaned = clean(submission)
    bureau = bureau or intake_bureau()
    key = _key(request_key)
    return _once(
        key,
        cleaned,
        lambda: _create(actor=None, submission=cleaned, channel=Channel.WEB, bureau=bureau, request_key=key),
    )


def record_call(
    *, actor: User, submission: Submission, channel: str = Channel.HOTLINE, request_key: str = ""
) -> Complaint:
    """A call taken by the office's clerk (or a 12345 ticket typed in by hand), received by the clerk's bureau."""
    bureau = clerk_bureau(actor)
    if not can(actor, "complaint.handle", bureau):
        raise Forbidden("只有教育局办公室的受理人员才能登记来电")
    if channel not in (Channel.HOTLINE, Channel.HOTLINE_12345):
        raise DomainError("来源只能是电话受理或 12345 转办", code="channel_invalid")
    cleaned = clean(submission)
    key = _key(request_key)
    return _once(
        key,
        cleaned,
        lambda: _create(actor=actor, submission=cleaned, channel=channel, bureau=bureau, request_key=key),
    )


def record_forwarded(*, actor: User, submissions: list[Submission]) -> list[Complaint]:
    """12345 转办工单 checked by the importer (`excel.import_tickets`), created together: all or none."""
    bureau = clerk_bureau(actor)
    if not can(actor, "complaint.handle", bureau):
        raise Forbidden("只有教育局办公室的受理人员才能导入 12345 转办工单")
    with transaction.atomic():
        return [
            _create(actor=actor, submission=clean(s), channel=Channel.HOTLINE_12345, bureau=bureau, request_key=None)
            for s in submissions
        ]
