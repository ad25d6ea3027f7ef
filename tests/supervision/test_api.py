"""督办与问责 API: scoped lists (paged), issue/sign/respond/close, bad input, access events, 403/404."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from dudao.accounts import services as accounts
from dudao.audit.models import AuditEvent
from dudao.supervision.models import SupervisionOrder
from tests.factories import City
from tests.supervision.factories import form, issue, overdue_item, praise, talk, today

pytestmark = pytest.mark.django_db


def bearer(city: City, role: str) -> dict[str, Any]:
    _, plain = accounts.create_token(actor=city.user(role), name="api")
    return {"HTTP_AUTHORIZATION": f"Bearer {plain}"}


def post(client: Client, url: str, auth: dict[str, Any], body: dict[str, Any]) -> Any:
    return client.post(url, body, content_type="application/json", **auth)


def order_body(city: City, **extra: Any) -> dict[str, Any]:
    return {
        "target": city.district_a.pk,
        "subject": "关于督促整改的督办",
        "body": "请限期整改并反馈。",
        "deadline": (today() + dt.timedelta(days=5)).isoformat(),
        **extra,
    }


def test_issue_sign_respond_close_through_the_api(client: Client, city: City) -> None:
    item = overdue_item(city)
    leader, admin = bearer(city, "bureau_leader"), bearer(city, "district_admin")
    created = post(
        client, "/api/v1/supervision-orders", leader, order_body(city, facts=[f"rectification_item:{item.pk}"])
    )
    assert created.status_code == 201, created.content
    order = created.json()
    assert order["number"] == f"督办〔{today().year}〕1号" and order["facts"][0]["object_id"] == item.pk
    url = f"/api/v1/supervision-orders/{order['id']}"
    signed = post(client, f"{url}/sign", admin, {"version": order["version"]}).json()
    assert signed["status"] == "signed"
    answered = post(client, f"{url}/respond", admin, {"text": "已整改到位", "version": signed["version"]}).json()
    assert answered["status"] == "responded" and answered["response"] == "已整改到位"
    closed = post(client, f"{url}/close", leader, {"version": answered["version"]}).json()
    assert closed["status"] == "closed" and [s["kind"] for s in closed["steps"]][-1] == "closed"


def test_list_is_scoped_and_paged(client: Client, city: City) -> None:
    issue(city)
    issue(city, target=city.district_b)
    issue(city, target=city.school_a)
    mine = client.get("/api/v1/supervision-orders?page_size=1", **bearer(city, "district_admin")).json()
    assert mine["count"] == 2 and len(mine["items"]) == 1
    everything = client.get("/api/v1/supervision-orders", **bearer(city, "bureau_leader")).json()
    assert everything["count"] == 3
    school = client.get("/api/v1/supervision-orders", **bearer(city, "principal")).json()
    assert [o["target_name"] for o in school["items"]] == ["甲区第五中学"]


def test_overdue_filter(client: Client, city: City) -> None:
    late = issue(city)
    issue(city, target=city.district_b)
    SupervisionOrder.objects.filter(pk=late.pk).update(deadline=today() - dt.timedelta(days=1))
    found = client.get("/api/v1/supervision-orders?status=overdue", **bearer(city, "bureau_leader")).json()
    assert [o["id"] for o in found["items"]] == [late.pk] and found["items"][0]["status_name"] == "逾期"


def test_order_to_a_unit_outside_scope_is_400_and_nothing_is_saved(client: Client, city: City) -> None:
    response = post(
        client, "/api/v1/supervision-orders", bearer(city, "district_admin"), order_body(city, target=city.school_b.pk)
    )
    assert response.status_code == 400 and "不能向其下达督办单" in response.json()["detail"]
    assert not SupervisionOrder.objects.exists()


def test_past_deadline_and_garbled_fact_are_400(client: Client, city: City) -> None:
    leader = bearer(city, "bureau_leader")
    past = post(client, "/api/v1/supervision-orders", leader, order_body(city, deadline="2001-01-01"))
    assert past.status_code == 400 and past.json()["code"] == "deadline_in_past"
    garbled = post(client, "/api/v1/supervision-orders", leader, order_body(city, facts=["nonsense"]))
    assert garbled.status_code == 400 and garbled.json()["code"] == "fact_invalid"
    assert not SupervisionOrder.objects.exists()


def test_idempotency_key_returns_the_first_order(client: Client, city: City) -> None:
    leader = bearer(city, "bureau_leader")
    first = post(client, "/api/v1/supervision-orders", leader, order_body(city, idempotency_key="x1")).json()
    second = post(client, "/api/v1/supervision-orders", leader, order_body(city, idempotency_key="x1")).json()
    assert first["id"] == second["id"] and SupervisionOrder.objects.count() == 1


def test_stale_version_is_409(client: Client, city: City) -> None:
    order = issue(city)
    admin = bearer(city, "district_admin")
    post(client, f"/api/v1/supervision-orders/{order.pk}/sign", admin, {"version": order.version})
    stale = post(
        client, f"/api/v1/supervision-orders/{order.pk}/respond", admin, {"text": "x", "version": order.version}
    )
    assert stale.status_code == 409 and "已被他人修改" in stale.json()["detail"]


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("bureau_leader", 200),
        ("district_admin", 200),
        ("district_admin_b", 404),
        ("principal", 404),
        ("doctor", 403),
        ("auditor", 403),
    ],
)
def test_order_detail_by_role(client: Client, city: City, role: str, expected: int) -> None:
    order = issue(city)
    assert client.get(f"/api/v1/supervision-orders/{order.pk}", **bearer(city, role)).status_code == expected


@pytest.mark.parametrize(
    ("role", "expected"), [("bureau_leader", 403), ("doctor", 403), ("principal", 404), ("district_admin_b", 404)]
)
def test_respond_by_anyone_but_the_receiving_unit_is_refused(
    client: Client, city: City, role: str, expected: int
) -> None:
    """The leader lacks the permission to answer (403); a school or a sibling district does not see the order (404)."""
    order = issue(city)
    response = post(client, f"/api/v1/supervision-orders/{order.pk}/respond", bearer(city, role), {"text": "x"})
    assert response.status_code == expected
    order.refresh_from_db()
    assert order.status == "issued"


def test_district_cannot_answer_for_its_school(client: Client, city: City) -> None:
    """The district sees its school's order but may not answer for the school."""
    order = issue(city, target=city.school_a)
    response = post(
        client, f"/api/v1/supervision-orders/{order.pk}/respond", bearer(city, "district_admin"), {"text": "x"}
    )
    assert response.status_code == 403 and "承办单位" in response.json()["detail"]


