"""Reads of task forces, meetings and decisions, scoped by `for_user`; the state of a decision (done on time,
done late, not yet due, overdue) computed on a given day; the 督办 review a meeting opens with."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from dudao.accounts.models import User
from dudao.campaigns.models import Campaign
from dudao.directives.models import DirectiveStatus
from dudao.meetings.models import OWNER_KINDS, Decision, DecisionKind, Meeting, TaskForce
from dudao.orgs.models import OrgUnit, RoleAssignment, UnitKind
from dudao.orgs.scoping import acting_assignment


class State(StrEnum):
    DONE_ON_TIME = "done_on_time"
    DONE_LATE = "done_late"
    PENDING = "pending"
    OVERDUE = "overdue"

    @property
    def label(self) -> str:
        return {
            "done_on_time": "已完成（按期）",
            "done_late": "已完成（逾期）",
            "pending": "未到期",
            "overdue": "已逾期",
        }[self.value]

    @property
    def colour(self) -> str:
        return {"done_on_time": "success", "done_late": "warning", "pending": "secondary", "overdue": "danger"}[
            self.value
        ]

    @property
    def is_done(self) -> bool:
        return self in (State.DONE_ON_TIME, State.DONE_LATE)


# 三员 accounts read no work data and are never picked as chair, member or owner.
ADMIN_ROLES = ("sysadmin", "security_officer", "auditor")
STATE_FILTERS = {s.value: s.label for s in State} | {"open": "未完成"}


# A decision turned into a directive is carried out once the directive is issued; a draft is not yet, and a
# withdrawn directive no longer carries it out (the decision is open again).
NOT_CARRIED_OUT = (DirectiveStatus.DRAFT, DirectiveStatus.WITHDRAWN)


def done_date(decision: Decision) -> dt.date | None:
    """When the decision was carried out: the task's done date, or the day its directive was issued."""
    if decision.kind == DecisionKind.DIRECTIVE:
        directive = decision.directive
        if directive is None or directive.status in NOT_CARRIED_OUT or directive.issued_at is None:
            return None
        return timezone.localtime(directive.issued_at).date()
    return decision.done_on


def decision_state(decision: Decision, on: dt.date | None = None) -> State:
    """The decision's state as it stood at the end of day `on` (default today)."""
    on = on or timezone.localdate()
    done = done_date(decision)
    if done is not None and done <= on:
        return State.DONE_ON_TIME if done <= decision.deadline else State.DONE_LATE
    return State.OVERDUE if decision.deadline < on else State.PENDING


def open_q() -> Q:
    """Decisions not yet carried out (tasks not done, directives still drafts or withdrawn)."""
    return Q(kind=DecisionKind.TASK, done_on__isnull=True) | Q(
        kind=DecisionKind.DIRECTIVE, directive__status__in=NOT_CARRIED_OUT
    )


def overdue_q(today: dt.date) -> Q:
    return open_q() & Q(deadline__lt=today)


def state_q(state: str, today: dt.date) -> Q:
    """A filter for one state as of today (`open`: pending and overdue)."""
    if state == "open":
        return open_q()
    if state == State.OVERDUE:
        return overdue_q(today)
    if state == State.PENDING:
        return open_q() & Q(deadline__gte=today)
    task_done = Q(kind=DecisionKind.TASK, done_on__isnull=False)
    task_on_time = task_done & Q(done_on__lte=F("deadline"))
    directive_done = Q(kind=DecisionKind.DIRECTIVE) & ~Q(directive__status__in=NOT_CARRIED_OUT)
    # A directive's issue time is a datetime: on time when issued before the day after the deadline.
    directive_on_time = directive_done & Q(directive__issued_at__date__lte=F("deadline"))
    if state == State.DONE_ON_TIME:
        return task_on_time | directive_on_time
    if state == State.DONE_LATE:
        return (task_done & ~task_on_time) | (directive_done & ~directive_on_time)
    return Q()


# ---- task forces ----


def task_forces_for(user: User, action: str = "read") -> QuerySet[TaskForce]:
    return TaskForce.objects.for_user(user, action).select_related("unit", "campaign")


def task_force_choices(user: User) -> QuerySet[TaskForce]:
    """Task forces of the acting unit still at work: the ones a new meeting may belong to."""
    acting = acting_assignment(user)
    if acting is None:
        return TaskForce.objects.none()
    return TaskForce.objects.for_user(user, "change").filter(unit=acting.unit, is_dissolved=False).order_by("name")


