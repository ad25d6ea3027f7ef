"""Health reads: scoped checks, absences, alerts and supplies; dashboard aggregates; the scan's grouped inputs;
and `absence_streaks` for other apps' services (issue 7: cases)."""

from __future__ import annotations

import datetime as dt
import os
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import cast

from django.conf import settings
from django.db.models import Count, Max, Q, QuerySet, Sum
from django.utils import timezone

from dudao.accounts.models import User
from dudao.calendars.days import DayInfo
from dudao.calendars.selectors import SchoolCalendar
from dudao.core.indicators import Grouping
from dudao.health import rules
from dudao.health.models import (
    AbsenceRecord,
    Alert,
    AlertQuerySet,
    AlertStatus,
    DailyCheck,
    FollowUpStatus,
    Reason,
    Session,
    SupplyKind,
    SupplyRecord,
)
from dudao.orgs.models import OrgUnit, Student, StudentStatus, UnitKind
from dudao.orgs.scoping import can, scope_root_path


def classes_for(user: User, action: str = "check", *, include_closed: bool = False) -> QuerySet[OrgUnit]:
    """Classes the user may check (a class teacher: their class; a school doctor: the school's). Closed ones
    only when asked, so that a submission for one gets its own clear refusal instead of a 404."""
    root = scope_root_path(user, f"health.{action}")
    # OrgUnit's querysets are untyped (treebeard's MP_Node has no type hints): their type is named here.
    if root is None:
        return cast("QuerySet[OrgUnit]", OrgUnit.objects.none())
    classes: QuerySet[OrgUnit] = OrgUnit.objects.filter(kind=UnitKind.CLASS, path__under=root).order_by("path")
    return classes if include_closed else classes.filter(is_closed=False)


def enrolled_students(klass: OrgUnit) -> QuerySet[Student]:
    """The class's roster for its check, by name; the caller has found the class in `classes_for`."""
    return Student.objects.filter(klass=klass, status=StudentStatus.ENROLLED).order_by("name", "pk")


def checks_for(user: User) -> QuerySet[DailyCheck]:
    return DailyCheck.objects.for_user(user, "read")


def absences_for(user: User) -> QuerySet[AbsenceRecord]:
    """Named cases: only for roles that may see students' names (the school and the health officer)."""
    if not can(user, "health.cases"):
        return AbsenceRecord.objects.none()
    return AbsenceRecord.objects.for_user(user, "read").select_related(
        "student", "klass", "diagnosis", "suspected", "clearance"
    )


def alerts_for(user: User) -> AlertQuerySet:
    return Alert.objects.for_user(user, "read").select_related("school", "klass", "disease")


def followup_queue(user: User, day: dt.date | None = None) -> QuerySet[AbsenceRecord]:
    """Today's illness absences still to trace (追因), one row per student and day (the first session's)."""
    day = day or timezone.localdate()
    rows = absences_for(user).filter(date=day, reason=Reason.ILLNESS, status=FollowUpStatus.PENDING)
    first = rows.values("student_id").annotate(first=Max("pk")).values("first")
    return rows.filter(pk__in=first).order_by("klass__path", "student__name")


def awaiting_clearance(user: User) -> QuerySet[AbsenceRecord]:
    """One row per student whose listed disease still needs a clearance: the latest absence of the episode."""
    rows = (
        absences_for(user)
        .filter(
            status__in=(FollowUpStatus.PENDING, FollowUpStatus.TRACED),
            clearance__isnull=True,
        )
        .filter(Q(diagnosis__needs_clearance=True) | Q(diagnosis__isnull=True, suspected__needs_clearance=True))
    )
    latest = rows.values("student_id").annotate(last=Max("pk")).values("last")
    return rows.filter(pk__in=latest).order_by("klass__path", "student__name")


# Deadlines of the noon and evening checks; `settings.HEALTH_NOON_DEADLINE` / `HEALTH_EVENING_DEADLINE` win when
# set, else the environment (`DUDAO_HEALTH_NOON_DEADLINE`, `DUDAO_HEALTH_EVENING_DEADLINE`), else 14:30 and 20:00.
SESSION_DEADLINE_DEFAULTS: dict[str, str] = {Session.NOON: "14:30", Session.EVENING: "20:00"}


