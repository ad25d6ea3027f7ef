"""/api/v1/cases, notes, dropout-register, home-visits, cases/stats."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from dudao.accounts import services as accounts
from dudao.audit.models import AuditEvent
from dudao.cases import services
from dudao.cases.models import CaseFile, CaseNote
from tests.cases.conftest import open_psych
from tests.factories import ROLE_HOLDERS, City

pytestmark = pytest.mark.django_db


def auth(city: City, key: str) -> dict[str, Any]:
    _, plain = accounts.create_token(actor=city.user(key), name="t")
    return {"HTTP_AUTHORIZATION": f"Bearer {plain}"}


@pytest.mark.parametrize("key", sorted(ROLE_HOLDERS))
def test_list_returns_only_visible_cases(client: Client, city: City, case: CaseFile, key: str) -> None:
    response = client.get("/api/v1/cases", **auth(city, key))
    if key in ("principal", "counsellor", "class_teacher"):
        assert response.status_code == 200
        assert [c["id"] for c in response.json()["items"]] == [case.pk]
    elif key == "case_officer":
        assert response.json() == {"items": [], "count": 0}
    else:
        assert response.status_code == 403


@pytest.mark.parametrize("key", sorted(ROLE_HOLDERS))
def test_case_by_id(client: Client, city: City, case: CaseFile, key: str) -> None:
    response = client.get(f"/api/v1/cases/{case.pk}", **auth(city, key))
    if key in ("principal", "counsellor", "class_teacher"):
        assert response.status_code == 200
        assert response.json()["plan"] == case.plan
        assert AuditEvent.objects.filter(action="case_api", object_id=str(case.pk)).exists()
    elif key == "case_officer":
        assert response.status_code == 404
        assert AuditEvent.objects.filter(action="case_denied", object_id=str(case.pk)).exists()
    else:
        assert response.status_code == 403


def test_case_by_id_with_break_glass(client: Client, city: City, case: CaseFile) -> None:
    services.break_glass(actor=city.user("case_officer"), case=case, reason="家长报警称学生失联，需了解既往情况")
    response = client.get(f"/api/v1/cases/{case.pk}", **auth(city, "case_officer"))
    assert response.status_code == 200
    assert AuditEvent.objects.filter(action="case_api").latest("seq").changes["break_glass"] is True
    # Read-only: a note is refused.
    response = client.post(
        f"/api/v1/cases/{case.pk}/notes", {"text": "x"}, content_type="application/json", **auth(city, "case_officer")
    )
    assert response.status_code == 403


def test_post_note(client: Client, city: City, case: CaseFile) -> None:
    headers = auth(city, "counsellor")
    response = client.post(
        f"/api/v1/cases/{case.pk}/notes", {"text": "第二次面谈，情绪平稳"}, content_type="application/json", **headers
    )
    assert response.status_code == 201, response.content
    assert response.json()["text"] == "第二次面谈，情绪平稳"
    assert CaseNote.objects.get().text == "第二次面谈，情绪平稳"
    listed = client.get(f"/api/v1/cases/{case.pk}/notes", **headers).json()
    assert listed[0]["text"] == "第二次面谈，情绪平稳"


def test_post_bad_notes(client: Client, city: City, case: CaseFile) -> None:
    headers = auth(city, "counsellor")
    url = f"/api/v1/cases/{case.pk}/notes"
    assert client.post(url, {"text": ""}, content_type="application/json", **headers).status_code == 400
    assert client.post(url, {}, content_type="application/json", **headers).status_code == 400
    assert client.post(url, "{bad", content_type="application/json", **headers).status_code == 400
    future = (timezone.localdate().replace(year=timezone.localdate().year + 1)).isoformat()
    response = client.post(url, {"text": "x", "occurred_on": future}, content_type="application/json", **headers)
    assert response.status_code == 400 and response.json()["code"] == "date_in_future"
    assert (
        client.post(
            "/api/v1/cases/99999999/notes", {"text": "x"}, content_type="application/json", **headers
        ).status_code
        == 404
    )
    assert not CaseNote.objects.exists()


def test_stats_for_district_without_names(client: Client, city: City, case: CaseFile) -> None:
    response = client.get("/api/v1/cases/stats", **auth(city, "district_admin"))
    assert response.status_code == 200
    body = response.json()
    assert body["open"] == 1 and case.student.name not in response.content.decode()
    assert client.get(f"/api/v1/cases/stats?unit={city.school_b.pk}", **auth(city, "district_admin")).status_code == 404
    assert client.get("/api/v1/cases/stats", **auth(city, "counsellor")).status_code == 403


def test_dropout_register(client: Client, city: City) -> None:
    case = services.open_case(
        actor=city.user("counsellor"),
        student=city.students["a1"][1],
        kind="dropout",
        source="census",
        dropout_reason="work",
        out_since=timezone.localdate(),
    )
    district = client.get("/api/v1/dropout-register", **auth(city, "district_admin")).json()
    assert district["remaining"] == 1 and district["named"] == []
    assert case.student.name not in str(district)
    school = client.get("/api/v1/dropout-register", **auth(city, "counsellor")).json()
    assert [c["id"] for c in school["named"]] == [case.pk]
    assert client.get("/api/v1/dropout-register", **auth(city, "auditor")).status_code == 403


def test_home_visits(client: Client, city: City) -> None:
    headers = auth(city, "class_teacher")
    a = city.students["a1"][0]
    payload = {"student": a.pk, "visited_on": timezone.localdate().isoformat(), "mode": "video", "findings": "家长配合"}
    response = client.post("/api/v1/home-visits", payload, content_type="application/json", **headers)
    assert response.status_code == 201, response.content
    listed = client.get("/api/v1/home-visits", **headers).json()
    assert listed["count"] == 1 and listed["items"][0]["findings"] == "家长配合"
    other = {**payload, "student": city.students["b1"][0].pk}
    assert client.post("/api/v1/home-visits", other, content_type="application/json", **headers).status_code == 404
    assert client.get("/api/v1/home-visits", **auth(city, "district_admin")).status_code == 403


def test_unauthenticated_is_401(client: Client, city: City) -> None:
    assert client.get("/api/v1/cases").status_code == 401


def test_list_logs_each_case_shown(client: Client, city: City) -> None:
    first = open_psych(city, 0)
    client.get("/api/v1/cases", **auth(city, "principal"))
    assert AuditEvent.objects.filter(action="case_api_list", object_id=str(first.pk)).exists()


def test_reading_home_visit_findings_is_logged(client: Client, city: City) -> None:
    headers = auth(city, "class_teacher")
    a = city.students["a1"][0]
    payload = {"student": a.pk, "visited_on": timezone.localdate().isoformat(), "findings": "父母离异，由祖母照看"}
    client.post("/api/v1/home-visits", payload, content_type="application/json", **headers)
    client.get("/api/v1/home-visits", **headers)
    event = AuditEvent.objects.get(action="visit_api")
    assert event.kind == "access" and event.unit_path == city.class_a1.path and "祖母" not in str(event.changes)
