"""党风廉政 API: readers list and read (detail answers logged), writers create (double submits answer 200 with the
first), everyone else 404."""

from __future__ import annotations

import io

import pytest
from django.test import Client

from dudao.accounts import services as accounts
from dudao.audit.models import AuditEvent, EventKind
from dudao.integrity.models import MajorMatter, SpotFinding, Talk
from tests.factories import City
from tests.integrity.conftest import duty, matter, photo, spot_check, talk, today

pytestmark = pytest.mark.django_db


def bearer(city: City, key: str) -> dict[str, str]:
    _, plain = accounts.create_token(actor=city.user(key), name="test")
    return {"Authorization": f"Bearer {plain}"}


@pytest.mark.parametrize("role", ["bureau_leader", "discipline_officer", "auditor"])
def test_readers_list_and_read(client: Client, city: City, role: str) -> None:
    t = talk(city)
    d = duty(city)
    c = spot_check(city)
    m = matter(city)
    auth = bearer(city, role)
    listed = client.get("/api/v1/integrity/talks", headers=auth).json()
    assert listed["count"] == 1 and listed["items"][0]["summary"] is None
    detail = client.get(f"/api/v1/integrity/talks/{t.pk}", headers=auth).json()
    assert detail["summary"] == "节前廉政提醒：不得收受礼品礼金"
    for url in (
        "/api/v1/integrity/duties",
        f"/api/v1/integrity/duties/{d.pk}",
        "/api/v1/integrity/checks",
        f"/api/v1/integrity/checks/{c.pk}",
        "/api/v1/integrity/matters",
        f"/api/v1/integrity/matters/{m.pk}",
    ):
        assert client.get(url, headers=auth).status_code == 200, url
    logged = AuditEvent.objects.filter(kind=EventKind.ACCESS, action="integrity_view", actor_id=city.user(role).pk)
    assert logged.count() == 4


@pytest.mark.parametrize(
    "role", ["bureau_staff", "district_admin", "principal", "class_teacher", "sysadmin", "case_officer"]
)
def test_everyone_else_gets_404(client: Client, city: City, role: str) -> None:
    t = talk(city)
    auth = bearer(city, role)
    for url in ("/api/v1/integrity/talks", f"/api/v1/integrity/talks/{t.pk}", "/api/v1/integrity/matters"):
        response = client.get(url, headers=auth)
        assert response.status_code == 404
        assert set(response.json()) >= {"detail", "code"}
    response = client.post(
        "/api/v1/integrity/talks",
        {
            "kind": "integrity",
            "talker": "bureau.leader",
            "subject": "principal",
            "held_on": today().isoformat(),
            "summary": "x",
        },
        content_type="application/json",
        headers=auth,
    )
    assert response.status_code == 404
    assert Talk.objects.count() == 1


def test_auditor_may_not_write(client: Client, city: City) -> None:
    response = client.post(
        "/api/v1/integrity/talks",
        {
            "kind": "integrity",
            "talker": "bureau.leader",
            "subject": "principal",
            "held_on": today().isoformat(),
            "summary": "x",
        },
        content_type="application/json",
        headers=bearer(city, "auditor"),
    )
    assert response.status_code == 403


def test_create_talk_twice_answers_the_first(client: Client, city: City) -> None:
    auth = bearer(city, "discipline_officer")
    body = {
        "kind": "reminder",
        "talker": "discipline.officer",
        "subject": "principal",
        "held_on": today().isoformat(),
        "summary": "提醒谈话要点",
    }
    first = client.post("/api/v1/integrity/talks", body, content_type="application/json", headers=auth)
    second = client.post("/api/v1/integrity/talks", body, content_type="application/json", headers=auth)
    assert first.status_code == 201 and second.status_code == 200
    assert first.json()["id"] == second.json()["id"]
    bad = client.post(
        "/api/v1/integrity/talks", {**body, "subject": "nobody.there"}, content_type="application/json", headers=auth
    )
    assert bad.status_code == 400 and bad.json()["code"] == "person_not_found"


def test_principal_acknowledges_own_list_through_the_api(client: Client, city: City) -> None:
    d = duty(city)
    auth = bearer(city, "principal")
    mine = client.get("/api/v1/integrity/duties/mine", headers=auth).json()
    assert [x["id"] for x in mine] == [d.pk]
    response = client.post(
        f"/api/v1/integrity/duties/{d.pk}/acknowledge",
        {"version": d.version},
        content_type="application/json",
        headers=auth,
    )
    assert response.status_code == 200 and response.json()["acknowledged_at"]
    other = bearer(city, "school_staff")
    assert (
        client.post(
            f"/api/v1/integrity/duties/{d.pk}/acknowledge", {}, content_type="application/json", headers=other
        ).status_code
        == 404
    )


def test_checks_targets_and_findings(client: Client, city: City) -> None:
    auth = bearer(city, "discipline_officer")
    created = client.post(
        "/api/v1/integrity/checks",
        {
            "name": "春节监督检查",
            "festival": "chunjie",
            "starts_on": today().isoformat(),
            "ends_on": today().isoformat(),
        },
        content_type="application/json",
        headers=auth,
    )
    assert created.status_code == 201
    check_id = created.json()["id"]
    targets = client.post(
        f"/api/v1/integrity/checks/{check_id}/targets",
        {"units": [city.school_a.pk], "people": ["principal"]},
        content_type="application/json",
        headers=auth,
    ).json()["targets"]
    assert {t["kind"] for t in targets} == {"unit", "person"}
    out_of_scope = client.post(
        f"/api/v1/integrity/checks/{check_id}/targets",
        {"units": [city.class_a1.pk]},
        content_type="application/json",
        headers=auth,
    )
    assert out_of_scope.status_code == 404
    finding = client.post(
        f"/api/v1/integrity/checks/{check_id}/findings",
        {"target": targets[0]["id"], "found_on": today().isoformat(), "text": "违规收受礼品", "photo": photo()},
        headers=auth,
    )
    assert finding.status_code == 201 and finding.json()["photo_url"]
    fake = io.BytesIO(b"MZ not an image")
    fake.name = "x.jpg"
    refused = client.post(
        f"/api/v1/integrity/checks/{check_id}/findings",
        {"target": targets[0]["id"], "found_on": today().isoformat(), "text": "另一个", "photo": fake},
        headers=auth,
    )
    assert refused.status_code == 400
    assert SpotFinding.objects.count() == 1


def test_create_matter_with_documents(client: Client, city: City) -> None:
    auth = bearer(city, "bureau_leader")
    doc = io.BytesIO(b"%PDF-1.4 minutes")
    doc.name = "纪要.pdf"
    response = client.post(
        "/api/v1/integrity/matters",
        {
            "category": "funds",
            "title": "资金安排",
            "decided_on": today().isoformat(),
            "meeting": "局党组会议",
            "participants": "7 人",
            "vote": "passed",
            "amount": "100.5",
            "documents": [doc],
        },
        headers=auth,
    )
    assert response.status_code == 201, response.content
    assert len(response.json()["documents"]) == 1
    no_amount = client.post(
        "/api/v1/integrity/matters",
        {
            "category": "funds",
            "title": "另一笔",
            "decided_on": today().isoformat(),
            "meeting": "会",
            "participants": "7 人",
            "vote": "passed",
        },
        headers=auth,
    )
    assert no_amount.status_code == 400 and no_amount.json()["code"] == "amount_required"
    assert MajorMatter.objects.count() == 1
