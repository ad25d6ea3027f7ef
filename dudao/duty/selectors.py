"""Reads for duty pages and the API, all scoped with `for_user`."""

from __future__ import annotations

import datetime as dt
import itertools
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from dudao.accounts.models import User
from dudao.core.indicators import Grouping
from dudao.duty.models import (
    ContingencyPlan,
    Drill,
    DutyRoster,
    DutyShift,
    DutySignIn,
    InspectionResponse,
    LeaveCampaign,
    LeaveRequest,
    LeaveStatus,
    PlanType,
    ResponseSchool,
    ResponseTask,
    RosterStatus,
    ShiftRole,
)
from dudao.duty.services import ROSTER_UNIT_KINDS, local, missed_signins
from dudao.orgs.models import OrgUnit, UnitKind
from dudao.orgs.scoping import acting_assignment, can, scope_root_path


def _acting_ancestors(user: User) -> list[str]:
    """Paths of the acting unit and every unit above it (a class teacher's class → grade → school → …)."""
    assignment = acting_assignment(user)
    if assignment is None:
        return []
    path = assignment.unit.path
    return [path[:n] for n in range(OrgUnit.steplen, len(path) + 1, OrgUnit.steplen)]


def _own_roster_unit(user: User) -> list[str]:
    """The path of the nearest bureau, district or school at or above the acting unit: the unit whose published
    roster its own people see (a class teacher sees the school's roster, not the district's or the city's)."""
    paths = _acting_ancestors(user)
    own = (
        OrgUnit.objects.filter(path__in=paths, kind__in=ROSTER_UNIT_KINDS)
        .order_by("-depth")
        .values_list("path", flat=True)
        .first()
    )
    return [own] if own else []


def rosters_for(user: User, action: str = "read") -> QuerySet[DutyRoster]:
    """Published rosters of the scope (a roster is published to its unit and up the tree), and of the reader's
    own unit; drafts only for those who may plan them."""
    if action != "read":
        return DutyRoster.objects.for_user(user, action).select_related("unit")
    if scope_root_path(user, "duty.read") is None:
        return DutyRoster.objects.none()
    scoped = DutyRoster.objects.for_user(user, "read").values("pk")
    editable = DutyRoster.objects.for_user(user, "change").values("pk")
    return DutyRoster.objects.filter(
        Q(status=RosterStatus.PUBLISHED, pk__in=scoped)
        | Q(status=RosterStatus.PUBLISHED, unit__path__in=_own_roster_unit(user))
        | Q(pk__in=editable)
    ).select_related("unit")


def shifts_for(user: User) -> QuerySet[DutyShift]:
    return DutyShift.objects.for_user(user, "read").filter(roster__status=RosterStatus.PUBLISHED)


def my_shifts(user: User, *, since: dt.datetime | None = None) -> QuerySet[DutyShift]:
    """A person's own published shifts (their own data, whatever their role's scope)."""
    since = since or timezone.now() - dt.timedelta(days=1)
    return (
        DutyShift.objects.filter(person_id=user.pk, roster__status=RosterStatus.PUBLISHED, ends_at__gt=since)
        .select_related("unit", "signin", "roster")
        .order_by("starts_at")
    )


def shift_to_sign(user: User, pk: int) -> DutyShift | None:
    """A shift the user may sign in to or log on: their own (published or not), else a published one in scope."""
    own = DutyShift.objects.filter(pk=pk, person_id=user.pk).select_related("unit", "roster").first()
    return own or shifts_for(user).select_related("unit", "roster").filter(pk=pk).first()


def signins_for(user: User) -> QuerySet[DutySignIn]:
    return DutySignIn.objects.for_user(user, "read").select_related("shift__unit", "person")


@dataclass(frozen=True)
class NowUnit:
    pk: int
    path: str
    name: str
    kind: str


@dataclass(frozen=True)
class NowPerson:
    pk: int
    display_name: str
    title: str


