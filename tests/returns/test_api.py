"""/api/v1/return-screenings (+ held list, answers) and /api/v1/suspensions."""

from __future__ import annotations

import json
from typing import Any

import pytest

from dudao.accounts import services as accounts
from dudao.audit.models import AuditEvent
from dudao.returns import services
from dudao.returns.models import ScreeningAnswer, Suspension
from tests.factories import City
from tests.returns.conftest import days, next_weekday, today

pytestmark = pytest.mark.django_db


def auth(city: City, key: str) -> dict[str, Any]:
    _, plain = accounts.create_token(actor=city.user(key), name="t")
    return {"HTTP_AUTHORIZATION": f"Bearer {plain}"}


def post(client, url, body, headers):
    return client.post(url, json.dumps(body), content_type="application/json", **headers)


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("bureau_leader", 200),
        ("district_admin", 200),
        ("health_officer", 200),
        ("class_teacher", 200),
        ("inspector", 403),
        ("sysadmin", 403),
    ],
)
def test_rounds_by_role(client, city, school_round, role, status):
    response = client.get("/api/v1/return-screenings", **auth(city, role))
    assert response.status_code == status
    if status == 200:
        assert [r["id"] for r in response.json()["items"]] == [school_round.pk]


def test_round_counts(client, city, school_round):
    services.answer_by_link(
        round=school_round, student=city.students["a1"][0], data=services.AnswerIn(symptoms=["fever"])
    )
    body = client.get(f"/api/v1/return-screenings/{school_round.pk}", **auth(city, "district_admin")).json()
    assert body["totals"]["answered"] == 1 and body["totals"]["held"] == 1 and body["totals"]["pending"] == 4
    assert {r["unit_name"] for r in body["rows"]} == {"七年级（1）班", "七年级（2）班"}
    other = client.get(f"/api/v1/return-screenings/{school_round.pk}", **auth(city, "district_admin_b"))
    assert other.status_code == 404


@pytest.mark.parametrize(
    ("role", "status"), [("health_officer", 200), ("doctor", 200), ("district_admin", 403), ("bureau_leader", 403)]
)
def test_held_list_for_names_only_and_logged(client, city, school_round, role, status):
    services.answer_by_link(
        round=school_round, student=city.students["a1"][0], data=services.AnswerIn(symptoms=["fever"])
    )
    response = client.get(f"/api/v1/return-screenings/{school_round.pk}/held", **auth(city, role))
    assert response.status_code == status
    if status == 200:
        assert response.json()["items"][0]["reasons"] == "有症状：发热"
        assert AuditEvent.objects.filter(action="export_screening").exists()


def test_teacher_answer_twice_is_one(client, city, school_round):
    headers = auth(city, "class_teacher")
    student = city.students["a1"][0]
    url = f"/api/v1/return-screenings/{school_round.pk}/answers"
    first = post(client, url, {"student": student.pk, "symptoms": ["cough"]}, headers)
    assert first.status_code == 200 and first.json()["is_held"]
    second = post(client, url, {"student": student.pk, "version": first.json()["version"]}, headers)
    assert second.status_code == 200 and not second.json()["is_held"]
    assert ScreeningAnswer.objects.filter(student=student).count() == 1
    stale = post(client, url, {"student": student.pk, "version": 1}, headers)
    assert stale.status_code == 409
    bad = post(client, url, {"student": student.pk, "travel_area": "火星"}, headers)
    assert bad.status_code == 400 and "风险地区" in bad.json()["detail"]
    outside = post(client, url, {"student": city.students["a2"][0].pk}, headers)
    assert outside.status_code == 404  # another class: out of scope


def test_suspension_create_lift_and_refusals(client, city, year):
    headers = auth(city, "principal")
    start = next_weekday(3)
    body = {"unit": city.class_a1.pk, "starts_on": str(start), "ends_on": str(days(12)), "reason": "流感"}
    created = post(client, "/api/v1/suspensions", body, headers)
    assert created.status_code == 200, created.content
    again = post(client, "/api/v1/suspensions", body, headers)
    assert again.json()["id"] == created.json()["id"]
    crossing = post(
        client,
        "/api/v1/suspensions",
        {"unit": city.class_a2.pk, "starts_on": str(days(15)), "ends_on": str(days(45)), "reason": "流感"},
        headers,
    )
    assert crossing.status_code == 400 and crossing.json()["code"] == "suspension_crosses_terms"
    lifted = post(
        client,
        f"/api/v1/suspensions/{created.json()['id']}/lift",
        {"return_on": str(start), "version": created.json()["version"]},
        headers,
    )
    assert lifted.status_code == 200 and lifted.json()["status"] == "lifted"
    listed = client.get("/api/v1/suspensions", **auth(city, "class_teacher")).json()
    assert listed["count"] == 1
    teacher = post(client, "/api/v1/suspensions", body | {"reason": "别的"}, auth(city, "class_teacher"))
    assert teacher.status_code == 403
    assert Suspension.objects.count() == 1
    assert today() <= start
