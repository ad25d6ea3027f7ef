"""校车 API: the per-school summary, vehicles, drivers (phones masked), routes with stops, pre-trip checks."""

from __future__ import annotations

import datetime as dt

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Query, Router, Schema, Status

from dudao.accounts.models import User
from dudao.accounts.requests import AuthedRequest
from dudao.api.auth import require
from dudao.api.schemas import Id, Paged, PageParams
from dudao.buses import rules, selectors, services
from dudao.buses.models import Driver, LicenceClass, PreTripCheck, Route, Trip, Vehicle
from dudao.core.errors import DomainError, Forbidden
from dudao.core.pagination import paginate
from dudao.orgs.models import OrgUnit, UnitKind
from dudao.orgs.scoping import acting_assignment
from dudao.orgs.selectors import units_for
from dudao.orgs.text import mask_phone

router = Router(tags=["校车"])


def _unit(request: AuthedRequest, unit: int | None) -> OrgUnit | None:
    return get_object_or_404(units_for(request.user), pk=unit) if unit is not None else None


def _acting_unit(request: AuthedRequest) -> OrgUnit:
    assignment = acting_assignment(request.user)
    if assignment is None:
        raise Forbidden()
    return assignment.unit


def _school(request: AuthedRequest, pk: int) -> OrgUnit:
    school = get_object_or_404(units_for(request.user), pk=pk)
    if school.kind != UnitKind.SCHOOL:
        raise DomainError("校车只能登记在学校名下", code="bus_not_school")
    return school


class SchoolSummaryOut(Schema):
    school: int
    school_name: str
    vehicles: int
    drivers: int
    routes: int
    documents_expiring: int
    documents_expired: int
    checks_today: int
    checks_failed_today: int
    checks_missing_today: int


@router.get("/buses", response=Paged[SchoolSummaryOut])
def bus_summary(request: AuthedRequest, paging: Query[PageParams], unit: Id | None = None) -> dict[str, object]:
    """One line per school with buses under `unit` (default: the acting unit): counts, documents expiring within
    30 days and expired, today's checks and the routes whose morning departure passed without one."""
    require(request, "bus.read")
    root = _unit(request, unit) or _acting_unit(request)
    rows = selectors.summary(request.user, root)
    start = (paging.page - 1) * paging.page_size
    return {
        "items": [
            SchoolSummaryOut(
                school=r.school.pk,
                school_name=r.school.name,
                vehicles=r.vehicles,
                drivers=r.drivers,
                routes=r.routes,
                documents_expiring=r.expiring,
                documents_expired=r.expired,
                checks_today=r.checked,
                checks_failed_today=r.failed,
                checks_missing_today=r.missing,
            )
            for r in rows[start : start + paging.page_size]
        ],
        "count": len(rows),
    }


# ----- vehicles -------------------------------------------------------------------------------------------------


class VehicleOut(Schema):
    id: int
    school: int
    school_name: str
    plate: str
    seats: int
    operator: str
    inspection_due: dt.date
    insurance_due: dt.date
    document_state: str
    is_active: bool
    version: int


def _worst(documents: list[tuple[str, dt.date]]) -> str:
    today = timezone.localdate()
    states = {rules.doc_state(due, today) for _, due in documents}
    for state in (rules.DocState.EXPIRED, rules.DocState.EXPIRING):
        if state in states:
            return state.value
    return rules.DocState.OK.value


def _vehicle(v: Vehicle) -> VehicleOut:
    return VehicleOut(
        id=v.pk,
        school=v.school_id,
        school_name=v.school.name,
        plate=v.plate,
        seats=v.seats,
        operator=v.operator,
        inspection_due=v.inspection_due,
        insurance_due=v.insurance_due,
        document_state=_worst(v.documents()),
        is_active=v.is_active,
        version=v.version,
    )


