"""催报 through the message centre: deadline reminders to the units that have not reported.

- On the second and on the last working day before a period's deadline (T-2, T-1; working days are the issuing
  unit's on the school calendar: Saturdays, Sundays and public holidays are not counted, 调休 make-up days are,
  so a Monday deadline is reminded on Thursday and Friday, and none goes out on a holiday), the people who fill
  in the unit's reports (学校管理员, 区县管理员, 科室人员; the head where a unit has none of them) get a 催报 message.
- Once the deadline has passed without a report, the unit's head (校长, 局领导; the administrator where a unit has
  no head account) is told it is overdue.

Only issued directives remind: a draft has not gone out, a withdrawn or closed one expects nothing more. Units that
are closed, and reports already submitted or approved, are left alone.

Every message carries a dedupe key of (period, unit, kind, deadline date), so the job may run every hour and a
rerun sends nothing twice, while a deadline moved by a 更正通知 reminds again. The whole city is a handful of
queries: one for the periods, one for the missing reports, then the message service's bulk writes. Quiet hours and
each person's channel choices are the message service's business (催报 is not urgent: pushes wait out the night).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from dudao.calendars.days import ChainCalendar
from dudao.calendars.selectors import SchoolCalendar
from dudao.directives.models import DirectiveStatus, Period, Submission, SubmissionStatus
from dudao.directives.services._common import LOCAL
from dudao.messaging.services import UnitNote, notify_units

log = logging.getLogger("dudao.directives")

# The people who fill in a unit's reports, and who answers for the unit.
REPORTERS = ("school_staff", "district_admin", "bureau_staff")
HEADS = ("principal", "bureau_leader")
# Working days before the deadline on which the reporters are reminded.
LEAD_DAYS = (2, 1)
# A deadline passed up to this long ago still gets its overdue notice (a job stopped over a weekend catches up);
# older ones were told when they fell due.
OVERDUE_WINDOW = dt.timedelta(days=4)
NOT_SUBMITTED = (SubmissionStatus.PENDING, SubmissionStatus.DRAFT, SubmissionStatus.RETURNED)
WEEKDAYS = "一二三四五六日"
LATE_ALLOWED = "请督促经办人尽快补报。"
LATE_REFUSED = "该通知不接受逾期报送，请与发文单位联系。"


def is_working_day(day: dt.date, calendar: ChainCalendar | None = None) -> bool:
    """A working day on `calendar` (the issuing unit's); Monday–Friday without one."""
    return calendar.is_working_day(day) if calendar is not None else day.weekday() < 5


def working_day_before(due: dt.date, n: int, calendar: ChainCalendar | None = None) -> dt.date:
    """The n-th working day before `due` (`due` itself is not counted)."""
    day = due
    while n > 0:
        day -= dt.timedelta(days=1)
        if is_working_day(day, calendar):
            n -= 1
    return day


def lead_days(today: dt.date, due: dt.date, calendar: ChainCalendar | None = None) -> int | None:
    """2 or 1 when `today` is T-2 or T-1 of `due`, else None."""
    for n in LEAD_DAYS:
        if working_day_before(due, n, calendar) == today:
            return n
    return None


@dataclass(frozen=True)
class _Missing:
    submission_id: int
    unit_id: int
    unit_name: str


def _missing(period_ids: list[int]) -> dict[int, list[_Missing]]:
    found: dict[int, list[_Missing]] = defaultdict(list)
    rows = (
        Submission.objects.filter(period_id__in=period_ids, status__in=NOT_SUBMITTED, unit__is_closed=False)
        .order_by("period_id", "unit_id")
        .values_list("period_id", "pk", "unit_id", "unit__name")
    )
    for period_id, pk, unit_id, unit_name in rows.iterator(chunk_size=2000):
        found[period_id].append(_Missing(pk, unit_id, unit_name))
    return found


def _when(deadline: dt.datetime) -> str:
    local = deadline.astimezone(LOCAL)
    return f"{local.month}月{local.day}日（周{WEEKDAYS[local.weekday()]}）{local:%H:%M}"


def send_deadline_reminders(*, now: dt.datetime | None = None) -> dict[str, int]:
    """The job: T-2/T-1 催报 to the reporters of units that have not reported, and the overdue notice to their
    heads. Returns how many new messages each kind wrote (0 on a rerun)."""
    now = now or timezone.now()
    today = now.astimezone(LOCAL).date()
    start_of_tomorrow = dt.datetime.combine(today + dt.timedelta(days=1), dt.time.min, tzinfo=LOCAL)
    # T-2 is four calendar days ahead at most over a weekend (Thursday for a Monday deadline), about ten over a
    # week-long holiday such as 国庆 or 春节.
    horizon = start_of_tomorrow + dt.timedelta(days=14)
    periods = list(
        Period.objects.filter(
            directive__status=DirectiveStatus.ISSUED,
            deadline__gte=now - OVERDUE_WINDOW,
            deadline__lt=horizon,
        )
        .select_related("directive", "directive__issuing_unit")
        .order_by("deadline", "pk")
    )
    calendars = SchoolCalendar()
    upcoming: dict[int, list[Period]] = defaultdict(list)
    overdue: list[Period] = []
    for period in periods:
        if period.deadline <= now:
            overdue.append(period)
        elif period.deadline >= start_of_tomorrow:
            calendar = calendars.chain(period.directive.issuing_unit.path)
            if not is_working_day(today, calendar):
                continue
            n = lead_days(today, period.deadline.astimezone(LOCAL).date(), calendar)
            if n is not None:
                upcoming[n].append(period)
    wanted = [p.pk for p in overdue] + [p.pk for rows in upcoming.values() for p in rows]
    if not wanted:
        return {"t-2": 0, "t-1": 0, "overdue": 0}
    missing = _missing(wanted)
    counts: dict[str, int] = {}
    with transaction.atomic():
        for n in LEAD_DAYS:
            counts[f"t-{n}"] = notify_units(
                (
                    UnitNote(
                        m.unit_id,
                        f"催报：《{p.directive.title}》将于{_when(p.deadline)}截止",
                        f"{m.unit_name}尚未报送{p.label}，还剩 {n} 个工作日，请在截止前填报并提交。",
                        "directives:submission",
                        f"directive-due:{p.pk}:{m.unit_id}:t-{n}:{p.deadline.astimezone(LOCAL).date()}",
                        (m.submission_id,),
                    )
                    for p in upcoming.get(n, [])
                    for m in missing.get(p.pk, [])
                ),
                category="directive",
                roles=REPORTERS,
                fallback_roles=HEADS,
                now=now,
            )
        counts["overdue"] = notify_units(
            (
                UnitNote(
                    m.unit_id,
                    f"逾期未报：《{p.directive.title}》已过截止时间",
                    f"{m.unit_name}的{p.label}应于{_when(p.deadline)}前报送，至今未提交。"
                    + (LATE_ALLOWED if p.directive.allow_late else LATE_REFUSED),
                    "directives:submission",
                    f"directive-due:{p.pk}:{m.unit_id}:overdue:{p.deadline.astimezone(LOCAL).date()}",
                    (m.submission_id,),
                )
                for p in overdue
                for m in missing.get(p.pk, [])
            ),
            category="directive",
            roles=HEADS,
            fallback_roles=("district_admin", "school_staff"),
            now=now,
        )
    return counts


# Every hour of the working day: T-2/T-1 go out with the first run at 08:05, an overdue notice within the hour of a
# deadline passing (reports are usually due at 17:00 or 18:00). Reruns send nothing twice.
@db_periodic_task(crontab(day_of_week="1-5", hour="8-18", minute="5"))
def deadline_reminders() -> dict[str, int]:
    counts = send_deadline_reminders()
    if any(counts.values()):
        log.info("directive deadline messages: %s", counts)
    return counts
