"""/api/v1/partners, /api/v1/partners/tasks, /api/v1/partners/campaigns."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from dudao.accounts import services as accounts
from dudao.partners.models import Partner, PartnerTask
from tests.factories import City
from tests.partners.conftest import today

pytestmark = pytest.mark.django_db


def auth(city: City, key: str) -> dict[str, Any]:
    _, plain = accounts.create_token(actor=city.user(key), name="t")
    return {"HTTP_AUTHORIZATION": f"Bearer {plain}"}


@pytest.mark.parametrize(
    ("role", "partners", "tasks"),
    [
        ("bureau_staff", 200, 200),
        ("district_admin", 200, 200),
        ("bureau_leader", 200, 200),
        ("principal", 403, 200),
        ("class_teacher", 403, 403),
        ("sysadmin", 403, 403),
    ],
)
def test_lists_by_role(client, city, partner, task, role, partners, tasks):
    headers = auth(city, role)
    assert client.get("/api/v1/partners", **headers).status_code == partners
    assert client.get("/api/v1/partners/campaigns", **headers).status_code == partners
    assert client.get("/api/v1/partners/tasks", **headers).status_code == tasks


def test_create_partner_with_contacts(client, city):
    body = {
        "name": "甲区交警大队",
        "kind": "traffic",
        "covers": [city.school_a.pk],
        "contacts": [{"name": "李海涛", "post": "大队长", "phone": "13800002222"}],
    }
    response = client.post("/api/v1/partners", body, content_type="application/json", **auth(city, "district_admin"))
    assert response.status_code == 201, response.content
    out = response.json()
    assert out["owner"] == city.district_a.pk and out["contacts"][0]["name"] == "李海涛"
    bad = dict(body, name="乙", covers=[city.school_b.pk])
    response = client.post("/api/v1/partners", bad, content_type="application/json", **auth(city, "district_admin"))
    assert response.status_code == 404 and not Partner.objects.filter(name="乙").exists()


def _send(client, city, partner, **extra):
    body = {
        "partner": partner.pk,
        "title": "接送车辆违停",
        "description": "早晚接送车辆在校门口双排违停。",
        "due_on": (today() + dt.timedelta(days=3)).isoformat(),
        "school": city.school_a.pk,
        **extra,
    }
    return client.post("/api/v1/partners/tasks", body, content_type="application/json", **auth(city, "district_admin"))


def test_send_revoke_resend_close(client, city, partner):
    response = _send(client, city, partner)
    assert response.status_code == 201, response.content
    task = response.json()
    assert "/xt/" in task["link"] and task["status"] == "sent"
    again = _send(client, city, partner)
    assert again.status_code == 200 and again.json()["created"] is False and again.json()["id"] == task["id"]
    headers = auth(city, "district_admin")
    revoked = client.post(
        f"/api/v1/partners/tasks/{task['id']}/revoke",
        {"version": task["version"]},
        content_type="application/json",
        **headers,
    )
    assert revoked.status_code == 200 and revoked.json()["link"] == ""
    link_path = task["link"].split("testserver", 1)[1]
    assert client.get(link_path).status_code == 404
    stale = client.post(
        f"/api/v1/partners/tasks/{task['id']}/resend",
        {"version": task["version"]},
        content_type="application/json",
        **headers,
    )
    assert stale.status_code == 409
    resent = client.post(
        f"/api/v1/partners/tasks/{task['id']}/resend",
        {"version": revoked.json()["version"]},
        content_type="application/json",
        **headers,
    ).json()
    assert resent["link"] and resent["link"] != task["link"]
    assert client.get(link_path).status_code == 404  # the first link stays dead
    early = client.post(
        f"/api/v1/partners/tasks/{task['id']}/close",
        {"version": resent["version"]},
        content_type="application/json",
        **headers,
    )
    assert early.status_code == 409 and early.json()["code"] == "task_not_reported"


def test_send_refuses_bad_input(client, city, partner, partner_b):
    assert _send(client, city, partner, due_on="2020-01-01").json()["code"] == "due_in_past"
    assert _send(client, city, partner_b).status_code == 404
    assert _send(client, city, partner, school=city.school_b.pk).status_code == 404
    assert not PartnerTask.objects.exists()


def test_principal_reads_tasks_about_the_school_only(client, city, task, partner_b):
    PartnerTask.objects.create(
        owner=city.district_b,
        partner=partner_b,
        title="x",
        description="x",
        due_on=today(),
        link_key="abcdefghij",
        sent_by=city.user("district_admin_b"),
        school=city.school_b,
    )
    body = client.get("/api/v1/partners/tasks", **auth(city, "principal")).json()
    assert [t["id"] for t in body["items"]] == [task.pk] and body["items"][0]["link"] == ""


def test_campaign_counts(client, city, campaign, partner):
    from tests.partners.conftest import send

    send(city, partner, campaign=campaign)
    body = client.get("/api/v1/partners/campaigns", **auth(city, "district_admin")).json()
    assert body["items"][0]["partners"][0]["sent"] == 1
