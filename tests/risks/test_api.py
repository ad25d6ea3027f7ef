"""/api/v1/safety/risk-points (+ /checks): scoped, paged, refusals as JSON with Chinese messages."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from dudao.accounts import services as accounts
from dudao.rectification.models import RectificationItem
from dudao.risks.models import RiskCheck, RiskPoint
from tests.factories import City

pytestmark = pytest.mark.django_db


def auth(city: City, key: str) -> dict[str, Any]:
    _, plain = accounts.create_token(actor=city.user(key), name="t")
    return {"HTTP_AUTHORIZATION": f"Bearer {plain}"}


def post(client: Client, url: str, data: dict[str, Any], headers: dict[str, Any]) -> Any:
    return client.post(url, data, content_type="application/json", **headers)


@pytest.mark.parametrize(
    ("role", "status", "count"),
    [("district_admin", 200, 1), ("district_admin_b", 200, 0), ("inspector", 200, 1), ("sysadmin", 403, None)],
)
def test_list_is_scoped_and_paged(
    city: City, client: Client, point: RiskPoint, role: str, status: int, count: int | None
) -> None:
    response = client.get("/api/v1/safety/risk-points?page_size=10", **auth(city, role))
    assert response.status_code == status
    if count is not None:
        assert response.json()["count"] == count


def test_point_out_of_scope_is_404(city: City, client: Client, point: RiskPoint) -> None:
    response = client.get(f"/api/v1/safety/risk-points/{point.pk}", **auth(city, "district_admin_b"))
    assert response.status_code == 404


def test_create_and_bad_responsible(city: City, client: Client) -> None:
    body = {
        "unit": city.school_a.pk,
        "category": "lab",
        "place": "化学实验室危化品柜",
        "description": "浓硫酸等危化品存放",
        "grade": "large",
        "measures": "双人双锁，台账登记",
        "responsible": city.user("school_staff").pk,
        "frequency": "weekly",
    }
    response = post(client, "/api/v1/safety/risk-points", body, auth(city, "principal"))
    assert response.status_code == 201, response.content
    assert response.json()["grade_name"] == "较大风险"
    outside = post(
        client,
        "/api/v1/safety/risk-points",
        {**body, "responsible": city.user("district_admin_b").pk},
        auth(city, "principal"),
    )
    assert outside.status_code == 400
    assert "不是甲区第五中学的在岗人员" in outside.json()["detail"]
    unknown = post(client, "/api/v1/safety/risk-points", {**body, "grade": "huge"}, auth(city, "principal"))
    assert unknown.status_code == 400
    assert RiskPoint.objects.count() == 1


def test_stale_put_is_409(city: City, client: Client, point: RiskPoint) -> None:
    body = {
        "category": "water",
        "place": "临河护栏",
        "description": "护栏低矮",
        "grade": "major",
        "measures": "加高",
        "responsible": city.user("class_teacher").pk,
        "frequency": "daily",
        "version": 1,
    }
    headers = auth(city, "principal")
    url = f"/api/v1/safety/risk-points/{point.pk}"
    assert client.put(url, body, content_type="application/json", **headers).status_code == 200
    stale = client.put(url, {**body, "place": "x"}, content_type="application/json", **headers)
    assert stale.status_code == 409


def test_checks_future_refused_double_submit_harmless(city: City, client: Client, point: RiskPoint) -> None:
    headers = auth(city, "class_teacher")
    url = f"/api/v1/safety/risk-points/{point.pk}/checks"
    today = timezone.localdate()
    future = post(client, url, {"checked_on": str(today + dt.timedelta(days=1)), "result": "normal"}, headers)
    assert future.status_code == 400
    assert future.json()["detail"] == "排查日期不能晚于今天"
    body = {"checked_on": str(today), "result": "hazard", "note": "护栏松动", "hazard_level": "serious"}
    first = post(client, url, body, headers)
    second = post(client, url, body, headers)
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] == second.json()["id"]
    assert RiskCheck.objects.count() == RectificationItem.objects.count() == 1
    listed = client.get(url, **headers).json()
    assert listed["count"] == 1 and listed["items"][0]["ledger_item"] == first.json()["ledger_item"]
    assert client.get("/api/v1/safety/risk-checks?result=hazard", **auth(city, "district_admin")).json()["count"] == 1
