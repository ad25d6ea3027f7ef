"""School-bus services: registration rules, assignment refusals, the pre-trip check and what it blocks."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from dudao.audit.models import AuditEvent
from dudao.buses import rules, selectors, services
from dudao.buses.models import Driver, PreTripCheck, Route, Trip, Vehicle
from dudao.core.errors import DomainError, Forbidden, StaleEditError
from dudao.messaging.models import Message
from tests.buses.conftest import check_data, days, driver_data, route_data, vehicle_data
from tests.factories import City

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("plate", ["湘A12345", "湘AD12345", "京N5830D", "粤B1234学", " 湘a·12345 "])
def test_valid_plates(plate: str) -> None:
    assert rules.plate_is_valid(rules.normalise_plate(plate))


@pytest.mark.parametrize("plate", ["A12345", "湘A1234", "湘I12345", "湘A123456789", "X湘12345", "湘AO12345", ""])
def test_invalid_plates(plate: str) -> None:
    assert not rules.plate_is_valid(rules.normalise_plate(plate))


def test_licence_rule_large_bus_needs_a1() -> None:
    assert rules.licence_fits("A1", 35)
    assert not rules.licence_fits("B1", 35) and not rules.licence_fits("A3", 20)
    assert rules.licence_fits("B1", 19) and rules.licence_fits("A3", 19)
    assert not rules.licence_fits("C1", 7)


def test_document_states() -> None:
    today = dt.date(2026, 12, 7)
    assert rules.doc_state(dt.date(2026, 12, 6), today) == rules.DocState.EXPIRED
    assert rules.doc_state(today, today) == rules.DocState.EXPIRING
    assert rules.doc_state(dt.date(2027, 1, 6), today) == rules.DocState.EXPIRING
    assert rules.doc_state(dt.date(2027, 1, 7), today) == rules.DocState.OK


def test_register_vehicle_normalises_plate_and_audits(city: City) -> None:
    vehicle = services.create_vehicle(
        actor=city.user("school_staff"), school=city.school_a, data=vehicle_data(plate="湘a·12345")
    )
    assert vehicle.plate == "湘A12345"
    event = AuditEvent.objects.get(action="create", object_id=str(vehicle.pk))
    assert event.changes["after"]["plate"] == "湘A12345"


def test_plate_in_a_wrong_format_is_refused(city: City) -> None:
    with pytest.raises(DomainError, match="车牌号“湘A1234”格式不正确") as exc:
        services.create_vehicle(actor=city.user("principal"), school=city.school_a, data=vehicle_data(plate="湘A1234"))
    assert exc.value.code == "plate_invalid" and not Vehicle.objects.exists()


def test_a_plate_is_registered_once(city: City, vehicle: Vehicle) -> None:
    with pytest.raises(DomainError, match="已登记") as exc:
        services.create_vehicle(actor=city.user("principal"), school=city.school_a, data=vehicle_data())
    assert exc.value.status == 409 and Vehicle.objects.count() == 1


@pytest.mark.parametrize("role", ["district_admin", "bureau_staff", "class_teacher", "doctor"])
def test_only_the_school_manages_its_buses(city: City, role: str) -> None:
    with pytest.raises(Forbidden):
        services.create_vehicle(actor=city.user(role), school=city.school_a, data=vehicle_data())
    assert not Vehicle.objects.exists()


def test_a_driver_needs_a_school_bus_licence_class(city: City) -> None:
    with pytest.raises(DomainError, match="A1、A3 或 B1"):
        services.create_driver(actor=city.user("principal"), school=city.school_a, data=driver_data(licence_class="C1"))
    with pytest.raises(DomainError, match="11 位"):
        services.create_driver(actor=city.user("principal"), school=city.school_a, data=driver_data(phone="1234"))
    assert not Driver.objects.exists()


def test_route_with_ordered_stops(city: City, route: Route) -> None:
    assert [(s.position, s.name) for s in route.stops.all()] == [(1, "李家村口"), (2, "王家湾"), (3, "学校")]
    event = AuditEvent.objects.get(action="create", object_id=str(route.pk), object_type__contains="route")
    assert event.changes["after"]["stops"][0] == "06:42 李家村口"


@pytest.mark.parametrize(
    ("text", "message"),
    [("李家村口", "应写成"), ("07:10 甲\n07:00 乙", "早于上一站"), ("25:00 甲", "时间不正确")],
)
def test_bad_stops_are_refused(text: str, message: str) -> None:
    with pytest.raises(DomainError, match=message):
        services.parse_stops(text)


def test_an_expired_licence_cannot_be_assigned_to_a_route(city: City, route: Route, vehicle: Vehicle) -> None:
    expired = services.create_driver(
        actor=city.user("principal"),
        school=city.school_a,
        data=driver_data(name="陈卫东", licence_expires=days(-1)),
    )
    with pytest.raises(DomainError) as exc:
        services.update_route(
            actor=city.user("principal"),
            route=route,
            data=route_data(vehicle=vehicle, driver=expired),
            version=route.version,
        )
    assert exc.value.code == "driver_expired"
    assert f"驾驶人 陈卫东 的驾驶证（{days(-1):%Y-%m-%d} 到期）已过期，不能安排到线路" == exc.value.message
    route.refresh_from_db()
    assert route.driver is not None and route.driver.name == "刘建国" and route.version == 1


def test_an_expired_vehicle_cannot_be_assigned(city: City, route: Route, driver: Driver) -> None:
    old = services.create_vehicle(
        actor=city.user("principal"), school=city.school_a, data=vehicle_data(plate="湘A99999", inspection_due=days(-3))
    )
    with pytest.raises(DomainError, match="年检.*已过期"):
        services.update_route(
            actor=city.user("principal"), route=route, data=route_data(vehicle=old, driver=driver), version=None
        )


def test_a_b1_driver_cannot_drive_a_large_bus(city: City, route: Route, vehicle: Vehicle) -> None:
    b1 = services.create_driver(
        actor=city.user("principal"), school=city.school_a, data=driver_data(name="黄永胜", licence_class="B1")
    )
    with pytest.raises(DomainError, match="须由 A1 驾驶证驾驶人驾驶"):
        services.update_route(
            actor=city.user("principal"), route=route, data=route_data(vehicle=vehicle, driver=b1), version=None
        )


def test_a_stale_route_edit_changes_nothing(city: City, route: Route, vehicle: Vehicle, driver: Driver) -> None:
    services.update_route(
        actor=city.user("principal"),
        route=route,
        data=route_data(name="1号线（新）", vehicle=vehicle, driver=driver),
        version=1,
    )
    with pytest.raises(StaleEditError):
        services.update_route(
            actor=city.user("school_staff"),
            route=route,
            data=route_data(name="旧表单", vehicle=vehicle, driver=driver),
            version=1,
        )
    route.refresh_from_db()
    assert route.name == "1号线（新）" and route.version == 2


def test_stale_vehicle_edit(city: City, vehicle: Vehicle) -> None:
    services.update_vehicle(actor=city.user("principal"), vehicle=vehicle, data=vehicle_data(seats=33), version=1)
    with pytest.raises(StaleEditError):
        services.update_vehicle(actor=city.user("principal"), vehicle=vehicle, data=vehicle_data(seats=30), version=1)
    vehicle.refresh_from_db()
    assert vehicle.seats == 33


# ----- pre-trip checks -------------------------------------------------------------------------------------------


def test_riding_teacher_checks_and_the_trip_passes(city: City, route: Route) -> None:
    check = services.submit_check(actor=city.user("class_teacher"), route=route, data=check_data())
    assert check.passed and check.vehicle == route.vehicle and check.day == timezone.localdate()
    assert AuditEvent.objects.filter(action="pre_trip_check", object_id=str(check.pk)).exists()
    assert not Message.objects.exists()


def test_a_failed_item_blocks_the_trip_and_tells_the_school(city: City, route: Route) -> None:
    check = services.submit_check(
        actor=city.user("class_teacher"),
        route=route,
        data=check_data(failed_items=["tyres"], note="左后轮鼓包"),
    )
    assert not check.passed and check.failed_labels == ["轮胎"]
    told = set(Message.objects.values_list("recipient__username", flat=True))
    assert told == {"principal", "school.staff"}
    message = Message.objects.filter(recipient=city.user("principal")).get()
    assert "湘A12345" in message.title and "轮胎" in message.body and message.urgent


def test_a_failed_alcohol_test_blocks_the_trip(city: City, route: Route) -> None:
    check = services.submit_check(
        actor=city.user("principal"), route=route, data=check_data(alcohol_passed=False, note="换驾驶人")
    )
    assert not check.passed and check.failed_labels == ["驾驶人酒精测试"]
    assert Message.objects.filter(recipient=city.user("class_teacher")).exists()  # the riding teacher hears too


def test_failure_needs_a_note(city: City, route: Route) -> None:
    with pytest.raises(DomainError, match="写明情况"):
        services.submit_check(actor=city.user("principal"), route=route, data=check_data(failed_items=["brakes"]))
    assert not PreTripCheck.objects.exists()


def test_a_double_submit_returns_the_first_check(city: City, route: Route) -> None:
    first = services.submit_check(actor=city.user("class_teacher"), route=route, data=check_data())
    again = services.submit_check(actor=city.user("class_teacher"), route=route, data=check_data())
    assert again.pk == first.pk and PreTripCheck.objects.count() == 1
    assert AuditEvent.objects.filter(action="pre_trip_check").count() == 1


def test_a_second_different_check_of_the_same_trip_is_refused(city: City, route: Route) -> None:
    services.submit_check(actor=city.user("class_teacher"), route=route, data=check_data())
    with pytest.raises(DomainError, match="已由 .* 检查过") as exc:
        services.submit_check(actor=city.user("principal"), route=route, data=check_data(head_count=12))
    assert exc.value.status == 409 and PreTripCheck.objects.count() == 1
    afternoon = services.submit_check(actor=city.user("principal"), route=route, data=check_data(trip=Trip.AFTERNOON))
    assert afternoon.trip == Trip.AFTERNOON


def test_a_check_for_tomorrow_is_refused(city: City, route: Route) -> None:
    with pytest.raises(DomainError, match="不能提前填写") as exc:
        services.submit_check(actor=city.user("class_teacher"), route=route, data=check_data(day=days(1)))
    assert exc.value.code == "check_future" and not PreTripCheck.objects.exists()
    with pytest.raises(DomainError, match="只能在当天填写"):
        services.submit_check(actor=city.user("class_teacher"), route=route, data=check_data(day=days(-1)))


def test_an_expired_vehicle_cannot_pass_a_check(city: City, route: Route) -> None:
    Vehicle.objects.filter(routes=route).update(insurance_due=days(-1))
    with pytest.raises(DomainError, match="保险.*已过期，禁止出车") as exc:
        services.submit_check(actor=city.user("class_teacher"), route=route, data=check_data())
    assert exc.value.status == 409 and not PreTripCheck.objects.exists()


def test_an_expired_driver_cannot_pass_a_check(city: City, route: Route) -> None:
    Driver.objects.filter(routes=route).update(violation_checked_on=days(-400))
    with pytest.raises(DomainError, match="无违法记录核查.*已过期"):
        services.submit_check(actor=city.user("principal"), route=route, data=check_data())


def test_more_children_than_seats_is_refused(city: City, route: Route) -> None:
    with pytest.raises(DomainError, match="严禁超员"):
        services.submit_check(actor=city.user("principal"), route=route, data=check_data(head_count=36))


@pytest.mark.parametrize("role", ["doctor", "counsellor", "district_admin", "bureau_staff"])
def test_others_may_not_check(city: City, route: Route, role: str) -> None:
    with pytest.raises(Forbidden):
        services.submit_check(actor=city.user(role), route=route, data=check_data())


# ----- reads -----------------------------------------------------------------------------------------------------


def _at(hour: int, minute: int = 0) -> dt.datetime:
    day = timezone.localdate()
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=timezone.get_current_timezone())


def test_board_turns_red_after_the_departure(city: City, route: Route) -> None:
    weekday = selectors.is_bus_day(timezone.localdate())
    before = selectors.board([route], now=_at(6, 0))[0]
    after = selectors.board([route], now=_at(6, 31))[0]
    assert [t.state for t in before.trips] == ["due", "due"]
    assert [t.state for t in after.trips] == (["missing", "due"] if weekday else ["due", "due"])


def test_district_summary_counts_in_bulk(
    city: City, route: Route, route_b: Route, django_assert_max_num_queries: object
) -> None:
    services.create_driver(
        actor=city.user("principal"), school=city.school_a, data=driver_data(name="将到期", licence_expires=days(20))
    )
    Vehicle.objects.filter(routes=route).update(inspection_due=days(-2))
    with django_assert_max_num_queries(8):  # type: ignore[operator]
        rows = selectors.summary(city.user("district_admin"), city.district_a, now=_at(7))
    assert [r.school for r in rows] == [city.school_a]
    row = rows[0]
    assert (row.vehicles, row.drivers, row.routes, row.expired, row.expiring) == (1, 2, 1, 1, 1)
    assert row.missing == (1 if selectors.is_bus_day(timezone.localdate()) else 0)
    city_rows = selectors.summary(city.user("bureau_staff"), city.root, now=_at(7))
    assert {r.school for r in city_rows} == {city.school_a, city.school_b}


def test_documents_due_lists_expiring_and_expired(city: City, route: Route) -> None:
    Vehicle.objects.filter(routes=route).update(insurance_due=days(20))
    Driver.objects.filter(routes=route).update(licence_expires=days(-5))
    rows = selectors.documents_due(city.user("district_admin"), city.district_a, timezone.localdate())
    assert [(r.document, r.state.value) for r in rows] == [("驾驶证", "expired"), ("保险", "expiring")]
    assert selectors.documents_due(city.user("district_admin_b"), city.district_b, timezone.localdate()) == []
