"""Reads of the risk register, scoped by `for_user`; the district overview counts in one GROUP BY."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone

from dudao.accounts.models import User
from dudao.core.ledger import ItemState, ledger
from dudao.orgs.models import OrgUnit, UnitKind
from dudao.orgs.scoping import acting_assignment
from dudao.risks.models import Category, Grade, RiskCheck, RiskPoint, RiskPointQuerySet
from dudao.risks.services import POINT_UNIT_KINDS, SCHOOL_MANAGERS, manages


def points_for(user: User, action: str = "read") -> RiskPointQuerySet:
    return RiskPoint.objects.for_user(user, action).select_related("unit", "responsible")


def checks_for(user: User) -> QuerySet[RiskCheck]:
    return RiskCheck.objects.for_user(user, "read").select_related("point", "point__unit", "checked_by")


def my_points(user: User) -> QuerySet[RiskPoint]:
    """Active points the user is responsible for, wherever their role lets them read: the 我的排查 list."""
    return (
        RiskPoint.objects.active()
        .filter(responsible=user)
        .select_related("unit", "responsible")
        .order_by("next_check_on", "id")
    )


def point_for(user: User, pk: int) -> RiskPoint | None:
    """A point the user may open: in the read scope, or one they are responsible for (a class teacher's scope is
    the class, the point belongs to the school)."""
    return (
        RiskPoint.objects.select_related("unit", "responsible")
        .filter(Q(pk__in=RiskPoint.objects.for_user(user, "read").values("pk")) | Q(responsible=user))
        .filter(pk=pk)
        .first()
    )


def manageable_units(user: User) -> list[OrgUnit]:
    """Units the user may list risk points for: their school and its campuses, or their own district bureau or
    office (a bureau's own premises)."""
    assignment = acting_assignment(user)
    if assignment is None:
        return []
    if assignment.role in SCHOOL_MANAGERS:
        units = list(
            OrgUnit.objects.filter(
                path__under=assignment.unit.path, kind__in=(UnitKind.SCHOOL, UnitKind.CAMPUS), is_closed=False
            ).order_by("path")
        )
    else:
        candidates = [assignment.unit, user.unit] if user.unit is not None else [assignment.unit]
        units = [u for u in candidates if u.kind in POINT_UNIT_KINDS and not u.is_closed]
    unique = {u.pk: u for u in units}
    return [u for u in unique.values() if manages(user, u)]


def people_of(unit: OrgUnit) -> QuerySet[User]:
    """Those who may be a point's responsible person: active people whose home unit is inside the unit."""
    people: QuerySet[User] = User.objects.filter(unit__path__under=unit.path, is_active=True).order_by(
        "unit__path", "full_name", "id"
    )
    return people


def hazard_states(checks: list[RiskCheck]) -> dict[int, ItemState]:
    """The ledger state of each check's hazard, in one question to the ledger."""
    ids = [c.ledger_item_id for c in checks if c.ledger_item_id]
    return ledger().states(ids) if ids else {}


def open_hazards(point: RiskPoint) -> list[tuple[RiskCheck, ItemState]]:
    """The point's hazards not yet closed out (销号) in the ledger, newest first."""
    checks = list(point.checks.exclude(ledger_item_id=None).select_related("checked_by"))
    states = hazard_states(checks)
    return [
        (c, states[c.ledger_item_id])
        for c in checks
        if c.ledger_item_id in states and not states[c.ledger_item_id].is_closed
    ]


def open_hazard_counts(points: list[RiskPoint]) -> dict[int, int]:
    """Open hazards per point for a page of points: one query for the checks, one for the ledger."""
    checks = list(RiskCheck.objects.filter(point__in=points).exclude(ledger_item_id=None))
    states = hazard_states(checks)
    counts: dict[int, int] = {}
    for check in checks:
        state = states.get(check.ledger_item_id or 0)
        if state is not None and not state.is_closed:
            counts[check.point_id] = counts.get(check.point_id, 0) + 1
    return counts


@dataclass(frozen=True)
class SchoolRow:
    unit_id: int
    unit_name: str
    major: int
    large: int
    overdue: int
    total: int


def overview(user: User, within: OrgUnit, today: dt.date | None = None) -> list[SchoolRow]:
    """Per unit with risk points under `within`: red (重大) and orange (较大) points, overdue checks, all points;
    units with red points first. One GROUP BY, whatever the number of schools."""
    today = today or timezone.localdate()
    rows = (
        RiskPoint.objects.for_user(user, "read")
        .active()
        .filter(unit__path__under=within.path)
        .order_by()
        .values("unit_id", "unit__name")
        .annotate(
            major=Count("id", filter=Q(grade=Grade.MAJOR)),
            large=Count("id", filter=Q(grade=Grade.LARGE)),
            overdue=Count("id", filter=Q(check_deadline__lt=today)),
            total=Count("id"),
        )
    )
    result = [
        SchoolRow(r["unit_id"], r["unit__name"], r["major"], r["large"], r["overdue"], r["total"])
        for r in rows
        if r["major"] or r["large"] or r["overdue"]
    ]
    return sorted(result, key=lambda r: (-r.major, -r.large, -r.overdue, r.unit_name))


def by_grade(qs: QuerySet[RiskPoint]) -> QuerySet[RiskPoint]:
    """Reddest first (重大, 较大, 一般, 低), then by unit."""
    rank = Case(*[When(grade=g, then=Value(i)) for i, g in enumerate(Grade.values)], output_field=IntegerField())
    return qs.annotate(grade_rank=rank).order_by("grade_rank", "unit__path", "id")


def filtered(
    qs: QuerySet[RiskPoint], *, grade: str = "", category: str = "", show: str = "", today: dt.date | None = None
) -> QuerySet[RiskPoint]:
    """The register's filters: grade (or "high" for red and orange), category, show=overdue|due."""
    today = today or timezone.localdate()
    if grade == "high":
        qs = qs.filter(grade__in=(Grade.MAJOR, Grade.LARGE))
    elif grade in Grade.values:
        qs = qs.filter(grade=grade)
    if category in Category.values:
        qs = qs.filter(category=category)
    if show == "overdue":
        qs = qs.filter(check_deadline__lt=today)
    elif show == "due":
        qs = qs.filter(next_check_on__lte=today, check_deadline__gte=today)
    return qs
