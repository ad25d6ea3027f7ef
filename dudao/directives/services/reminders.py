"""Reminders: one-click 催报, T-2/T-1/due-day reminders, the daily overdue digest, opening recurring periods."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from dudao.accounts.models import User
from dudao.audit.services import Entry, append
from dudao.directives.models import (
    Directive,
    DirectiveStatus,
    Period,
    Recurrence,
    Reminder,
    ReminderKind,
    Submission,
)
from dudao.directives.services._common import (
    EDITABLE,
    LOCAL,
    _require,
)
from dudao.directives.services.directives import open_periods
from dudao.messaging.services import UnitNote, notify_units
from dudao.orgs.scoping import can


def remind_missing(*, actor: User, period: Period) -> int:
    """催报: one click, one reminder to every unit that has not submitted this period."""
    directive = period.directive
    _require(can(actor, "directive.change", directive.issuing_unit))
    missing = list(
        Submission.objects.filter(period=period, status__in=EDITABLE, unit__is_closed=False).select_related("unit")
    )
    today = timezone.localdate()
    deadline = period.deadline.astimezone(LOCAL)
    with transaction.atomic():
        Reminder.objects.bulk_create(
            [
                Reminder(
                    unit=s.unit,
                    period=period,
                    kind=ReminderKind.MANUAL,
                    day=today,
                    created_by=actor,
                    message=f"请尽快报送《{directive.title}》（{period.label}），截止时间 {deadline:%m月%d日 %H:%M}",
                )
                for s in missing
            ]
        )
        notify_units(
            (
                UnitNote(
                    s.unit_id,
                    f"催报：请尽快报送《{directive.title}》",
                    f"{period.label}，截止 {deadline:%m月%d日 %H:%M}",
                    "directives:submission",
                    f"directive-remind:{period.pk}:{today}",
                    (s.pk,),
                )
                for s in missing
            ),
            category="directive",
            roles=("principal", "school_staff", "district_admin", "bureau_staff"),
        )
        append(
            actor=actor,
            entries=[
                Entry(
                    action="remind",
                    obj=directive,
                    unit_path=directive.issuing_unit.path,
                    changes={"period": period.pk, "units": len(missing)},
                )
            ],
        )
    return len(missing)


def send_scheduled_reminders(*, now: dt.datetime | None = None) -> int:
    """T-2, T-1 and due-day reminders to units that have not submitted; safe to run many times a day."""
    now = now or timezone.now()
    today = now.astimezone(LOCAL).date()
    created = 0
    kinds = {2: ReminderKind.T_MINUS_2, 1: ReminderKind.T_MINUS_1, 0: ReminderKind.DUE}
    start = dt.datetime.combine(today, dt.time.min, tzinfo=LOCAL)
    periods = Period.objects.filter(
        directive__status=DirectiveStatus.ISSUED, deadline__gte=start, deadline__lt=start + dt.timedelta(days=3)
    ).select_related("directive")
    for period in periods:
        days_left = (period.deadline.astimezone(LOCAL).date() - today).days
        kind = kinds.get(days_left)
        if kind is None:
            continue
        missing = Submission.objects.filter(period=period, status__in=EDITABLE, unit__is_closed=False)
        deadline = period.deadline.astimezone(LOCAL)
        rows = [
            Reminder(
                unit_id=unit_id,
                period=period,
                kind=kind,
                day=today,
                message=f"《{period.directive.title}》（{period.label}）将于 {deadline:%m月%d日 %H:%M} 截止，"
                "请按时报送",
            )
            for unit_id in missing.values_list("unit_id", flat=True)
        ]
        before = Reminder.objects.filter(period=period, kind=kind, day=today).count()
        Reminder.objects.bulk_create(rows, ignore_conflicts=True)
        sent = Reminder.objects.filter(period=period, kind=kind, day=today).count() - before
        if sent:
            append(
                actor=None,
                entries=[
                    Entry(
                        action=f"remind_{kind}",
                        obj=period.directive,
                        unit_path=period.directive.issuing_unit.path,
                        changes={"period": period.pk, "units": sent},
                    )
                ],
            )
        created += sent
    return created


def send_overdue_digest(*, now: dt.datetime | None = None) -> int:
    """Daily: one reminder per unit listing every report it owes that is past its deadline."""
    now = now or timezone.now()
    today = now.astimezone(LOCAL).date()
    overdue = (
        Submission.objects.filter(
            status__in=EDITABLE,
            period__deadline__lt=now,
            directive__status=DirectiveStatus.ISSUED,
            unit__is_closed=False,
        )
        .values_list("unit_id", "directive__title", "period__label")
        .order_by("unit_id", "directive__title")
    )
    # One digest per unit and day: NULL periods escape the unique constraint, so check first.
    already = set(Reminder.objects.filter(kind=ReminderKind.DIGEST, day=today).values_list("unit_id", flat=True))
    by_unit: dict[int, list[str]] = {}
    for unit_id, title, label in overdue:
        by_unit.setdefault(unit_id, []).append(f"《{title}》（{label}）")
    rows = [
        Reminder(
            unit_id=unit_id,
            period=None,
            kind=ReminderKind.DIGEST,
            day=today,
            message=f"以下 {len(items)} 项报送已逾期：" + "、".join(items[:20]),
        )
        for unit_id, items in by_unit.items()
        if unit_id not in already
    ]
    with transaction.atomic():
        Reminder.objects.bulk_create(rows)
        if rows:
            append(
                actor=None,
                entries=[
                    Entry(
                        action="overdue_digest",
                        object_type="directives.reminder",
                        object_repr=f"{today} 逾期汇总",
                        changes={"units": len(rows)},
                    )
                ],
            )
    return len(rows)


def open_due_periods(*, today: dt.date | None = None) -> int:
    today = today or timezone.localdate()
    opened = 0
    for directive in Directive.objects.filter(status=DirectiveStatus.ISSUED).exclude(recurrence=Recurrence.NONE):
        with transaction.atomic():
            count = open_periods(directive=directive, today=today)
            if count:
                append(
                    actor=None,
                    entries=[
                        Entry(
                            action="open_period",
                            obj=directive,
                            unit_path=directive.issuing_unit.path,
                            changes={"periods": count},
                        )
                    ],
                )
            opened += count
    return opened
