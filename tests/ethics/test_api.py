"""/api/v1/ethics: incidents visible to the teacher and the principal upward, never to colleagues; every detail
read an access event; steps with versions; vetoes; commitments; commendations."""

from __future__ import annotations

from typing import Any

import pytest

from dudao.accounts import services as accounts
from dudao.audit.models import AuditEvent
from dudao.ethics.models import Acknowledgement, Incident
from tests.ethics.conftest import register, today, veto_incident
from tests.factories import City

pytestmark = pytest.mark.django_db


def auth(city: City, key: str) -> dict[str, Any]:
    _, plain = accounts.create_token(actor=city.user(key), name="t")
    return {"HTTP_AUTHORIZATION": f"Bearer {plain}"}


@pytest.mark.parametrize(
    ("role", "visible"),
    [
        ("class_teacher", True),  # the teacher it is about
        ("principal", True),
        ("district_admin", True),
        ("bureau_leader", True),
        ("bureau_staff", True),
        ("district_admin_b", False),
        ("school_staff", False),
        ("counsellor", False),
        ("doctor", False),
        ("inspector", False),
        ("case_officer", False),
        ("auditor", False),
    ],
)
def test_detail_by_role(client, city, incident, role, visible):
    response = client.get(f"/api/v1/ethics/incidents/{incident.pk}", **auth(city, role))
    assert response.status_code == (200 if visible else 404)
    kind = "ethics_api" if visible else "ethics_denied"
    assert AuditEvent.objects.filter(action=kind, object_id=str(incident.pk), kind="access").count() == 1
    if visible:
        assert response.json()["facts"].startswith("家长反映")


def test_colleague_sees_neither_list_nor_detail(client, city, incident, colleague):
    _, plain = accounts.create_token(actor=colleague, name="t")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {plain}"}
    assert client.get("/api/v1/ethics/incidents", **headers).json()["count"] == 0
    assert client.get(f"/api/v1/ethics/incidents/{incident.pk}", **headers).status_code == 404


def test_list_has_no_facts(client, city, incident):
    body = client.get("/api/v1/ethics/incidents", **auth(city, "district_admin")).json()
    assert body["count"] == 1
    assert "facts" not in body["items"][0]


def test_create_is_idempotent_with_key(client, city):
    headers = {**auth(city, "principal"), "HTTP_IDEMPOTENCY_KEY": "abc-1"}
    payload = {
        "teacher": city.user("class_teacher").pk,
        "source": "report",
        "category": "gifts",
        "reported_on": today().isoformat(),
        "facts": "收受家长购物卡",
    }
    first = client.post("/api/v1/ethics/incidents", payload, content_type="application/json", **headers)
    second = client.post("/api/v1/ethics/incidents", payload, content_type="application/json", **headers)
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"]
    assert Incident.objects.count() == 1


def test_create_bad_input_is_400_and_creates_nothing(client, city):
    payload = {
        "teacher": city.user("class_teacher").pk,
        "source": "rumour",
        "category": "gifts",
        "reported_on": today().isoformat(),
        "facts": "x",
    }
    response = client.post(
        "/api/v1/ethics/incidents", payload, content_type="application/json", **auth(city, "principal")
    )
    assert response.status_code == 400
    assert response.json()["code"] == "source_invalid"
    assert not Incident.objects.exists()


def test_class_teacher_cannot_create(client, city):
    payload = {
        "teacher": city.user("principal").pk,
        "source": "report",
        "category": "gifts",
        "reported_on": today().isoformat(),
        "facts": "x",
    }
    response = client.post(
        "/api/v1/ethics/incidents", payload, content_type="application/json", **auth(city, "class_teacher")
    )
    assert response.status_code == 403


def test_teacher_out_of_scope_is_404(client, city):
    payload = {
        "teacher": city.user("class_teacher").pk,
        "source": "report",
        "category": "gifts",
        "reported_on": today().isoformat(),
        "facts": "x",
    }
    response = client.post(
        "/api/v1/ethics/incidents", payload, content_type="application/json", **auth(city, "district_admin_b")
    )
    assert response.status_code == 404