@dataclass(frozen=True)
class NowSignIn:
    signed_at: dt.datetime
    is_late: bool


@dataclass(frozen=True)
class NowShift:
    """A shift in force, read as plain values: the city-wide page builds thousands of them per request."""

    pk: int
    roster_id: int
    unit_id: int
    role: str
    phone: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    person: NowPerson
    signin_record: NowSignIn | None

    def get_role_display(self) -> str:
        return str(ShiftRole(self.role).label)


@dataclass
class UnitDuty:
    unit: NowUnit
    leaders: list[NowShift] = field(default_factory=list)
    staff: list[NowShift] = field(default_factory=list)
    away: list[LeaveRequest] = field(default_factory=list)

    @property
    def is_uncovered(self) -> bool:
        return not self.leaders and not self.staff

    @property
    def has_no_leader(self) -> bool:
        return not self.leaders


NOW_FIELDS = (
    "pk",
    "roster_id",
    "unit_id",
    "role",
    "phone",
    "starts_at",
    "ends_at",
    "person_id",
    "person__full_name",
    "person__username",
    "person__title",
    "signin__signed_at",
    "signin__is_late",
)


def on_duty_now(
    user: User,
    *,
    at: dt.datetime | None = None,
    unit: OrgUnit | None = None,
    kinds: tuple[str, ...] = ROSTER_UNIT_KINDS,
    only: Sequence[int] | None = None,
) -> list[UnitDuty]:
    """Who is on duty now in every unit of the viewer's subtree: one query for the units, one for the shifts
    (with person and sign-in joined), one for the approved leave in force today. Rows are read as values, not
    model instances (measured 2.5x faster for a city: bench/duty_now.py)."""
    at = at or timezone.now()
    root = scope_root_path(user, "duty.read")
    if root is None:
        return []
    prefix = unit.path if unit is not None and unit.path.startswith(root) else root
    units = OrgUnit.objects.filter(path__under=prefix, kind__in=kinds, is_closed=False)
    if only is not None:  # a page of the API, or the city's own row above its district summary
        units = units.filter(pk__in=list(only))
    rows = {
        pk: UnitDuty(unit=NowUnit(pk, path, name, kind))
        for pk, path, name, kind in units.order_by("path").values_list("pk", "path", "name", "kind")
    }
    shifts = (
        DutyShift.objects.filter(
            unit__path__under=prefix,
            starts_at__lte=at,
            ends_at__gt=at,
            roster__status=RosterStatus.PUBLISHED,
        )
        .order_by("starts_at", "id")
        .values_list(*NOW_FIELDS)
    )
    if only is not None:
        shifts = shifts.filter(unit_id__in=list(rows))
    people: dict[int, NowPerson] = {}
    for (
        pk,
        roster_id,
        unit_id,
        role,
        phone,
        starts_at,
        ends_at,
        person_id,
        full,
        username,
        title,
        signed,
        late,
    ) in shifts:
        row = rows.get(unit_id)
        if row is None:
            continue
        person = people.get(person_id)
        if person is None:
            person = people[person_id] = NowPerson(person_id, full or username, title)
        shift = NowShift(
            pk,
            roster_id,
            unit_id,
            role,
            phone,
            starts_at,
            ends_at,
            person,
            NowSignIn(signed, late) if signed is not None else None,
        )
        (row.leaders if role == ShiftRole.LEADER else row.staff).append(shift)
    today = local(at).date()
    leaves = away_on(prefix, today)
    for leave in leaves.filter(unit_id__in=list(rows)) if only is not None else leaves:
        found = rows.get(leave.unit_id)
        if found is not None:
            found.away.append(leave)
    return list(rows.values())


def roster_units(unit: OrgUnit, kinds: tuple[str, ...] = ROSTER_UNIT_KINDS) -> QuerySet[OrgUnit]:
    """Open units keeping duty rosters in `unit`'s subtree, in tree order."""
    return OrgUnit.objects.filter(path__under=unit.path, kind__in=kinds, is_closed=False).order_by("path")