def people_choices(unit: OrgUnit, extra: Iterable[int] = ()) -> QuerySet[User]:
    """People to pick as chair, members or attendees: the unit's own staff (its 科室 included) and the heads of the
    units one level down (a city meeting calls in the district bureaus), plus `extra` ids already chosen.

    The ids come from three narrow queries (own units, heads' assignments, admins to leave out) rather than one
    OR over joins with DISTINCT: at city scale that one query scanned every user per form (60 ms, three forms)."""
    below = OrgUnit.objects.filter(path__under=unit.path, depth=unit.depth + 1)
    own_units = [unit.pk, *below.filter(kind=UnitKind.OFFICE).values_list("pk", flat=True)]
    ids = set(User.objects.filter(unit_id__in=own_units).values_list("pk", flat=True))
    ids.update(
        RoleAssignment.objects.filter(
            unit__in=below.values("pk"), role__in=("district_admin", "principal")
        ).values_list("user_id", flat=True)
    )
    ids.update(extra)
    ids.difference_update(
        RoleAssignment.objects.filter(user_id__in=ids, role__in=ADMIN_ROLES).values_list("user_id", flat=True)
    )
    people: QuerySet[User] = (
        User.objects.filter(is_active=True, pk__in=sorted(ids)).select_related("unit").order_by("unit__path", "id")
    )
    return people


def campaign_choices(user: User) -> QuerySet[Campaign]:
    """Campaigns a task force or meeting may be attached to: those the user can read."""
    campaigns: QuerySet[Campaign] = Campaign.objects.for_user(user, "read").order_by("-start", "-id")
    return campaigns


# ---- meetings ----


def meetings_for(user: User, action: str = "read") -> QuerySet[Meeting]:
    return Meeting.objects.for_user(user, action).select_related("unit", "chair", "task_force", "campaign")


def series(meeting: Meeting) -> QuerySet[Meeting]:
    """The meetings of the same series: the same task force, else the same campaign, else the unit's own."""
    if meeting.task_force_id is not None:
        return Meeting.objects.filter(task_force_id=meeting.task_force_id)
    if meeting.campaign_id is not None:
        return Meeting.objects.filter(campaign_id=meeting.campaign_id, task_force__isnull=True)
    return Meeting.objects.filter(unit_id=meeting.unit_id, task_force__isnull=True, campaign__isnull=True)


def previous_meeting(meeting: Meeting) -> Meeting | None:
    earlier = series(meeting).filter(
        Q(starts_at__lt=meeting.starts_at) | Q(starts_at=meeting.starts_at, pk__lt=meeting.pk)
    )
    return earlier.select_related("unit").order_by("-starts_at", "-id").first()


def next_meeting(meeting: Meeting) -> Meeting | None:
    later = series(meeting).filter(
        Q(starts_at__gt=meeting.starts_at) | Q(starts_at=meeting.starts_at, pk__gt=meeting.pk)
    )
    return later.order_by("starts_at", "id").first()


def overdue_counts(meeting_ids: Iterable[int], today: dt.date) -> dict[int, tuple[int, int]]:
    """{meeting id: (decisions, overdue decisions)} for a page of meetings, in one GROUP BY."""
    rows = (
        Decision.objects.filter(meeting_id__in=list(meeting_ids))
        .values("meeting_id")
        .annotate(n=Count("*"), late=Count("id", filter=overdue_q(today)))
        .values_list("meeting_id", "n", "late")
    )
    return {pk: (n, late) for pk, n, late in rows}


def owner_unit_choices(meeting: Meeting) -> QuerySet[OrgUnit]:
    """Units a decision of the meeting may go to on the page: the organiser, its offices and the units one level
    down (the API takes any unit below)."""
    units: QuerySet[OrgUnit] = OrgUnit.objects.filter(
        path__under=meeting.unit.path, depth__lte=meeting.unit.depth + 1, kind__in=OWNER_KINDS, is_closed=False
    ).order_by("path")
    return units


def owner_person_choices(meeting: Meeting) -> QuerySet[User]:
    """Anyone the service may accept as a decision's owner person: active people under the organiser."""
    people: QuerySet[User] = User.objects.filter(is_active=True, unit__path__under=meeting.unit.path)
    return people


def owner_person_options(meeting: Meeting, unit: OrgUnit | None) -> list[User]:
    """The people listed for a decision's owner: the owner unit's own staff (its 科室 included) once a unit is
    chosen, else the meeting's attendees and the organiser's people."""
    if unit is None or not unit.path.startswith(meeting.unit.path):
        return list(people_choices(meeting.unit, extra=meeting.attendees.values_list("person_id", flat=True)))
    own = Q(unit=unit) | Q(unit__path__under=unit.path, unit__depth=unit.depth + 1, unit__kind=UnitKind.OFFICE)
    return list(
        User.objects.filter(own, is_active=True)
        .exclude(assignments__role__in=ADMIN_ROLES)
        .select_related("unit")
        .distinct()
        .order_by("unit__path", "id")[:500]
    )