@router.get("/buses/vehicles", response=Paged[VehicleOut])
def list_vehicles(request: AuthedRequest, paging: Query[PageParams], unit: Id | None = None) -> dict[str, object]:
    """Vehicles in scope; `unit`: inside that unit. `document_state`: ok / expiring (30 days) / expired."""
    require(request, "bus.read")
    qs = selectors.vehicles_for(request.user).order_by("school__path", "plate", "id")
    if (root := _unit(request, unit)) is not None:
        qs = qs.filter(school__path__under=root.path)
    page = paginate(qs, page=paging.page, page_size=paging.page_size)
    return {"items": [_vehicle(v) for v in page.items], "count": page.count}


class VehicleIn(Schema):
    plate: str
    seats: int
    operator: str
    inspection_due: dt.date
    insurance_due: dt.date
    is_active: bool = True


class VehicleCreate(VehicleIn):
    school: Id


class VehicleUpdate(VehicleIn):
    version: int | None = None


def _vehicle_data(p: VehicleIn) -> services.VehicleData:
    return services.VehicleData(p.plate, p.seats, p.operator, p.inspection_due, p.insurance_due, p.is_active)


@router.post("/buses/vehicles", response={201: VehicleOut})
def create_vehicle(request: AuthedRequest, payload: VehicleCreate) -> Status[VehicleOut]:
    """Register a vehicle. Refused: a plate in a wrong format (400), a plate already registered (409)."""
    require(request, "bus.change")
    school = _school(request, payload.school)
    vehicle = services.create_vehicle(actor=request.user, school=school, data=_vehicle_data(payload))
    return Status(201, _vehicle(vehicle))


@router.get("/buses/vehicles/{vehicle_id}", response=VehicleOut)
def get_vehicle(request: AuthedRequest, vehicle_id: Id) -> VehicleOut:
    require(request, "bus.read")
    return _vehicle(get_object_or_404(selectors.vehicles_for(request.user), pk=vehicle_id))


@router.put("/buses/vehicles/{vehicle_id}", response=VehicleOut)
def update_vehicle(request: AuthedRequest, vehicle_id: Id, payload: VehicleUpdate) -> VehicleOut:
    """Edit a vehicle; a stale `version` answers 409 and changes nothing."""
    require(request, "bus.change")
    vehicle = get_object_or_404(selectors.vehicles_for(request.user, "change"), pk=vehicle_id)
    saved = services.update_vehicle(
        actor=request.user, vehicle=vehicle, data=_vehicle_data(payload), version=payload.version
    )
    saved.school = vehicle.school
    return _vehicle(saved)


# ----- drivers --------------------------------------------------------------------------------------------------


class DriverOut(Schema):
    id: int
    school: int
    school_name: str
    name: str
    phone: str  # masked
    licence_class: str
    licence_expires: dt.date
    violation_checked_on: dt.date
    document_state: str
    is_active: bool
    version: int


def _driver(d: Driver) -> DriverOut:
    return DriverOut(
        id=d.pk,
        school=d.school_id,
        school_name=d.school.name,
        name=d.name,
        phone=mask_phone(d.phone),
        licence_class=d.licence_class,
        licence_expires=d.licence_expires,
        violation_checked_on=d.violation_checked_on,
        document_state=_worst(d.documents()),
        is_active=d.is_active,
        version=d.version,
    )


@router.get("/buses/drivers", response=Paged[DriverOut])
def list_drivers(request: AuthedRequest, paging: Query[PageParams], unit: Id | None = None) -> dict[str, object]:
    """Drivers in scope, phones masked."""
    require(request, "bus.read")
    qs = selectors.drivers_for(request.user).order_by("school__path", "name", "id")
    if (root := _unit(request, unit)) is not None:
        qs = qs.filter(school__path__under=root.path)
    page = paginate(qs, page=paging.page, page_size=paging.page_size)
    return {"items": [_driver(d) for d in page.items], "count": page.count}


class DriverIn(Schema):
    school: Id
    name: str
    phone: str
    licence_class: LicenceClass
    licence_expires: dt.date
    violation_checked_on: dt.date


@router.post("/buses/drivers", response={201: DriverOut})
def create_driver(request: AuthedRequest, payload: DriverIn) -> Status[DriverOut]:
    require(request, "bus.change")
    school = _school(request, payload.school)
    driver = services.create_driver(
        actor=request.user,
        school=school,
        data=services.DriverData(
            payload.name,
            payload.phone,
            payload.licence_class.value,
            payload.licence_expires,
            payload.violation_checked_on,
        ),
    )
    return Status(201, _driver(driver))


