"""Reads of the school-bus app, scoped by `for_user`: lists, today's check board of a school, the per-school summary
of a district (a fixed number of GROUP BYs, whatever the number of schools), and documents about to expire."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from dudao.accounts.models import User
from dudao.buses import rules
from dudao.buses.models import (
    VIOLATION_CHECK_VALID_DAYS,
    Driver,
    PreTripCheck,
    Route,
    Trip,
    Vehicle,
)
from dudao.buses.services import blocking_reasons
from dudao.orgs.models import OrgUnit
from dudao.orgs.scoping import can


def vehicles_for(user: User, action: str = "read") -> QuerySet[Vehicle]:
    return Vehicle.objects.for_user(user, action).select_related("school")


def drivers_for(user: User, action: str = "read") -> QuerySet[Driver]:
    return Driver.objects.for_user(user, action).select_related("school")


def routes_for(user: User, action: str = "read") -> QuerySet[Route]:
    return Route.objects.for_user(user, action).select_related("school", "vehicle", "driver", "attendant")


def checks_for(user: User) -> QuerySet[PreTripCheck]:
    return PreTripCheck.objects.for_user(user, "read").select_related(
        "school", "route", "vehicle", "driver", "checked_by"
    )


def checkable_routes(user: User) -> QuerySet[Route]:
    """Routes the user may check: those they ride with, and every route of their school for its principal/office."""
    own = Q(attendant_id=user.pk)
    scoped = Route.objects.for_user(user, "check").values("pk") if can(user, "bus.check") else Route.objects.none()
    return (
        Route.objects.filter(own | Q(pk__in=scoped), is_active=True)
        .select_related("school", "vehicle", "driver", "attendant")
        .prefetch_related("stops")
        .order_by("morning_departure", "name", "id")
    )


def route_to_check(user: User, pk: int) -> Route | None:
    return checkable_routes(user).filter(pk=pk).first()


def expired_filter(today: dt.date, prefix: str = "") -> Q:
    """Vehicles with a 年检 or insurance past its date."""
    return Q(**{f"{prefix}inspection_due__lt": today}) | Q(**{f"{prefix}insurance_due__lt": today})


def driver_expired_filter(today: dt.date, prefix: str = "") -> Q:
    oldest = today - dt.timedelta(days=VIOLATION_CHECK_VALID_DAYS)
    return Q(**{f"{prefix}licence_expires__lt": today}) | Q(**{f"{prefix}violation_checked_on__lt": oldest})


def _expiring_filter(today: dt.date) -> Q:
    soon = today + dt.timedelta(days=rules.EXPIRING_DAYS)
    return Q(inspection_due__lte=soon) | Q(insurance_due__lte=soon)


def _driver_expiring_filter(today: dt.date) -> Q:
    soon = today + dt.timedelta(days=rules.EXPIRING_DAYS)
    return Q(licence_expires__lte=soon) | Q(
        violation_checked_on__lte=soon - dt.timedelta(days=VIOLATION_CHECK_VALID_DAYS)
    )


# ----- today's board ---------------------------------------------------------------------------------------------


@dataclass
class TripState:
    trip: str
    label: str
    departure: dt.time
    check: PreTripCheck | None
    state: str  # passed / failed / missing (red: departure passed) / due / blocked

    @property
    def badge(self) -> str:
        return {
            "passed": "text-bg-success",
            "failed": "text-bg-danger",
            "missing": "text-bg-danger",
            "blocked": "text-bg-dark",
            "due": "text-bg-secondary",
        }[self.state]

    @property
    def text(self) -> str:
        if self.check is not None:
            at = timezone.localtime(self.check.checked_at)
            return f"{'合格' if self.check.passed else '不合格，禁止出车'} {at:%H:%M}"
        return {"missing": "未检查（已过发车时间）", "blocked": "禁止出车", "due": "待检查"}[self.state]


@dataclass
class RouteToday:
    route: Route
    blocked: list[str]
    trips: list[TripState] = field(default_factory=list)


def is_bus_day(day: dt.date) -> bool:
    """School buses run Monday to Friday (the bureau's calendar of make-up days is not modelled yet)."""
    return day.weekday() < 5


def board(routes: list[Route], now: dt.datetime | None = None) -> list[RouteToday]:
    """Today's two trips of each route with its check (one query for all routes)."""
    now = timezone.localtime(now or timezone.now())
    today = now.date()
    checks: dict[tuple[int, str], PreTripCheck] = {
        (c.route_id, c.trip): c
        for c in PreTripCheck.objects.filter(route__in=[r.pk for r in routes], day=today).select_related("checked_by")
    }
    rows = []
    for route in routes:
        blocked = blocking_reasons(route, today)
        row = RouteToday(route, blocked)
        for trip, departure in ((Trip.MORNING, route.morning_departure), (Trip.AFTERNOON, route.afternoon_departure)):
            check = checks.get((route.pk, trip))
            if check is not None:
                state = "passed" if check.passed else "failed"
            elif blocked:
                state = "blocked"
            elif is_bus_day(today) and now.time() >= departure:
                state = "missing"
            else:
                state = "due"
            row.trips.append(TripState(trip, Trip(trip).label, departure, check, state))
        rows.append(row)
    return rows


# ----- district summary ------------------------------------------------------------------------------------------


@dataclass
class SchoolRow:
    school: OrgUnit
    vehicles: int = 0
    drivers: int = 0
    routes: int = 0
    expiring: int = 0
    expired: int = 0
    checked: int = 0
    failed: int = 0
    missing: int = 0


def missing_routes(root_path: str, now: dt.datetime | None = None) -> QuerySet[Route]:
    """Active routes under `root_path` whose morning departure has passed today without a morning check."""
    now = timezone.localtime(now or timezone.now())
    today = now.date()
    if not is_bus_day(today):
        return Route.objects.none()
    done = PreTripCheck.objects.filter(day=today, trip=Trip.MORNING).values("route_id")
    return Route.objects.filter(
        school__path__under=root_path, is_active=True, morning_departure__lte=now.time()
    ).exclude(pk__in=done)


def _grouped(qs: QuerySet[Any], **aggregates: Any) -> list[tuple[Any, ...]]:
    """`(school id, *aggregates)` per school: one GROUP BY."""
    return list(qs.order_by().values("school_id").annotate(**aggregates).values_list("school_id", *aggregates))


def summary(user: User, unit: OrgUnit, now: dt.datetime | None = None) -> list[SchoolRow]:
    """One row per school under `unit` that has buses: counts, documents expiring and expired, today's checks.
    Six GROUP BYs by school, whatever the number of schools."""
    now = timezone.localtime(now or timezone.now())
    today = now.date()
    rows: dict[int, SchoolRow] = {}
    schools = {
        s.pk: s
        for s in OrgUnit.objects.filter(
            pk__in=Vehicle.objects.for_user(user).filter(school__path__under=unit.path).values("school_id")
        ).order_by("path")
    }

    def row(pk: int) -> SchoolRow:
        return rows.setdefault(pk, SchoolRow(schools[pk]))

    for pk in schools:
        row(pk)
    vehicles = Vehicle.objects.filter(school__path__under=unit.path, is_active=True)
    for pk, n, expiring, expired in _grouped(
        vehicles,
        n=Count("*"),
        soon=Count("id", filter=_expiring_filter(today)),
        gone=Count("id", filter=expired_filter(today)),
    ):
        if pk in schools:
            r = row(pk)
            r.vehicles, r.expiring, r.expired = n, expiring - expired, expired
    drivers = Driver.objects.filter(school__path__under=unit.path, is_active=True)
    for pk, n, expiring, expired in _grouped(
        drivers,
        n=Count("*"),
        soon=Count("id", filter=_driver_expiring_filter(today)),
        gone=Count("id", filter=driver_expired_filter(today)),
    ):
        if pk in schools:
            r = row(pk)
            r.drivers, r.expiring, r.expired = n, r.expiring + expiring - expired, r.expired + expired
    for pk, n in _grouped(Route.objects.filter(school__path__under=unit.path, is_active=True), n=Count("*")):
        if pk in schools:
            row(pk).routes = n
    checks = PreTripCheck.objects.filter(school__path__under=unit.path, day=today)
    for pk, n, failed in _grouped(checks, n=Count("*"), failed=Count("id", filter=Q(passed=False))):
        if pk in schools:
            row(pk).checked, row(pk).failed = n, failed
    for pk, n in _grouped(missing_routes(unit.path, now), n=Count("*")):
        if pk in schools:
            row(pk).missing = n
    return list(rows.values())


# ----- documents -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DocumentRow:
    school: OrgUnit
    kind: str  # vehicle / driver
    holder: str
    pk: int
    document: str
    due: dt.date
    state: rules.DocState

    @property
    def days_left(self) -> int:
        return (self.due - timezone.localdate()).days


def documents_due(user: User, unit: OrgUnit, today: dt.date) -> list[DocumentRow]:
    """Every 年检, insurance, licence and no-violation check in scope that has expired or expires within 30 days,
    most urgent first."""
    rows: list[DocumentRow] = []
    for v in vehicles_for(user).filter(school__path__under=unit.path, is_active=True).filter(_expiring_filter(today)):
        for label, due in v.documents():
            state = rules.doc_state(due, today)
            if state != rules.DocState.OK:
                rows.append(DocumentRow(v.school, "vehicle", v.plate, v.pk, label, due, state))
    for d in (
        drivers_for(user).filter(school__path__under=unit.path, is_active=True).filter(_driver_expiring_filter(today))
    ):
        for label, due in d.documents():
            state = rules.doc_state(due, today)
            if state != rules.DocState.OK:
                rows.append(DocumentRow(d.school, "driver", d.name, d.pk, label, due, state))
    return sorted(rows, key=lambda r: (r.due, r.school.path, r.holder))


def counts_by_state(rows: list[DocumentRow]) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for r in rows:
        counts[r.state.value] += 1
    return dict(counts)
