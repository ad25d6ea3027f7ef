"""School-bus pages: role × page (200/403/404), the forms, and the pre-trip check posted from the phone page."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from dudao.buses.models import PreTripCheck, Route, Vehicle
from dudao.core import indicators
from dudao.messaging.models import Message
from tests.buses.conftest import days
from tests.factories import City

pytestmark = pytest.mark.django_db

A, F, N = 200, 403, 404
PAGES = {
    "index": "/buses/",
    "documents": "/buses/documents/",
    "school_a": "/buses/schools/{school_a}/",
    "school_b": "/buses/schools/{school_b}/",
    "vehicle": "/buses/vehicles/{vehicle}/",
    "route_b": "/buses/routes/{route_b}/",
    "checks": "/buses/checks/",
    "check": "/buses/checks/routes/{route}/",
    "check_b": "/buses/checks/routes/{route_b}/",
}
EXPECTED: dict[str, list[int]] = {
    #                 index docs sA sB veh rB checks check checkB
    "bureau_leader": [A, A, A, A, F, F, F, N, N],
    "bureau_staff": [A, A, A, A, F, F, F, N, N],
    "inspector": [A, A, A, A, F, F, F, N, N],
    "district_admin": [A, A, A, N, F, F, F, N, N],
    "principal": [A, A, A, N, A, N, A, A, N],
    "school_staff": [A, A, A, N, A, N, A, A, N],
    "class_teacher": [A, F, F, F, F, F, A, A, N],  # the riding teacher of route 1: the phone pages only
    "doctor": [F, F, F, F, F, F, F, N, N],
    "sysadmin": [F, F, F, F, F, F, F, N, N],
    "auditor": [F, F, F, F, F, F, F, N, N],
}
CASES = [(role, page, EXPECTED[role][i]) for role in EXPECTED for i, page in enumerate(PAGES)]


@pytest.mark.parametrize(("role", "page", "expected"), CASES, ids=[f"{r}-{p}" for r, p, _ in CASES])
def test_page_access(signed_in, city: City, route: Route, route_b: Route, role: str, page: str, expected: int) -> None:
    values = {
        "school_a": city.school_a.pk,
        "school_b": city.school_b.pk,
        "vehicle": route.vehicle_id,
        "route": route.pk,
        "route_b": route_b.pk,
    }
    response = signed_in(city.user(role)).get(PAGES[page].format(**values), follow=True)
    assert response.status_code == expected


def test_district_overview_and_documents(signed_in, city: City, route: Route, route_b: Route) -> None:
    Vehicle.objects.filter(routes=route).update(insurance_due=days(20))
    client = signed_in(city.user("district_admin"))
    page = client.get("/buses/").content.decode()
    assert "甲区第五中学" in page and "乙区第一小学" not in page
    docs = client.get("/buses/documents/").content.decode()
    assert "校车 湘A12345" in docs and "还有 20 天" in docs


def test_school_page_masks_driver_phones(signed_in, city: City, route: Route) -> None:
    page = signed_in(city.user("principal")).get(f"/buses/schools/{city.school_a.pk}/").content.decode()
    assert "139****1000" in page and "13974101000" not in page
    assert "06:42 李家村口" in page and "待检查" in page


def test_register_a_vehicle_with_a_bad_plate_shows_the_message(signed_in, city: City) -> None:
    client = signed_in(city.user("principal"))
    body = {
        "plate": "湘A1",
        "seats": "35",
        "operator": "县客运",
        "inspection_due": days(90).isoformat(),
        "insurance_due": days(90).isoformat(),
        "is_active": "on",
    }
    page = client.post(f"/buses/schools/{city.school_a.pk}/vehicles/", body, follow=True).content.decode()
    assert "格式不正确" in page and not Vehicle.objects.exists()
    page = client.post(
        f"/buses/schools/{city.school_a.pk}/vehicles/", {**body, "plate": "湘A54321"}, follow=True
    ).content.decode()
    assert "已登记校车 湘A54321" in page


def test_stale_route_form_is_refused(signed_in, city: City, route: Route) -> None:
    client = signed_in(city.user("principal"))
    form: dict[str, Any] = {
        "name": "1号线（改）",
        "vehicle": route.vehicle_id,
        "driver": route.driver_id,
        "attendant": city.user("class_teacher").pk,
        "morning_departure": "06:30",
        "afternoon_departure": "16:40",
        "stops": "06:42 李家村口\n07:18 学校",
        "is_active": "on",
        "version": "1",
    }
    assert client.post(f"/buses/routes/{route.pk}/", form).status_code == 302
    page = client.post(f"/buses/routes/{route.pk}/", {**form, "name": "旧"}, follow=True).content.decode()
    assert "已被他人修改" in page
    route.refresh_from_db()
    assert route.name == "1号线（改）" and route.stops.count() == 2


def _check_form(**extra: str) -> dict[str, str]:
    form = {
        f"item_{k}": "ok" for k in ("brakes", "tyres", "lights", "doors", "extinguisher", "first_aid", "seat_belts")
    }
    form.update({"trip": "morning", "alcohol": "pass", "head_count": "18", "day": timezone.localdate().isoformat()})
    form.update(extra)
    return form


def test_teacher_checks_on_the_phone_page(signed_in, city: City, route: Route) -> None:
    client = signed_in(city.user("class_teacher"))
    page = client.post(f"/buses/checks/routes/{route.pk}/", _check_form(), follow=True).content.decode()
    assert "检查合格，准予出车" in page
    again = client.post(f"/buses/checks/routes/{route.pk}/", _check_form(), follow=True)
    assert again.status_code == 200 and PreTripCheck.objects.count() == 1


def test_unanswered_items_are_not_a_pass(signed_in, city: City, route: Route) -> None:
    form = _check_form()
    del form["item_brakes"]
    response = signed_in(city.user("class_teacher")).post(f"/buses/checks/routes/{route.pk}/", form)
    assert response.status_code == 400 and "每一项都要选择" in response.content.decode()
    assert not PreTripCheck.objects.exists()


def test_failed_check_from_the_phone_page(signed_in, city: City, route: Route) -> None:
    form = _check_form(item_lights="fail", note="右前大灯不亮")
    page = signed_in(city.user("class_teacher")).post(f"/buses/checks/routes/{route.pk}/", form, follow=True)
    assert "已禁止出车并通知学校负责人" in page.content.decode()
    assert Message.objects.filter(recipient=city.user("principal"), title__contains="不合格").exists()


def test_yesterdays_open_form_is_refused(signed_in, city: City, route: Route) -> None:
    form = _check_form(day=(timezone.localdate() - dt.timedelta(days=1)).isoformat())
    page = signed_in(city.user("class_teacher")).post(f"/buses/checks/routes/{route.pk}/", form, follow=True)
    assert "只能在当天填写" in page.content.decode() and not PreTripCheck.objects.exists()


def test_blocked_route_shows_no_form(signed_in, city: City, route: Route) -> None:
    Vehicle.objects.filter(routes=route).update(inspection_due=days(-1))
    page = signed_in(city.user("class_teacher")).get(f"/buses/checks/routes/{route.pk}/").content.decode()
    assert 'data-testid="blocked"' in page and "年检" in page and 'data-testid="check-form"' not in page


def test_indicators_are_registered_and_computed_in_bulk(city: City, route: Route, route_b: Route) -> None:
    Vehicle.objects.filter(routes=route_b).update(insurance_due=days(-1))
    expired = indicators.get("buses.expired_documents")
    missing = indicators.get("buses.missing_checks")
    assert expired is not None and missing is not None
    today = timezone.localdate()
    units = [city.root, city.district_a, city.district_b]
    values = expired.compute(units, today, today, user=city.user("bureau_staff"))
    assert [values[u.pk].value for u in units] == [1, 0, 1]
    counted = missing.compute(units, today, today, user=city.user("bureau_staff"))
    assert set(counted) == {u.pk for u in units}
    rows = expired.drill(city.root, today, today, user=city.user("bureau_staff")).rows
    assert [v.plate for v in rows] == ["湘B54321"]
