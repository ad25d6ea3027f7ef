"""继续教育 services: events (create, edit with optimistic locking), enrolment, QR sign-in, attendance recorded by
the organiser. Each checks the acting role on the organiser unit, runs in one transaction and is audited.

QR sign-in: the organiser's screen shows a signed code that is good for `DUDAO_TRAINING_QR_MINUTES` (the page
renews it); scanning it while logged in credits the event's hours, only from 30 minutes before the start to the
end. A second scan (or a double tap) answers with the attendance already there."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.utils import timezone

from dudao.accounts.models import User
from dudao.audit.services import Entry, append, record_change, snapshot
from dudao.core.errors import DomainError, Forbidden
from dudao.core.locking import bump, locked
from dudao.orgs.models import OrgUnit
from dudao.orgs.scoping import can
from dudao.training.models import Attendance, Category, Enrolment, Level, Method, TrainingEvent

EVENT_FIELDS = ["title", "level", "category", "starts_at", "ends_at", "venue", "hours", "audience"]
SIGN_IN_MARGIN = dt.timedelta(minutes=30)
MAX_EVENT_HOURS = Decimal("999.9")
_SIGNER_SALT = "dudao.training.sign-in"


def qr_minutes() -> int:
    return int(getattr(settings, "DUDAO_TRAINING_QR_MINUTES", 5))


def _check(actor: User, unit: OrgUnit) -> None:
    if not can(actor, "training.organise", unit):
        raise Forbidden("只有主办单位的管理人员可以操作该培训")


def _text(value: str | None, *, label: str, limit: int, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise DomainError(f"请填写{label}", code="required")
    if len(value) > limit:
        raise DomainError(f"{label}不能超过 {limit} 字", code="too_long")
    return value


def parse_hours(raw: Any) -> Decimal:
    """Hours as a positive Decimal with at most one decimal place, or DomainError."""
    try:
        value = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError):
        raise DomainError("学时应为数字，如 3 或 1.5", code="hours_invalid") from None
    if not value.is_finite() or value <= 0:
        raise DomainError("学时应大于 0", code="hours_invalid")
    if value != value.quantize(Decimal("0.1")):
        raise DomainError("学时最多保留一位小数", code="hours_invalid")
    if value > MAX_EVENT_HOURS:
        raise DomainError("学时过大", code="hours_invalid")
    return value


@dataclass(frozen=True)
class EventIn:
    title: str
    level: str
    category: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    venue: str
    hours: Decimal
    audience: str = ""


def _values(data: EventIn) -> dict[str, Any]:
    if data.level not in Level.values:
        raise DomainError("请选择培训级别", code="level_invalid")
    if data.category not in Category.values:
        raise DomainError("请选择培训类别", code="category_invalid")
    if data.ends_at <= data.starts_at:
        raise DomainError("结束时间应晚于开始时间", code="ends_before_start")
    event = TrainingEvent(starts_at=data.starts_at, ends_at=data.ends_at)
    hours = parse_hours(data.hours)
    if hours > event.length_hours:
        raise DomainError(
            f"认定学时（{hours}）不能超过培训时长（{event.length_hours} 小时）", code="hours_beyond_length"
        )
    return {
        "title": _text(data.title, label="培训名称", limit=100),
        "level": data.level,
        "category": data.category,
        "starts_at": data.starts_at,
        "ends_at": data.ends_at,
        "venue": _text(data.venue, label="培训地点", limit=100),
        "hours": hours,
        "audience": _text(data.audience, label="培训对象", limit=100, required=False),
        "year": timezone.localtime(data.starts_at).year,
    }


def create_event(*, actor: User, organiser: OrgUnit, data: EventIn) -> TrainingEvent:
    _check(actor, organiser)
    values = _values(data)
    with transaction.atomic():
        same = TrainingEvent.objects.filter(
            organiser=organiser, title=values["title"], starts_at=values["starts_at"]
        ).first()
        if same is not None:  # a double submit of the same form
            return same
        event = TrainingEvent.objects.create(organiser=organiser, created_by=actor, **values)
        record_change(
            actor=actor,
            action="create_training",
            obj=event,
            unit_path=organiser.path,
            after=snapshot(event, EVENT_FIELDS),
        )
    return event


def update_event(*, actor: User, event: TrainingEvent, data: EventIn, version: int | None) -> TrainingEvent:
    _check(actor, event.organiser)
    values = _values(data)
    with transaction.atomic():
        fresh = locked(TrainingEvent.objects, event.pk, version)
        before = snapshot(fresh, EVENT_FIELDS)
        credited = fresh.attendances.filter(hours__gt=values["hours"]).count()
        if credited:
            raise DomainError(
                f"已有 {credited} 人按更高的学时登记，不能把认定学时降到 {values['hours']}", code="hours_below_credited"
            )
        for name, value in values.items():
            setattr(fresh, name, value)
        bump(fresh, [*values])
        if fresh.attendances.exclude(year=fresh.year).exists():
            fresh.attendances.update(year=fresh.year)
        record_change(
            actor=actor,
            action="update_training",
            obj=fresh,
            unit_path=fresh.organiser.path,
            before=before,
            after=snapshot(fresh, EVENT_FIELDS),
        )
    return fresh


def eligible(event: TrainingEvent, people: Iterable[User]) -> list[User]:
    """Those of `people` who work inside the organiser's subtree (a school's training is for its own staff)."""
    root = event.organiser.path
    return [p for p in people if p.is_active and p.unit is not None and p.unit.path.startswith(root)]


def enrol(*, actor: User, event: TrainingEvent, people: Iterable[User]) -> int:
    """Enrol people (those already enrolled are skipped); returns how many were added."""
    _check(actor, event.organiser)
    people = list(people)
    outside = [p for p in people if p not in eligible(event, people)]
    if outside:
        names = "、".join(p.display_name for p in outside[:5])
        raise DomainError(f"{names} 不在主办单位{event.organiser.name}范围内", code="outside_organiser")
    with transaction.atomic():
        existing = set(Enrolment.objects.filter(event=event, user__in=people).values_list("user_id", flat=True))
        new = [Enrolment(event=event, user=p, enrolled_by=actor) for p in people if p.pk not in existing]
        Enrolment.objects.bulk_create(new, ignore_conflicts=True)
        if new:
            append(
                actor=actor,
                entries=[
                    Entry(
                        action="enrol_training",
                        obj=event,
                        unit_path=event.organiser.path,
                        changes={"after": {"people": len(new)}},
                    )
                ],
            )
    return len(new)


def enrol_unit(*, actor: User, event: TrainingEvent, unit: OrgUnit, class_teachers_only: bool = False) -> int:
    """Enrol every active staff member (with a 教师档案) under `unit`."""
    _check(actor, event.organiser)
    if not unit.path.startswith(event.organiser.path):
        raise DomainError(f"{unit.name}不在主办单位{event.organiser.name}范围内", code="outside_organiser")
    people = User.objects.filter(unit__path__under=unit.path, is_active=True, staff_profile__isnull=False)
    if class_teachers_only:
        people = people.filter(staff_profile__is_class_teacher=True)
    return enrol(actor=actor, event=event, people=people.select_related("unit"))


# ----- QR sign-in --------------------------------------------------------------------------------


def sign_in_token(event: TrainingEvent) -> str:
    return signing.TimestampSigner(salt=_SIGNER_SALT).sign(str(event.pk))


def event_of_token(token: str) -> int:
    """The event id of a code shown at the venue no longer than `qr_minutes()` ago, else DomainError."""
    signer = signing.TimestampSigner(salt=_SIGNER_SALT)
    try:
        raw = signer.unsign(token, max_age=dt.timedelta(minutes=qr_minutes()))
    except signing.SignatureExpired:
        raise DomainError("二维码已过期，请扫描现场屏幕上最新的二维码", code="qr_expired") from None
    except signing.BadSignature:
        raise DomainError("二维码无效，请扫描现场屏幕上的签到二维码", code="qr_invalid") from None
    if not raw.isdigit():
        raise DomainError("二维码无效，请扫描现场屏幕上的签到二维码", code="qr_invalid")
    return int(raw)


def check_window(event: TrainingEvent, now: dt.datetime) -> None:
    opens, closes = event.window(SIGN_IN_MARGIN)
    if now < opens:
        raise DomainError(
            f"签到尚未开始：开始前 30 分钟（{timezone.localtime(opens):%m月%d日 %H:%M}）起可签到",
            code="sign_in_not_open",
        )
    if now > closes:
        raise DomainError(
            f"签到已结束：培训已于 {timezone.localtime(closes):%m月%d日 %H:%M} 结束", code="sign_in_closed"
        )


def sign_in(*, person: User, token: str, now: dt.datetime | None = None) -> tuple[Attendance, bool]:
    """Credit the event's hours to `person` for a scanned code; (the attendance, created?)."""
    now = now or timezone.now()
    pk = event_of_token(token)
    event = TrainingEvent.objects.select_related("organiser").filter(pk=pk).first()
    if event is None:
        raise DomainError("该培训已不存在", code="qr_invalid")
    existing = Attendance.objects.filter(event=event, user=person).first()
    if existing is not None:
        return existing, False
    if not person.is_active or person.unit is None or not person.unit.path.startswith(event.organiser.path):
        raise DomainError(f"您不在本次培训的范围内（主办单位：{event.organiser.name}）", code="outside_organiser")
    check_window(event, now)
    try:
        with transaction.atomic():
            attendance = Attendance.objects.create(
                event=event, user=person, year=event.year, hours=event.hours, method=Method.QR, signed_at=now
            )
            Enrolment.objects.get_or_create(event=event, user=person)
            record_change(
                actor=person,
                action="training_sign_in",
                obj=attendance,
                unit_path=person.unit.path,
                after=snapshot(attendance, ["event", "user", "hours", "method"]),
            )
    except IntegrityError:  # two taps raced: the other one won
        return Attendance.objects.get(event=event, user=person), False
    return attendance, True


def record_attendance(*, actor: User, event: TrainingEvent, person: User, hours: Decimal | None = None) -> Attendance:
    """The organiser credits one person (e.g. who signed the paper list); hours default to the event's."""
    _check(actor, event.organiser)
    if not eligible(event, [person]):
        raise DomainError(f"{person.display_name}不在主办单位{event.organiser.name}范围内", code="outside_organiser")
    credited = event.hours if hours is None else parse_hours(hours)
    if credited > event.hours:
        raise DomainError(f"学时不能超过本次培训的认定学时（{event.hours}）", code="hours_beyond_event")
    with transaction.atomic():
        attendance, created = Attendance.objects.get_or_create(
            event=event,
            user=person,
            defaults={"year": event.year, "hours": credited, "method": Method.MANUAL, "recorded_by": actor},
        )
        if created:
            Enrolment.objects.get_or_create(event=event, user=person, defaults={"enrolled_by": actor})
            record_change(
                actor=actor,
                action="record_training_attendance",
                obj=attendance,
                unit_path=event.organiser.path,
                after=snapshot(attendance, ["event", "user", "hours", "method"]),
            )
    return attendance
