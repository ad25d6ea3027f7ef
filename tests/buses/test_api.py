"""/api/v1/buses (+ vehicles, drivers, routes, checks): scoped, paged, refusals with Chinese messages."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from dudao.accounts import services as accounts
from dudao.buses.models import PreTripCheck, Route, Vehicle
from tests.buses.conftest import days
from tests.factories import City

pytestmark = pytest.mark.django_db


def auth(city: City, key: str) -> dict[str, Any]:
    _, plain = accounts.create_token(actor=city.user(key), name="t")
    return {"HTTP_AUTHORIZATION": f"Bearer {plain}"}


def send(client: Client, method: str, url: str, data: dict[str, Any], headers: dict[str, Any]) -> Any:
    return getattr(client, method)(url, data, content_type="application/json", **headers)


LISTS = [
    "/api/v1/buses",
    "/api/v1/buses/vehicles",
    "/api/v1/buses/drivers",
    "/api/v1/buses/routes",
    "/api/v1/buses/checks",
]


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("bureau_leader", 200),
        ("bureau_staff", 200),
        ("inspector", 200),
        ("district_admin", 200),
        ("principal", 200),
        ("school_staff", 200),
        ("class_teacher", 403),
        ("doctor", 403),
        ("sysadmin", 403),
        ("auditor", 403),
    ],
)
def test_lists_by_role(client: Client, city: City, route: Route, role: str, status: int) -> None:
    headers = auth(city, role)
    for url in LISTS:
        response = client.get(url, **headers)
        assert response.status_code == status, url
        if status == 200:
            assert set(response.json()) == {"items", "count"}
        else:
            assert set(response.json()) >= {"detail", "code"}


def test_lists_are_scoped_and_paged(client: Client, city: City, route: Route, route_b: Route) -> None:
    a = client.get("/api/v1/buses/routes", **auth(city, "district_admin")).json()
    assert [r["id"] for r in a["items"]] == [route.pk]
    assert a["items"][0]["stops"][0] == {"position": 1, "name": "李家村口", "time": "06:42:00"}
    everything = client.get("/api/v1/buses/vehicles?page_size=1", **auth(city, "bureau_staff")).json()
    assert everything["count"] == 2 and len(everything["items"]) == 1
    summary = client.get("/api/v1/buses", **auth(city, "bureau_staff")).json()
    assert {s["school_name"] for s in summary["items"]} == {"甲区第五中学", "乙区第一小学"}
    other = client.get(f"/api/v1/buses/vehicles?unit={city.school_b.pk}", **auth(city, "district_admin"))
    assert other.status_code == 404
    assert client.get(f"/api/v1/buses/vehicles/{route_b.vehicle_id}", **auth(city, "principal")).status_code == 404


def test_driver_phones_are_masked(client: Client, city: City, route: Route) -> None:
    drivers = client.get("/api/v1/buses/drivers", **auth(city, "principal")).json()["items"]
    assert drivers[0]["phone"] == "139****1000"


def test_register_vehicle_and_bad_plate(client: Client, city: City) -> None:
    headers = auth(city, "school_staff")
    body = {
        "school": city.school_a.pk,
        "plate": "湘A 88888",
        "seats": 19,
        "operator": "县客运公司",
        "inspection_due": days(100).isoformat(),
        "insurance_due": days(10).isoformat(),
    }
    created = send(client, "post", "/api/v1/buses/vehicles", body, headers)
    assert created.status_code == 201
    assert created.json()["plate"] == "湘A88888" and created.json()["document_state"] == "expiring"
    bad = send(client, "post", "/api/v1/buses/vehicles", {**body, "plate": "ABC123"}, headers)
    assert bad.status_code == 400 and bad.json()["code"] == "plate_invalid" and "格式不正确" in bad.json()["detail"]
    again = send(client, "post", "/api/v1/buses/vehicles", body, headers)
    assert again.status_code == 409
    assert Vehicle.objects.count() == 1
    refused = send(
        client, "post", "/api/v1/buses/vehicles", {**body, "plate": "湘A77777"}, auth(city, "district_admin")
    )
    assert refused.status_code == 403


def test_stale_vehicle_edit_is_409(client: Client, city: City, route: Route) -> None:
    headers = auth(city, "principal")
    body = {
        "plate": "湘A12345",
        "seats": 33,
        "operator": "县公共交通有限公司",
        "inspection_due": days(200).isoformat(),
        "insurance_due": days(300).isoformat(),
        "version": 1,
    }
    assert send(client, "put", f"/api/v1/buses/vehicles/{route.vehicle_id}", body, headers).status_code == 200
    stale = send(client, "put", f"/api/v1/buses/vehicles/{route.vehicle_id}", {**body, "seats": 30}, headers)
    assert stale.status_code == 409 and "已被他人修改" in stale.json()["detail"]
    assert Vehicle.objects.get(routes=route).seats == 33


def test_assigning_an_expired_licence_is_refused(client: Client, city: City, route: Route) -> None:
    headers = auth(city, "principal")
    driver = send(
        client,
        "post",
        "/api/v1/buses/drivers",
        {
            "school": city.school_a.pk,
            "name": "陈卫东",
            "phone": "13974102000",
            "licence_class": "A1",
            "licence_expires": days(-1).isoformat(),
            "violation_checked_on": days(-20).isoformat(),
        },
        headers,
    ).json()
    body = {
        "name": "1号线",
        "morning_departure": "06:30",
        "afternoon_departure": "16:40",
        "vehicle": route.vehicle_id,
        "driver": driver["id"],
        "version": route.version,
    }
    refused = send(client, "put", f"/api/v1/buses/routes/{route.pk}", body, headers)
    assert refused.status_code == 400 and refused.json()["code"] == "driver_expired"
    assert "驾驶证" in refused.json()["detail"] and "已过期" in refused.json()["detail"]
    assert Route.objects.get(pk=route.pk).driver_id == route.driver_id


def test_submit_checks_by_api(client: Client, city: City, route: Route, route_b: Route) -> None:
    teacher = auth(city, "class_teacher")
    body = {"route": route.pk, "trip": "morning", "failed_items": [], "alcohol_passed": True, "head_count": 18}
    first = send(client, "post", "/api/v1/buses/checks", body, teacher)
    assert first.status_code == 201 and first.json()["passed"] is True
    again = send(client, "post", "/api/v1/buses/checks", body, teacher)
    assert again.json()["id"] == first.json()["id"]
    tomorrow = send(
        client, "post", "/api/v1/buses/checks", {**body, "trip": "afternoon", "day": days(1).isoformat()}, teacher
    )
    assert tomorrow.status_code == 400 and tomorrow.json()["code"] == "check_future"
    assert PreTripCheck.objects.count() == 1
    # A reader in scope may not check (403); a route outside the scope is not there (404).
    assert send(client, "post", "/api/v1/buses/checks", body, auth(city, "district_admin")).status_code == 403
    outside = send(client, "post", "/api/v1/buses/checks", {**body, "route": route_b.pk}, auth(city, "principal"))
    assert outside.status_code == 404
    failed = client.get("/api/v1/buses/checks?passed=false", **auth(city, "district_admin")).json()
    assert failed["count"] == 0