def session_deadline(session: str = Session.MORNING) -> tuple[int, int]:
    """(hour, minute) after which a class without its check of the session is late."""
    if session in SESSION_DEADLINE_DEFAULTS:
        name = f"HEALTH_{str(session).upper()}_DEADLINE"
        raw = getattr(settings, name, None) or os.environ.get(f"DUDAO_{name}") or SESSION_DEADLINE_DEFAULTS[session]
    else:
        raw = settings.HEALTH_CHECK_DEADLINE
    hour, minute = (int(x) for x in str(raw).split(":"))
    return hour, minute


def is_school_day(day: dt.date) -> bool:
    """Monday to Friday: no check is due at weekends (there is no holiday calendar yet)."""
    return day.weekday() < 5


def deadline_passed(now: dt.datetime | None = None, session: str = Session.MORNING) -> bool:
    now = timezone.localtime(now)
    return (now.hour, now.minute) >= session_deadline(session)


@dataclass(frozen=True)
class ClassStatus:
    klass: OrgUnit
    check: DailyCheck | None
    is_late: bool


def class_statuses(user: User, day: dt.date, session: str = Session.MORNING) -> list[ClassStatus]:
    """Every class in scope with its check of the session (two queries)."""
    root = scope_root_path(user, "health.read")
    if root is None:
        return []
    classes = list(OrgUnit.objects.filter(kind=UnitKind.CLASS, is_closed=False, path__under=root).order_by("path"))
    checks = {c.klass_id: c for c in checks_for(user).filter(date=day, session=session)}
    today = timezone.localdate()
    late = day < today or (day == today and deadline_passed(session=session))
    # A class is late only on its own school days (holidays, 调休, a school's sports day, 停课: dudao.calendars).
    calendar = SchoolCalendar()
    calendar.preload([root])
    return [
        ClassStatus(k, checks.get(k.pk), late and k.pk not in checks and calendar.is_school_day(k.path, day))
        for k in classes
    ]


def unchecked_count(user: User, day: dt.date) -> int:
    root = scope_root_path(user, "health.read")
    if root is None:
        return 0
    classes: QuerySet[OrgUnit] = OrgUnit.objects.filter(kind=UnitKind.CLASS, is_closed=False, path__under=root)
    done = checks_for(user).filter(date=day, session=Session.MORNING).values("klass_id")
    return classes.exclude(pk__in=done).count()


# ----- dashboard ---------------------------------------------------------------------------------------------


@dataclass
class AreaRow:
    unit: OrgUnit
    classes: int = 0
    checked: int = 0
    roster: int = 0
    illness: int = 0
    other: int = 0
    open_alerts: int = 0
    awaiting: int = 0

    @property
    def checked_pct(self) -> float:
        return round(100 * self.checked / self.classes, 1) if self.classes else 0.0

    @property
    def attendance_pct(self) -> float:
        return round(100 * (self.roster - self.illness - self.other) / self.roster, 1) if self.roster else 0.0

    @property
    def illness_pct(self) -> float:
        return round(100 * self.illness / self.roster, 2) if self.roster else 0.0


def _child_prefix(unit: OrgUnit) -> int:
    return len(unit.path) + int(OrgUnit.steplen)


def area_rows(user: User, unit: OrgUnit, day: dt.date) -> list[AreaRow]:
    """The unit's children (districts, schools, grades or classes) with the day's morning-check figures.

    Classes and checks are grouped by the children's path prefix in SQL (`Grouping.sums`), alerts and awaiting
    clearances (few) in Python: a few queries at any level."""
    children = list(OrgUnit.objects.filter(path__startswith=unit.path, depth=unit.depth + 1, is_closed=False))
    children = [c for c in children if c.kind not in (UnitKind.OFFICE,)]
    width = _child_prefix(unit)
    rows = {c.path: AreaRow(unit=c) for c in children}
    if unit.kind == UnitKind.CLASS:
        return []

    def row_of(path: str) -> AreaRow | None:
        return rows.get(path[:width])

    if not children:
        return []
    # Classes and the day's checks are counted per child in SQL (a city has 40,000 of each: reading them all
    # into Python was most of the dashboard's time).
    grouping = Grouping.of(children)
    by_pk = {c.pk: rows[c.path] for c in children}
    classes = OrgUnit.objects.filter(kind=UnitKind.CLASS, is_closed=False, path__under=unit.path)
    for pk, (n,) in grouping.sums(classes, "path", n=Count("*")).items():
        by_pk[pk].classes = int(n)
    checks = checks_for(user).filter(klass__path__under=unit.path, date=day, session=Session.MORNING)
    sums = grouping.sums(
        checks,
        "klass__path",
        n=Count("*"),
        roster=Sum("roster_size"),
        ill=Sum("illness_count"),
        other=Sum("other_count"),
    )
    for pk, (n, roster, ill, other) in sums.items():
        area = by_pk[pk]
        area.checked, area.roster, area.illness, area.other = int(n), int(roster), int(ill), int(other)
    for (path,) in alerts_for(user).unresolved().filter(school__path__under=unit.path).values_list("school__path"):
        if (row := row_of(path)) is not None:
            row.open_alerts += 1
    waiting = _awaiting_unscoped(unit.path).values_list("klass__path", flat=True)
    for path in waiting:
        if (row := row_of(path)) is not None:
            row.awaiting += 1
    return sorted(rows.values(), key=lambda r: r.unit.path)


