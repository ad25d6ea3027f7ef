"""/api/v1/vaccinations (+ /coverage) and /api/v1/health-exams: scoped, paged, errors in Chinese."""

from __future__ import annotations

import pytest

from dudao.audit.models import AuditEvent
from tests.schoolhealth.conftest import auth, days_ago, dose

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("role", "status"), [("doctor", 200), ("health_officer", 200), ("bureau_leader", 200), ("bureau_staff", 403)]
)
def test_read_endpoints_by_role(client, city, role, status):
    headers = auth(city, role)
    for url in ["/api/v1/vaccinations", "/api/v1/vaccinations/coverage", "/api/v1/health-exams"]:
        assert client.get(url, **headers).status_code == status, url


def test_list_is_scoped_paged_masked_and_logged(client, city):
    for pupil in city.students["a1"]:
        dose(city, pupil, "flu", 1, days_ago(1))
    headers = auth(city, "doctor")
    first = client.get("/api/v1/vaccinations?page_size=2", **headers).json()
    assert first["count"] == 3 and len(first["items"]) == 2
    assert "*" in first["items"][0]["student_no"]
    assert AuditEvent.objects.filter(action="list_vaccinations", kind="access").exists()
    assert client.get(f"/api/v1/vaccinations?unit={city.school_b.pk}", **headers).status_code == 404


def test_record_a_dose_and_repeat_it(client, city):
    headers = auth(city, "doctor")
    body = {"student": city.students["a1"][0].pk, "vaccine": "flu", "dose_number": 1, "date": days_ago(1).isoformat()}
    created = client.post("/api/v1/vaccinations", body, content_type="application/json", **headers)
    assert created.status_code == 201 and created.json()["completes_course"]
    again = client.post("/api/v1/vaccinations", body, content_type="application/json", **headers)
    assert again.status_code == 200 and again.json()["id"] == created.json()["id"]
    early = {**body, "vaccine": "mmr", "dose_number": 2}
    refused = client.post("/api/v1/vaccinations", early, content_type="application/json", **headers)
    assert refused.status_code == 400 and "第 1 剂" in refused.json()["detail"]
    other = {**body, "student": city.students["b1"][0].pk}
    assert client.post("/api/v1/vaccinations", other, content_type="application/json", **headers).status_code == 404


def test_coverage_of_a_unit_and_its_children(client, city):
    dose(city, city.students["a1"][0], "flu", 1, days_ago(1))
    data = client.get(
        f"/api/v1/vaccinations/coverage?unit={city.district_a.pk}&vaccine=flu", **auth(city, "health_officer")
    ).json()
    assert data["unit"]["vaccines"][0]["covered"] == 1
    assert data["unit"]["vaccines"][0]["enrolled"] == 6
    assert {c["unit_name"] for c in data["children"]} == {city.school_a.name, city.school_a2.name}
    bad = client.get("/api/v1/vaccinations/coverage?vaccine=xx", **auth(city, "health_officer"))
    assert bad.status_code == 400 and "疫苗目录" in bad.json()["detail"]