def roster_units_under(unit: OrgUnit, kinds: tuple[str, ...] = ROSTER_UNIT_KINDS) -> int:
    """How many: above DUDAO_DETAIL_LIMIT a page summarises them per child unit."""
    return roster_units(unit, kinds).count()


def summary_children(unit: OrgUnit) -> list[OrgUnit]:
    """The rows of a summary: the open units one level down that hold work (offices hold none)."""
    return list(
        OrgUnit.objects.filter(path__under=unit.path, depth=unit.depth + 1, is_closed=False)
        .exclude(kind=UnitKind.OFFICE)
        .order_by("path")
    )


@dataclass
class DutySummary:
    """Duty now in the subtree of one child unit, counted in SQL."""

    unit: OrgUnit
    units: int
    uncovered: int
    leaderless: int
    away: int
    missed: int


def now_summary(unit: OrgUnit, *, at: dt.datetime | None = None) -> list[DutySummary]:
    """Per child of `unit`: roster units, those with nobody or no leader on duty now, people away, missed
    sign-ins. Four GROUP BYs over the subtree whatever its size (the caller checked the scope)."""
    at = at or timezone.now()
    children = summary_children(unit)
    grouping = Grouping.of(children)
    if not children:
        return []
    units = grouping.sums(
        OrgUnit.objects.filter(path__under=grouping.root, kind__in=ROSTER_UNIT_KINDS, is_closed=False),
        "path",
        n=Count("id"),
    )
    active = DutyShift.objects.filter(
        unit__path__under=grouping.root,
        unit__kind__in=ROSTER_UNIT_KINDS,
        unit__is_closed=False,
        starts_at__lte=at,
        ends_at__gt=at,
        roster__status=RosterStatus.PUBLISHED,
    )
    covered = grouping.sums(
        active,
        "unit__path",
        any=Count("unit", distinct=True),
        led=Count("unit", distinct=True, filter=Q(role=ShiftRole.LEADER)),
    )
    away = grouping.sums(away_on(grouping.root, local(at).date()).order_by(), "unit__path", n=Count("id"))
    missed = grouping.sums(
        missed_signins(DutyShift.objects.filter(unit__path__under=grouping.root), at), "unit__path", n=Count("id")
    )
    return [
        DutySummary(
            unit=child,
            units=int(units[child.pk][0]),
            uncovered=int(units[child.pk][0] - covered[child.pk][0]),
            leaderless=int(units[child.pk][0] - covered[child.pk][1]),
            away=int(away[child.pk][0]),
            missed=int(missed[child.pk][0]),
        )
        for child in children
    ]


def away_on(prefix: str, day: dt.date) -> QuerySet[LeaveRequest]:
    return LeaveRequest.objects.filter(
        unit__path__under=prefix, status=LeaveStatus.APPROVED, starts_on__lte=day, ends_on__gte=day
    ).select_related("applicant", "deputy")


def away_today(user: User) -> QuerySet[LeaveRequest]:
    root = scope_root_path(user, "duty.read")
    if root is None:
        return LeaveRequest.objects.none()
    return away_on(root, timezone.localdate()).select_related("unit")


@dataclass
class RosterFlags:
    days_without_leader: list[dt.date]
    days_without_staff: list[dt.date]
    overlaps: list[tuple[DutyShift, DutyShift]]


