"""Alert handling: acknowledge, report to the CDC, measures, close; escalation of unacknowledged alerts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from dudao.accounts.models import User
from dudao.audit.services import Entry, append, record_change
from dudao.core.errors import DomainError, Forbidden
from dudao.core.locking import bump, locked
from dudao.health.models import Alert, AlertStatus, Measure, MeasureKind
from dudao.messaging.services import UnitNote, notify_units
from dudao.orgs.models import OrgUnit
from dudao.orgs.scoping import can


def aware(value: dt.datetime | None) -> dt.datetime | None:
    """A datetime input without a zone is local time (Asia/Shanghai); comparing it with aware ones would fail."""
    if value is not None and timezone.is_naive(value):
        return timezone.make_aware(value, timezone.get_default_timezone())
    return value


def notify_raised(alerts: Sequence[Alert], school_paths: Mapping[int, str]) -> int:
    """A new alert reaches, at once and whatever the hour, the school's doctor (and a health officer posted at the
    school) and the health officer of the bureau right above the school (the district's, or the city's for a school
    directly under it). Called inside the transaction that raised the alerts; two unit lookups for any number."""
    if not alerts:
        return 0
    step = OrgUnit.steplen
    parents = dict(
        OrgUnit.objects.filter(
            path__in={school_paths[a.school_id][:-step] for a in alerts if len(school_paths[a.school_id]) > step}
        ).values_list("path", "pk")
    )

    def note(alert: Alert, unit_id: int) -> UnitNote:
        due = timezone.localtime(alert.report_due_at)
        when = "须立即报告疾控" if alert.is_immediate else f"请于 {due:%m月%d日 %H:%M} 前核实并报告疾控"
        return UnitNote(
            unit_id, f"疫情预警：{alert.title}", when, "health:alert", f"health-alert-raised:{alert.pk}", (alert.pk,)
        )

    sent = notify_units(
        [note(a, a.school_id) for a in alerts], category="health_alert", roles=("doctor", "health_officer"), urgent=True
    )
    above = [(a, parents.get(school_paths[a.school_id][:-step])) for a in alerts]
    return sent + notify_units(
        [note(a, unit_id) for a, unit_id in above if unit_id is not None],
        category="health_alert",
        roles=("health_officer",),
        urgent=True,
    )


def _locked_alert(alert: Alert, version: int | None) -> Alert:
    return locked(Alert.objects.select_related("school"), alert.pk, version)


def _alert_guard(actor: User, alert: Alert) -> None:
    if not can(actor, "health.alert", alert.school):
        raise Forbidden("只有校医、校长或卫生健康专干可以处置预警")


def _unclosed_alert(actor: User, alert: Alert, version: int | None) -> Alert:
    """The alert locked for a change by this actor; a closed one takes no more reports, measures or closing."""
    alert = _locked_alert(alert, version)
    _alert_guard(actor, alert)
    if alert.status == AlertStatus.CLOSED:
        raise DomainError("该预警已结案", code="alert_closed", status=409)
    return alert


def acknowledge_alert(*, actor: User, alert: Alert, version: int | None) -> Alert:
    with transaction.atomic():
        alert = _locked_alert(alert, version)
        _alert_guard(actor, alert)
        if alert.status != AlertStatus.OPEN:
            raise DomainError("该预警已确认", code="already_acknowledged", status=409)
        alert.status = AlertStatus.ACKNOWLEDGED
        alert.acknowledged_by = actor
        alert.acknowledged_at = timezone.now()
        bump(alert, ["status", "acknowledged_by", "acknowledged_at"])
        record_change(
            actor=actor,
            action="health_alert_ack",
            obj=alert,
            unit_path=alert.school.path,
            after={"status": "acknowledged"},
        )
    return alert


def report_alert(
    *, actor: User, alert: Alert, reported_at: dt.datetime | None, reference: str, version: int | None
) -> Alert:
    """Record the report to the CDC (and the bureau): when, and the reference or the person who took it."""
    reference = reference.strip()
    if not reference:
        raise DomainError("请填写报告编号或疾控中心接报人", code="reference_required")
    now = timezone.now()
    reported_at = aware(reported_at) or now
    if reported_at > now + dt.timedelta(minutes=5):
        raise DomainError("报告时间不能晚于现在", code="report_in_future")
    with transaction.atomic():
        alert = _unclosed_alert(actor, alert, version)
        if alert.status == AlertStatus.REPORTED:
            raise DomainError("该预警已报告疾控", code="already_reported", status=409)
        if reported_at < alert.created_at - dt.timedelta(hours=1):
            raise DomainError("报告时间不能早于预警产生时间", code="report_before_alert")
        if alert.acknowledged_at is None:
            alert.acknowledged_by = actor
            alert.acknowledged_at = now
        alert.status = AlertStatus.REPORTED
        alert.reported_by = actor
        alert.reported_at = reported_at
        alert.report_reference = reference[:100]
        bump(alert, ["status", "acknowledged_by", "acknowledged_at", "reported_by", "reported_at", "report_reference"])
        record_change(
            actor=actor,
            action="health_alert_report",
            obj=alert,
            unit_path=alert.school.path,
            after={"reported_at": reported_at, "reference": reference, "late": reported_at > alert.report_due_at},
        )
    return alert


def add_measure(
    *,
    actor: User,
    alert: Alert,
    kind: str,
    starts_on: dt.date,
    ends_on: dt.date | None,
    note: str,
    version: int | None,
) -> Measure:
    if kind not in MeasureKind.values:
        raise DomainError("措施类型无效", code="measure_invalid")
    if ends_on is not None and ends_on < starts_on:
        raise DomainError("结束日期不能早于开始日期", code="measure_dates")
    if kind == MeasureKind.SUSPENSION and ends_on is None:
        raise DomainError("停课须填写起止日期", code="suspension_dates")
    with transaction.atomic():
        alert = _unclosed_alert(actor, alert, version)
        measure = Measure.objects.create(
            alert=alert, kind=kind, starts_on=starts_on, ends_on=ends_on, note=note.strip()[:300], created_by=actor
        )
        bump(alert, [])
        record_change(
            actor=actor,
            action="health_alert_measure",
            obj=alert,
            unit_path=alert.school.path,
            after={"kind": kind, "starts_on": starts_on, "ends_on": ends_on, "note": measure.note},
        )
    return measure


def close_alert(*, actor: User, alert: Alert, summary: str, version: int | None) -> Alert:
    summary = summary.strip()
    if len(summary) < 5:
        raise DomainError("请填写结案小结（不少于 5 个字）", code="summary_required")
    with transaction.atomic():
        alert = _unclosed_alert(actor, alert, version)
        if alert.status == AlertStatus.OPEN:
            raise DomainError("请先确认预警再结案", code="not_acknowledged", status=409)
        alert.status = AlertStatus.CLOSED
        alert.closed_by = actor
        alert.closed_at = timezone.now()
        alert.summary = summary[:4000]
        bump(alert, ["status", "closed_by", "closed_at", "summary"])
        record_change(
            actor=actor, action="health_alert_close", obj=alert, unit_path=alert.school.path, after={"summary": summary}
        )
    return alert


def escalate_alerts(*, now: dt.datetime | None = None) -> int:
    """Alerts still unacknowledged after HEALTH_ESCALATE_HOURS are escalated (shown in red to the district's
    health officer and the principal). Idempotent: an escalated alert is not escalated again."""
    now = now or timezone.now()
    limit = now - dt.timedelta(hours=float(settings.HEALTH_ESCALATE_HOURS))
    with transaction.atomic():
        due = list(
            Alert.objects.select_for_update(of=("self",))
            .filter(status=AlertStatus.OPEN, escalated_at__isnull=True, created_at__lte=limit)
            .select_related("school")
        )
        if not due:
            return 0
        Alert.objects.filter(pk__in=[a.pk for a in due]).update(escalated_at=now)
        notify_units(
            (
                UnitNote(
                    a.school_id,
                    f"疫情预警超时未确认：{a.title}",
                    f"{a.school.name}，请立即核实处置",
                    "health:alert",
                    f"health-alert-escalated:{a.pk}",
                    (a.pk,),
                )
                for a in due
            ),
            category="health_alert",
            roles=("principal", "doctor", "health_officer"),
            upwards=True,
            urgent=True,
        )
        append(
            actor=None,
            entries=[
                Entry(action="health_alert_escalate", obj=a, unit_path=a.school.path, changes={"after": {"at": now}})
                for a in due
            ],
        )
    return len(due)