def area_totals(unit: OrgUnit, rows: Iterable[AreaRow]) -> AreaRow:
    """The unit's own line under its areas' rows: their figures added up."""
    totals = AreaRow(unit=unit)
    for r in rows:
        totals.classes += r.classes
        totals.checked += r.checked
        totals.roster += r.roster
        totals.illness += r.illness
        totals.other += r.other
        totals.open_alerts += r.open_alerts
        totals.awaiting += r.awaiting
    return totals


def _awaiting_unscoped(path: str) -> QuerySet[AbsenceRecord]:
    rows = AbsenceRecord.objects.filter(
        klass__path__under=path, status__in=(FollowUpStatus.PENDING, FollowUpStatus.TRACED), clearance__isnull=True
    ).filter(Q(diagnosis__needs_clearance=True) | Q(diagnosis__isnull=True, suspected__needs_clearance=True))
    return rows.filter(pk__in=rows.values("student_id").annotate(last=Max("pk")).values("last"))


@dataclass(frozen=True)
class DayFigure:
    date: dt.date
    classes_checked: int
    roster: int
    illness: int
    other: int

    @property
    def illness_pct(self) -> float:
        return round(100 * self.illness / self.roster, 2) if self.roster else 0.0

    @property
    def attendance_pct(self) -> float:
        return round(100 * (self.roster - self.illness - self.other) / self.roster, 1) if self.roster else 0.0


def daily_rates(user: User, unit: OrgUnit, start: dt.date, end: dt.date) -> list[DayFigure]:
    """Morning-check totals per day for a unit's subtree (one grouped query)."""
    rows = (
        checks_for(user)
        .filter(klass__path__under=unit.path, date__range=(start, end), session=Session.MORNING)
        .values("date")
        .annotate(n=Count("id"), roster=Sum("roster_size"), ill=Sum("illness_count"), other=Sum("other_count"))
        .order_by("date")
    )
    return [DayFigure(r["date"], r["n"], r["roster"] or 0, r["ill"] or 0, r["other"] or 0) for r in rows]


def symptom_mix(user: User, unit: OrgUnit, start: dt.date, end: dt.date) -> dict[str, int]:
    """Illness cases by symptom group over the period (morning checks)."""
    rows = (
        AbsenceRecord.objects.for_user(user, "read")
        .filter(klass__path__under=unit.path, date__range=(start, end), check_record__session=Session.MORNING)
        .exclude(reason=Reason.OTHER)
        .values("syndrome")
        .annotate(n=Count("id"))
    )
    return {r["syndrome"] or "other": r["n"] for r in rows}


# ----- supplies ----------------------------------------------------------------------------------------------


@dataclass
class SupplyStatus:
    school_id: int
    kind: str
    stock: int
    used_14: int

    @property
    def daily_use(self) -> float:
        return self.used_14 / 14

    @property
    def days_left(self) -> float | None:
        return round(self.stock / self.daily_use, 1) if self.daily_use else None

    @property
    def is_short(self) -> bool:
        days = self.days_left
        return days is not None and days < int(settings.HEALTH_SUPPLY_MIN_DAYS)

    @property
    def kind_label(self) -> str:
        return SupplyKind(self.kind).label


