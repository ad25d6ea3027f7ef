"""API: POST /health/checks with Idempotency-Key, bad input, lists, follow-up, clearance, alert actions, rates."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from dudao.health.models import AbsenceRecord, DailyCheck

pytestmark = pytest.mark.django_db


def post(client: Client, url: str, body: dict[str, Any], **headers: str) -> Any:
    return client.post(url, json.dumps(body, default=str), content_type="application/json", headers=headers)


def body(city, absences=None, **extra):
    return {
        "class_id": city.class_a1.pk,
        "date": timezone.localdate().isoformat(),
        "session": "morning",
        "absences": absences or [],
        **extra,
    }


def fever(student: int, temp: float | None = 38.6) -> dict[str, Any]:
    return {"student": student, "reason": "illness", "symptoms": ["fever", "cough"], "temperature": temp}


@pytest.fixture
def teacher(city, client):
    client.force_login(city.user("class_teacher"))
    return client


def test_full_attendance_and_idempotency_key(city, teacher) -> None:
    first = post(teacher, "/api/v1/health/checks", body(city), **{"Idempotency-Key": "abc"})
    assert first.status_code == 200, first.content
    data = first.json()
    assert data["created"] and data["present"] == 3 and data["alerts"] == []
    again = post(
        teacher, "/api/v1/health/checks", body(city, [fever(city.students["a1"][0].pk)]), **{"Idempotency-Key": "abc"}
    )
    assert again.json()["id"] == data["id"] and not again.json()["changed"]
    assert DailyCheck.objects.count() == 1 and AbsenceRecord.objects.count() == 0


def test_third_fever_raises_an_alert(city, teacher) -> None:
    ids = [s.pk for s in city.students["a1"]]
    assert post(teacher, "/api/v1/health/checks", body(city, [fever(i) for i in ids[:2]])).json()["alerts"] == []
    third = post(teacher, "/api/v1/health/checks", body(city, [fever(i) for i in ids]))
    assert third.status_code == 200 and len(third.json()["alerts"]) == 1


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"class_id": "b1"}, 404, "not_found"),
        ({"date": "future"}, 400, "future_date"),
        ({"absences": "other_class"}, 400, "student_not_in_class"),
        ({"absences": "hot"}, 400, "temperature_out_of_range"),
        ({"absences": "cold"}, 400, "temperature_out_of_range"),
        ({"session": "night"}, 400, "invalid_input"),
        ({"absences": "bad_reason"}, 400, "invalid_input"),
    ],
)
def test_bad_input_changes_nothing(city, teacher, change, status, code) -> None:
    payload = body(city)
    a1 = city.students["a1"][0].pk
    values = {
        "b1": city.class_b1.pk,
        "future": (timezone.localdate() + dt.timedelta(days=1)).isoformat(),
        "other_class": [fever(city.students["b1"][0].pk)],
        "hot": [fever(a1, 43.5)],
        "cold": [fever(a1, 33.0)],
        "night": "night",
        "bad_reason": [{"student": a1, "reason": "holiday"}],
    }
    for key, value in change.items():
        payload[key] = values[value]
    response = post(teacher, "/api/v1/health/checks", payload)
    assert response.status_code == status, response.content
    assert response.json()["code"] == code
    assert DailyCheck.objects.count() == 0


def test_closed_class_is_refused_through_the_api(city, client) -> None:
    city.class_a1.is_closed = True
    city.class_a1.save()
    client.force_login(city.user("doctor"))
    response = post(client, "/api/v1/health/checks", body(city))
    assert response.status_code == 400 and response.json()["code"] == "class_closed"
    assert DailyCheck.objects.count() == 0


def test_lists_and_followup_and_clearance(city, teacher, client) -> None:
    a = city.students["a1"][0].pk
    post(
        teacher,
        "/api/v1/health/checks",
        body(city, [{"student": a, "reason": "illness", "symptoms": ["rash"], "temperature": None}]),
    )
    client.force_login(city.user("doctor"))
    checks = client.get(f"/api/v1/health/checks?school={city.school_a.pk}&date={timezone.localdate()}").json()
    assert checks["count"] == 1
    queue = client.get(f"/api/v1/health/absences?status=pending&date={timezone.localdate()}").json()
    assert queue["count"] == 1 and queue["items"][0]["student_name"] == city.students["a1"][0].name
    absence = queue["items"][0]
    traced = post(
        client,
        f"/api/v1/health/absences/{absence['id']}/followup",
        {
            "diagnosis": "VARICELLA",
            "guardian_contacted": True,
            "clinic": "市儿童医院",
            "onset_date": timezone.localdate().isoformat(),
            "version": absence["version"],
        },
    )
    assert traced.status_code == 200, traced.content
    assert traced.json()["diagnosis"] == "VARICELLA"
    early = post(
        client,
        f"/api/v1/health/absences/{absence['id']}/clearance",
        {
            "return_date": (timezone.localdate() + dt.timedelta(days=3)).isoformat(),
            "certificate_no": "证明 1",
            "version": traced.json()["version"],
        },
    )
    assert early.status_code == 400 and early.json()["code"] == "clearance_too_early"
    assert "水痘" in early.json()["detail"]
    waiting = client.get("/api/v1/health/absences?awaiting_clearance=true").json()
    assert waiting["count"] == 1


def test_alert_actions_and_rates(city, teacher, client) -> None:
    a = city.students["a1"][0].pk
    result = post(
        teacher,
        "/api/v1/health/checks",
        body(city, [{"student": a, "reason": "illness", "symptoms": ["rash"], "suspected": "MEASLES"}]),
    ).json()
    alert_id = result["alerts"][0]
    client.force_login(city.user("doctor"))
    alert = client.get(f"/api/v1/health/alerts/{alert_id}").json()
    assert alert["is_immediate"] and alert["status"] == "open"
    stale = post(client, f"/api/v1/health/alerts/{alert_id}/acknowledge", {"version": alert["version"] + 5})
    assert stale.status_code == 409
    ack = post(client, f"/api/v1/health/alerts/{alert_id}/acknowledge", {"version": alert["version"]}).json()
    assert ack["status"] == "acknowledged"
    rep = post(
        client, f"/api/v1/health/alerts/{alert_id}/report", {"reference": "疾控 2026-77", "version": ack["version"]}
    )
    assert rep.json()["status"] == "reported" and rep.json()["reported_at"]
    closed = post(
        client,
        f"/api/v1/health/alerts/{alert_id}/close",
        {"summary": "无续发病例，解除", "version": rep.json()["version"]},
    )
    assert closed.json()["status"] == "closed"
    assert client.get("/api/v1/health/alerts?open=true").json()["count"] == 0
    rates = client.get(f"/api/v1/health/rates?unit={city.school_a.pk}").json()
    assert rates["items"][-1]["illness"] == 1
    assert client.get("/api/v1/health/rates?from=2026-02-01&to=2026-01-01").status_code == 400


def test_all_present_through_the_api_never_clears_recorded_absences(city, teacher) -> None:
    assert post(teacher, "/api/v1/health/checks", body(city, [fever(city.students["a1"][0].pk)])).status_code == 200
    refused = post(teacher, "/api/v1/health/checks", body(city, all_present=True))
    assert refused.status_code == 409 and refused.json()["code"] == "all_present_would_clear"
    assert "全勤" in refused.json()["detail"]
    assert DailyCheck.objects.get().illness_count == 1 and AbsenceRecord.objects.count() == 1
