"""Sign-in for a shift, the duty log kept during it, and the daily check for missed sign-ins."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from dudao.accounts.models import User
from dudao.audit.services import Entry, append, record_change, snapshot
from dudao.core.errors import DomainError, Forbidden
from dudao.duty.models import DutyLogEntry, DutyShift, DutySignIn, LogOutcome, RosterStatus
from dudao.duty.services._common import _text, local
from dudao.messaging.services import Note, notify_batch
from dudao.orgs.scoping import can

# A sign-in is accepted from an hour before the shift until it ends; more than 30 minutes after the start is late.
SIGNIN_EARLY = dt.timedelta(hours=1)
SIGNIN_LATE_AFTER = dt.timedelta(minutes=30)


def sign_in(
    *, actor: User, shift: DutyShift, user_agent: str = "", ip: str | None = None, now: dt.datetime | None = None
) -> DutySignIn:
    """The person on duty signs in for their own shift; a second sign-in returns the first one unchanged."""
    now = now or timezone.now()
    with transaction.atomic():
        fresh = DutyShift.objects.select_for_update(of=("self",)).select_related("roster", "unit").get(pk=shift.pk)
        if fresh.person_id != actor.pk:
            raise Forbidden("只能为本人的班次签到")
        existing = DutySignIn.objects.filter(shift=fresh).first()
        if existing is not None:
            return existing
        if fresh.roster.status != RosterStatus.PUBLISHED:
            raise DomainError("值班表尚未发布，暂不能签到", code="roster_not_published", status=409)
        if now < fresh.starts_at - SIGNIN_EARLY:
            raise DomainError(
                f"班次 {local(fresh.starts_at):%m-%d %H:%M} 开始，最早提前 1 小时签到",
                code="signin_too_early",
                status=409,
            )
        if now >= fresh.ends_at:
            raise DomainError("该班次已结束，不能再签到", code="signin_after_shift", status=409)
        signin = DutySignIn.objects.create(
            shift=fresh,
            person=actor,
            signed_at=now,
            user_agent=(user_agent or "")[:300],
            ip=ip or None,
            is_late=now > fresh.starts_at + SIGNIN_LATE_AFTER,
        )
        record_change(
            actor=actor,
            action="sign_in",
            obj=fresh,
            unit_path=fresh.unit.path,
            after={"signed_at": now.isoformat(), "late": signin.is_late, "user_agent": signin.user_agent, "ip": ip},
        )
    return signin


def may_keep_log(actor: User, shift: DutyShift) -> bool:
    return shift.person_id == actor.pk or can(actor, "duty.change", shift.unit)


def add_log_entry(
    *, actor: User, shift: DutyShift, kind: str, text: str, outcome: str, escalated_to: str = ""
) -> DutyLogEntry:
    """值班日志: an event or call during the shift, handled on the spot or escalated (to whom)."""
    from dudao.duty.models import LogKind

    if kind not in LogKind.values:
        raise DomainError("请选择日志类型", code="log_kind_invalid")
    if outcome not in LogOutcome.values:
        raise DomainError("请选择处理结果", code="log_outcome_invalid")
    text = _text(text, label="日志内容", limit=500)
    escalated_to = _text(escalated_to, label="上报对象", limit=100, required=outcome == LogOutcome.ESCALATED)
    with transaction.atomic():
        fresh = DutyShift.objects.select_for_update(of=("self",)).select_related("unit").get(pk=shift.pk)
        if not may_keep_log(actor, fresh):
            raise Forbidden("只有值班人或本单位管理员可以填写值班日志")
        if timezone.now() < fresh.starts_at - SIGNIN_EARLY:
            raise DomainError("班次尚未开始，不能填写值班日志", code="log_before_shift", status=409)
        entry = DutyLogEntry.objects.create(
            shift=fresh, author=actor, kind=kind, text=text, outcome=outcome, escalated_to=escalated_to
        )
        record_change(
            actor=actor,
            action="log",
            obj=fresh,
            unit_path=fresh.unit.path,
            after=snapshot(entry, ["kind", "text", "outcome", "escalated_to"]),
        )
    return entry


def signin_cutoff(now: dt.datetime | None = None) -> dt.datetime:
    """The latest sign-in deadline (DUDAO_DUTY_SIGNIN_DEADLINE, local time) at or before `now`."""
    now = local(now or timezone.now())
    hour, minute = (int(p) for p in settings.DUDAO_DUTY_SIGNIN_DEADLINE.split(":"))
    cutoff = now.replace(hour=hour, minute=minute, second=0, microsecond=0)
    return cutoff if cutoff <= now else cutoff - dt.timedelta(days=1)


def missed_signins(qs: QuerySet[DutyShift], now: dt.datetime | None = None) -> QuerySet[DutyShift]:
    """Published shifts that started in the 24 hours up to the last deadline and still have no sign-in."""
    cutoff = signin_cutoff(now)
    return qs.filter(
        roster__status=RosterStatus.PUBLISHED,
        starts_at__lte=cutoff,
        starts_at__gt=cutoff - dt.timedelta(days=1),
        signin__isnull=True,
    )


def remind_upcoming_shifts(*, now: dt.datetime | None = None) -> int:
    """The afternoon reminder: everyone whose published shift starts within the next 24 hours hears of it once
    (消息中心, and 企业微信/钉钉 as they chose). Returns how many reminders are new."""
    now = now or timezone.now()
    shifts = DutyShift.objects.filter(
        roster__status=RosterStatus.PUBLISHED, starts_at__gt=now, starts_at__lte=now + dt.timedelta(hours=24)
    ).select_related("unit")
    return notify_batch(
        (
            Note(
                s.person_id,
                f"值班提醒：{local(s.starts_at):%m月%d日 %H:%M} 起{s.get_role_display()}",
                f"{s.unit.name}，至 {local(s.ends_at):%m月%d日 %H:%M}。请按时到岗签到，保持电话畅通。",
                "duty:mine",
                f"duty-upcoming:{s.pk}",
            )
            for s in shifts.iterator(chunk_size=2000)
        ),
        category="duty",
        now=now,
    )


def flag_missed_signins(*, now: dt.datetime | None = None) -> int:
    """The 09:30 check: mark every missed sign-in (once) and audit it for the unit. Safe to run again."""
    with transaction.atomic():
        shifts = list(
            missed_signins(DutyShift.objects.all(), now)
            .filter(missed_flagged_at__isnull=True)
            .select_related("unit", "person")
            .select_for_update(of=("self",))
        )
        if not shifts:
            return 0
        at = timezone.now()
        DutyShift.objects.filter(pk__in=[s.pk for s in shifts]).update(missed_flagged_at=at)
        notify_batch(
            (
                Note(
                    s.person_id,
                    "值班尚未签到",
                    f"{s.unit.name} {local(s.starts_at):%m月%d日 %H:%M} 起的值班尚未签到，请立即签到",
                    "duty:mine",
                    f"duty-missed:{s.pk}",
                )
                for s in shifts
            ),
            category="duty",
        )
        append(
            actor=None,
            entries=[
                Entry(
                    action="missed_sign_in",
                    obj=s,
                    unit_path=s.unit.path,
                    changes={"after": {"person": s.person_id, "starts_at": s.starts_at.isoformat()}},
                )
                for s in shifts
            ],
        )
    return len(shifts)
