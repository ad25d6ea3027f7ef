"""Guard reads, scoped by `for_user`: the schools of a unit with their 三防 cards (a fixed number of queries for
any number of schools), guards whose 保安员证 expires, equipment due for a check."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone

from dudao.accounts.models import User
from dudao.guards.models import Equipment, Guard, SecurityProfile
from dudao.guards.rules import GREEN, LICENCE_WARNING_DAYS, Card, card_for
from dudao.orgs import enrolment
from dudao.orgs.models import OrgUnit, UnitKind
from dudao.orgs.scoping import scope_root_path


def guards_for(user: User, action: str = "read") -> QuerySet[Guard]:
    return Guard.objects.for_user(user, action).select_related("school")


def equipment_for(user: User, action: str = "read") -> QuerySet[Equipment]:
    return Equipment.objects.for_user(user, action).select_related("school")


def schools_for(user: User, unit: OrgUnit) -> QuerySet[OrgUnit]:
    """Open schools inside `unit` that the user may read guard data of."""
    root = scope_root_path(user, "guard.read")
    if root is None:
        return OrgUnit.objects.none()
    return (
        OrgUnit.objects.filter(kind=UnitKind.SCHOOL, is_closed=False, path__under=unit.path)
        .filter(path__under=root)
        .order_by("path")
    )


@dataclass
class SchoolCard:
    school: OrgUnit
    students: int
    is_boarding: bool
    card: Card


def cards_of(schools: list[OrgUnit], today: dt.date | None = None) -> list[SchoolCard]:
    """The 三防 card of each school: three queries (guards, equipment, profiles) plus the cached enrolment."""
    today = today or timezone.localdate()
    if not schools:
        return []
    ids = [s.pk for s in schools]
    guards: dict[int, list[Guard]] = defaultdict(list)
    items: dict[int, list[Equipment]] = defaultdict(list)
    many = len(ids) > 500
    common = _common_path(schools)
    guard_rows = Guard.objects.filter(school__path__under=common) if many else Guard.objects.filter(school_id__in=ids)
    for g in guard_rows.filter(is_active=True):
        guards[g.school_id].append(g)
    item_rows = (
        Equipment.objects.filter(school__path__under=common) if many else Equipment.objects.filter(school_id__in=ids)
    )
    for e in item_rows:
        items[e.school_id].append(e)
    profile_rows = (
        SecurityProfile.objects.filter(school__path__under=common)
        if many
        else SecurityProfile.objects.filter(school_id__in=ids)
    )
    boarding = dict(profile_rows.values_list("school_id", "is_boarding"))
    students = enrolment.rollup(schools)
    return [
        SchoolCard(
            school=s,
            students=students[s.pk].students,
            is_boarding=boarding.get(s.pk, False),
            card=card_for(
                school_id=s.pk,
                students=students[s.pk].students,
                is_boarding=boarding.get(s.pk, False),
                guards=guards.get(s.pk, []),
                equipment=items.get(s.pk, []),
                today=today,
            ),
        )
        for s in schools
    ]


def _common_path(schools: list[OrgUnit]) -> str:
    paths = [s.path for s in schools]
    first, last = min(paths), max(paths)
    n = 0
    while n < min(len(first), len(last)) and first[n] == last[n]:
        n += 1
    return first[: n - n % OrgUnit.steplen]


def card_of(school: OrgUnit, today: dt.date | None = None) -> SchoolCard:
    return cards_of([school], today)[0]


def not_green(cards: list[SchoolCard]) -> list[SchoolCard]:
    """Red first, then yellow, each in tree order."""
    flagged = [c for c in cards if c.card.level != GREEN]
    return sorted(flagged, key=lambda c: (c.card.level != "red", c.school.path))


def expiring_licences(guards: QuerySet[Guard], today: dt.date | None = None) -> QuerySet[Guard]:
    """Active guards whose 保安员证 expired or expires within 30 days, soonest first."""
    today = today or timezone.localdate()
    horizon = today + dt.timedelta(days=LICENCE_WARNING_DAYS)
    return guards.filter(is_active=True, licence_expires_on__lte=horizon).order_by("licence_expires_on", "id")


def profile_of(school: OrgUnit) -> SecurityProfile | None:
    return SecurityProfile.objects.filter(school=school).first()


def school_for(user: User, pk: int) -> OrgUnit | None:
    """A school inside the user's guard scope, or None (a 404 for the caller)."""
    root = scope_root_path(user, "guard.read")
    if root is None:
        return None
    return OrgUnit.objects.filter(pk=pk, kind=UnitKind.SCHOOL, path__under=root).first()


def guards_of(school: OrgUnit) -> list[Guard]:
    """A school's guards, those on duty first (the caller has checked the school is in scope)."""
    return list(Guard.objects.filter(school=school).order_by("-is_active", "name", "id"))


def equipment_of(school: OrgUnit) -> list[Equipment]:
    return list(Equipment.objects.filter(school=school).order_by("kind", "id"))