# ----- routes ---------------------------------------------------------------------------------------------------


class StopOut(Schema):
    position: int
    name: str
    time: dt.time


class RouteOut(Schema):
    id: int
    school: int
    school_name: str
    name: str
    vehicle: int | None
    vehicle_plate: str
    driver: int | None
    driver_name: str
    attendant: int | None
    attendant_name: str
    morning_departure: dt.time
    afternoon_departure: dt.time
    stops: list[StopOut]
    blocked: list[str]
    is_active: bool
    version: int


def _route(r: Route) -> RouteOut:
    return RouteOut(
        id=r.pk,
        school=r.school_id,
        school_name=r.school.name,
        name=r.name,
        vehicle=r.vehicle_id,
        vehicle_plate=r.vehicle.plate if r.vehicle else "",
        driver=r.driver_id,
        driver_name=r.driver.name if r.driver else "",
        attendant=r.attendant_id,
        attendant_name=r.attendant.display_name if r.attendant else "",
        morning_departure=r.morning_departure,
        afternoon_departure=r.afternoon_departure,
        stops=[StopOut(position=s.position, name=s.name, time=s.time) for s in r.stops.all()],
        blocked=services.blocking_reasons(r, timezone.localdate()),
        is_active=r.is_active,
        version=r.version,
    )


@router.get("/buses/routes", response=Paged[RouteOut])
def list_routes(request: AuthedRequest, paging: Query[PageParams], unit: Id | None = None) -> dict[str, object]:
    """Routes with their ordered stops; `blocked` says why a route may not run today (expired documents)."""
    require(request, "bus.read")
    qs = selectors.routes_for(request.user).prefetch_related("stops").order_by("school__path", "name", "id")
    if (root := _unit(request, unit)) is not None:
        qs = qs.filter(school__path__under=root.path)
    page = paginate(qs, page=paging.page, page_size=paging.page_size)
    return {"items": [_route(r) for r in page.items], "count": page.count}


class StopIn(Schema):
    name: str
    time: dt.time


class RouteIn(Schema):
    name: str
    morning_departure: dt.time
    afternoon_departure: dt.time
    vehicle: Id | None = None
    driver: Id | None = None
    attendant: Id | None = None
    stops: list[StopIn] = []
    is_active: bool = True
    version: int | None = None


def _route_data(request: AuthedRequest, school: OrgUnit, p: RouteIn) -> services.RouteData:
    vehicle = Vehicle.objects.filter(pk=p.vehicle, school=school).first() if p.vehicle else None
    driver = Driver.objects.filter(pk=p.driver, school=school).first() if p.driver else None
    attendant = User.objects.filter(pk=p.attendant).first() if p.attendant else None
    if p.vehicle and vehicle is None:
        raise DomainError("只能安排本校在用的校车", code="vehicle_other_school")
    if p.driver and driver is None:
        raise DomainError("只能安排本校在岗的驾驶人", code="driver_other_school")
    if p.attendant and attendant is None:
        raise DomainError("随车照管人员须是本校在岗教职工", code="attendant_other_school")
    text = "\n".join(f"{s.time:%H:%M} {s.name}" for s in p.stops)
    return services.RouteData(
        name=p.name,
        morning_departure=p.morning_departure,
        afternoon_departure=p.afternoon_departure,
        vehicle=vehicle,
        driver=driver,
        attendant=attendant,
        stops=services.parse_stops(text),
        is_active=p.is_active,
    )


class RouteCreate(RouteIn):
    school: Id


@router.post("/buses/routes", response={201: RouteOut})
def create_route(request: AuthedRequest, payload: RouteCreate) -> Status[RouteOut]:
    require(request, "bus.change")
    school = _school(request, payload.school)
    route = services.create_route(actor=request.user, school=school, data=_route_data(request, school, payload))
    return Status(201, _route(selectors.routes_for(request.user).prefetch_related("stops").get(pk=route.pk)))


