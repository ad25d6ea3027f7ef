"""/api/v1/cockpit: per child unit the lateness figures and the rank; scoped, paged, bad input refused."""

from __future__ import annotations

import pytest
from django.test import Client

from dudao.accounts import services
from dudao.command import summary
from tests.command.test_summary import open_alert
from tests.factories import City

pytestmark = pytest.mark.django_db

A, F, N = 200, 403, 404
MATRIX = [
    ("bureau_leader", "", A),
    ("bureau_leader", "?unit={district_b}", A),
    ("bureau_staff", "?unit={school_a}", A),
    ("inspector", "", A),
    ("district_admin", "", A),
    ("district_admin", "?unit={district_b}", N),
    ("district_admin", "?unit={root}", N),
    ("principal", "", A),
    ("principal", "?unit={school_b}", N),
    ("school_staff", "", A),
    ("class_teacher", "", F),
    ("doctor", "", F),
    ("counsellor", "", F),
    ("sysadmin", "", F),
    ("security_officer", "", F),
    ("auditor", "", F),
    ("nobody", "", F),
]


def token_client(client: Client, city: City, role: str) -> Client:
    _, plain = services.create_token(actor=city.user(role), name="cockpit")
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {plain}"
    return client


def url(city: City, query: str = "") -> str:
    names = ("root", "district_a", "district_b", "school_a", "school_b")
    return "/api/v1/cockpit" + query.format(**{n: getattr(city, n).pk for n in names})


@pytest.mark.parametrize(("role", "query", "expected"), MATRIX, ids=[f"{r}-{q}" for r, q, _ in MATRIX])
def test_each_role_is_allowed_refused_or_told_not_found(client: Client, city: City, role, query, expected) -> None:
    response = token_client(client, city, role).get(url(city, query))
    assert response.status_code == expected, response.content.decode()[:300]
    if expected != A:
        assert set(response.json()) >= {"detail", "code"}
    if expected == N:
        assert response.json()["detail"] == "对象不存在或不在您的管理范围内"


def test_anonymous_gets_401(client: Client, city: City) -> None:
    assert client.get("/api/v1/cockpit").status_code == 401


def test_children_come_ranked_with_their_figures(client: Client, city: City) -> None:
    open_alert(city.school_a)
    summary.refresh()
    body = token_client(client, city, "bureau_leader").get(url(city)).json()
    assert body["count"] == 2 and [i["unit_name"] for i in body["items"]] == ["甲区教育局", "乙区教育局"]
    first = body["items"][0]
    assert first["rank"] == 1 and first["schools"] == 2 and first["unit"] == city.district_a.pk
    alerts = next(f for f in first["figures"] if f["code"] == "health.open_alerts")
    assert alerts == {
        "code": "health.open_alerts",
        "name": "未结的疫情预警",
        "unit": "条",
        "direction": "lower",
        "value": 1,
        "numerator": 1,
        "denominator": None,
        "compared": 0.5,
        "behind": 1.0,
        "level": "red",
    }
    assert first["red"] >= 1 and first["level"] in ("red", "yellow", "green")


def test_the_ranking_is_paged(client: Client, city: City) -> None:
    api = token_client(client, city, "bureau_leader")
    body = api.get(url(city, "?page_size=1&page=2")).json()
    assert body["count"] == 2 and len(body["items"]) == 1
    assert api.get(url(city, "?page_size=501")).status_code == 400


def test_a_district_admin_gets_its_schools_without_asking(client: Client, city: City) -> None:
    body = token_client(client, city, "district_admin").get(url(city)).json()
    assert {i["unit_name"] for i in body["items"]} == {"甲区第五中学", "甲区实验小学"}


def test_inverted_dates_are_refused_with_a_clear_message(client: Client, city: City) -> None:
    response = token_client(client, city, "bureau_leader").get(url(city, "?start=2026-12-07&end=2026-12-01"))
    assert response.status_code == 400
    assert response.json() == {
        "detail": "开始日期（2026-12-07）不能晚于结束日期（2026-12-01）",
        "code": "invalid_period",
    }


def test_a_garbled_date_or_unit_is_refused(client: Client, city: City) -> None:
    api = token_client(client, city, "bureau_leader")
    assert api.get(url(city, "?start=yesterday")).status_code == 400
    assert api.get(url(city, "?unit=abc")).status_code == 400
    assert api.get(url(city, "?unit=99999999")).status_code == 404


def test_the_columns_follow_what_the_role_may_read(client: Client, city: City) -> None:
    body = token_client(client, city, "inspector").get(url(city)).json()
    codes = {f["code"] for f in body["items"][0]["figures"]}
    assert "rectification.overdue" in codes and "health.open_alerts" not in codes
