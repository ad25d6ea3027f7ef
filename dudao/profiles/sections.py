"""The sections of 一校一档: each reads one module for one school, for one viewer.

A section reads its module through the module's own selectors (scoped by `for_user`) and its figures through the
indicator registry (`dudao.command.selectors`), so it shows the numbers and rows the module's pages show this
viewer. `selectors.profile` calls a section only when the acting role may read its module. Every section costs a
fixed number of queries: lists are cut to a few rows, counts are one aggregate.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone

from dudao.accounts.models import User
from dudao.campaigns.models import Campaign, CampaignUnit, ancestor_paths
from dudao.cases import selectors as case_selectors
from dudao.cases.models import CaseKind, RiskLevel
from dudao.command import selectors as command
from dudao.core.indicators import Basis, Value
from dudao.directives import selectors as directive_selectors
from dudao.directives.models import DirectiveStatus, Submission, SubmissionStatus
from dudao.duty import selectors as duty_selectors
from dudao.duty.models import DutyShift, PlanType
from dudao.duty.services.signins import signin_cutoff
from dudao.health import selectors as health_selectors
from dudao.health.models import Alert, Session
from dudao.inspections import selectors as inspection_selectors
from dudao.inspections.models import InspectionKind, Target, TargetStatus
from dudao.notices import selectors as notice_selectors
from dudao.notices.models import NoticeSchool
from dudao.orgs.models import OrgUnit, RoleAssignment, UnitKind
from dudao.orgs.roles import Role
from dudao.orgs.scoping import can
from dudao.rectification import selectors as ledger_selectors
from dudao.rectification.models import ItemStatus, RectificationItem

PERMISSION = "profile.read"
# How far back a section looks: inspection rounds, late reports, recent notices.
SCORE_DAYS = 365
RECENT_DAYS = 30
LIST_LIMIT = 8
ROUNDS_LIMIT = 12
NOTICES_LIMIT = 5
SHIFTS_LIMIT = 100
UPCOMING_SHIFTS = 4
# The staff roles counted on the profile (the school's own people), in the order shown.
STAFF_ROLES = (Role.PRINCIPAL, Role.SCHOOL_STAFF, Role.CLASS_TEACHER, Role.COUNSELLOR, Role.DOCTOR)


@dataclass(frozen=True)
class Figure:
    """A registry figure for the school, labelled as the cockpit labels it."""

    code: str
    name: str
    measure: str
    value: Value
    basis: str
    definition: str
    is_good_high: bool

    @property
    def shown(self) -> str:
        if self.value.value is None:
            return "—"
        number = self.value.value
        text = f"{number:g}" if isinstance(number, float) else str(number)
        return f"{text}%" if self.measure == "%" else text

    @property
    def counts(self) -> str:
        """ "3/5" behind a rate (not behind a mean, whose numerator is a sum of scores)."""
        part, whole, value = self.value.numerator, self.value.denominator, self.value.value
        if value is None or part is None or not whole or abs(value - 100 * part / whole) > 0.06:
            return ""
        return f"{part:g}/{whole:g}"


@dataclass(frozen=True)
class RoundScore:
    target_id: int
    inspection_id: int
    name: str
    kind: str
    submitted_on: dt.date | None
    percent: float | None
    findings: int
    is_self_check: bool


@dataclass
class InspectionSection:
    scores: list[RoundScore]
    upcoming: list[Target]
    chart: dict[str, list[Any]]
    figures: list[Figure]
    url: str


@dataclass
class LedgerSection:
    open: int
    overdue: int
    awaiting: int
    closed: int
    items: list[RectificationItem]
    figures: list[Figure]
    url: str
    overdue_url: str

    @property
    def total(self) -> int:
        return self.open + self.closed


@dataclass(frozen=True)
class ReportRow:
    submission: Submission
    deadline: dt.datetime
    light: str

    @property
    def is_overdue(self) -> bool:
        return self.light == "red"


@dataclass
class DirectiveSection:
    due: list[ReportRow]
    due_count: int
    overdue_count: int
    late: list[Submission]
    late_count: int
    figures: list[Figure]
    url: str


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


@dataclass
class StaffingSection:
    # (role label, people holding it at the school)
    roles: list[tuple[str, int]]
    counsellors: case_selectors.StaffingRow | None
    threshold: int
    url: str | None


@dataclass
class CaseSection:
    open: int
    crisis: int
    overdue: int
    by_level: list[tuple[str, int]]
    by_kind: list[tuple[str, int]]
    figures: list[Figure]
    url: str


@dataclass(frozen=True)
class CampaignRow:
    pk: int
    name: str
    status: str
    status_label: str
    start: dt.date
    end: dt.date
    run_by: str
    # The unit the school is involved through: itself, or its district bureau.
    through: str
    url: str


# ----- figures from the registry ---------------------------------------------------------------------------------


WINDOWS = {Basis.NOW: "当前", Basis.DAY: "今天", Basis.TERM: "本学期"}


def _figures(
    user: User, school: OrgUnit, codes: list[str], start: dt.date, end: dt.date, window: str = ""
) -> list[Figure]:
    """The registry's figures `codes` for the school over [start, end] (`window` names that range on screen),
    those the acting role may read."""
    readable = {indicator.code: indicator for indicator in command.catalogue(user)}
    shown = []
    for code in codes:
        indicator = readable.get(code)
        if indicator is None:
            continue
        value = command.values(user, indicator, [school], start, end).get(school.pk, Value(None))
        shown.append(
            Figure(
                code=code,
                name=indicator.name,
                measure=indicator.measure,
                value=value,
                basis=WINDOWS.get(indicator.basis, window or indicator.basis.label),
                definition=indicator.definition,
                is_good_high=indicator.direction.value == "higher",
            )
        )
    return shown


def _unit_query(url_name: str, school: OrgUnit, **extra: str) -> str:
    query = "&".join([f"unit={school.pk}", *(f"{k}={v}" for k, v in extra.items())])
    return f"{reverse(url_name)}?{query}"


# ----- inspections ---------------------------------------------------------------------------------------------


def inspections_section(user: User, school: OrgUnit, now: dt.datetime) -> InspectionSection:
    since = now - dt.timedelta(days=SCORE_DAYS)
    targets = inspection_selectors.targets_for(user).filter(school=school)
    scored = list(
        targets.filter(status=TargetStatus.SUBMITTED, submitted_at__gte=since)
        .annotate(finding_count=Count("findings"))
        .order_by("-submitted_at", "-id")[:ROUNDS_LIMIT]
    )
    scores = [
        RoundScore(
            target_id=t.pk,
            inspection_id=t.inspection_id,
            name=t.inspection.name,
            kind=t.inspection.get_kind_display(),
            submitted_on=timezone.localtime(t.submitted_at).date() if t.submitted_at else None,
            percent=float(t.percent) if t.percent is not None else None,
            findings=t.finding_count,
            is_self_check=t.inspection.kind == InspectionKind.SELF,
        )
        for t in scored
    ]
    upcoming = list(
        targets.exclude(status=TargetStatus.SUBMITTED)
        .filter(inspection__ends_on__gte=now.date())
        .order_by("inspection__starts_on", "id")[:LIST_LIMIT]
    )
    # The line: inspections by others, oldest first (a self-check is the school's own view, kept out as the
    # registry's figure keeps it out).
    charted = [s for s in reversed(scores) if not s.is_self_check and s.percent is not None]
    chart: dict[str, list[Any]] = {
        "labels": [f"{s.submitted_on:%Y-%m-%d}" if s.submitted_on else "" for s in charted],
        "names": [s.name for s in charted],
        "scores": [s.percent for s in charted],
    }
    figures = _figures(
        user, school, ["inspections.latest_score"], now.date() - dt.timedelta(days=SCORE_DAYS), now.date(), "近一年"
    )
    return InspectionSection(
        scores=scores,
        upcoming=upcoming,
        chart=chart,
        figures=figures,
        url=reverse("inspections:rounds"),
    )


# ----- the ledger ------------------------------------------------------------------------------------------------


def ledger_section(user: User, school: OrgUnit, now: dt.datetime) -> LedgerSection:
    today = now.date()
    items = ledger_selectors.items_for(user).filter(school=school)
    counts = items.order_by().aggregate(
        open=Count("id", filter=~Q(status=ItemStatus.CLOSED)),
        overdue=Count("id", filter=~Q(status=ItemStatus.CLOSED) & Q(due_date__lt=today)),
        awaiting=Count("id", filter=Q(status=ItemStatus.AWAITING_VERIFICATION)),
        closed=Count("id", filter=Q(status=ItemStatus.CLOSED)),
    )
    listed = list(
        ledger_selectors.with_rows(items.exclude(status=ItemStatus.CLOSED)).order_by("due_date", "id")[:LIST_LIMIT]
    )
    ledger_url = reverse("rectification:ledger")
    return LedgerSection(
        open=counts["open"],
        overdue=counts["overdue"],
        awaiting=counts["awaiting"],
        closed=counts["closed"],
        items=listed,
        figures=_figures(user, school, ["rectification.overdue", "rectification.close_rate"], today, today),
        url=f"{ledger_url}?school={school.pk}",
        overdue_url=f"{ledger_url}?school={school.pk}&overdue=1",
    )


# ----- directives -------------------------------------------------------------------------------------------------

OPEN_REPORT = (SubmissionStatus.PENDING, SubmissionStatus.DRAFT, SubmissionStatus.RETURNED)


def directives_section(user: User, school: OrgUnit, now: dt.datetime) -> DirectiveSection:
    reports = (
        directive_selectors.submissions_for(user)
        .filter(unit=school, directive__status=DirectiveStatus.ISSUED)
        .exclude(directive__form_version__isnull=True)
    )
    still_open = reports.filter(status__in=OPEN_REPORT)
    counts = still_open.order_by().aggregate(due=Count("id"), overdue=Count("id", filter=Q(period__deadline__lt=now)))
    due = [
        ReportRow(s, s.period.deadline, directive_selectors.light(s.period.deadline, now=now))
        for s in still_open.order_by("period__deadline", "id")[:LIST_LIMIT]
    ]
    since = now - dt.timedelta(days=RECENT_DAYS)
    late_qs = reports.filter(is_late=True, submitted_at__gte=since)
    late = list(late_qs.order_by("-submitted_at", "-id")[:LIST_LIMIT])
    return DirectiveSection(
        due=due,
        due_count=counts["due"],
        overdue_count=counts["overdue"],
        late=late,
        late_count=late_qs.count(),
        figures=_figures(
            user,
            school,
            ["directives.on_time_rate", "directives.completeness", "directives.unacknowledged"],
            now.date() - dt.timedelta(days=RECENT_DAYS - 1),
            now.date(),
            f"近 {RECENT_DAYS} 天",
        ),
        url=reverse("directives:list"),
    )


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
        figures=_figures(user, school, ["health.unchecked_classes", "health.open_alerts"], today, today),
        url=_unit_query("health:dashboard", school),
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
        figures=_figures(
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
    figures = _figures(user, school, ["duty.missed_signins"], week[0], now.date(), "本周")
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


# ----- staffing and case counts ---------------------------------------------------------------------------------


def staffing_section(user: User, school: OrgUnit, now: dt.datetime) -> StaffingSection:
    held = dict(
        RoleAssignment.objects.filter(unit__path__under=school.path, role__in=STAFF_ROLES, user__is_active=True)
        .order_by()
        .values("role")
        .annotate(n=Count("user", distinct=True))
        .values_list("role", "n")
    )
    roles = [(Role(role).label, held.get(role, 0)) for role in STAFF_ROLES]
    sees_counsellors = can(user, "staffing.read")
    counsellors = None
    if sees_counsellors:
        rows = case_selectors.staffing(school)
        counsellors = rows[0] if rows else None
    return StaffingSection(
        roles=roles,
        counsellors=counsellors,
        threshold=int(settings.DUDAO_CASE_FULLTIME_THRESHOLD),
        url=_unit_query("cases:staffing", school) if sees_counsellors else None,
    )


def cases_section(user: User, school: OrgUnit, now: dt.datetime) -> CaseSection:
    """Counts only, as the cases app's statistics page gives them: no name, no case number."""
    rows = case_selectors.case_stats(school)
    row = rows[0] if rows else case_selectors.StatRow(school.pk, school.name)
    today = now.date()
    return CaseSection(
        open=row.open,
        crisis=row.crisis,
        overdue=row.overdue,
        by_level=[(label, row.by_level.get(value, 0)) for value, label in reversed(RiskLevel.choices)],
        by_kind=[(label, row.by_kind.get(value, 0)) for value, label in CaseKind.choices],
        figures=_figures(user, school, ["cases.open_dropouts", "cases.visit_coverage"], today, today),
        url=_unit_query("cases:stats", school),
    )


# ----- campaigns -----------------------------------------------------------------------------------------------


def campaigns_section(user: User, school: OrgUnit, now: dt.datetime) -> list[CampaignRow]:
    """Campaigns the viewer sees whose 责任清单 names the school or a unit above it (its district bureau)."""
    lines = (
        CampaignUnit.objects.filter(
            campaign__in=Campaign.objects.for_user(user, "read").values("pk"),
            unit__path__in=ancestor_paths(school.path),
        )
        .select_related("campaign__unit", "unit")
        .order_by("-campaign__start", "-campaign_id", "-unit__depth")
    )
    rows: dict[int, CampaignRow] = {}
    for line in lines[:60]:
        campaign = line.campaign
        if campaign.pk in rows:
            continue  # the deepest line (the school's own before its district's) names it
        rows[campaign.pk] = CampaignRow(
            pk=campaign.pk,
            name=campaign.name,
            status=campaign.status,
            status_label=campaign.get_status_display(),
            start=campaign.start,
            end=campaign.end,
            run_by=campaign.unit.name,
            through="本校" if line.unit_id == school.pk else line.unit.name,
            url=f"/campaigns/{campaign.pk}/",
        )
    return list(rows.values())[:LIST_LIMIT]