def roster_flags(roster: DutyRoster, shifts: list[DutyShift]) -> RosterFlags:
    """Days of the roster without a leader on duty, days without staff, and people with overlapping shifts."""
    with_leader: set[dt.date] = set()
    with_staff: set[dt.date] = set()
    for shift in shifts:
        # A duty day belongs to the day its shift starts: a 24-hour shift from 08:00 covers that day only.
        (with_leader if shift.role == ShiftRole.LEADER else with_staff).add(local(shift.starts_at).date())
    days = [roster.starts_on + dt.timedelta(days=n) for n in range((roster.ends_on - roster.starts_on).days + 1)]
    by_person: dict[int, list[DutyShift]] = defaultdict(list)
    for shift in shifts:
        by_person[shift.person_id].append(shift)
    overlaps = []
    for own in by_person.values():
        own.sort(key=lambda s: s.starts_at)
        for earlier, later in itertools.pairwise(own):
            if later.starts_at < earlier.ends_at:
                overlaps.append((earlier, later))
    return RosterFlags(
        days_without_leader=[d for d in days if d not in with_leader],
        days_without_staff=[d for d in days if d not in with_staff],
        overlaps=overlaps,
    )


def missed_for(user: User, now: dt.datetime | None = None) -> QuerySet[DutyShift]:
    """Missed sign-ins in the viewer's scope (red for the unit's head and the district)."""
    return missed_signins(DutyShift.objects.for_user(user, "read"), now).select_related("unit", "person")


# ----- plans, drills, coverage --------------------------------------------------------------------


def plans_for(user: User, action: str = "read") -> QuerySet[ContingencyPlan]:
    return ContingencyPlan.objects.for_user(user, action).select_related("unit")


def drills_for(user: User) -> QuerySet[Drill]:
    return Drill.objects.for_user(user, "read").select_related("unit", "plan")


def term_of(day: dt.date) -> tuple[dt.date, dt.date]:
    """The term containing `day`: terms start on the month-days of DUDAO_TERM_STARTS (default 02-01 and 09-01)
    and run to the day before the next start."""
    starts = sorted(tuple(int(p) for p in md.split("-")) for md in settings.DUDAO_TERM_STARTS)
    candidates = [dt.date(year, m, d) for year in (day.year - 1, day.year, day.year + 1) for m, d in starts]
    begin = max(c for c in candidates if c <= day)
    following = min(c for c in candidates if c > day)
    return begin, following - dt.timedelta(days=1)


@dataclass
class CoverageRow:
    unit: OrgUnit
    counts: dict[str, int]
    plans: set[str]

    @property
    def missing(self) -> list[str]:
        return [label for value, label in PlanType.choices if not self.counts.get(value)]


@dataclass
class CoverageSummary:
    """Drill coverage of the schools under one child unit: schools drilled per plan type, and not at all."""

    unit: OrgUnit
    schools: int
    drilled: dict[str, int]
    undrilled: int


def coverage_summary(unit: OrgUnit, *, term: tuple[dt.date, dt.date]) -> list[CoverageSummary]:
    """Per child of `unit`: schools, schools drilled this term per plan type, schools with no drill. Two GROUP BYs
    whatever the number of schools (the caller checked the scope)."""
    children = summary_children(unit)
    if not children:
        return []
    grouping = Grouping.of(children)
    schools = grouping.sums(
        OrgUnit.objects.filter(path__under=grouping.root, kind=UnitKind.SCHOOL, is_closed=False), "path", n=Count("id")
    )
    types = [value for value, _ in PlanType.choices]
    drills = Drill.objects.filter(
        unit__path__under=grouping.root, unit__kind=UnitKind.SCHOOL, unit__is_closed=False, held_on__range=term
    )
    drilled = grouping.sums(
        drills,
        "unit__path",
        any=Count("unit", distinct=True),
        **{f"t_{t}": Count("unit", distinct=True, filter=Q(plan__plan_type=t)) for t in types},
    )
    return [
        CoverageSummary(
            unit=child,
            schools=int(schools[child.pk][0]),
            drilled={t: int(n) for t, n in zip(types, drilled[child.pk][1:], strict=True)},
            undrilled=int(schools[child.pk][0] - drilled[child.pk][0]),
        )
        for child in children
    ]