def supply_status(user: User, today: dt.date | None = None) -> dict[int, list[SupplyStatus]]:
    """Per school in scope: latest stock and the last 14 days' use of each supply (two grouped queries)."""
    today = today or timezone.localdate()
    scoped = SupplyRecord.objects.for_user(user, "read").filter(date__lte=today)
    latest = scoped.values("school_id", "kind").annotate(last=Max("date"))
    last_dates = {(r["school_id"], r["kind"]): r["last"] for r in latest}
    stocks: dict[tuple[int, str], int] = {}
    if last_dates:
        for school_id, kind, date, stock in scoped.filter(date__gte=min(last_dates.values())).values_list(
            "school_id", "kind", "date", "stock"
        ):
            if last_dates.get((school_id, kind)) == date:
                stocks[(school_id, kind)] = stock
    used = {
        (r["school_id"], r["kind"]): r["used"] or 0
        for r in scoped.filter(date__gt=today - dt.timedelta(days=14))
        .values("school_id", "kind")
        .annotate(used=Sum("used"))
    }
    out: dict[int, list[SupplyStatus]] = defaultdict(list)
    for (school_id, kind), stock in sorted(stocks.items()):
        out[school_id].append(SupplyStatus(school_id, kind, stock, used.get((school_id, kind), 0)))
    return dict(out)


def supply_rows(user: User) -> list[tuple[OrgUnit, list[SupplyStatus], bool]]:
    """The supplies page: (school, its supplies, any of them short) for each school in scope, short ones first."""
    status = supply_status(user)
    schools = {u.pk: u for u in OrgUnit.objects.filter(pk__in=status.keys()).only("pk", "name", "path")}
    return sorted(
        ((schools[pk], items, any(i.is_short for i in items)) for pk, items in status.items() if pk in schools),
        key=lambda r: (not r[2], r[0].path),
    )


# ----- the scheduled scan's inputs (unscoped, set-based) ------------------------------------------------------


def scan_inputs(
    day: dt.date, *, longest: int
) -> tuple[list[rules.Case], list[rules.Case], dict[int, dict[dt.date, rules.DayRate]]]:
    """Everything the city-wide scan needs in three reads: disease-coded cases of the longest threshold window,
    similar-symptom cases of the last 3 days, and each school's daily morning totals for the C2 baseline."""
    window = day - dt.timedelta(days=max(longest, 3) - 1)
    fields = ("pk", "student_id", "school_id", "klass_id", "date", "syndrome", "disease_code")
    recent = AbsenceRecord.objects.filter(date__range=(window, day)).exclude(reason=Reason.OTHER)
    coded = [rules.Case(*row) for row in recent.exclude(disease_code="").values_list(*fields)]
    # Rule 1 groups: the similar-symptom syndromes, and fever (symptom or temperature) whatever the syndrome.
    grouped = Q(syndrome__in=rules.SIMILAR_SYNDROMES) | Q(temperature__gte=Decimal(str(rules.FEVER_TEMPERATURE)))
    similar = [
        rules.Case(pk, student, school, klass, on, syndrome, code, rules.groups_of(symptoms, temp))
        for pk, student, school, klass, on, syndrome, code, symptoms, temp in recent.filter(
            grouped, date__gte=day - dt.timedelta(days=2)
        ).values_list(*fields, "symptoms", "temperature")
    ]
    series: dict[int, dict[dt.date, rules.DayRate]] = defaultdict(dict)
    totals = (
        DailyCheck.objects.filter(
            date__range=(day - dt.timedelta(days=rules.C2_BASELINE_DAYS), day), session=Session.MORNING
        )
        .values("school_id", "date")
        .annotate(ill=Sum("illness_count"), roster=Sum("roster_size"))
        .values_list("school_id", "date", "ill", "roster")
    )
    for school_id, on, ill, roster in totals:
        series[school_id][on] = rules.DayRate(on, ill or 0, roster or 0)
    return coded, similar, _school_days_only(series)


def _counts(day: DayInfo) -> bool:
    """A day whose checks count: a school day of the published calendar, or any day no published year covers."""
    return day.is_school_day or day.fallback


