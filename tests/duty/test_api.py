"""/api/v1/duty/*, /api/v1/plans, /api/v1/drills, /api/v1/leave-requests."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from dudao.accounts import services as accounts
from dudao.duty import services
from dudao.duty.models import DutySignIn
from tests.duty.conftest import add, at
from tests.factories import City

pytestmark = pytest.mark.django_db


def auth(city: City, key: str) -> dict[str, Any]:
    _, plain = accounts.create_token(actor=city.user(key), name="t")
    return {"HTTP_AUTHORIZATION": f"Bearer {plain}"}


def post(client: Client, url: str, data: dict[str, Any], headers: dict[str, Any]) -> Any:
    return client.post(url, data, content_type="application/json", **headers)


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("bureau_staff", 200),
        ("district_admin", 200),
        ("principal", 200),
        ("doctor", 200),
        ("sysadmin", 403),
        ("auditor", 403),
    ],
)
def test_read_endpoints_by_role(client, city, role, status):
    headers = auth(city, role)
    for url in ("/api/v1/duty/rosters", "/api/v1/duty/now", "/api/v1/duty/signins", "/api/v1/plans", "/api/v1/drills"):
        assert client.get(url, **headers).status_code == status, url


def test_no_token_is_401(client):
    assert client.get("/api/v1/duty/now").status_code == 401


def test_plan_a_roster_add_shifts_publish_and_sign_in(client, city, today):
    planner = auth(city, "principal")
    response = post(
        client,
        "/api/v1/duty/rosters",
        {
            "unit": city.school_a.pk,
            "title": "国庆值班",
            "starts_on": today.isoformat(),
            "ends_on": (today + dt.timedelta(days=2)).isoformat(),
        },
        planner,
    )
    assert response.status_code == 201, response.content
    roster = response.json()
    now = timezone.now().replace(microsecond=0)
    shift_url = f"/api/v1/duty/rosters/{roster['id']}/shifts"
    reversed_shift = {
        "person": city.user("doctor").pk,
        "role": "staff",
        "starts_at": now.isoformat(),
        "ends_at": (now - dt.timedelta(hours=2)).isoformat(),
    }
    bad = post(client, shift_url, reversed_shift, planner)
    assert bad.status_code == 400 and bad.json()["code"] == "shift_ends_before_start"
    good = {
        "person": city.user("doctor").pk,
        "role": "staff",
        "starts_at": now.isoformat(),
        "ends_at": (now + dt.timedelta(hours=8)).isoformat(),
    }
    created = post(client, shift_url, good, planner)
    assert created.status_code == 201, created.content
    clash = post(client, shift_url, {**good, "role": "leader"}, planner)
    assert clash.status_code == 409 and clash.json()["code"] == "shift_overlaps"
    published = post(client, f"/api/v1/duty/rosters/{roster['id']}/publish", {}, planner)
    assert published.json()["status"] == "published"
    assert published.json()["days_without_leader"]  # nobody leads these days yet
    # Signing in for another person's shift: 403; the doctor's own: 201 with the device.
    other = post(client, "/api/v1/duty/signins", {"shift": created.json()["id"]}, planner)
    assert other.status_code == 403
    mine = post(
        client,
        "/api/v1/duty/signins",
        {"shift": created.json()["id"]},
        {**auth(city, "doctor"), "HTTP_USER_AGENT": "curl/8"},
    )
    assert mine.status_code == 201 and mine.json()["user_agent"] == "curl/8"
    assert DutySignIn.objects.count() == 1
    now_page = client.get("/api/v1/duty/now", **auth(city, "district_admin")).json()
    now_rows = {r["unit"]: r for r in now_page["items"]}
    assert now_rows[city.school_a.pk]["staff"][0]["signed_in_at"] is not None
    assert city.school_b.pk not in now_rows and now_page["count"] == len(now_rows)
    # Paged by unit in tree order: a page of one holds the district itself, the next page its first school.
    first = client.get("/api/v1/duty/now?page_size=1", **auth(city, "district_admin")).json()
    second = client.get("/api/v1/duty/now?page_size=1&page=2", **auth(city, "district_admin")).json()
    assert [r["unit"] for r in first["items"]] == [city.district_a.pk] and first["count"] == now_page["count"]
    assert len(second["items"]) == 1 and second["items"][0]["unit"] != city.district_a.pk


def test_out_of_scope_roster_is_404_and_bad_ids_400(client, city, roster):
    assert client.get(f"/api/v1/duty/rosters/{roster.pk}", **auth(city, "district_admin_b")).status_code == 404
    assert client.get("/api/v1/duty/rosters/0", **auth(city, "principal")).status_code == 400
    assert post(client, "/api/v1/duty/signins", {"shift": "x"}, auth(city, "doctor")).status_code == 400


def test_plans_and_drills(client, city, today):
    headers = auth(city, "principal")
    response = post(
        client,
        "/api/v1/plans",
        {
            "unit": city.school_a.pk,
            "plan_type": "fire",
            "title": "消防应急预案",
            "steps": [{"title": "疏散", "responsible_role": "class_teacher"}],
        },
        headers,
    )
    assert response.status_code == 200, response.content
    plan = response.json()
    assert plan["steps"][0]["responsible_role"] == "class_teacher"
    drill = post(
        client,
        "/api/v1/drills",
        {"plan": plan["id"], "held_on": today.isoformat(), "participants": 800, "duration_minutes": 15},
        headers,
    )
    assert drill.status_code == 201
    bad = post(
        client,
        "/api/v1/drills",
        {"plan": plan["id"], "held_on": today.isoformat(), "participants": 0, "duration_minutes": 15},
        headers,
    )
    assert bad.status_code == 400
    assert client.get("/api/v1/drills", **auth(city, "district_admin")).json()["count"] == 1
    assert client.get("/api/v1/drills", **auth(city, "district_admin_b")).json()["count"] == 0
    assert (
        post(
            client,
            "/api/v1/plans",
            {"unit": city.school_a.pk, "plan_type": "fire", "title": "x", "steps": []},
            auth(city, "district_admin_b"),
        ).status_code
        == 404
    )


def test_leave_requests(client, city, roster, today):
    add(city, roster, city.user("principal"), at(today + dt.timedelta(days=1), 8))
    services.set_campaign(
        actor=city.user("bureau_staff"), title="管控期", starts_on=today, ends_on=today + dt.timedelta(days=9)
    )
    filed = post(
        client,
        "/api/v1/leave-requests",
        {
            "starts_on": today.isoformat(),
            "ends_on": (today + dt.timedelta(days=2)).isoformat(),
            "destination": "广州",
            "reason": "会议",
            "deputy": city.user("school_staff").pk,
        },
        auth(city, "principal"),
    )
    assert filed.status_code == 201, filed.content
    assert filed.json()["overlapping_shifts"] == 1
    rid = filed.json()["id"]
    assert (
        post(client, f"/api/v1/leave-requests/{rid}/decide", {"approve": True}, auth(city, "principal")).status_code
        == 403
    )
    decided = post(
        client, f"/api/v1/leave-requests/{rid}/decide", {"approve": True, "version": 1}, auth(city, "bureau_leader")
    )
    assert decided.json()["status"] == "approved"
    again = post(
        client, f"/api/v1/leave-requests/{rid}/decide", {"approve": False, "note": "x"}, auth(city, "bureau_leader")
    )
    assert again.status_code == 409
