"""Every health page and API endpoint × every role: 200 allowed, 302 sent to the dashboard, 403 refused for the
role, 404 object outside the role's subtree."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from dudao.health.models import AbsenceRecord
from dudao.health.services import AbsenceInput, submit_check
from tests.factories import City, UserFactory, assign
from tests.health.conftest import check

pytestmark = pytest.mark.django_db

COLUMNS = [
    ("today", "/health/"),
    ("check_a1", "/health/check/{class_a1}/"),
    ("check_b1", "/health/check/{class_b1}/"),
    ("followup", "/health/followup/"),
    ("absence_a", "/health/absences/{absence_a}/"),
    ("absence_b", "/health/absences/{absence_b}/"),
    ("alerts", "/health/alerts/"),
    ("alert_a", "/health/alerts/{alert_a}/"),
    ("alert_b", "/health/alerts/{alert_b}/"),
    ("dashboard", "/health/dashboard/"),
    ("dashboard_b", "/health/dashboard/?unit={school_b}"),
    ("supplies", "/health/supplies/"),
    ("diseases", "/health/diseases/"),
    ("api_checks", "/api/v1/health/checks"),
    ("api_absences", "/api/v1/health/absences"),
    ("api_absence_b", "/api/v1/health/absences/{absence_b}"),
    ("api_alerts", "/api/v1/health/alerts"),
    ("api_alert_a", "/api/v1/health/alerts/{alert_a}"),
    ("api_alert_b", "/api/v1/health/alerts/{alert_b}"),
    ("api_rates", "/api/v1/health/rates"),
]

# One row per role, one code per column above.
MATRIX = {
    "bureau_leader": "302 403 403 403 403 403 200 200 200 200 200 200 200 200 403 403 200 200 200 200",
    "bureau_staff": "302 403 403 403 403 403 200 200 200 200 200 200 200 200 403 403 200 200 200 200",
    "inspector": "403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403",
    "district_admin": "302 403 403 403 403 403 200 200 404 200 404 200 200 200 403 403 200 200 404 200",
    "health_officer": "302 403 403 200 200 404 200 200 404 200 404 200 200 200 200 404 200 200 404 200",
    "principal": "200 403 403 200 200 404 200 200 404 200 404 200 200 200 200 404 200 200 404 200",
    "school_staff": "200 403 403 200 200 404 200 200 404 200 404 200 200 200 200 404 200 200 404 200",
    "class_teacher": "200 200 404 200 200 404 200 404 404 200 404 200 200 200 200 404 200 404 404 200",
    "counsellor": "403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403",
    "doctor": "200 200 404 200 200 404 200 200 404 200 404 200 200 200 200 404 200 200 404 200",
    "sysadmin": "403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403",
    "nobody": "403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403",
}


@pytest.fixture
def objects(city: City) -> dict[str, Any]:
    a = city.students["a1"][0].pk
    b = city.students["b1"][0].pk
    measles = [AbsenceInput(student=a, reason="illness", symptoms=("rash",), suspected="MEASLES")]
    alert_a = check(city, measles).alerts[0]
    doctor_b = UserFactory.create(username="doctor.b")
    assign(doctor_b, "doctor", city.school_b)
    alert_b = submit_check(
        actor=doctor_b,
        klass=city.class_b1,
        date=timezone.localdate(),
        session="morning",
        absences=[AbsenceInput(student=b, reason="illness", symptoms=("rash",), suspected="MEASLES")],
    ).alerts[0]
    return {
        "class_a1": city.class_a1.pk,
        "class_b1": city.class_b1.pk,
        "school_b": city.school_b.pk,
        "absence_a": AbsenceRecord.objects.get(student_id=a).pk,
        "absence_b": AbsenceRecord.objects.get(student_id=b).pk,
        "alert_a": alert_a.pk,
        "alert_b": alert_b.pk,
    }


@pytest.mark.parametrize("role", list(MATRIX))
def test_health_matrix(role: str, city: City, objects: dict[str, Any], client: Client) -> None:
    client.force_login(city.users[role])
    expected = MATRIX[role].split()
    assert len(expected) == len(COLUMNS)
    got = []
    for _, template in COLUMNS:
        got.append(str(client.get(template.format(**objects)).status_code))
    mismatches = [(COLUMNS[i][0], expected[i], got[i]) for i in range(len(COLUMNS)) if expected[i] != got[i]]
    assert mismatches == []


def test_anonymous_is_sent_to_login(client: Client, city: City) -> None:
    response = client.get("/health/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert client.get("/api/v1/health/alerts").status_code == 401


def test_alert_above_school_hides_student_names(city: City, objects: dict[str, Any], client: Client) -> None:
    client.force_login(city.users["district_admin"])
    body = client.get(f"/health/alerts/{objects['alert_a']}/").content.decode()
    name = city.students["a1"][0].name
    assert name not in body
    assert client.get(f"/api/v1/health/alerts/{objects['alert_a']}").json()["cases"] == []
    client.force_login(city.users["health_officer"])
    assert name in client.get(f"/health/alerts/{objects['alert_a']}/").content.decode()