def drill_coverage(user: User, *, term: tuple[dt.date, dt.date], unit: OrgUnit | None = None) -> list[CoverageRow]:
    """Per school (and district/bureau) × plan type: drills held in the term, and which plans exist."""
    root = scope_root_path(user, "drill.read")
    if root is None:
        return []
    prefix = unit.path if unit is not None and unit.path.startswith(root) else root
    units = list(OrgUnit.objects.filter(path__under=prefix, kind=UnitKind.SCHOOL, is_closed=False).order_by("path"))
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    for row in (
        Drill.objects.filter(unit__path__under=prefix, held_on__range=term)
        .values("unit_id", "plan__plan_type")
        .annotate(n=Count("id"))
    ):
        counts[row["unit_id"]][row["plan__plan_type"]] = row["n"]
    plans: dict[int, set[str]] = defaultdict(set)
    for unit_id, plan_type in ContingencyPlan.objects.filter(unit__path__under=prefix).values_list(
        "unit_id", "plan_type"
    ):
        plans[unit_id].add(plan_type)
    return [CoverageRow(unit=u, counts=counts.get(u.pk, {}), plans=plans.get(u.pk, set())) for u in units]


# ----- 迎检响应 -----------------------------------------------------------------------------------------


def visible_targets(user: User) -> QuerySet[ResponseSchool]:
    """Checklists of schools in scope, and the checklist of the reader's own school for those who do tasks
    (a class teacher's scope is a class, below the school the checklist belongs to)."""
    visible = Q(pk__in=ResponseSchool.objects.for_user(user, "read").values("pk"))
    if can(user, "plan.task"):
        visible |= Q(school__path__in=_acting_ancestors(user))
    return ResponseSchool.objects.filter(visible)


def response_targets_for(user: User) -> QuerySet[ResponseSchool]:
    return (
        visible_targets(user)
        .select_related("school", "response", "plan")
        .annotate(total=Count("tasks"), done=Count("tasks", filter=Q(tasks__done_at__isnull=False)))
    )


def target_tasks(target: ResponseSchool) -> QuerySet[ResponseTask]:
    """One school's checklist; the caller found the school in `response_targets_for`."""
    return ResponseTask.objects.filter(target=target).select_related("assignee", "done_by", "target__school")


def visible_tasks(user: User, response: InspectionResponse) -> QuerySet[ResponseTask]:
    return ResponseTask.objects.filter(target__in=visible_targets(user).filter(response=response).values("pk"))


def responses_for(user: User) -> QuerySet[InspectionResponse]:
    """Responses that reach at least one school the viewer sees."""
    visible = visible_targets(user).values("response_id")
    return InspectionResponse.objects.filter(pk__in=visible).select_related("unit", "triggered_by")


# ----- 离市外出 --------------------------------------------------------------------------------------------


def leave_requests_for(user: User) -> QuerySet[LeaveRequest]:
    """Requests of the scope, and always the user's own."""
    scoped = LeaveRequest.objects.for_user(user, "read").values("pk")
    return (
        LeaveRequest.objects.filter(Q(pk__in=scoped) | Q(applicant_id=user.pk))
        .select_related("unit", "applicant", "deputy", "campaign", "decided_by")
        .order_by("-created_at", "-id")
    )


def own_leave_requests(user: User) -> QuerySet[LeaveRequest]:
    return LeaveRequest.objects.filter(applicant_id=user.pk)


def pending_approvals(user: User) -> QuerySet[LeaveRequest]:
    return (
        LeaveRequest.objects.for_user(user, "approve")
        .filter(status=LeaveStatus.PENDING)
        .exclude(applicant_id=user.pk)
        .select_related("unit", "applicant", "deputy")
    )


def campaigns_for(user: User) -> QuerySet[LeaveCampaign]:
    """Campaigns set by the user's unit or any unit above it."""
    root = scope_root_path(user, "leave.read") or scope_root_path(user, "leave.campaign")
    if root is None:
        return LeaveCampaign.objects.none()
    ancestors = [root[:n] for n in range(OrgUnit.steplen, len(root) + 1, OrgUnit.steplen)]
    return LeaveCampaign.objects.filter(unit__path__in=ancestors).order_by("-starts_on")