def test_steps_through_the_api_with_stale_version(client, city, incident):
    url = f"/api/v1/ethics/incidents/{incident.pk}"
    principal = auth(city, "principal")
    body = client.post(
        f"{url}/investigation",
        {"investigation": "属实", "version": incident.version},
        content_type="application/json",
        **principal,
    )
    assert body.status_code == 200
    stale = client.post(
        f"{url}/investigation",
        {"investigation": "改写", "version": incident.version},
        content_type="application/json",
        **principal,
    )
    assert stale.status_code == 409
    version = body.json()["version"]
    district = auth(city, "district_admin")
    refused = client.post(
        f"{url}/decision",
        {"finding": "substantiated", "found_on": today().isoformat(), "version": version},
        content_type="application/json",
        **principal,
    )
    assert refused.status_code == 403
    decided = client.post(
        f"{url}/decision",
        {"finding": "substantiated", "found_on": today().isoformat(), "version": version},
        content_type="application/json",
        **district,
    )
    assert decided.status_code == 200
    handled = client.post(
        f"{url}/measure",
        {
            "measure": "no_honours",
            "body": "甲区教育局",
            "decided_on": today().isoformat(),
            "is_veto": True,
            "version": decided.json()["version"],
        },
        content_type="application/json",
        **district,
    )
    assert handled.status_code == 200
    assert handled.json()["veto_active"] is True


def test_vetoes_endpoint(client, city, incident, colleague):
    veto_incident(city, incident)
    teacher = city.user("class_teacher").pk
    rows = client.get(f"/api/v1/ethics/vetoes?staff={teacher},{colleague.pk}", **auth(city, "district_admin")).json()
    by_id = {r["teacher"]: r for r in rows}
    assert by_id[teacher]["vetoed"] is True and by_id[colleague.pk]["vetoed"] is False
    assert client.get(f"/api/v1/ethics/vetoes?staff={teacher}", **auth(city, "district_admin_b")).json() == []
    assert client.get(f"/api/v1/ethics/vetoes?staff={teacher}", **auth(city, "class_teacher")).status_code == 403


def test_commitment_publish_acknowledge_progress(client, city, colleague):
    published = client.post(
        "/api/v1/ethics/commitments",
        {"year": today().year, "title": "年度师德承诺书", "text": "我承诺……"},
        content_type="application/json",
        **auth(city, "bureau_staff"),
    )
    assert published.status_code == 201
    cid = published.json()["id"]
    teacher = auth(city, "class_teacher")
    mine = client.get("/api/v1/ethics/commitments/mine", **teacher).json()
    assert mine["id"] == cid and mine["acknowledged_at"] is None
    first = client.post(f"/api/v1/ethics/commitments/{cid}/acknowledge", **teacher)
    again = client.post(f"/api/v1/ethics/commitments/{cid}/acknowledge", **teacher)
    assert (first.status_code, again.status_code) == (201, 200)
    assert Acknowledgement.objects.count() == 1
    rows = client.get(f"/api/v1/ethics/commitments/{cid}/progress", **auth(city, "principal")).json()
    assert rows[0]["unit"] == city.school_a.pk and rows[0]["acknowledged"] == 1
    pending = client.get(f"/api/v1/ethics/commitments/{cid}/pending", **auth(city, "principal")).json()
    names = {p["id"] for p in pending["items"]}
    assert colleague.pk in names and city.user("class_teacher").pk not in names
    assert client.get(f"/api/v1/ethics/commitments/{cid}/pending", **teacher).status_code == 403
    assert (
        client.post(
            "/api/v1/ethics/commitments",
            {"year": today().year, "title": "x", "text": "y"},
            content_type="application/json",
            **auth(city, "principal"),
        ).status_code
        == 403
    )


def test_commendations(client, city):
    payload = {
        "teacher": city.user("class_teacher").pk,
        "honour": "excellent_teacher",
        "level": "city",
        "awarded_on": today().isoformat(),
        "awarded_by": "测试市教育局",
    }
    created = client.post(
        "/api/v1/ethics/commendations", payload, content_type="application/json", **auth(city, "principal")
    )
    assert created.status_code == 201
    assert created.json()["label"] == "市级优秀教师"
    duplicate = client.post(
        "/api/v1/ethics/commendations", payload, content_type="application/json", **auth(city, "principal")
    )
    assert duplicate.status_code == 409
    own = client.get("/api/v1/ethics/commendations", **auth(city, "class_teacher")).json()
    assert own["count"] == 1
    assert client.get("/api/v1/ethics/commendations", **auth(city, "doctor")).json()["count"] == 0


def test_second_incident_for_other_school_not_listed_for_principal(client, city, incident):
    register(city, actor=city.user("district_admin_b"), teacher=_teacher_b(city))
    body = client.get("/api/v1/ethics/incidents", **auth(city, "principal")).json()
    assert body["count"] == 1


def _teacher_b(city: City) -> Any:
    from tests.factories import UserFactory, assign

    user = UserFactory.create(username="teacher.b", unit=city.class_b1)
    assign(user, "class_teacher", city.class_b1)
    return user
