"""门卫登记 reads, scoped: a school's day at the gate, recent visitors by phone, contact-tracing searches."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone

from dudao.accounts.models import User
from dudao.gate.models import Visit
from dudao.gate.services import TraceQuery, normalise_id_card
from dudao.orgs.models import OrgUnit, UnitKind
from dudao.orgs.scoping import acting_assignment, can

# Recent visitors offered for a phone number: the last this many days, at most this many people.
RECENT_DAYS = 30
RECENT_LIMIT = 5


def day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
    return start, start + dt.timedelta(days=1)


def visits_for(user: User) -> QuerySet[Visit]:
    """Visits the user may see: the roles that read visitor records any day, the guard (register only) today's."""
    if can(user, "visitor.read"):
        qs = Visit.objects.for_user(user, "read")
    else:
        start, end = day_bounds(timezone.localdate())
        qs = Visit.objects.for_user(user, "register").filter(checked_in_at__gte=start, checked_in_at__lt=end)
    return qs.select_related("school", "host")


def may_choose_day(user: User) -> bool:
    return can(user, "visitor.read")


@dataclass(frozen=True)
class DailyList:
    school: OrgUnit
    day: dt.date
    visits: list[Visit]

    @property
    def inside(self) -> int:
        return sum(1 for v in self.visits if v.is_inside)

    @property
    def flagged(self) -> int:
        return sum(1 for v in self.visits if v.health_flag)


def daily_list(user: User, school: OrgUnit, day: dt.date) -> DailyList:
    """The day's visitors of one school, those still inside first (they are who the guard looks for)."""
    start, end = day_bounds(day)
    rows = list(
        visits_for(user)
        .filter(school=school, checked_in_at__gte=start, checked_in_at__lt=end)
        .order_by("-checked_in_at", "-id")[:500]
    )
    rows.sort(key=lambda v: not v.is_inside)
    return DailyList(school=school, day=day, visits=rows)


def recent_by_phone(user: User, school: OrgUnit, phone: str) -> list[Visit]:
    """The last visit of each person who came to `school` with this exact phone in the last 30 days (returning
    visitors); a partial number finds nothing."""
    phone = "".join(ch for ch in phone if ch.isdigit())
    if len(phone) != 11:
        return []
    since = timezone.now() - dt.timedelta(days=RECENT_DAYS)
    rows = (
        Visit.objects.for_user(user, "register")
        .filter(school=school, phone=phone, checked_in_at__gte=since)
        .select_related("host")
        .order_by("-checked_in_at", "-id")[:50]
    )
    seen: set[str] = set()
    latest: list[Visit] = []
    for visit in rows:
        if visit.id_card_no not in seen:
            seen.add(visit.id_card_no)
            latest.append(visit)
    return latest[:RECENT_LIMIT]


def previous_visit(user: User, school: OrgUnit, pk: int) -> Visit | None:
    """A past visit of `school` the user may base a new registration on (recent visitors), else None."""
    since = timezone.now() - dt.timedelta(days=RECENT_DAYS)
    return Visit.objects.for_user(user, "register").filter(school=school, pk=pk, checked_in_at__gte=since).first()


def trace(user: User, query: TraceQuery) -> QuerySet[Visit]:
    """Visits under `query.unit` in the date range matching the term: the full ID number or phone exactly (both are
    indexed), a name by its beginning or any part within a school."""
    start, _ = day_bounds(query.start)
    _, end = day_bounds(query.end)
    qs = (
        Visit.objects.for_user(user, "trace")
        .filter(school__path__under=query.unit.path, checked_in_at__gte=start, checked_in_at__lt=end)
        .select_related("school", "host")
    )
    term = normalise_id_card(query.q)
    if query.kind == "id_card_no":
        qs = qs.filter(id_card_no=term) if len(term) == 18 else qs.filter(id_card_no__startswith=term)
    elif query.kind == "phone":
        qs = qs.filter(phone=term) if len(term) == 11 else qs.filter(phone__endswith=term)
    elif query.kind == "name":
        qs = qs.filter(Q(name__contains=query.q.strip()))
    return qs.order_by("-checked_in_at", "-id")


def inside_now(user: User, school: OrgUnit) -> int:
    start, end = day_bounds(timezone.localdate())
    return (
        visits_for(user)
        .filter(school=school, checked_in_at__gte=start, checked_in_at__lt=end, checked_out_at__isnull=True)
        .count()
    )


def host_choices(school: OrgUnit) -> QuerySet[User]:
    """The school's people a visitor may ask for."""
    return User.objects.filter(unit__path__under=school.path, is_active=True).order_by("full_name", "id")


def schools_for(user: User) -> QuerySet[OrgUnit]:
    """Schools whose gate the user may look at: those under the acting unit, for the roles of the gate pages."""
    assignment = acting_assignment(user)
    if assignment is None or not (can(user, "visitor.read") or can(user, "visitor.register")):
        return OrgUnit.objects.none()
    return OrgUnit.objects.filter(path__under=assignment.unit.path, kind=UnitKind.SCHOOL).order_by("path")


def school_of(unit: OrgUnit) -> OrgUnit | None:
    """The school a unit belongs to (itself, or the school above a campus, grade or class); None above schools."""
    if unit.kind == UnitKind.SCHOOL:
        return unit
    ancestors = [unit.path[:i] for i in range(OrgUnit.steplen, len(unit.path), OrgUnit.steplen)]
    return OrgUnit.objects.filter(path__in=ancestors, kind=UnitKind.SCHOOL).first()


def trace_units_for(user: User) -> QuerySet[OrgUnit]:
    """Units a contact-tracing search may cover: the acting unit and the districts and schools below it."""
    assignment = acting_assignment(user)
    if assignment is None or not can(user, "visitor.trace"):
        return OrgUnit.objects.none()
    return OrgUnit.objects.filter(
        path__under=assignment.unit.path,
        kind__in=[UnitKind.BUREAU, UnitKind.DISTRICT, UnitKind.SCHOOL],
    ).order_by("path")


def acting_school(user: User) -> OrgUnit | None:
    assignment = acting_assignment(user)
    return school_of(assignment.unit) if assignment is not None else None