@router.put("/buses/routes/{route_id}", response=RouteOut)
def update_route(request: AuthedRequest, route_id: Id, payload: RouteIn) -> RouteOut:
    """Edit a route and assign its vehicle, driver and riding teacher. Refused (400): a driver or vehicle with an
    expired document, a licence class that does not fit the vehicle; a stale `version` answers 409."""
    require(request, "bus.change")
    route = get_object_or_404(selectors.routes_for(request.user, "change"), pk=route_id)
    services.update_route(
        actor=request.user, route=route, data=_route_data(request, route.school, payload), version=payload.version
    )
    return _route(selectors.routes_for(request.user).prefetch_related("stops").get(pk=route.pk))


# ----- checks ---------------------------------------------------------------------------------------------------


class CheckOut(Schema):
    id: int
    school: int
    route: int
    route_name: str
    vehicle: int
    vehicle_plate: str
    driver: int
    day: dt.date
    trip: str
    trip_name: str
    failed_items: list[str]
    failed_labels: list[str]
    alcohol_passed: bool
    head_count: int
    note: str
    passed: bool
    checked_by: int
    checked_by_name: str
    checked_at: dt.datetime


def _check(c: PreTripCheck) -> CheckOut:
    return CheckOut(
        id=c.pk,
        school=c.school_id,
        route=c.route_id,
        route_name=c.route.name,
        vehicle=c.vehicle_id,
        vehicle_plate=c.vehicle.plate,
        driver=c.driver_id,
        day=c.day,
        trip=c.trip,
        trip_name=c.get_trip_display(),
        failed_items=list(c.failed_items),
        failed_labels=c.failed_labels,
        alcohol_passed=c.alcohol_passed,
        head_count=c.head_count,
        note=c.note,
        passed=c.passed,
        checked_by=c.checked_by_id,
        checked_by_name=c.checked_by.display_name,
        checked_at=c.checked_at,
    )


@router.get("/buses/checks", response=Paged[CheckOut])
def list_checks(
    request: AuthedRequest,
    paging: Query[PageParams],
    unit: Id | None = None,
    day: dt.date | None = None,
    passed: bool | None = None,
) -> dict[str, object]:
    """Pre-trip checks in scope, newest first; filters `unit`, `day`, `passed`."""
    require(request, "bus.read")
    qs = selectors.checks_for(request.user).order_by("-day", "-checked_at", "-id")
    if (root := _unit(request, unit)) is not None:
        qs = qs.filter(school__path__under=root.path)
    if day is not None:
        qs = qs.filter(day=day)
    if passed is not None:
        qs = qs.filter(passed=passed)
    page = paginate(qs, page=paging.page, page_size=paging.page_size)
    return {"items": [_check(c) for c in page.items], "count": page.count}


class CheckIn(Schema):
    route: Id
    trip: Trip
    day: dt.date | None = None
    failed_items: list[str] = []
    alcohol_passed: bool
    head_count: int
    note: str = ""


@router.post("/buses/checks", response={201: CheckOut})
def submit_check(request: AuthedRequest, payload: CheckIn) -> Status[CheckOut]:
    """Submit today's pre-trip check of a route's trip. `failed_items` names the items found faulty (brakes,
    tyres, lights, doors, extinguisher, first_aid, seat_belts). Refused: another day than today (400), the vehicle
    or driver with an expired document (409), the trip already checked with other answers (409); the same check
    sent twice returns the first."""
    route = selectors.route_to_check(request.user, payload.route)
    if route is None:
        if selectors.routes_for(request.user).filter(pk=payload.route).exists():
            raise Forbidden("只有本校校长、学校管理员或本线路随车照管人员可以填写出车前检查")
        raise Http404("线路不存在")
    check = services.submit_check(
        actor=request.user,
        route=route,
        data=services.CheckData(
            trip=payload.trip.value,
            day=payload.day or timezone.localdate(),
            failed_items=payload.failed_items,
            alcohol_passed=payload.alcohol_passed,
            head_count=payload.head_count,
            note=payload.note,
        ),
    )
    return Status(201, _check(PreTripCheck.objects.select_related("route", "vehicle", "checked_by").get(pk=check.pk)))