def test_accountability_list_hides_siblings_and_logs_peoples_records(client: Client, city: City) -> None:
    talk(city)  # 五中 principal, a person
    talk(city, person_key=None, unit=city.school_b)
    mine = client.get("/api/v1/accountability", **bearer(city, "district_admin")).json()
    assert mine["count"] == 1 and mine["items"][0]["subject_person_name"]
    assert AuditEvent.objects.filter(kind="access", action="accountability_api_list").count() == 1
    other = client.get("/api/v1/accountability", **bearer(city, "district_admin_b")).json()
    assert other["count"] == 1 and other["items"][0]["subject_person"] is None


def test_accountability_detail_is_access_logged_and_404_sideways(client: Client, city: City) -> None:
    record = talk(city)
    ok = client.get(f"/api/v1/accountability/{record.pk}", **bearer(city, "bureau_leader"))
    assert ok.status_code == 200 and ok.json()["deduction"] == "1.50"
    assert AuditEvent.objects.filter(kind="access", action="accountability_api_read").count() == 1
    assert client.get(f"/api/v1/accountability/{record.pk}", **bearer(city, "district_admin_b")).status_code == 404
    assert client.get(f"/api/v1/accountability/{record.pk}", **bearer(city, "school_staff")).status_code == 404


def test_create_accountability_and_commendation(client: Client, city: City) -> None:
    order = issue(city)
    leader = bearer(city, "bureau_leader")
    record = post(
        client,
        "/api/v1/accountability",
        leader,
        {
            "form": form("通报批评").pk,
            "subject_unit": city.district_a.pk,
            "reason": "督办逾期",
            "decided_on": today().isoformat(),
            "deduction": "2",
            "evidence": [f"supervision_order:{order.pk}"],
        },
    )
    assert record.status_code == 201, record.content
    assert record.json()["form_name"] == "通报批评" and record.json()["evidence"][0]["kind"] == "supervision_order"
    praised = post(
        client,
        "/api/v1/commendations",
        leader,
        {
            "title": "整改迅速",
            "subject_unit": city.school_a2.pk,
            "reason": "全部销号",
            "decided_on": today().isoformat(),
            "bonus": "1",
        },
    )
    assert praised.status_code == 201 and praised.json()["bonus"] == "1.00"


def test_district_records_about_a_sibling_district_are_refused(client: Client, city: City) -> None:
    response = post(
        client,
        "/api/v1/accountability",
        bearer(city, "district_admin"),
        {"form": form().pk, "subject_unit": city.school_b.pk, "reason": "x", "decided_on": today().isoformat()},
    )
    assert response.status_code == 400 and "不在您的管理范围内" in response.json()["detail"]


def test_school_cannot_record_through_the_api(client: Client, city: City) -> None:
    response = post(
        client,
        "/api/v1/commendations",
        bearer(city, "principal"),
        {"title": "x", "subject_unit": city.school_a.pk, "reason": "x", "decided_on": today().isoformat()},
    )
    assert response.status_code == 403


def test_commendations_list_and_revoke(client: Client, city: City) -> None:
    record = praise(city)
    leader = bearer(city, "bureau_leader")
    listed = client.get("/api/v1/commendations", **bearer(city, "principal")).json()
    assert listed["count"] == 1
    revoked = post(
        client, f"/api/v1/commendations/{record.pk}/revoke", leader, {"reason": "重复录入", "version": record.version}
    )
    assert revoked.status_code == 200 and revoked.json()["is_revoked"]


def test_forms_list(client: Client, city: City) -> None:
    names = [f["name"] for f in client.get("/api/v1/accountability-forms", **bearer(city, "district_admin")).json()]
    assert names[:5] == ["约谈", "通报批评", "责令整改", "诫勉谈话", "组织处理"]


def test_two_people_may_use_the_same_idempotency_key(client: Client, city: City) -> None:
    first = post(
        client, "/api/v1/supervision-orders", bearer(city, "bureau_leader"), order_body(city, idempotency_key="1")
    )
    other = post(
        client,
        "/api/v1/supervision-orders",
        bearer(city, "district_admin"),
        order_body(city, target=city.school_a.pk, idempotency_key="1"),
    )
    assert first.status_code == other.status_code == 201 and first.json()["id"] != other.json()["id"]
