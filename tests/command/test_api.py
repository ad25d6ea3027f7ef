"""/api/v1/indicators: the catalogue and an indicator's values per child unit, scoped and paged like every list."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from dudao.accounts import services
from dudao.rectification.models import RectificationItem
from tests.factories import City, unit
from tests.inspections.factories import ledger_item

pytestmark = pytest.mark.django_db

OVERDUE = "/api/v1/indicators/rectification.overdue/values"
ALERTS = "/api/v1/indicators/health.open_alerts/values"


def token_client(client: Client, city: City, role: str) -> Client:
    _, plain = services.create_token(actor=city.user(role), name="indicators")
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {plain}"
    return client


A, F, N = 200, 403, 404  # allowed, forbidden for the role, unit outside the role's subtree
# (role, url template, expected status); {x} is the pk of City.x.
MATRIX = [
    ("bureau_leader", "/api/v1/indicators", A),
    ("bureau_leader", OVERDUE + "?unit={district_b}", A),
    ("bureau_staff", ALERTS + "?unit={school_b}", A),
    ("inspector", "/api/v1/indicators", A),
    ("inspector", OVERDUE + "?unit={district_b}", A),
    ("inspector", ALERTS, F),
    ("district_admin", OVERDUE, A),
    ("district_admin", OVERDUE + "?unit={school_a}", A),
    ("district_admin", OVERDUE + "?unit={district_b}", N),
    ("district_admin", OVERDUE + "?unit={root}", N),
    ("principal", OVERDUE + "?unit={school_a}", A),
    ("principal", OVERDUE + "?unit={school_b}", N),
    ("principal", OVERDUE + "?unit={district_a}", N),
    ("class_teacher", OVERDUE + "?unit={class_a1}", A),
    ("class_teacher", OVERDUE + "?unit={class_a2}", N),
    ("class_teacher", "/api/v1/indicators/cases.open_dropouts/values", F),
    ("doctor", ALERTS + "?unit={class_a1}", A),
    ("sysadmin", "/api/v1/indicators", F),
    ("sysadmin", OVERDUE + "?unit={district_a}", F),
    ("security_officer", "/api/v1/indicators", F),
    ("security_officer", OVERDUE, F),
    ("auditor", "/api/v1/indicators", F),
    ("auditor", OVERDUE + "?unit={district_a}", F),
    ("nobody", "/api/v1/indicators", F),
    ("nobody", OVERDUE, F),
]


def url_for(city: City, template: str) -> str:
    names = ("root", "district_a", "district_b", "school_a", "school_b", "class_a1", "class_a2")
    return template.format(**{name: getattr(city, name).pk for name in names})


@pytest.mark.parametrize(("role", "template", "expected"), MATRIX, ids=[f"{r}-{t}" for r, t, _ in MATRIX])
def test_roles_out_of_scope_get_404_and_those_reading_no_work_data_403(
    client: Client, city: City, role: str, template: str, expected: int
) -> None:
    response = token_client(client, city, role).get(url_for(city, template))
    assert response.status_code == expected, response.content.decode()[:300]
    if expected != A:
        assert set(response.json()) >= {"detail", "code"}


@pytest.mark.parametrize("url", ["/api/v1/indicators", OVERDUE])
def test_anonymous_gets_401(client: Client, city: City, url: str) -> None:
    assert client.get(url).status_code == 401


def test_catalogue_lists_code_name_definition_unit_direction_and_module(client: Client, city: City) -> None:
    body = token_client(client, city, "bureau_leader").get("/api/v1/indicators").json()
    assert body["count"] >= 16 and len(body["items"]) == body["count"]
    overdue = next(item for item in body["items"] if item["code"] == "rectification.overdue")
    assert overdue == {
        "code": "rectification.overdue",
        "name": "逾期未销号问题",
        "definition": overdue["definition"],
        "unit": "项",
        "direction": "lower",
        "direction_name": "越低越好",
        "module": "rectification",
        "module_name": "整改台账",
        "basis": "now",
        "basis_name": "当前状态",
        "counts_only": False,
    }
    assert "逾期" in overdue["definition"]


def test_catalogue_is_paged(client: Client, city: City) -> None:
    body = token_client(client, city, "bureau_leader").get("/api/v1/indicators?page=2&page_size=5").json()
    assert len(body["items"]) == 5 and body["count"] >= 16


def test_values_give_the_unit_itself_then_each_child(client: Client, city: City) -> None:
    item = ledger_item(city)
    RectificationItem.objects.filter(pk=item.pk).update(due_date="2020-01-01")
    body = token_client(client, city, "bureau_leader").get(OVERDUE + f"?unit={city.root.pk}").json()
    assert body["count"] == 3  # the city, 甲区, 乙区 (the office holds no work)
    rows = {row["unit"]: row for row in body["items"]}
    assert body["items"][0]["unit"] == city.root.pk and body["items"][0]["is_total"] is True
    assert rows[city.district_a.pk] == {
        "unit": city.district_a.pk,
        "unit_name": "甲区教育局",
        "unit_kind": "district",
        "is_total": False,
        "value": 1,
        "numerator": 1,
        "denominator": None,
    }
    assert rows[city.root.pk]["value"] == 1 and rows[city.district_b.pk]["value"] == 0


def test_values_default_to_the_acting_unit_and_are_paged(client: Client, city: City) -> None:
    api = token_client(client, city, "district_admin")
    body = api.get(OVERDUE).json()
    assert [row["unit"] for row in body["items"]] == [city.district_a.pk, city.school_a.pk, city.school_a2.pk]
    second = api.get(OVERDUE + "?page=2&page_size=2").json()
    assert second["count"] == 3 and [row["unit"] for row in second["items"]] == [city.school_a2.pk]


def test_a_rate_without_anything_to_measure_is_null_not_zero(client: Client, city: City) -> None:
    body = token_client(client, city, "bureau_leader").get("/api/v1/indicators/rectification.close_rate/values").json()
    assert body["items"][0]["value"] is None and body["items"][0]["denominator"] == 0


def test_inverted_dates_are_refused_in_chinese(client: Client, city: City) -> None:
    response = token_client(client, city, "bureau_leader").get(OVERDUE + "?start=2026-12-07&end=2026-12-01")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_period" and "不能晚于" in response.json()["detail"]


def test_a_date_that_is_no_date_is_refused(client: Client, city: City) -> None:
    response = token_client(client, city, "bureau_leader").get(OVERDUE + "?start=2026-13-40")
    assert response.status_code == 400 and response.json()["code"] == "invalid_input"


def test_unknown_indicator_is_not_found(client: Client, city: City) -> None:
    response = token_client(client, city, "bureau_leader").get("/api/v1/indicators/no.such/values")
    assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_unknown_unit_is_not_found(client: Client, city: City) -> None:
    response = token_client(client, city, "bureau_leader").get(OVERDUE + "?unit=999999")
    assert response.status_code == 404


def test_values_cost_the_same_queries_for_one_child_or_ten(client: Client, city: City) -> None:
    api = token_client(client, city, "bureau_leader")
    url = f"/api/v1/indicators/notices.awareness_rate/values?unit={city.district_b.pk}"
    api.get(url)  # warm the token's user and the app registry
    with CaptureQueriesContext(connection) as one_child:
        assert api.get(url).status_code == 200
    for n in range(9):
        unit(city.district_b, f"乙区第{n + 2}小学", "school")
    with CaptureQueriesContext(connection) as ten_children:
        body = api.get(url).json()
    assert body["count"] == 11
    assert len(ten_children.captured_queries) == len(one_child.captured_queries)
