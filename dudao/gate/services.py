"""门卫登记 use cases: register a visitor, check them out, reveal the full numbers, search for contact tracing,
export, and purge records past the retention period. Each runs in one transaction and leaves an audit event."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from dudao.accounts.models import User
from dudao.audit.services import Entry, append, record_access, record_change, root_path, snapshot
from dudao.core.errors import DomainError, Forbidden, check_version
from dudao.core.locking import bump
from dudao.gate.models import Visit, VisitReason
from dudao.orgs.models import OrgUnit, UnitKind
from dudao.orgs.scoping import can
from dudao.orgs.text import MOBILE_RE, is_valid_id_card, mask_id_card, mask_phone

AUDITED = [
    "school",
    "name",
    "id_card_no",
    "phone",
    "host",
    "host_text",
    "reason",
    "reason_other",
    "has_symptoms",
    "temperature",
    "travel_history",
    "checked_in_at",
    "checked_out_at",
]
# A clock a few minutes ahead on the guard's phone is not a visit "in the future".
CLOCK_SKEW = dt.timedelta(minutes=5)
# The same visitor registered again within this time while still inside is a double submit.
DOUBLE_SUBMIT = dt.timedelta(minutes=10)
TEMPERATURE_RANGE = (Decimal("34.0"), Decimal("42.5"))
# A contact-tracing search covers at most this many days.
TRACE_MAX_DAYS = 62


def retention_days() -> int:
    return int(settings.DUDAO_VISITOR_RETENTION_DAYS)


def normalise_id_card(raw: str) -> str:
    return re.sub(r"\s+", "", raw or "").upper()


def check_id_card(number: str) -> str:
    """The number in capitals, or a DomainError saying what is wrong (length, characters, check digit, birth date)."""
    number = normalise_id_card(number)
    if not number:
        raise DomainError("请填写身份证号", code="id_card_missing")
    if not re.fullmatch(r"\d{17}[\dX]", number):
        raise DomainError("身份证号应为18位：前17位是数字，最后一位是数字或X", code="id_card_format")
    if not is_valid_id_card(number):
        raise DomainError("身份证号校验位不正确，请核对后重新输入", code="id_card_check_digit")
    try:
        birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise DomainError("身份证号中的出生日期不存在，请核对", code="id_card_birth") from None
    if birth > timezone.localdate() or birth.year < 1900:
        raise DomainError("身份证号中的出生日期不正确，请核对", code="id_card_birth")
    return number


def _check_temperature(value: Any) -> Decimal:
    try:
        temperature = Decimal(str(value)).quantize(Decimal("0.1"))
    except (InvalidOperation, ValueError):
        raise DomainError("请填写体温，例如 36.5", code="temperature_invalid") from None
    low, high = TEMPERATURE_RANGE
    if not low <= temperature <= high:
        raise DomainError(f"体温应在 {low}–{high} ℃ 之间，请重新测量", code="temperature_range")
    return temperature


def _school(actor: User, school: OrgUnit, permission: str) -> None:
    if school.kind != UnitKind.SCHOOL:
        raise DomainError("请在学校身份下登记访客", code="not_a_school")
    if not can(actor, permission, school):
        raise Forbidden("您当前的身份不能为该学校登记访客")


@dataclass(frozen=True)
class VisitorInput:
    name: str = ""
    id_card_no: str = ""
    phone: str = ""
    host: User | None = None
    host_text: str = ""
    reason: str = ""
    reason_other: str = ""
    has_symptoms: bool = False
    temperature: Any = None
    travel_history: str = ""
    checked_in_at: dt.datetime | None = None
    # A visit of the same school the guard picked from recent visitors: name, ID number and phone are copied from it
    # on the server, so the full ID number never travels to the guard's phone.
    previous: Visit | None = None


def register_visit(*, actor: User, school: OrgUnit, data: VisitorInput) -> Visit:
    """Register a visitor at `school`'s gate. Registering the same person again within ten minutes while they are
    still inside returns the first record (a double tap on a slow phone)."""
    _school(actor, school, "visitor.register")
    now = timezone.now()
    if data.previous is not None:
        if data.previous.school_id != school.pk:
            raise DomainError("所选的既往访客不属于本校", code="previous_elsewhere")
        name, id_card_no, phone = data.previous.name, data.previous.id_card_no, data.previous.phone
    else:
        name = (data.name or "").strip()
        if not name:
            raise DomainError("请填写访客姓名", code="name_missing")
        if len(name) > 40:
            raise DomainError("访客姓名最多40个字", code="name_too_long")
        id_card_no = check_id_card(data.id_card_no)
        phone = re.sub(r"\D", "", data.phone or "")
        if not MOBILE_RE.match(phone):
            raise DomainError("请填写11位手机号", code="phone_invalid")
    host_text = (data.host_text or "").strip()[:60]
    if data.host is not None:
        if data.host.unit is None or not data.host.unit.path.startswith(school.path):
            raise DomainError("被访人不是本校人员", code="host_elsewhere")
    elif not host_text:
        raise DomainError("请选择或填写被访人", code="host_missing")
    if data.reason not in VisitReason.values:
        raise DomainError("请选择来访事由", code="reason_missing")
    reason_other = (data.reason_other or "").strip()[:60]
    if data.reason == VisitReason.OTHER and not reason_other:
        raise DomainError("来访事由选“其他”时请写明事由", code="reason_other_missing")
    temperature = _check_temperature(data.temperature)
    checked_in_at = data.checked_in_at or now
    if checked_in_at > now + CLOCK_SKEW:
        raise DomainError("进校时间不能晚于现在", code="visit_in_future")
    if checked_in_at < now - dt.timedelta(days=retention_days()):
        raise DomainError(f"只能补登 {retention_days()} 天内的来访", code="visit_too_old")
    with transaction.atomic():
        duplicate = (
            Visit.objects.select_for_update()
            .filter(
                school=school,
                id_card_no=id_card_no,
                checked_out_at__isnull=True,
                created_at__gte=now - DOUBLE_SUBMIT,
            )
            .first()
        )
        if duplicate is not None:
            return duplicate
        visit = Visit.objects.create(
            school=school,
            name=name,
            id_card_no=id_card_no,
            phone=phone,
            host=data.host,
            host_text="" if data.host is not None else host_text,
            reason=data.reason,
            reason_other=reason_other if data.reason == VisitReason.OTHER else "",
            has_symptoms=data.has_symptoms,
            temperature=temperature,
            travel_history=(data.travel_history or "").strip()[:100],
            checked_in_at=checked_in_at,
            registered_by=actor,
        )
        record_change(
            actor=actor,
            action="visitor_register",
            obj=visit,
            unit_path=school.path,
            after=snapshot(visit, AUDITED),
        )
    return visit


def check_out(*, actor: User, visit: Visit, at: dt.datetime | None = None, version: int | None = None) -> Visit:
    """Record the time out (now unless `at`). A visitor already checked out is left as they are: a second tap on
    离校 changes nothing."""
    _school(actor, visit.school, "visitor.register")
    now = timezone.now()
    with transaction.atomic():
        fresh = Visit.objects.select_for_update(of=("self",)).select_related("school").get(pk=visit.pk)
        if fresh.checked_out_at is not None:
            return fresh
        check_version(fresh, version)
        out = at or now
        if out > now + CLOCK_SKEW:
            raise DomainError("离校时间不能晚于现在", code="check_out_in_future")
        if out < fresh.checked_in_at:
            local_in = timezone.localtime(fresh.checked_in_at)
            raise DomainError(f"离校时间不能早于进校时间（{local_in:%m-%d %H:%M}）", code="check_out_before_check_in")
        before = snapshot(fresh, ["checked_out_at"])
        fresh.checked_out_at = out
        fresh.checked_out_by = actor
        bump(fresh, ["checked_out_at", "checked_out_by"])
        record_change(
            actor=actor,
            action="visitor_check_out",
            obj=fresh,
            unit_path=fresh.school.path,
            before=before,
            after=snapshot(fresh, ["checked_out_at"]),
        )
    return fresh


def reveal_visit(*, actor: User, visit: Visit) -> dict[str, str]:
    """The full ID number and phone, for the roles that call visitors during contact tracing; every call is logged."""
    if not can(actor, "visitor.unmask", visit.school):
        raise Forbidden("您的角色不能查看访客的完整身份证号和手机号")
    with transaction.atomic():
        record_access(
            actor=actor,
            action="view_unmasked",
            obj=visit,
            unit_path=visit.school.path,
            details={"fields": ["id_card_no", "phone"], "name": visit.name},
        )
    return {"id_card_no": visit.id_card_no, "phone": visit.phone}


@dataclass(frozen=True)
class TraceQuery:
    """A contact-tracing search: who came in a date range, by name, phone or ID number, under a unit."""

    unit: OrgUnit
    start: dt.date
    end: dt.date
    q: str = ""

    @property
    def kind(self) -> str:
        """What `q` is: an ID number (15+ characters of digits/X), a phone (digits), else a name."""
        text = normalise_id_card(self.q)
        if re.fullmatch(r"\d{15,17}[\dX]?", text):
            return "id_card_no"
        if re.fullmatch(r"\d{3,11}", text):
            return "phone"
        return "name" if text else ""

    def details(self) -> dict[str, Any]:
        """What the access event records: the range, the unit and the search term under a key the audit trail masks
        (an ID number or phone never enters the trail in clear)."""
        details: dict[str, Any] = {"unit": self.unit.name, "start": self.start.isoformat(), "end": self.end.isoformat()}
        if self.kind:
            details[self.kind] = normalise_id_card(self.q) if self.kind != "name" else self.q.strip()
        return details


def check_trace(query: TraceQuery) -> TraceQuery:
    if query.end < query.start:
        raise DomainError("结束日期不能早于开始日期", code="range_reversed")
    if (query.end - query.start).days + 1 > TRACE_MAX_DAYS:
        raise DomainError(f"一次最多查询 {TRACE_MAX_DAYS} 天", code="range_too_long")
    if query.start > timezone.localdate():
        raise DomainError("开始日期不能晚于今天", code="range_in_future")
    return query


def log_trace(
    *, actor: User, query: TraceQuery, found: int, action: str = "visitor_trace", unmasked: bool = False
) -> None:
    """Every contact-tracing search and export is an access event: who looked for whom, where, in which days."""
    with transaction.atomic():
        record_access(
            actor=actor,
            action=action,
            obj=None,
            unit_path=query.unit.path,
            details={
                "object_type": "gate.visit",
                "object_repr": "访客记录",
                "found": found,
                "unmasked_id": unmasked,
                "unmasked_phone": unmasked,
                **query.details(),
            },
        )


def purge_expired(*, actor: User | None = None, today: dt.date | None = None) -> int:
    """Delete visits older than the retention period (personal data); one audit event with the count only."""
    today = today or timezone.localdate()
    days = retention_days()
    cutoff = timezone.make_aware(dt.datetime.combine(today - dt.timedelta(days=days), dt.time.min))
    with transaction.atomic():
        deleted, _ = Visit.objects.filter(checked_in_at__lt=cutoff).delete()
        if deleted:
            append(
                actor=actor,
                entries=[
                    Entry(
                        action="visitor_purge",
                        object_type="gate.visit",
                        object_repr="到期访客记录",
                        unit_path=root_path(),
                        changes={"count": deleted, "retention_days": days, "purged_before": cutoff.date().isoformat()},
                    )
                ],
            )
    return deleted


def masked(visit: Visit) -> dict[str, str]:
    return {"id_card_no": mask_id_card(visit.id_card_no), "phone": mask_phone(visit.phone)}
