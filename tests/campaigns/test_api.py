"""/api/v1/campaigns: paged and scoped lists, the detail and summary, creating, 责任清单 lines and attachments."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client

from dudao.accounts import services as accounts
from dudao.campaigns.models import Campaign, CampaignItem, CampaignUnit
from tests.campaigns.conftest import make_campaign, sent_notice, today
from tests.factories import City

pytestmark = pytest.mark.django_db


def _auth(city: City, role: str) -> dict[str, Any]:
    _, plain = accounts.create_token(actor=city.user(role), name="campaigns")
    return {"HTTP_AUTHORIZATION": f"Bearer {plain}"}


def _post(client: Client, url: str, body: dict[str, Any], headers: dict[str, Any], method: str = "post") -> Any:
    send = getattr(client, method)
    return send(url, data=json.dumps(body), content_type="application/json", **headers)


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("bureau_leader", 200),
        ("bureau_staff", 200),
        ("inspector", 200),
        ("district_admin", 200),
        ("principal", 200),
        ("class_teacher", 403),
        ("sysadmin", 403),
        ("auditor", 403),
    ],
)
def test_list_by_role(client: Client, city: City, campaign: Campaign, role: str, expected: int) -> None:
    response = client.get("/api/v1/campaigns", **_auth(city, role))
    assert response.status_code == expected
    if expected == 200:
        assert response.json()["count"] == 1
        assert response.json()["items"][0]["countdowns"][0]["days"] == 12
    else:
        assert set(response.json()) >= {"detail", "code"}


def test_list_is_paged_and_filtered(client: Client, city: City) -> None:
    for n in range(3):
        make_campaign(city, name=f"专项{n}")
    make_campaign(city, actor=city.user("district_admin"), units=[city.school_a], name="甲区专项")
    headers = _auth(city, "bureau_staff")
    page = client.get("/api/v1/campaigns?page=2&page_size=2", **headers).json()
    assert page["count"] == 4 and len(page["items"]) == 2
    assert client.get(f"/api/v1/campaigns?unit={city.school_a.pk}", **headers).json()["count"] == 4
    assert client.get(f"/api/v1/campaigns?unit={city.school_b.pk}", **headers).json()["count"] == 3
    assert client.get("/api/v1/campaigns?q=甲区", **headers).json()["count"] == 1
    assert client.get("/api/v1/campaigns?page_size=501", **headers).status_code == 400


def test_detail_and_summary(client: Client, city: City, campaign: Campaign) -> None:
    notice = sent_notice(city)
    CampaignItem.objects.create(
        campaign=campaign, kind="notice", content_type_id=_ct(notice), object_id=notice.pk, title=notice.title
    )
    headers = _auth(city, "bureau_leader")
    detail = client.get(f"/api/v1/campaigns/{campaign.pk}", **headers).json()
    assert detail["unit_name"] == "测试市教育局"
    assert [k["name"] for k in detail["key_dates"]] == ["问题整改全部销号", "考核验收日"]
    assert {u["unit_name"] for u in detail["units"]} == {"甲区教育局", "乙区教育局", "甲区第五中学"}
    assert detail["items"][0]["kind"] == "notice"

    summary = client.get(f"/api/v1/campaigns/{campaign.pk}/summary", **headers).json()
    assert summary["unit_name"] == "测试市教育局"
    [component] = summary["components"]
    assert component["kind"] == "notice" and component["progress"]["total"] == 8
    assert [r["unit_name"] for r in summary["rows"]] == ["甲区教育局", "乙区教育局"]
    assert summary["rows"][0]["cells"]["notice"] == {"done": 0, "total": 6, "percent": 0.0, "light": "red"}
    assert summary["indicators"][0]["code"] == "rectification.close_rate"

    schools = client.get(f"/api/v1/campaigns/{campaign.pk}/summary?unit={city.district_a.pk}", **headers).json()
    assert [r["unit_name"] for r in schools["rows"]] == ["甲区第五中学", "甲区实验小学"]


def _ct(obj: Any) -> int:
    from django.contrib.contenttypes.models import ContentType

    return ContentType.objects.get_for_model(type(obj)).pk


def test_out_of_scope_is_404_and_never_500(client: Client, city: City) -> None:
    campaign = make_campaign(city, actor=city.user("district_admin"), units=[city.school_a])
    headers = _auth(city, "district_admin_b")
    assert client.get(f"/api/v1/campaigns/{campaign.pk}", **headers).status_code == 404
    assert client.get(f"/api/v1/campaigns/{campaign.pk}/summary", **headers).status_code == 404
    own = _auth(city, "district_admin")
    assert client.get(f"/api/v1/campaigns/{campaign.pk}/summary?unit={city.school_b.pk}", **own).status_code == 404
    assert client.get("/api/v1/campaigns/99999999999999999999", **own).status_code == 400


def test_create_with_units_items_and_key_dates(client: Client, city: City) -> None:
    notice = sent_notice(city)
    body = {
        "name": "创城迎检",
        "start": today().isoformat(),
        "end": (today() + dt.timedelta(days=30)).isoformat(),
        "key_dates": [
            {"name": "考核验收日", "date": (today() + dt.timedelta(days=12)).isoformat(), "is_assessment": True}
        ],
        "units": [city.district_a.pk],
        "items": [{"kind": "notice", "object_id": notice.pk}],
        "indicator_codes": ["notices.awareness_rate"],
        "lead": city.user("bureau_leader").pk,
    }
    response = _post(client, "/api/v1/campaigns", body, _auth(city, "bureau_staff"))
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["lead"]["id"] == city.user("bureau_leader").pk
    assert data["countdowns"][0]["days"] == 12 and len(data["items"]) == 1


@pytest.mark.parametrize(
    ("changes", "status", "message"),
    [
        ({"end": (today() - dt.timedelta(days=1)).isoformat()}, 400, "不能早于开始日期"),
        ({"units": [999999]}, 400, "不存在或不在您管理范围内"),
        ({"lead": 999999}, 400, "人员（编号 999999）不存在"),
        ({"items": [{"kind": "notice", "object_id": 999999}]}, 400, "不存在或不在您的管理范围内"),
        ({"green_at": 101}, 400, ""),
    ],
)
def test_create_refuses_bad_input_and_creates_nothing(
    client: Client, city: City, changes: dict[str, Any], status: int, message: str
) -> None:
    body = {"name": "创城迎检", "start": today().isoformat(), "end": (today() + dt.timedelta(days=3)).isoformat()}
    body.update(changes)
    response = _post(client, "/api/v1/campaigns", body, _auth(city, "bureau_staff"))
    assert response.status_code == status
    assert message in response.json()["detail"] if message else True
    assert not Campaign.objects.exists()


def test_create_is_forbidden_to_a_principal(client: Client, city: City) -> None:
    body = {"name": "x", "start": today().isoformat(), "end": today().isoformat()}
    response = _post(client, "/api/v1/campaigns", body, _auth(city, "principal"))
    assert response.status_code == 403


def test_responsibility_line_through_the_api(client: Client, city: City, campaign: Campaign) -> None:
    headers = _auth(city, "bureau_staff")
    url = f"/api/v1/campaigns/{campaign.pk}/units/{city.school_a.pk}"
    ok = _post(client, url, {"first_responsible": city.user("principal").pk, "version": 1}, headers, "put")
    assert ok.status_code == 200 and ok.json()["first_responsible"]["phone"] == city.user("principal").phone
    stale = _post(client, url, {"contact": city.user("school_staff").pk, "version": 1}, headers, "put")
    assert stale.status_code == 409 and stale.json()["code"] == "stale_version"
    outsider = _post(
        client,
        f"/api/v1/campaigns/{campaign.pk}/units/{city.district_b.pk}",
        {"first_responsible": city.user("principal").pk},
        headers,
        "put",
    )
    assert outsider.status_code == 400 and "不是乙区教育局的人员" in outsider.json()["detail"]
    assert CampaignUnit.objects.get(campaign=campaign, unit=city.district_b).first_responsible is None
    forbidden = _post(client, url, {"contact": None}, _auth(city, "district_admin"), "put")
    assert forbidden.status_code == 403


def test_attach_and_detach_through_the_api(client: Client, city: City, campaign: Campaign) -> None:
    notice = sent_notice(city)
    headers = _auth(city, "bureau_staff")
    first = _post(client, f"/api/v1/campaigns/{campaign.pk}/items", {"kind": "notice", "object_id": notice.pk}, headers)
    again = _post(client, f"/api/v1/campaigns/{campaign.pk}/items", {"kind": "notice", "object_id": notice.pk}, headers)
    assert first.status_code == again.status_code == 201 and first.json()["id"] == again.json()["id"]
    bad = _post(client, f"/api/v1/campaigns/{campaign.pk}/items", {"kind": "meeting", "object_id": 1}, headers)
    assert bad.status_code == 400
    item_id = first.json()["id"]
    assert client.delete(f"/api/v1/campaigns/{campaign.pk}/items/{item_id}", **headers).status_code == 204
    assert client.delete(f"/api/v1/campaigns/{campaign.pk}/items/{item_id}", **headers).status_code == 404
    assert not CampaignItem.objects.exists()


def test_update_through_the_api_with_locking(client: Client, city: City, campaign: Campaign) -> None:
    headers = _auth(city, "bureau_staff")
    body = {
        "name": "创城迎检（冲刺）",
        "start": campaign.start.isoformat(),
        "end": campaign.end.isoformat(),
        "status": "active",
        "green_at": 95,
        "yellow_at": 70,
        "version": 1,
    }
    ok = _post(client, f"/api/v1/campaigns/{campaign.pk}", body, headers, "put")
    assert ok.status_code == 200 and ok.json()["version"] == 2 and len(ok.json()["key_dates"]) == 2
    stale = _post(client, f"/api/v1/campaigns/{campaign.pk}", {**body, "name": "再改"}, headers, "put")
    assert stale.status_code == 409
    district = _post(
        client, f"/api/v1/campaigns/{campaign.pk}", {**body, "version": 2}, _auth(city, "district_admin"), "put"
    )
    assert district.status_code == 403
    assert Campaign.objects.get(pk=campaign.pk).name == "创城迎检（冲刺）"


def test_add_units_through_the_api(client: Client, city: City, campaign: Campaign) -> None:
    headers = _auth(city, "bureau_staff")
    url = f"/api/v1/campaigns/{campaign.pk}/units"
    added = _post(client, url, {"units": [city.school_a2.pk, city.school_a.pk]}, headers)
    assert added.status_code == 201 and [line["unit_name"] for line in added.json()] == ["甲区实验小学"]
    assert _post(client, url, {"units": [city.class_a1.pk]}, headers).status_code == 400
    assert campaign.units.count() == 4
