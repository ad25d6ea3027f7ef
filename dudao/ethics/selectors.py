"""Reads of 师德师风. `incidents_for` is the one gate for incidents: object-level, like case files.

An incident is visible to
- the teacher it is about (their own record, whatever their role);
- a role granting `ethics.read` (principal, district admin, bureau leaders and office staff) on the subtree that
  holds the incident's school.
Class teachers, counsellors, doctors and school office staff never see another teacher's incidents.

`vetoed` is for other modules (评优评先, 职称): it is not scoped, the caller scopes the people it asks about.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from dudao.accounts.models import User
from dudao.core.indicators import Grouping
from dudao.ethics.models import Acknowledgement, Category, Commendation, Commitment, Incident, IncidentStatus
from dudao.orgs.models import OrgUnit, UnitKind
from dudao.orgs.scoping import acting_assignment, can, scope_root_path

# The units whose people are a school's staff (教职工): accounts placed at a school or below it.
SCHOOL_KINDS = (UnitKind.SCHOOL, UnitKind.CAMPUS, UnitKind.GRADE, UnitKind.CLASS)
OPEN_STATUSES = (IncidentStatus.ACCEPTED, IncidentStatus.INVESTIGATING, IncidentStatus.DECIDED)


def incidents_for(user: User) -> QuerySet[Incident]:
    """Every incident `user` may read now: their own, and those of the subtree their acting role reads."""
    if not user.is_authenticated:
        return Incident.objects.none()
    visible = Q(teacher_id=user.pk)
    root = scope_root_path(user, "ethics.read")
    if root is not None:
        visible |= Q(school__path__under=root)
    return Incident.objects.filter(visible).select_related("school", "teacher")


def incident_for(user: User, pk: int) -> Incident | None:
    """The incident if `user` may read it (None: answer 404 and log the refusal)."""
    found: Incident | None = incidents_for(user).filter(pk=pk).first()
    return found


def may_handle(user: User, incident: Incident) -> bool:
    """Register and investigate: the school's head and upward, never on their own incident."""
    return incident.teacher_id != user.pk and can(user, "ethics.handle", incident.school)


def may_decide(user: User, incident: Incident) -> bool:
    """认定, measure and veto: the district or the bureau, never on their own incident."""
    return incident.teacher_id != user.pk and can(user, "ethics.decide", incident.school)


def incident_counts(qs: QuerySet[Incident]) -> dict[str, int]:
    figures = qs.aggregate(
        total=Count("id"),
        open=Count("id", filter=Q(status__in=OPEN_STATUSES)),
        substantiated=Count("id", filter=Q(finding="substantiated")),
        veto=Count("id", filter=Q(is_veto=True)),
    )
    return {k: int(v or 0) for k, v in figures.items()}


# ----- the one-vote veto, for 评优评先 and 职称 -------------------------------------------------------


@dataclass(frozen=True)
class Veto:
    incident: int
    teacher: int
    starts_on: dt.date
    ends_on: dt.date
    reason: str


def veto_filter(on_date: dt.date) -> Q:
    return Q(is_veto=True, veto_from__lte=on_date, veto_until__gte=on_date) & ~Q(finding="unsubstantiated")


def vetoed(staff_ids: list[int] | set[int] | tuple[int, ...], on_date: dt.date) -> dict[int, Veto]:
    """The people among `staff_ids` (account ids) under a 师德一票否决 on `on_date`, with the incident that set it
    (the latest period when several do): one query, whatever the number of people. Not scoped: awards and titles
    call it for candidates they already may see, and show the reason without the facts."""
    ids = list({int(i) for i in staff_ids})
    if not ids:
        return {}
    found: dict[int, Veto] = {}
    rows = (
        Incident.objects.filter(veto_filter(on_date), teacher_id__in=ids)
        .order_by("teacher_id", "-veto_until", "-id")
        .values_list("id", "teacher_id", "veto_from", "veto_until", "measure_body", "category")
    )
    labels = dict(Category.choices)
    for pk, teacher, starts, ends, body, category in rows:
        if teacher not in found and starts is not None and ends is not None:
            found[teacher] = Veto(
                incident=pk,
                teacher=teacher,
                starts_on=starts,
                ends_on=ends,
                reason=f"师德失范（{labels.get(category, '其他')}）经{body or '主管部门'}认定，"
                f"{starts:%Y-%m-%d} 至 {ends:%Y-%m-%d} 评优评先、职称评聘实行一票否决",
            )
    return found


# ----- people ---------------------------------------------------------------------------------------


def staff_under(path: str) -> QuerySet[User]:
    """Active staff accounts placed at a school (or below it) under `path`."""
    return User.objects.filter(is_active=True, unit__path__under=path, unit__kind__in=SCHOOL_KINDS)


def teachers_to_choose(user: User, permission: str, limit: int = 400) -> list[User]:
    """People the acting role may file an incident or commendation about (for the form's list of names)."""
    root = scope_root_path(user, permission)
    if root is None:
        return []
    return list(staff_under(root).select_related("unit").order_by("unit__path", "full_name", "id")[:limit])


