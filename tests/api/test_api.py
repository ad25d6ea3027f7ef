from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from dudao.accounts import services
from dudao.accounts.models import ApiToken
from tests.factories import PASSWORD, City

pytestmark = pytest.mark.django_db


def bearer(city: City, key: str) -> dict[str, Any]:
    _, plain = services.create_token(actor=city.user(key), name="t")
    return {"HTTP_AUTHORIZATION": f"Bearer {plain}"}


def test_obtain_token_and_call_me(client: Client, city: City) -> None:
    response = client.post(
        "/api/v1/auth/token", {"username": "principal", "password": PASSWORD}, content_type="application/json"
    )
    assert response.status_code == 200
    token = response.json()["token"]
    me = client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {token}").json()
    assert me["username"] == "principal"
    assert me["acting"]["role"] == "principal" and me["acting"]["unit"] == city.school_a.pk


def test_obtain_token_wrong_password_is_401_in_chinese(client: Client, city: City) -> None:
    response = client.post(
        "/api/v1/auth/token", {"username": "principal", "password": "x"}, content_type="application/json"
    )
    assert response.status_code == 401
    assert response.json()["code"] == "bad_credentials" and "密码错误" in response.json()["detail"]


def test_malformed_json_is_400(client: Client, city: City) -> None:
    response = client.post("/api/v1/auth/token", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {"detail": "请求体不是有效的 JSON", "code": "malformed_json"}


def test_missing_field_is_400_with_detail(client: Client, city: City) -> None:
    response = client.post("/api/v1/auth/token", {"username": "x"}, content_type="application/json")
    assert response.status_code == 400 and response.json()["code"] == "invalid_input"


def test_no_token_is_401(client: Client, city: City) -> None:
    response = client.get("/api/v1/orgs")
    assert response.status_code == 401 and response.json()["code"] == "unauthenticated"


def test_expired_token_is_401(client: Client, city: City) -> None:
    headers = bearer(city, "principal")
    ApiToken.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    response = client.get("/api/v1/me", **headers)
    assert response.status_code == 401 and response.json()["code"] == "token_expired"


def test_garbage_token_is_401(client: Client, city: City) -> None:
    response = client.get("/api/v1/me", HTTP_AUTHORIZATION="Bearer ddt_nope")
    assert response.status_code == 401 and response.json()["code"] == "token_invalid"


def test_orgs_are_scoped_and_searchable_by_pinyin(client: Client, city: City) -> None:
    headers = bearer(city, "district_admin")
    data = client.get("/api/v1/orgs?kind=school", **headers).json()
    assert {o["name"] for o in data["items"]} == {"甲区第五中学", "甲区实验小学"} and data["count"] == 2
    found = client.get("/api/v1/orgs?q=wz", **headers).json()
    assert [o["name"] for o in found["items"]] == ["甲区第五中学"]
    children = client.get(f"/api/v1/orgs?parent={city.district_a.pk}", **headers).json()
    assert {o["parent"] for o in children["items"]} == {city.district_a.pk}


def test_org_detail_counts_and_out_of_scope_404(client: Client, city: City) -> None:
    headers = bearer(city, "district_admin")
    detail = client.get(f"/api/v1/orgs/{city.school_a.pk}", **headers).json()
    assert (detail["classes"], detail["students"]) == (2, 5)
    assert client.get(f"/api/v1/orgs/{city.school_b.pk}", **headers).status_code == 404
    assert client.get("/api/v1/orgs/999999", **headers).status_code == 404


def test_students_paged_masked_and_filtered_by_unit(client: Client, city: City) -> None:
    headers = bearer(city, "principal")
    page = client.get(f"/api/v1/students?unit={city.class_a1.pk}&page_size=2", **headers).json()
    assert page["count"] == 3 and len(page["items"]) == 2
    first = page["items"][0]
    assert "****" in first["guardians"][0]["phone"] and "****" in first["id_card_no"]
    second = client.get(f"/api/v1/students?unit={city.class_a1.pk}&page_size=2&page=2", **headers).json()
    assert len(second["items"]) == 1
    assert client.get(f"/api/v1/students?unit={city.class_b1.pk}", **headers).status_code == 404


def test_page_size_over_500_is_refused(client: Client, city: City) -> None:
    response = client.get("/api/v1/students?page_size=501", **bearer(city, "principal"))
    assert response.status_code == 400 and response.json()["code"] == "invalid_input"


def test_wrong_role_is_403(client: Client, city: City) -> None:
    assert client.get("/api/v1/students", **bearer(city, "auditor")).status_code == 403
    assert client.get("/api/v1/audit/events", **bearer(city, "principal")).status_code == 403


def test_auditor_reads_events(client: Client, city: City) -> None:
    headers = bearer(city, "auditor")
    data = client.get("/api/v1/audit/events?action=create", **headers).json()
    assert data["count"] >= 1 and all(e["action"] == "create" for e in data["items"])


def test_acting_header_selects_assignment(client: Client, city: City) -> None:
    from tests.factories import assign

    other = assign(city.user("principal"), "class_teacher", city.class_b1)
    headers = bearer(city, "principal")
    data = client.get("/api/v1/students", HTTP_X_ACTING_ASSIGNMENT=str(other.pk), **headers).json()
    assert data["count"] == 2
    bad = client.get("/api/v1/students", HTTP_X_ACTING_ASSIGNMENT="abc", **headers)
    assert bad.status_code == 400


def test_session_auth_works_for_browser(login, city: City) -> None:
    client = login(city.user("doctor"))
    assert client.get("/api/v1/me").json()["username"] == "doctor"


def test_openapi_document_is_served(client: Client, db: None) -> None:
    spec = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/students" in spec["paths"] and "/api/v1/auth/token" in spec["paths"]
    assert json.dumps(spec)
