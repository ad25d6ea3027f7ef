"""投诉与建议 API: scoped paged list, handling steps, stale version, identity, and the public intake."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client, override_settings

from dudao.accounts import services as accounts
from dudao.audit.models import AuditEvent
from dudao.complaints.models import Complaint, Status
from tests.complaints.factories import filed, routed
from tests.factories import City

pytestmark = pytest.mark.django_db


def bearer(city: City, role: str) -> dict[str, Any]:
    _, plain = accounts.create_token(actor=city.user(role), name="api")
    return {"HTTP_AUTHORIZATION": f"Bearer {plain}"}


def post(client: Client, url: str, body: dict[str, Any], **headers: Any) -> Any:
    return client.post(url, body, content_type="application/json", **headers)


PUBLIC = {
    "category": "bullying",
    "title": "孩子在学校被高年级学生欺负",
    "content": "孩子连续一周放学时被两名高年级学生拦住索要零花钱，孩子不敢告诉老师。",
    "is_anonymous": True,
}


def test_the_public_intake_answers_a_number_and_a_link(client: Client, city: City) -> None:
    response = post(client, "/api/v1/public/complaints", PUBLIC, HTTP_IDEMPOTENCY_KEY="abc")
    assert response.status_code == 201
    body = response.json()
    assert body["number"].startswith("TS") and "/complaints/track/" in body["tracking_url"]
    again = post(client, "/api/v1/public/complaints", PUBLIC, HTTP_IDEMPOTENCY_KEY="abc")
    assert again.json()["number"] == body["number"] and Complaint.objects.count() == 1


def test_the_public_intake_refuses_bad_input(client: Client, city: City) -> None:
    response = post(client, "/api/v1/public/complaints", {**PUBLIC, "content": ""})
    assert response.status_code == 400 and response.json()["code"] == "content_required"
    assert not Complaint.objects.exists()


@override_settings(DUDAO_COMPLAINTS_PER_ADDRESS=2)
def test_the_public_intake_limits_one_address(client: Client, city: City) -> None:
    for n in range(2):
        assert post(client, "/api/v1/public/complaints", {**PUBLIC, "title": f"第{n}件"}).status_code == 201
    refused = post(client, "/api/v1/public/complaints", PUBLIC)
    assert refused.status_code == 429 and "频繁" in refused.json()["detail"]
    other = post(client, "/api/v1/public/complaints", PUBLIC, REMOTE_ADDR="192.0.2.7")
    assert other.status_code == 201


def test_the_list_is_scoped_and_paged(client: Client, city: City) -> None:
    routed(city)
    routed(city, unit=city.school_b, title="乙区的事情")
    everything = client.get("/api/v1/complaints?page_size=1", **bearer(city, "bureau_staff")).json()
    assert everything["count"] == 2 and len(everything["items"]) == 1
    district = client.get("/api/v1/complaints", **bearer(city, "district_admin")).json()
    assert [i["unit_name"] for i in district["items"]] == ["甲区第五中学"]
    assert "name" not in district["items"][0] and "phone" not in district["items"][0]


def test_roles_without_the_permission_get_403_and_out_of_scope_404(client: Client, city: City) -> None:
    item = routed(city, unit=city.school_b)
    assert client.get("/api/v1/complaints", **bearer(city, "class_teacher")).status_code == 403
    assert client.get(f"/api/v1/complaints/{item.pk}", **bearer(city, "principal")).status_code == 404


def test_route_reply_accept_through_the_api(client: Client, city: City) -> None:
    item = filed()
    office = bearer(city, "bureau_staff")
    routed_body = post(
        client, f"/api/v1/complaints/{item.pk}/route", {"unit": city.school_a.pk, "version": item.version}, **office
    ).json()
    assert routed_body["status"] == "routed"
    stale = post(
        client, f"/api/v1/complaints/{item.pk}/route", {"unit": city.school_a2.pk, "version": item.version}, **office
    )
    assert stale.status_code == 409
    replied = post(
        client,
        f"/api/v1/complaints/{item.pk}/reply",
        {"text": "已处理", "version": routed_body["version"]},
        **bearer(city, "principal"),
    ).json()
    assert replied["status"] == "replied"
    accepted = post(client, f"/api/v1/complaints/{item.pk}/accept", {"version": replied["version"]}, **office)
    assert accepted.json()["status"] == "answered"
    assert Complaint.objects.get(pk=item.pk).status == Status.ANSWERED


def test_routing_by_another_role_is_403_and_outside_scope_400(client: Client, city: City) -> None:
    from tests.factories import unit

    item = filed()
    url = f"/api/v1/complaints/{item.pk}/route"
    assert post(client, url, {"unit": city.school_b.pk}, **bearer(city, "district_admin")).status_code == 403
    outside = unit(None, "邻市教育局", "bureau")
    response = post(client, url, {"unit": outside.pk}, **bearer(city, "bureau_staff"))
    assert response.status_code == 400 and response.json()["code"] == "unit_outside_scope"
    assert Complaint.objects.get(pk=item.pk).status == Status.RECEIVED


def test_identity_through_the_api(client: Client, city: City) -> None:
    item = routed(city)
    ok = client.get(f"/api/v1/complaints/{item.pk}/identity", **bearer(city, "bureau_staff"))
    assert ok.status_code == 200 and ok.json()["name"] == "王芳"
    denied = client.get(f"/api/v1/complaints/{item.pk}/identity", **bearer(city, "principal"))
    assert denied.status_code == 404
    assert AuditEvent.objects.filter(action="view_identity_denied").count() == 1
