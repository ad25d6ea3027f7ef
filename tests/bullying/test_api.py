"""/api/v1/bullying: reports for the school's handling people, counts only above the school."""

from __future__ import annotations

from typing import Any

import pytest

from dudao.accounts import services as accounts
from dudao.audit.models import AuditEvent
from dudao.bullying.models import Report
from tests.bullying.conftest import today
from tests.factories import City

pytestmark = pytest.mark.django_db


def auth(city: City, key: str) -> dict[str, Any]:
    _, plain = accounts.create_token(actor=city.user(key), name="t")
    return {"HTTP_AUTHORIZATION": f"Bearer {plain}"}


@pytest.mark.parametrize(
    ("role", "listing", "detail", "stats"),
    [
        ("principal", 200, 200, 200),
        ("counsellor", 200, 200, 200),
        ("school_staff", 403, 403, 403),
        ("class_teacher", 403, 403, 403),
        ("district_admin", 403, 403, 200),
        ("bureau_leader", 403, 403, 200),
        ("inspector", 403, 403, 200),
        ("auditor", 403, 403, 403),
    ],
)
def test_access_by_role(client, city, report, designated, role, listing, detail, stats):
    headers = auth(city, role)
    assert client.get("/api/v1/bullying", **headers).status_code == listing
    assert client.get(f"/api/v1/bullying/{report.pk}", **headers).status_code == detail
    assert client.get("/api/v1/bullying/stats", **headers).status_code == stats


def test_district_gets_counts_only(client, city, report, report_b):
    body = client.get("/api/v1/bullying/stats", **auth(city, "district_admin")).json()
    assert body["count"] == 1 and body["items"][0]["school_name"] == "甲区第五中学"
    assert set(body["items"][0]) == {
        "school",
        "school_name",
        "reported",
        "determined",
        "bullying",
        "serious",
        "closed",
        "overdue",
    }
    refused = client.get("/api/v1/bullying", **auth(city, "district_admin"))
    assert "统计" in refused.json()["detail"]
    other = client.get(f"/api/v1/bullying/stats?unit={city.school_b.pk}", **auth(city, "district_admin"))
    assert other.status_code == 404


def test_detail_is_decrypted_and_logged_and_out_of_scope_is_404(client, city, report, report_b):
    headers = auth(city, "principal")
    body = client.get(f"/api/v1/bullying/{report.pk}", **headers).json()
    assert "绰号" in body["description"] and "王女士" in body["reporter"]
    assert AuditEvent.objects.filter(action="bullying_api", object_id=str(report.pk)).count() == 1
    assert client.get(f"/api/v1/bullying/{report_b.pk}", **headers).status_code == 404
    assert AuditEvent.objects.filter(action="bullying_denied", object_id=str(report_b.pk)).exists()


def test_file_handle_and_stale(client, city):
    headers = auth(city, "principal")
    student = city.students["a1"][0]
    payload = {
        "kind": "cyber",
        "occurred_on": today().isoformat(),
        "place": "班级微信群",
        "description": "有同学在群里发布丑化照片并配侮辱性文字。",
        "students": [{"student": student.pk, "role": "victim"}],
    }
    created = client.post(
        "/api/v1/bullying", payload, content_type="application/json", HTTP_IDEMPOTENCY_KEY="api-1", **headers
    )
    assert created.status_code == 201, created.content
    again = client.post(
        "/api/v1/bullying", payload, content_type="application/json", HTTP_IDEMPOTENCY_KEY="api-1", **headers
    )
    assert again.status_code == 200 and again.json()["id"] == created.json()["id"]
    report_id, version = created.json()["id"], created.json()["version"]
    step = {"kind": "accept", "text": "已受理，成立调查组", "version": version}
    accepted = client.post(f"/api/v1/bullying/{report_id}/steps", step, content_type="application/json", **headers)
    assert accepted.status_code == 201 and accepted.json()["status"] == "accepted"
    stale = client.post(
        f"/api/v1/bullying/{report_id}/steps",
        {**step, "kind": "investigate"},
        content_type="application/json",
        **headers,
    )
    assert stale.status_code == 409 and stale.json()["code"] == "stale_version"
    bad = client.post(
        f"/api/v1/bullying/{report_id}/steps",
        {"kind": "close", "text": "结案", "version": accepted.json()["version"]},
        content_type="application/json",
        **headers,
    )
    assert bad.status_code == 409 and bad.json()["code"] == "step_out_of_order"
    assert Report.objects.get(pk=report_id).status == "accepted"


def test_bad_report_answers_400(client, city):
    payload = {"kind": "verbal", "occurred_on": today().isoformat(), "place": "走廊", "description": "短"}
    response = client.post("/api/v1/bullying", payload, content_type="application/json", **auth(city, "class_teacher"))
    assert response.status_code == 400 and response.json()["code"] == "too_short"
