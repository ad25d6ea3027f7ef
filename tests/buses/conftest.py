from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from dudao.buses import services
from dudao.buses.models import Driver, Route, Trip, Vehicle
from tests.factories import City


def days(n: int) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=n)


def vehicle_data(plate: str = "湘A12345", seats: int = 35, **extra: object) -> services.VehicleData:
    values: dict[str, object] = {
        "plate": plate,
        "seats": seats,
        "operator": "县公共交通有限公司",
        "inspection_due": days(200),
        "insurance_due": days(300),
    }
    values.update(extra)
    return services.VehicleData(**values)  # type: ignore[arg-type]


def driver_data(name: str = "刘建国", licence_class: str = "A1", **extra: object) -> services.DriverData:
    values: dict[str, object] = {
        "name": name,
        "phone": "13974101000",
        "licence_class": licence_class,
        "licence_expires": days(400),
        "violation_checked_on": days(-30),
    }
    values.update(extra)
    return services.DriverData(**values)  # type: ignore[arg-type]


def route_data(**extra: object) -> services.RouteData:
    values: dict[str, object] = {
        "name": "1号线",
        "morning_departure": dt.time(6, 30),
        "afternoon_departure": dt.time(16, 40),
        "stops": services.parse_stops("06:42 李家村口\n06:54 王家湾\n07:18 学校"),
    }
    values.update(extra)
    return services.RouteData(**values)  # type: ignore[arg-type]


def check_data(**extra: object) -> services.CheckData:
    values: dict[str, object] = {
        "trip": Trip.MORNING,
        "day": timezone.localdate(),
        "failed_items": [],
        "alcohol_passed": True,
        "head_count": 20,
    }
    values.update(extra)
    return services.CheckData(**values)  # type: ignore[arg-type]


@pytest.fixture
def vehicle(city: City) -> Vehicle:
    return services.create_vehicle(actor=city.user("principal"), school=city.school_a, data=vehicle_data())


@pytest.fixture
def driver(city: City) -> Driver:
    return services.create_driver(actor=city.user("principal"), school=city.school_a, data=driver_data())


@pytest.fixture
def route(city: City, vehicle: Vehicle, driver: Driver) -> Route:
    return services.create_route(
        actor=city.user("principal"),
        school=city.school_a,
        data=route_data(vehicle=vehicle, driver=driver, attendant=city.user("class_teacher")),
    )


@pytest.fixture
def route_b(city: City) -> Route:
    """A route of 乙区第一小学, outside district A."""
    school = city.school_b
    actor = city.user("principal")
    vehicle = Vehicle.objects.create(
        school=school, plate="湘B54321", seats=19, operator="乙区客运", inspection_due=days(90), insurance_due=days(90)
    )
    driver = Driver.objects.create(
        school=school,
        name="王师傅",
        phone="13900001111",
        licence_class="B1",
        licence_expires=days(90),
        violation_checked_on=days(-10),
    )
    del actor
    return Route.objects.create(
        school=school,
        name="乙区1号线",
        vehicle=vehicle,
        driver=driver,
        morning_departure=dt.time(6, 50),
        afternoon_departure=dt.time(16, 30),
    )