def _school_days_only(series: dict[int, dict[dt.date, rules.DayRate]]) -> dict[int, dict[dt.date, rules.DayRate]]:
    """Each school's C2 series on its own school days: a check filed on a holiday or a 停课 day (few pupils in,
    none ill) would drag the baseline down and make the next ordinary day look like a rise. Without a published
    year every day with checks counts, as before the calendar."""
    paths = dict(OrgUnit.objects.filter(pk__in=list(series)).values_list("pk", "path"))
    calendar = SchoolCalendar()
    calendar.preload(paths.values())
    return {
        school_id: {d: r for d, r in days.items() if _counts(calendar.day(paths[school_id], d))}
        if school_id in paths
        else days
        for school_id, days in series.items()
    }


# ----- contract with the cases app (issue 7) -----------------------------------------------------------------


@dataclass(frozen=True)
class AbsenceStreak:
    student_id: int
    school_id: int
    days: int  # consecutive school days (days on which the student's class had a check) absent for reason "other"
    first_date: date
    last_date: date


STREAK_LOOKBACK_DAYS = 120


def absence_streaks(*, school_ids: Iterable[int] | None, min_days: int, until: dt.date) -> list[AbsenceStreak]:
    """Students whose current run of "other" absences is at least `min_days` school days long.

    Unscoped, for other apps' services. A school day of a class is a day on which the class had any check; the
    streak must reach the class's latest checked day on or before `until` (a student back in class has none).
    Two reads (the "other" absences and the classes' checked days within the look-back window), then the classes'
    school calendars (three more)."""
    start = until - dt.timedelta(days=STREAK_LOOKBACK_DAYS)
    absences = AbsenceRecord.objects.filter(reason=Reason.OTHER, date__range=(start, until))
    if school_ids is not None:
        absences = absences.filter(school_id__in=list(school_ids))
    absent: dict[tuple[int, int], set[dt.date]] = defaultdict(set)
    school_of: dict[int, int] = {}
    for student_id, klass_id, school_id, on in absences.values_list("student_id", "klass_id", "school_id", "date"):
        absent[(student_id, klass_id)].add(on)
        school_of[student_id] = school_id
    if not absent:
        return []
    classes = {klass for _, klass in absent}
    checked: dict[int, list[dt.date]] = defaultdict(list)
    for klass_id, on in (
        DailyCheck.objects.filter(klass_id__in=classes, date__range=(start, until))
        .values_list("klass_id", "date")
        .distinct()
        .order_by("klass_id", "-date")
    ):
        checked[klass_id].append(on)
    # A check filed on a day the class has no school (a holiday, 停课: dudao.calendars) is no day of the streak;
    # where no school year is published, a day with checks still counts (a 调休 Saturday the system cannot know).
    paths = dict(OrgUnit.objects.filter(pk__in=list(checked)).values_list("pk", "path"))
    calendar = SchoolCalendar()
    calendar.preload(paths.values())
    for klass_id, path in paths.items():
        chain = calendar.chain(path)
        checked[klass_id] = [day for day in checked[klass_id] if _counts(chain.day(day))]
    streaks = []
    for (student_id, klass_id), dates in absent.items():
        days = checked.get(klass_id, [])
        run: list[dt.date] = []
        for day in days:  # newest first, starting at the class's latest checked day
            if day not in dates:
                break
            run.append(day)
        if len(run) >= min_days:
            streaks.append(AbsenceStreak(student_id, school_of[student_id], len(run), run[-1], run[0]))
    return sorted(streaks, key=lambda s: (s.school_id, s.student_id))


def open_alert_count(user: User) -> int:
    return alerts_for(user).unresolved().count()


def class_alerts(user: User, *, klass: OrgUnit | None = None) -> QuerySet[Alert]:
    """Unresolved alerts about the classes the user checks (or about `klass`, one of them): an alert belongs to
    its school, outside a class teacher's scope, so `alerts_for` shows her none; these are the ones whose class
    or cases are hers."""
    classes = classes_for(user).values("pk")
    if klass is not None:
        classes = classes.filter(pk=klass.pk)
    mine = Alert.objects.unresolved().filter(Q(klass__in=classes) | Q(cases__klass__in=classes)).values("pk")
    return Alert.objects.filter(pk__in=mine).select_related("disease").order_by("-created_at", "-id")


def alert_status_counts(user: User) -> dict[str, int]:
    rows = alerts_for(user).values("status").annotate(n=Count("id"))
    counts = {s: 0 for s in AlertStatus.values}
    counts.update({r["status"]: r["n"] for r in rows})
    return counts