def with_rows(qs: QuerySet[Decision]) -> QuerySet[Decision]:
    return qs.select_related("meeting", "meeting__unit", "owner_unit", "owner_person", "directive")


@dataclass
class DecisionRow:
    decision: Decision
    state: State


@dataclass
class Review:
    """督办: what the previous meeting decided and where each item stands, as of `on`; and earlier items still
    open."""

    on: dt.date
    previous: Meeting | None
    rows: list[DecisionRow] = field(default_factory=list)
    carried: list[DecisionRow] = field(default_factory=list)

    def count(self, state: State) -> int:
        return sum(1 for r in self.rows if r.state == state)

    @property
    def summary(self) -> list[tuple[State, int]]:
        return [(s, self.count(s)) for s in State]


def review(meeting: Meeting, today: dt.date | None = None) -> Review:
    """The review a meeting opens with: states as of the meeting's day (a held meeting) or today (upcoming)."""
    today = today or timezone.localdate()
    on = min(today, timezone.localtime(meeting.starts_at).date())
    previous = previous_meeting(meeting)
    result = Review(on=on, previous=previous)
    if previous is None:
        return result
    result.rows = [DecisionRow(d, decision_state(d, on)) for d in with_rows(previous.decisions.order_by("position"))]
    earlier = series(meeting).filter(starts_at__lt=previous.starts_at).values("pk")
    older = with_rows(Decision.objects.filter(meeting__in=earlier)).order_by("meeting__starts_at", "position")
    result.carried = [r for r in (DecisionRow(d, decision_state(d, on)) for d in older) if not r.state.is_done]
    return result


def decision_rows(decisions: Iterable[Decision], on: dt.date | None = None) -> list[DecisionRow]:
    return [DecisionRow(d, decision_state(d, on)) for d in decisions]


# ---- decisions ----


def decisions_for(user: User, action: str = "read") -> QuerySet[Decision]:
    """The ledger's decisions: of meetings convened in scope, or owned by a unit in scope."""
    return with_rows(Decision.objects.for_user(user, action))


def decisions_of_visible_meetings(user: User) -> QuerySet[Decision]:
    """Any decision of a meeting the user may read (a district head reads the whole minutes of a meeting attended,
    other districts' items included), for the decision's own page; reporting still needs the owner unit."""
    return with_rows(Decision.objects.filter(meeting__in=Meeting.objects.for_user(user, "read").values("pk")))


def ledger(
    user: User, *, state: str = "", unit: OrgUnit | None = None, meeting: Meeting | None = None
) -> QuerySet[Decision]:
    """督办台账: decisions in scope, filtered by state (as of today), owner unit subtree, meeting."""
    qs = decisions_for(user)
    if state in STATE_FILTERS:
        qs = qs.filter(state_q(state, timezone.localdate()))
    if unit is not None:
        qs = qs.filter(owner_unit__path__under=unit.path)
    if meeting is not None:
        qs = qs.filter(meeting=meeting)
    return qs.order_by("deadline", "meeting__starts_at", "position", "id")


def my_open_tasks(user: User) -> QuerySet[Decision]:
    """Open tasks of the acting unit (and of the user's own 科室, and those naming the user)."""
    acting = acting_assignment(user)
    if acting is None:
        return Decision.objects.none()
    mine = Q(owner_unit=acting.unit) | Q(owner_person=user)
    if user.unit_id is not None:
        mine |= Q(owner_unit_id=user.unit_id)
    return Decision.objects.for_user(user, "task").filter(mine, kind=DecisionKind.TASK, done_on__isnull=True)


def organised_overdue(user: User) -> QuerySet[Decision]:
    """Overdue decisions of meetings the acting unit convened."""
    acting = acting_assignment(user)
    if acting is None:
        return Decision.objects.none()
    return Decision.objects.for_user(user, "change").filter(overdue_q(timezone.localdate()), meeting__unit=acting.unit)


def upcoming_for(user: User, days: int = 7) -> QuerySet[Meeting]:
    """Meetings in the next `days` days that the user attends or chairs."""
    now = timezone.now()
    return (
        Meeting.objects.filter(
            Q(attendees__person=user) | Q(chair=user),
            starts_at__gte=now - dt.timedelta(hours=3),
            starts_at__lte=now + dt.timedelta(days=days),
        )
        .distinct()
        .order_by("starts_at")
    )
