"""The school's day and week: health checks, notices to parents, duty, drills."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone

from dudao.accounts.models import User
from dudao.duty import selectors as duty_selectors
from dudao.duty.models import DutyShift, PlanType
from dudao.duty.services.signins import signin_cutoff
from dudao.health import selectors as health_selectors
from dudao.health.models import Alert, Session
from dudao.notices import selectors as notice_selectors
from dudao.notices.models import NoticeSchool
from dudao.orgs.models import OrgUnit, UnitKind
from dudao.profiles.sections._common import (
    LIST_LIMIT,
    NOTICES_LIMIT,
    RECENT_DAYS,
    SHIFTS_LIMIT,
    UPCOMING_SHIFTS,
    Figure,
    registry_figures,
    unit_query,
)


@dataclass
class HealthSection:
    day: dt.date
    is_school_day: bool
    classes: int
    checked: int
    roster: int
    illness: int
    other: int
    awaiting: int
    unchecked: list[OrgUnit]
    grades: list[health_selectors.AreaRow]
    month: list[health_selectors.DayFigure]
    chart: dict[str, list[Any]]
    alerts: list[Alert]
    figures: list[Figure]
    url: str
    alerts_url: str

    @property
    def checked_pct(self) -> float:
        return round(100 * self.checked / self.classes, 1) if self.classes else 0.0

    @property
    def unchecked_count(self) -> int:
        return self.classes - self.checked if self.is_school_day else 0

    @property
    def attendance_pct(self) -> float | None:
        return round(100 * (self.roster - self.illness - self.other) / self.roster, 1) if self.roster else None

    @property
    def month_illness(self) -> int:
        return sum(d.illness for d in self.month)

    @property
    def month_illness_pct(self) -> float | None:
        roster = sum(d.roster for d in self.month)
        return round(100 * self.month_illness / roster, 2) if roster else None


@dataclass(frozen=True)
class NoticeRow:
    notice_id: int
    title: str
    sent_at: dt.datetime | None
    total: int
    confirmed: int

    @property
    def pending(self) -> int:
        return self.total - self.confirmed

    @property
    def rate(self) -> float | None:
        return round(100 * self.confirmed / self.total, 1) if self.total else None


@dataclass
class NoticeSection:
    rows: list[NoticeRow]
    figures: list[Figure]
    url: str


@dataclass(frozen=True)
class ShiftRow:
    shift: DutyShift
    is_missed: bool
    is_now: bool

    @property
    def signed_at(self) -> dt.datetime | None:
        return self.shift.signin.signed_at if _has_signin(self.shift) else None


@dataclass
class DutySection:
    week: tuple[dt.date, dt.date]
    # Missed sign-ins, the shifts on now and the next few.
    shifts: list[ShiftRow]
    total: int
    signed: int
    missed: int
    figures: list[Figure]
    url: str


@dataclass
class DrillSection:
    term: tuple[dt.date, dt.date]
    drills: list[Any]
    missing: list[str]
    plans: int
    url: str


# ----- health --------------------------------------------------------------------------------------------------


def health_section(user: User, school: OrgUnit, now: dt.datetime) -> HealthSection:
    today = now.date()
    grades = health_selectors.area_rows(user, school, today)
    totals = health_selectors.area_totals(school, grades)
    done = (
        health_selectors.checks_for(user)
        .filter(klass__path__under=school.path, date=today, session=Session.MORNING)
        .values("klass_id")
    )
    school_day = health_selectors.is_school_day(today)
    unchecked: list[OrgUnit] = (
        list(
            OrgUnit.objects.filter(kind=UnitKind.CLASS, is_closed=False, path__under=school.path)
            .exclude(pk__in=done)
            .order_by("path")[:60]
        )
        if school_day
        else []
    )
    month = health_selectors.daily_rates(user, school, today.replace(day=1), today)
    alerts = list(
        health_selectors.alerts_for(user).unresolved().filter(school=school).order_by("-on_date", "-id")[:LIST_LIMIT]
    )
    return HealthSection(
        day=today,
        is_school_day=school_day,
        classes=totals.classes,
        checked=totals.checked,
        roster=totals.roster,
        illness=totals.illness,
        other=totals.other,
        awaiting=totals.awaiting,
        unchecked=unchecked,
        grades=grades,
        month=month,
        chart={
            "labels": [f"{d.date:%m-%d}" for d in month],
            "illness": [d.illness_pct for d in month],
            "attendance": [d.attendance_pct for d in month],
        },
        alerts=alerts,
        figures=registry_figures(user, school, ["health.unchecked_classes", "health.open_alerts"], today, today),
        url=unit_query("health:dashboard", school),
        alerts_url=reverse("health:alerts"),
    )


# ----- notices -----------------------------------------------------------------------------------------------


def notices_section(user: User, school: OrgUnit, now: dt.datetime) -> NoticeSection:
    reached = NoticeSchool.objects.filter(notice=OuterRef("pk"), school=school)
    recent = list(
        notice_selectors.live_notices(user)
        .filter(Exists(reached))
        .order_by("-sent_at", "-id")
        .values_list("pk", "title", "sent_at")[:NOTICES_LIMIT]
    )
    counts = notice_selectors.rates_by_notice([pk for pk, _, _ in recent], school) if recent else {}
    rows = [NoticeRow(pk, title, sent_at, *counts.get(pk, (0, 0))) for pk, title, sent_at in recent]
    today = now.date()
    return NoticeSection(
        rows=rows,
        figures=registry_figures(
            user,
            school,
            ["notices.awareness_rate", "notices.unconfirmed"],
            today - dt.timedelta(days=RECENT_DAYS - 1),
            today,
            f"近 {RECENT_DAYS} 天发出",
        ),
        url=reverse("notices:list"),
    )


# ----- duty and drills -----------------------------------------------------------------------------------------


def week_of(day: dt.date) -> tuple[dt.date, dt.date]:
    monday = day - dt.timedelta(days=day.weekday())
    return monday, monday + dt.timedelta(days=6)


def duty_section(user: User, school: OrgUnit, now: dt.datetime) -> DutySection:
    """The week's published shifts, counted; listed are the missed sign-ins, the shifts on now and the next few
    (a week of two 12-hour shifts is 28 rows: the clerk needs who is on now and who did not sign in)."""
    week = week_of(now.date())
    tz = timezone.get_current_timezone()
    since = dt.datetime.combine(week[0], dt.time.min, tzinfo=tz)
    until = dt.datetime.combine(week[1] + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    cutoff = signin_cutoff(now)
    shifts = (
        duty_selectors.shifts_for(user)
        .filter(unit=school, starts_at__lt=until, ends_at__gt=since)
        .select_related("person", "signin")
        .order_by("starts_at", "role", "id")[:SHIFTS_LIMIT]
    )
    rows = [
        ShiftRow(
            shift=s,
            is_missed=s.starts_at <= cutoff and not _has_signin(s),
            is_now=s.starts_at <= now < s.ends_at,
        )
        for s in shifts
    ]
    upcoming = [r for r in rows if r.shift.starts_at > now][:UPCOMING_SHIFTS]
    shown = [r for r in rows if r.is_missed or r.is_now or r in upcoming]
    figures = registry_figures(user, school, ["duty.missed_signins"], week[0], now.date(), "本周")
    return DutySection(
        week=week,
        shifts=shown,
        total=len(rows),
        signed=sum(1 for r in rows if _has_signin(r.shift)),
        missed=sum(1 for r in rows if r.is_missed),
        figures=figures,
        url=reverse("duty:now"),
    )


def _has_signin(shift: DutyShift) -> bool:
    """Whether the shift has its sign-in (the reverse one-to-one raises when there is none)."""
    try:
        return shift.signin is not None
    except DutyShift.signin.RelatedObjectDoesNotExist:
        return False


def drills_section(user: User, school: OrgUnit, now: dt.datetime) -> DrillSection:
    term = duty_selectors.term_of(now.date())
    drills = list(
        duty_selectors.drills_for(user).filter(unit=school, held_on__range=term).order_by("-held_on", "-id")[:20]
    )
    coverage = duty_selectors.drill_coverage(user, term=term, unit=school)
    row = next((r for r in coverage if r.unit.pk == school.pk), None)
    return DrillSection(
        term=term,
        drills=drills,
        missing=row.missing if row is not None else [label for _, label in PlanType.choices],
        plans=len(row.plans) if row is not None else 0,
        url=reverse("duty:coverage"),
    )