def find_teacher(user: User, permission: str, text: str) -> User | None:
    """A person in scope by account name (exact) or full name (when unique); None when not found or ambiguous."""
    root = scope_root_path(user, permission)
    text = (text or "").strip()
    if root is None or not text:
        return None
    people = staff_under(root).select_related("unit")
    by_username = people.filter(username=text).first()
    if by_username is not None:
        return by_username
    named = list(people.filter(full_name=text)[:2])
    return named[0] if len(named) == 1 else None


def find_teacher_by_id(user: User, permission: str, pk: int) -> User | None:
    root = scope_root_path(user, permission)
    if root is None:
        return None
    found: User | None = staff_under(root).select_related("unit").filter(pk=pk).first()
    return found


# ----- commitments ------------------------------------------------------------------------------------


def _ancestor_paths(unit: OrgUnit) -> list[str]:
    return [unit.path[: n * unit.steplen] for n in range(1, unit.depth + 1)]


def commitment_of(person: User, year: int) -> Commitment | None:
    """The year's commitment that applies to `person`: published by their unit or a unit above (the nearest)."""
    if person.unit is None:
        return None
    found: Commitment | None = (
        Commitment.objects.filter(unit__path__in=_ancestor_paths(person.unit), year=year)
        .select_related("unit")
        .order_by("-unit__depth", "-id")
        .first()
    )
    return found


def has_acknowledged(person: User, commitment: Commitment) -> Acknowledgement | None:
    ack: Acknowledgement | None = Acknowledgement.objects.filter(commitment=commitment, user=person).first()
    return ack


def commitments_seen_from(unit: OrgUnit) -> QuerySet[Commitment]:
    """Commitments published above the unit (which apply to it) or inside it."""
    return (
        Commitment.objects.filter(Q(unit__path__in=_ancestor_paths(unit)) | Q(unit__path__under=unit.path))
        .select_related("unit", "published_by")
        .order_by("-year", "unit__path")
    )


def commitment_for(user: User, pk: int) -> Commitment | None:
    assignment = acting_assignment(user)
    if assignment is None or not can(user, "ethics.commitments"):
        return None
    found: Commitment | None = commitments_seen_from(assignment.unit).filter(pk=pk).first()
    return found


@dataclass(frozen=True)
class Progress:
    unit: OrgUnit
    staff: int
    acknowledged: int

    @property
    def rate(self) -> float | None:
        return round(100 * self.acknowledged / self.staff, 1) if self.staff else None

    @property
    def pending(self) -> int:
        return self.staff - self.acknowledged


def _covered_root(commitment: Commitment, unit: OrgUnit) -> str:
    """The deeper of the commitment's unit and the unit looked at: the people the figure is about."""
    return unit.path if unit.path.startswith(commitment.unit.path) else commitment.unit.path


def progress(commitment: Commitment, units: list[OrgUnit]) -> list[Progress]:
    """Staff and acknowledgements per unit: two GROUP BYs, whatever the number of units."""
    units = [u for u in units if u.path.startswith(commitment.unit.path)]
    if not units:
        return []
    grouping = Grouping.of(units)
    staff = grouping.sums(staff_under(grouping.root), "unit__path", n=Count("*"))
    acks = grouping.sums(
        Acknowledgement.objects.filter(
            commitment=commitment,
            user__is_active=True,
            user__unit__path__under=grouping.root,
            user__unit__kind__in=SCHOOL_KINDS,
        ),
        "user__unit__path",
        n=Count("*"),
    )
    return [Progress(unit=u, staff=int(staff[u.pk][0]), acknowledged=int(acks[u.pk][0])) for u in units]


def pending_people(commitment: Commitment, unit: OrgUnit) -> QuerySet[User]:
    """Staff under `unit` who have not acknowledged the commitment yet."""
    done = Acknowledgement.objects.filter(commitment=commitment).values("user_id")
    return (
        staff_under(_covered_root(commitment, unit))
        .exclude(pk__in=done)
        .select_related("unit")
        .order_by("unit__path", "full_name", "id")
    )


def child_units(unit: OrgUnit) -> list[OrgUnit]:
    """The units a progress table lists under `unit`: its districts or schools (not offices, grades or classes)."""
    if unit.kind in SCHOOL_KINDS:
        return [unit]
    return list(
        OrgUnit.objects.filter(
            path__under=unit.path,
            depth=unit.depth + 1,
            is_closed=False,
            kind__in=[UnitKind.DISTRICT, UnitKind.SCHOOL],
        ).order_by("path")
    )


# ----- commendations ----------------------------------------------------------------------------------


def commendations_for(user: User) -> QuerySet[Commendation]:
    """Commendations the viewer may read: their own, and their `ethics.read` subtree's."""
    if not user.is_authenticated:
        return Commendation.objects.none()
    visible = Q(teacher_id=user.pk)
    root = scope_root_path(user, "ethics.read")
    if root is not None:
        visible |= Q(school__path__under=root)
    return Commendation.objects.filter(visible).select_related("school", "teacher")
