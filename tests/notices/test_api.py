"""/api/v1/notices: list, create and send, receipts, phone confirmation, rates; scope and bad input."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from dudao.accounts import services as accounts
from dudao.notices import services
from dudao.notices.models import Notice, Receipt
from tests.factories import City
from tests.notices.conftest import first_link, first_receipt

pytestmark = pytest.mark.django_db


def auth(city: City, key: str) -> dict[str, Any]:
    _, plain = accounts.create_token(actor=city.user(key), name="t")
    return {"HTTP_AUTHORIZATION": f"Bearer {plain}"}


def post_json(client: Client, url: str, data: Any, headers: dict[str, Any]) -> Any:
    return client.post(url, data, content_type="application/json", **headers)


@pytest.mark.parametrize(
    ("key", "status"),
    [
        ("bureau_staff", 200),
        ("district_admin", 200),
        ("principal", 200),
        ("class_teacher", 200),
        ("doctor", 403),
        ("auditor", 403),
        ("sysadmin", 403),
    ],
)
def test_list_by_role(city, client, make_notice, key, status):
    make_notice()
    response = client.get("/api/v1/notices", **auth(city, key))
    assert response.status_code == status
    if status == 200:
        assert response.json()["count"] == 1


def test_list_requires_authentication(client):
    assert client.get("/api/v1/notices").status_code == 401


def test_out_of_scope_notice_is_404(city, client, make_notice):
    notice = make_notice()
    headers = auth(city, "district_admin_b")
    assert client.get(f"/api/v1/notices/{notice.pk}", **headers).status_code == 404
    assert client.get(f"/api/v1/notices/{notice.pk}/rates", **headers).status_code == 404
    assert client.get(f"/api/v1/notices/{notice.pk}/receipts", **headers).status_code == 404


def test_create_and_send_through_the_api(city, client):
    headers = auth(city, "principal")
    response = post_json(
        client,
        "/api/v1/notices",
        {
            "title": "开学告知书",
            "body": "请按时返校。",
            "questions": [{"kind": "choice", "label": "是否返校", "options": ["是", "否"]}],
            "audience_units": [city.class_a2.pk],
            "send": True,
        },
        headers,
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "sent"
    assert body["questions"][0]["key"] == "q1"
    assert Receipt.objects.filter(notice_id=body["id"]).count() == 2


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        ({"title": "", "body": "x"}, "title_required"),
        ({"title": "t", "body": ""}, "body_required"),
        ({"title": "t", "body": "x", "audience_flags": ["is_rich"]}, "invalid_input"),
        ({"title": "t", "body": "x", "audience_units": [10**12]}, "audience_outside"),
        (
            {"title": "t", "body": "x", "questions": [{"kind": "choice", "label": "x", "options": []}]},
            "question_invalid",
        ),
        ({"title": "t", "body": "x", "links_expire_on": "2000-01-01"}, "expiry_in_past"),
    ],
)
def test_bad_input_is_refused(city, client, payload, code):
    response = post_json(client, "/api/v1/notices", payload, auth(city, "principal"))
    assert response.status_code == 400
    assert response.json()["code"] == code
    assert not Notice.objects.exists()


def test_audience_unit_of_another_district_is_refused(city, client):
    response = post_json(
        client,
        "/api/v1/notices",
        {"title": "t", "body": "x", "audience_units": [city.class_b1.pk]},
        auth(city, "principal"),
    )
    assert response.status_code == 400
    assert response.json()["code"] == "audience_outside"


def test_class_teacher_cannot_create(city, client):
    response = post_json(client, "/api/v1/notices", {"title": "t", "body": "x"}, auth(city, "class_teacher"))
    assert response.status_code == 403


def test_send_twice_is_409(city, client, make_notice):
    notice = make_notice()
    response = post_json(
        client, f"/api/v1/notices/{notice.pk}/send", {"version": notice.version}, auth(city, "principal")
    )
    assert response.status_code == 409
    assert response.json()["code"] == "already_sent"


def test_stale_withdraw_is_409(city, client, make_notice):
    notice = make_notice()
    response = post_json(
        client, f"/api/v1/notices/{notice.pk}/withdraw", {"version": notice.version - 1}, auth(city, "principal")
    )
    assert response.status_code == 409


def test_receipts_are_scoped_and_filterable(city, client, make_notice):
    notice = make_notice()
    services.confirm(link=first_link(notice, city.class_a1), posted={})
    teacher = client.get(f"/api/v1/notices/{notice.pk}/receipts", **auth(city, "class_teacher")).json()
    assert teacher["count"] == 3
    assert all(r["klass"] == city.class_a1.pk for r in teacher["items"])
    assert all("****" in p for r in teacher["items"] for p in r["guardian_phones"])
    pending = client.get(f"/api/v1/notices/{notice.pk}/receipts?confirmed=false", **auth(city, "principal")).json()
    assert pending["count"] == 4


def test_phone_confirm_through_the_api(city, client, make_notice):
    notice = make_notice()
    receipt = first_receipt(notice, city.class_a1)
    url = f"/api/v1/notices/{notice.pk}/receipts/{receipt.pk}/phone-confirm"
    response = post_json(client, url, {"note": "电话"}, auth(city, "class_teacher"))
    assert response.status_code == 200
    assert response.json()["channel"] == "phone"
    again = post_json(client, url, {}, auth(city, "class_teacher"))
    assert again.status_code == 409
    other = first_receipt(notice, city.class_a2)
    url = f"/api/v1/notices/{notice.pk}/receipts/{other.pk}/phone-confirm"
    assert post_json(client, url, {}, auth(city, "class_teacher")).status_code == 404


def test_rates_at_each_level(city, client, make_notice):
    notice = make_notice(issuer=city.root, actor=city.user("bureau_staff"))
    services.confirm(link=first_link(notice, city.class_a1), posted={})
    whole = client.get(f"/api/v1/notices/{notice.pk}/rates", **auth(city, "bureau_staff")).json()
    assert (whole["total"], whole["confirmed"]) == (8, 1)
    assert {r["unit"] for r in whole["rows"]} == {city.district_a.pk, city.district_b.pk}
    school = client.get(
        f"/api/v1/notices/{notice.pk}/rates?unit={city.school_a.pk}", **auth(city, "district_admin")
    ).json()
    assert school["rows"][0]["children"][0] == {
        "unit": city.class_a1.pk,
        "name": "七年级（1）班",
        "kind": "class",
        "total": 3,
        "confirmed": 1,
        "rate": 33.3,
        "children": [],
    }
    outside = client.get(f"/api/v1/notices/{notice.pk}/rates?unit={city.school_b.pk}", **auth(city, "district_admin"))
    assert outside.status_code == 404


def test_a_failed_send_leaves_no_draft_behind(city, client):
    body = {"title": "t", "body": "x", "audience_grade_names": ["不存在的年级"], "send": True}
    response = post_json(client, "/api/v1/notices", body, auth(city, "principal"))
    assert response.status_code == 400
    assert not Notice.objects.exists()
