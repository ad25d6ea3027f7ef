"""State changes of the school-bus app: vehicles, drivers, routes (with stops, vehicle, driver, riding teacher) and
the pre-trip check. Each runs in one transaction, checks the actor's permission and writes an audit event."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from dudao.accounts.models import User
from dudao.audit.services import record_change, snapshot
from dudao.buses import rules
from dudao.buses.models import CHECK_ITEMS, Driver, LicenceClass, PreTripCheck, Route, RouteStop, Trip, Vehicle
from dudao.core.errors import DomainError, Forbidden
from dudao.core.locking import bump, locked
from dudao.messaging.models import Category
from dudao.messaging.services import UnitNote, notify, notify_units
from dudao.orgs.models import OrgUnit, UnitKind
from dudao.orgs.roles import Role
from dudao.orgs.scoping import can

VEHICLE_FIELDS = ["plate", "seats", "operator", "inspection_due", "insurance_due", "is_active"]
DRIVER_FIELDS = ["name", "phone", "licence_class", "licence_expires", "violation_checked_on", "is_active"]
ROUTE_FIELDS = ["name", "vehicle", "driver", "attendant", "morning_departure", "afternoon_departure", "is_active"]
PHONE = re.compile(r"^1[3-9]\d{9}$")
MAX_STOPS = 30


def _may_manage(actor: User, school: OrgUnit) -> None:
    if not can(actor, "bus.change", school):
        raise Forbidden("只有本校校长或学校管理员可以管理校车")
    if school.kind != UnitKind.SCHOOL:
        raise DomainError("校车只能登记在学校名下", code="bus_not_school")


def _text(value: str, *, label: str, limit: int) -> str:
    value = (value or "").strip()
    if not value:
        raise DomainError(f"请填写{label}", code="required")
    if len(value) > limit:
        raise DomainError(f"{label}不能超过 {limit} 字", code="too_long")
    return value


# ----- vehicles -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class VehicleData:
    plate: str
    seats: int
    operator: str
    inspection_due: dt.date
    insurance_due: dt.date
    is_active: bool = True


def _clean_vehicle(data: VehicleData) -> dict[str, object]:
    plate = rules.normalise_plate(data.plate)
    if not rules.plate_is_valid(plate):
        raise DomainError(f"车牌号“{data.plate}”格式不正确，应如 湘A12345 或 湘AD12345", code="plate_invalid")
    if not 5 <= int(data.seats) <= 70:
        raise DomainError("核载人数应在 5 到 70 之间", code="seats_invalid")
    return {
        "plate": plate,
        "seats": int(data.seats),
        "operator": _text(data.operator, label="车辆所有人/运营单位", limit=100),
        "inspection_due": data.inspection_due,
        "insurance_due": data.insurance_due,
        "is_active": bool(data.is_active),
    }


def _plate_taken(plate: str, exclude: int | None = None) -> None:
    qs = Vehicle.objects.filter(plate=plate)
    if exclude is not None:
        qs = qs.exclude(pk=exclude)
    if qs.exists():
        raise DomainError(f"车牌号 {plate} 已登记", code="plate_taken", status=409)


def create_vehicle(*, actor: User, school: OrgUnit, data: VehicleData) -> Vehicle:
    _may_manage(actor, school)
    fields = _clean_vehicle(data)
    with transaction.atomic():
        _plate_taken(str(fields["plate"]))
        try:
            with transaction.atomic():
                vehicle = Vehicle.objects.create(school=school, **fields)
        except IntegrityError as exc:
            raise DomainError(f"车牌号 {fields['plate']} 已登记", code="plate_taken", status=409) from exc
        record_change(
            actor=actor, action="create", obj=vehicle, unit_path=school.path, after=snapshot(vehicle, VEHICLE_FIELDS)
        )
    return vehicle


def update_vehicle(*, actor: User, vehicle: Vehicle, data: VehicleData, version: int | None) -> Vehicle:
    _may_manage(actor, vehicle.school)
    fields = _clean_vehicle(data)
    with transaction.atomic():
        fresh = locked(Vehicle.objects, vehicle.pk, version)
        _plate_taken(str(fields["plate"]), exclude=fresh.pk)
        before = snapshot(fresh, VEHICLE_FIELDS)
        for name, value in fields.items():
            setattr(fresh, name, value)
        fresh.updated_at = timezone.now()
        bump(fresh, [*VEHICLE_FIELDS, "updated_at"])
        record_change(
            actor=actor,
            action="update",
            obj=fresh,
            unit_path=vehicle.school.path,
            before=before,
            after=snapshot(fresh, VEHICLE_FIELDS),
        )
    return fresh


# ----- drivers --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DriverData:
    name: str
    phone: str
    licence_class: str
    licence_expires: dt.date
    violation_checked_on: dt.date
    is_active: bool = True


def _clean_driver(data: DriverData, today: dt.date) -> dict[str, object]:
    phone = re.sub(r"\s|-", "", data.phone or "")
    if not PHONE.match(phone):
        raise DomainError("手机号应为 11 位数字", code="phone_invalid")
    if data.licence_class not in LicenceClass.values:
        raise DomainError("校车驾驶人须持 A1、A3 或 B1 驾驶证", code="licence_class_invalid")
    if data.violation_checked_on > today:
        raise DomainError("无违法记录核查日期不能晚于今天", code="violation_check_future")
    return {
        "name": _text(data.name, label="驾驶人姓名", limit=30),
        "phone": phone,
        "licence_class": data.licence_class,
        "licence_expires": data.licence_expires,
        "violation_checked_on": data.violation_checked_on,
        "is_active": bool(data.is_active),
    }


def create_driver(*, actor: User, school: OrgUnit, data: DriverData) -> Driver:
    _may_manage(actor, school)
    fields = _clean_driver(data, timezone.localdate())
    with transaction.atomic():
        driver = Driver.objects.create(school=school, **fields)
        record_change(
            actor=actor, action="create", obj=driver, unit_path=school.path, after=snapshot(driver, DRIVER_FIELDS)
        )
    return driver


def update_driver(*, actor: User, driver: Driver, data: DriverData, version: int | None) -> Driver:
    _may_manage(actor, driver.school)
    fields = _clean_driver(data, timezone.localdate())
    with transaction.atomic():
        fresh = locked(Driver.objects, driver.pk, version)
        before = snapshot(fresh, DRIVER_FIELDS)
        for name, value in fields.items():
            setattr(fresh, name, value)
        fresh.updated_at = timezone.now()
        bump(fresh, [*DRIVER_FIELDS, "updated_at"])
        record_change(
            actor=actor,
            action="update",
            obj=fresh,
            unit_path=driver.school.path,
            before=before,
            after=snapshot(fresh, DRIVER_FIELDS),
        )
    return fresh


# ----- routes ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Stop:
    name: str
    time: dt.time


STOP_LINE = re.compile(r"^\s*(\d{1,2})[:：](\d{2})\s+(.+?)\s*$")


def parse_stops(text: str) -> list[Stop]:
    """One stop per line, '07:05 李家村口', in the order the bus calls; times must not go backwards."""
    stops: list[Stop] = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        match = STOP_LINE.match(line)
        if match is None:
            raise DomainError(f"站点第 {number} 行应写成“07:05 李家村口”", code="stop_invalid")
        hour, minute, name = int(match[1]), int(match[2]), match[3]
        if hour > 23 or minute > 59:
            raise DomainError(f"站点第 {number} 行的时间不正确", code="stop_invalid")
        if len(name) > 50:
            raise DomainError(f"站点第 {number} 行的站名不能超过 50 字", code="stop_invalid")
        time = dt.time(hour, minute)
        if stops and time < stops[-1].time:
            raise DomainError(f"站点第 {number} 行的时间早于上一站，请按停靠顺序填写", code="stop_order")
        stops.append(Stop(name, time))
    if len(stops) > MAX_STOPS:
        raise DomainError(f"一条线路最多 {MAX_STOPS} 个站点", code="stop_too_many")
    return stops


@dataclass(frozen=True)
class RouteData:
    name: str
    morning_departure: dt.time
    afternoon_departure: dt.time
    vehicle: Vehicle | None = None
    driver: Driver | None = None
    attendant: User | None = None
    stops: Sequence[Stop] = ()
    is_active: bool = True


def _check_assignment(school: OrgUnit, data: RouteData, today: dt.date) -> None:
    """Refuse a vehicle or driver of another school, with an expired document, or a licence that does not fit."""
    vehicle, driver = data.vehicle, data.driver
    if vehicle is not None:
        if vehicle.school_id != school.pk or not vehicle.is_active:
            raise DomainError("只能安排本校在用的校车", code="vehicle_other_school")
        expired = rules.expired_documents(vehicle.documents(), today)
        if expired:
            raise DomainError(
                f"校车 {vehicle.plate} 的{'、'.join(expired)}已过期，不能安排到线路", code="vehicle_expired"
            )
    if driver is not None:
        if driver.school_id != school.pk or not driver.is_active:
            raise DomainError("只能安排本校在岗的驾驶人", code="driver_other_school")
        expired = rules.expired_documents(driver.documents(), today)
        if expired:
            raise DomainError(
                f"驾驶人 {driver.name} 的{'、'.join(expired)}已过期，不能安排到线路", code="driver_expired"
            )
        if vehicle is not None and not rules.licence_fits(driver.licence_class, vehicle.seats):
            raise DomainError(
                f"{vehicle.plate} 核载 {vehicle.seats} 人，属大型客车，须由 A1 驾驶证驾驶人驾驶"
                f"（{driver.name} 持 {driver.licence_class}）",
                code="licence_class_mismatch",
            )
    attendant = data.attendant
    if attendant is not None and not (
        attendant.is_active
        and attendant.unit_id is not None
        and OrgUnit.objects.filter(pk=attendant.unit_id, path__under=school.path).exists()
    ):
        raise DomainError("随车照管人员须是本校在岗教职工", code="attendant_other_school")


def _route_fields(data: RouteData) -> dict[str, object]:
    if data.afternoon_departure <= data.morning_departure:
        raise DomainError("午班发车时间应晚于早班发车时间", code="departure_order")
    return {
        "name": _text(data.name, label="线路名称", limit=50),
        "vehicle": data.vehicle,
        "driver": data.driver,
        "attendant": data.attendant,
        "morning_departure": data.morning_departure,
        "afternoon_departure": data.afternoon_departure,
        "is_active": bool(data.is_active),
    }


def _save_stops(route: Route, stops: Sequence[Stop]) -> list[str]:
    RouteStop.objects.filter(route=route).delete()
    RouteStop.objects.bulk_create(
        RouteStop(route=route, position=i, name=s.name, time=s.time) for i, s in enumerate(stops, start=1)
    )
    return [f"{s.time:%H:%M} {s.name}" for s in stops]


def create_route(*, actor: User, school: OrgUnit, data: RouteData) -> Route:
    _may_manage(actor, school)
    fields = _route_fields(data)
    _check_assignment(school, data, timezone.localdate())
    with transaction.atomic():
        route = Route.objects.create(school=school, **fields)
        stops = _save_stops(route, data.stops)
        record_change(
            actor=actor,
            action="create",
            obj=route,
            unit_path=school.path,
            after={**snapshot(route, ROUTE_FIELDS), "stops": stops},
        )
    return route


def update_route(*, actor: User, route: Route, data: RouteData, version: int | None) -> Route:
    """Edit a route: its name, times, stops, vehicle, driver and riding teacher. An expired vehicle or driver, or a
    licence class that does not fit the vehicle, is refused and nothing changes."""
    _may_manage(actor, route.school)
    fields = _route_fields(data)
    _check_assignment(route.school, data, timezone.localdate())
    with transaction.atomic():
        fresh = locked(Route.objects, route.pk, version)
        before = {**snapshot(fresh, ROUTE_FIELDS), "stops": [f"{s.time:%H:%M} {s.name}" for s in fresh.stops.all()]}
        for name, value in fields.items():
            setattr(fresh, name, value)
        fresh.updated_at = timezone.now()
        bump(fresh, [*ROUTE_FIELDS, "updated_at"])
        stops = _save_stops(fresh, data.stops)
        record_change(
            actor=actor,
            action="update",
            obj=fresh,
            unit_path=route.school.path,
            before=before,
            after={**snapshot(fresh, ROUTE_FIELDS), "stops": stops},
        )
    return fresh


# ----- pre-trip checks ------------------------------------------------------------------------------------------


def may_check(actor: User, route: Route) -> bool:
    """The school's principal and office, and the route's riding teacher (whatever role that teacher holds)."""
    return route.attendant_id == actor.pk or can(actor, "bus.check", route.school)


def blocking_reasons(route: Route, today: dt.date) -> list[str]:
    """Why the route may not run today, before anyone looks at the brakes."""
    if not route.is_active:
        return ["线路已停运"]
    reasons: list[str] = []
    if route.vehicle is None:
        reasons.append("线路未安排车辆")
    else:
        expired = rules.expired_documents(route.vehicle.documents(), today)
        if expired:
            reasons.append(f"校车 {route.vehicle.plate} 的{'、'.join(expired)}已过期")
    if route.driver is None:
        reasons.append("线路未安排驾驶人")
    else:
        expired = rules.expired_documents(route.driver.documents(), today)
        if expired:
            reasons.append(f"驾驶人 {route.driver.name} 的{'、'.join(expired)}已过期")
    return reasons


@dataclass(frozen=True)
class CheckData:
    trip: str
    day: dt.date
    failed_items: Sequence[str]
    alcohol_passed: bool
    head_count: int
    note: str = ""


def submit_check(*, actor: User, route: Route, data: CheckData) -> PreTripCheck:
    """Record the pre-trip check of today's trip. A failed item or alcohol test records the check as not passed,
    blocks the trip and tells the school's principal and office at once. The same check sent twice (a double tap)
    returns the first; a different check for a trip already checked is refused."""
    if not may_check(actor, route):
        raise Forbidden("只有本校校长、学校管理员或本线路随车照管人员可以填写出车前检查")
    today = timezone.localdate()
    if data.day > today:
        raise DomainError("不能提前填写以后日期的出车前检查，请在出车当天检查后填写", code="check_future")
    if data.day < today:
        raise DomainError("出车前检查只能在当天填写", code="check_past")
    if data.trip not in Trip.values:
        raise DomainError("请选择趟次", code="trip_invalid")
    known = {key for key, _ in CHECK_ITEMS}
    if not set(data.failed_items) <= known:
        raise DomainError("检查项目不正确", code="check_item_invalid")
    failed = [key for key, _ in CHECK_ITEMS if key in set(data.failed_items)]
    note = (data.note or "").strip()
    if len(note) > 200:
        raise DomainError("说明不能超过 200 字", code="too_long")
    passed = not failed and data.alcohol_passed
    if not passed and not note:
        raise DomainError("有不合格项时请在说明中写明情况和处置", code="check_note_required")
    with transaction.atomic():
        fresh = locked(Route.objects.select_related("vehicle", "driver", "school"), route.pk, None)
        reasons = blocking_reasons(fresh, today)
        if reasons:
            raise DomainError("；".join(reasons) + "，禁止出车", code="trip_blocked", status=409)
        assert fresh.vehicle is not None and fresh.driver is not None
        if not 0 <= int(data.head_count) <= fresh.vehicle.seats:
            raise DomainError(
                f"乘车学生人数应在 0 到核载人数 {fresh.vehicle.seats} 之间，严禁超员", code="head_count_invalid"
            )
        existing = (
            PreTripCheck.objects.filter(vehicle=fresh.vehicle, day=today, trip=data.trip)
            .select_related("checked_by")
            .first()
        )
        if existing is not None:
            same = (
                existing.checked_by_id == actor.pk
                and existing.route_id == fresh.pk
                and existing.failed_items == failed
                and existing.alcohol_passed == data.alcohol_passed
                and existing.head_count == int(data.head_count)
            )
            if same:
                return existing
            raise DomainError(
                f"{fresh.vehicle.plate} 今天{Trip(data.trip).label}已由 {existing.checked_by.display_name} "
                f"于 {timezone.localtime(existing.checked_at):%H:%M} 检查过",
                code="check_duplicate",
                status=409,
            )
        try:
            with transaction.atomic():
                check = _create_check(actor, fresh, today, data, failed, note, passed)
        except IntegrityError as exc:  # the same vehicle checked at this moment through another route
            raise DomainError(
                f"{fresh.vehicle.plate} 今天{Trip(data.trip).label}已检查过", code="check_duplicate", status=409
            ) from exc
        record_change(
            actor=actor,
            action="pre_trip_check",
            obj=check,
            unit_path=fresh.school.path,
            after=snapshot(
                check, ["route", "vehicle", "driver", "day", "trip", "failed_items", "alcohol_passed", "passed"]
            ),
        )
        if not passed:
            _alert_failure(check, fresh)
    return check


def _create_check(
    actor: User, route: Route, today: dt.date, data: CheckData, failed: list[str], note: str, passed: bool
) -> PreTripCheck:
    assert route.vehicle is not None and route.driver is not None
    return PreTripCheck.objects.create(
        school=route.school,
        route=route,
        vehicle=route.vehicle,
        driver=route.driver,
        day=today,
        trip=data.trip,
        failed_items=failed,
        alcohol_passed=data.alcohol_passed,
        head_count=int(data.head_count),
        note=note,
        passed=passed,
        checked_by=actor,
    )


def _alert_failure(check: PreTripCheck, route: Route) -> None:
    """A failed check stops the bus: the school's principal and office hear of it now, quiet hours or not, and so
    does the riding teacher when someone else did the check."""
    assert route.vehicle is not None
    title = f"校车出车前检查不合格：{route.vehicle.plate}（{route.name}）"
    body = (
        f"{check.get_trip_display()}不合格项：{'、'.join(check.failed_labels)}。已禁止出车，请立即安排处置或替换车辆。"
    )
    body += f"说明：{check.note}"
    key = f"bus-check-failed:{check.pk}"
    notify_units(
        [UnitNote(route.school.pk, title, body, "buses:school", key, (route.school.pk,))],
        category=Category.DUTY,
        roles=[Role.PRINCIPAL, Role.SCHOOL_STAFF],
        urgent=True,
    )
    if route.attendant_id and route.attendant_id != check.checked_by_id:
        notify([route.attendant_id], category=Category.DUTY, title=title, body=body, dedupe_key=key, urgent=True)
