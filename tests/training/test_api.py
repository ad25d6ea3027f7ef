"""/api/v1/trainings (+ /attendance, /hours?unit=&year=)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from dudao.accounts import services as accounts
from dudao.training.models import Attendance, TrainingEvent
from tests.factories import City
from tests.training.conftest import now, token_for

pytestmark = pytest.mark.django_db


def auth(city: City, key: str) -> dict[str, Any]:
    _, plain = accounts.create_token(actor=city.user(key), name="t")
    return {"HTTP_AUTHORIZATION": f"Bearer {plain}"}


@pytest.mark.parametrize(
    ("role", "status"),
    [("bureau_staff", 200), ("district_admin", 200), ("principal", 200), ("class_teacher", 403), ("doctor", 403)],
)
def test_reads_by_role(client, city, event, role, status):
    headers = auth(city, role)
    for url in ("/api/v1/trainings", "/api/v1/trainings/hours", f"/api/v1/trainings/{event.pk}/attendance"):
        assert client.get(url, **headers).status_code == status, url


def test_out_of_scope_is_404(client, city, event):
    headers = auth(city, "district_admin_b")
    assert client.get(f"/api/v1/trainings/{event.pk}", **headers).status_code == 404
    assert client.get(f"/api/v1/trainings/hours?unit={city.school_a.pk}", **headers).status_code == 404
    assert client.get("/api/v1/trainings", **headers).json()["count"] == 0


def _payload(**overrides: Any) -> dict[str, Any]:
    start = now() - dt.timedelta(minutes=5)
    data = {
        "title": "心理健康教育专题培训",
        "level": "school",
        "category": "psychology",
        "starts_at": start.isoformat(),
        "ends_at": (start + dt.timedelta(hours=2)).isoformat(),
        "venue": "学校报告厅",
        "hours": "2",
    }
    data.update(overrides)
    return data


def test_create_edit_and_bad_input(client, city, staff):
    headers = auth(city, "principal")
    body = client.post("/api/v1/trainings", _payload(), content_type="application/json", **headers)
    assert body.status_code == 201, body.content
    created = body.json()
    assert created["organiser_name"] == "甲区第五中学" and created["category_name"] == "心理健康"
    too_long = client.post(
        "/api/v1/trainings", _payload(title="另一个", hours="2.5"), content_type="application/json", **headers
    )
    assert too_long.status_code == 400 and "不能超过培训时长" in too_long.json()["detail"]
    url = f"/api/v1/trainings/{created['id']}"
    ok = client.put(url, _payload(title="改名", version=1), content_type="application/json", **headers)
    assert ok.status_code == 200 and ok.json()["version"] == 2
    stale = client.put(url, _payload(title="再改", version=1), content_type="application/json", **headers)
    assert stale.status_code == 409
    refused = client.post(
        "/api/v1/trainings", _payload(), content_type="application/json", **auth(city, "class_teacher")
    )
    assert refused.status_code == 403
    assert TrainingEvent.objects.count() == 1


def test_sign_in_by_token_twice_and_hours(client, city, event):
    headers = auth(city, "class_teacher")
    first = client.post(
        "/api/v1/trainings/attendance", {"token": token_for(event)}, content_type="application/json", **headers
    )
    assert first.status_code == 201 and first.json()["created"] is True
    second = client.post(
        "/api/v1/trainings/attendance", {"token": token_for(event)}, content_type="application/json", **headers
    )
    assert second.status_code == 200 and second.json()["created"] is False
    bad = client.post(
        "/api/v1/trainings/attendance", {"token": "1:abc:def"}, content_type="application/json", **headers
    )
    assert bad.status_code == 400
    assert Attendance.objects.count() == 1
    hours = client.get(
        f"/api/v1/trainings/hours?unit={city.school_a.pk}&year={event.year}", **auth(city, "principal")
    ).json()
    assert hours["staff"] == 3 and hours["class_trained"] == 1 and hours["required_yearly"] == "72"
    teacher = next(i for i in hours["items"] if i["person"] == city.user("class_teacher").pk)
    assert teacher["year_hours"] == "3.0" and teacher["gap"] == "69.0"
    listed = client.get(f"/api/v1/trainings/{event.pk}/attendance", **auth(city, "district_admin")).json()
    assert listed["count"] == 1 and listed["items"][0]["method"] == "qr"


def test_organiser_records_and_enrols(client, city, event):
    headers = auth(city, "principal")
    url = f"/api/v1/trainings/{event.pk}/attendance"
    over = client.post(
        url, {"person": city.user("doctor").pk, "hours": "4"}, content_type="application/json", **headers
    )
    assert over.status_code == 400
    ok = client.post(url, {"person": city.user("doctor").pk}, content_type="application/json", **headers)
    assert ok.status_code == 201
    again = client.post(url, {"person": city.user("doctor").pk}, content_type="application/json", **headers)
    assert again.status_code == 200
    enrol = client.post(
        f"/api/v1/trainings/{event.pk}/enrolments",
        {"unit": city.school_a.pk},
        content_type="application/json",
        **headers,
    )
    assert enrol.status_code == 200 and enrol.json()["enrolled"] == 3
    other = client.post(
        url, {"person": city.user("doctor").pk}, content_type="application/json", **auth(city, "district_admin_b")
    )
    assert other.status_code in (403, 404)
