"""/api/v1/visitors: list with a date range (paged, scoped), create, check-out; masked numbers, Chinese errors."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from dudao.accounts import services as accounts
from dudao.accounts.models import User
from dudao.gate.models import Visit
from dudao.orgs.text import mask_id_card
from tests.factories import City
from tests.gate.conftest import BAD_ID, GOOD_ID, earlier_today, old_visit, register

pytestmark = pytest.mark.django_db


def bearer(user: User) -> dict[str, Any]:
    _, plain = accounts.create_token(actor=user, name="gate")
    return {"HTTP_AUTHORIZATION": f"Bearer {plain}"}


def payload(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "王秀英",
        "id_card_no": GOOD_ID,
        "phone": "13907910021",
        "host_text": "总务处",
        "reason": "delivery",
        "temperature": "36.5",
    }
    data.update(overrides)
    return data


def post(client: Client, url: str, user: User, body: dict[str, Any] | None = None) -> Any:
    return client.post(url, body or {}, content_type="application/json", **bearer(user))


def test_the_guard_creates_a_visitor_and_sees_it_masked(client: Client, city: City, guard) -> None:
    response = post(client, "/api/v1/visitors", guard, payload())
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["id_card_no"] == mask_id_card(GOOD_ID) and body["phone"] == "139****0021"
    assert body["inside"] is True and body["school"] == city.school_a.pk
    listed = client.get("/api/v1/visitors", **bearer(guard)).json()
    assert listed["count"] == 1 and listed["items"][0]["id"] == body["id"]


def test_a_bad_check_digit_is_a_400_with_a_chinese_message(client: Client, city: City, guard) -> None:
    response = post(client, "/api/v1/visitors", guard, payload(id_card_no=BAD_ID))
    assert response.status_code == 400
    assert response.json()["code"] == "id_card_check_digit" and "校验位" in response.json()["detail"]
    assert not Visit.objects.exists()


def test_a_visit_in_the_future_is_refused(client: Client, city: City, guard) -> None:
    future = (timezone.now() + dt.timedelta(hours=2)).isoformat()
    response = post(client, "/api/v1/visitors", guard, payload(checked_in_at=future))
    assert response.status_code == 400 and "不能晚于现在" in response.json()["detail"]
    assert not Visit.objects.exists()


def test_check_out_twice_is_harmless_and_before_time_in_refused(client: Client, city: City, guard) -> None:
    visit = register(guard, city.school_a, checked_in_at=earlier_today(0.5))
    url = f"/api/v1/visitors/{visit.pk}/check-out"
    too_early = post(client, url, guard, {"at": earlier_today(0.1).isoformat()})
    assert too_early.status_code == 400 and too_early.json()["code"] == "check_out_before_check_in"
    first = post(client, url, guard)
    second = post(client, url, guard)
    assert first.status_code == second.status_code == 200
    assert first.json()["checked_out_at"] == second.json()["checked_out_at"] is not None
    assert second.json()["version"] == visit.version + 1


def test_a_stale_version_is_a_409(client: Client, city: City, guard) -> None:
    visit = register(guard, city.school_a, checked_in_at=earlier_today(0.5))
    response = post(client, f"/api/v1/visitors/{visit.pk}/check-out", guard, {"version": 99})
    assert response.status_code == 409


def test_other_schools_are_404_and_other_roles_403(client: Client, city: City, guard, guard_b) -> None:
    visit_b = register(guard_b, city.school_b)
    assert post(client, f"/api/v1/visitors/{visit_b.pk}/check-out", guard).status_code == 404
    assert post(client, "/api/v1/visitors", guard, payload(school=city.school_b.pk)).status_code == 404
    assert post(client, "/api/v1/visitors", city.user("class_teacher"), payload()).status_code == 403
    assert client.get("/api/v1/visitors", **bearer(city.user("district_admin"))).status_code == 403
    # The health officer reads but does not register.
    assert (
        post(client, "/api/v1/visitors", city.user("health_officer"), payload(school=city.school_a.pk)).status_code
        == 403
    )


def test_the_list_takes_a_date_range_and_pages(client: Client, city: City, guard) -> None:
    for days in (1, 2, 3):
        old_visit(city.school_a, guard, days=days, name=f"访客{days}")
    today = timezone.localdate()
    params: dict[str, Any] = {
        "start": (today - dt.timedelta(days=4)).isoformat(),
        "end": today.isoformat(),
        "page_size": 2,
    }
    principal = bearer(city.user("principal"))
    first = client.get("/api/v1/visitors", params, **principal).json()
    assert first["count"] == 3 and len(first["items"]) == 2
    second = client.get("/api/v1/visitors", {**params, "page": 2}, **principal).json()
    assert len(second["items"]) == 1
    # The guard sees today only, whatever range is asked.
    assert client.get("/api/v1/visitors", params, **bearer(guard)).json()["count"] == 0


@pytest.mark.parametrize(("start_days", "end_days", "code"), [(0, 3, "range_reversed"), (100, 0, "range_too_long")])
def test_bad_ranges_are_refused(client: Client, city: City, start_days: int, end_days: int, code: str) -> None:
    today = timezone.localdate()
    params = {
        "start": (today - dt.timedelta(days=start_days)).isoformat(),
        "end": (today - dt.timedelta(days=end_days)).isoformat(),
    }
    response = client.get("/api/v1/visitors", params, **bearer(city.user("principal")))
    assert response.status_code == 400 and response.json()["code"] == code


def test_the_district_health_officer_lists_the_district(client: Client, city: City, guard, guard_b) -> None:
    register(guard, city.school_a)
    register(guard_b, city.school_b)
    body = client.get("/api/v1/visitors", **bearer(city.user("health_officer"))).json()
    assert [item["school"] for item in body["items"]] == [city.school_a.pk]
