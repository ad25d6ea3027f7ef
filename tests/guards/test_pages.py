"""Pages and API: role × page, scope, the district's list, masked IDs, the reveal."""

from __future__ import annotations

from typing import Any

import pytest

from dudao.accounts import services as accounts
from dudao.guards.models import Guard
from tests.factories import City
from tests.guards.conftest import add_guard

pytestmark = pytest.mark.django_db


def auth(city: City, key: str) -> dict[str, Any]:
    _, plain = accounts.create_token(actor=city.user(key), name="t")
    return {"HTTP_AUTHORIZATION": f"Bearer {plain}"}


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("bureau_leader", 200),
        ("bureau_staff", 200),
        ("inspector", 200),
        ("district_admin", 200),
        ("principal", 302),
        ("school_staff", 302),
        ("doctor", 403),
        ("class_teacher", 403),
        ("sysadmin", 403),
        ("auditor", 403),
    ],
)
def test_index_by_role(city, signed_in, role, status):
    response = signed_in(city.user(role)).get("/guards/")
    assert response.status_code == status
    if status == 302:
        assert response["Location"] == f"/guards/schools/{city.school_a.pk}/"


def test_school_page_outside_scope_is_404(city, signed_in):
    client = signed_in(city.user("district_admin"))
    assert client.get(f"/guards/schools/{city.school_a.pk}/").status_code == 200
    assert client.get(f"/guards/schools/{city.school_b.pk}/").status_code == 404
    assert signed_in(city.user("principal")).get(f"/guards/schools/{city.school_a2.pk}/").status_code == 404


def test_district_list_names_red_schools_and_reasons(city, signed_in):
    add_guard(city, days=10)
    page = signed_in(city.user("district_admin")).get("/guards/").content.decode()
    assert "甲区第五中学" in page and "甲区实验小学" in page and "乙区第一小学" not in page
    assert "未配备一键报警装置" in page and "王建国" in page


def test_school_page_shows_the_id_masked_and_reveals_it_with_an_event(city, signed_in):
    guard = add_guard(city)
    client = signed_in(city.user("principal"))
    page = client.get(f"/guards/schools/{city.school_a.pk}/").content.decode()
    assert guard.id_card_no not in page and guard.id_card_no[:6] + "********" in page
    revealed = client.post(f"/guards/guard/{guard.pk}/reveal/")
    assert guard.id_card_no in revealed.content.decode()
    district = signed_in(city.user("district_admin"))
    assert guard.id_card_no not in district.get(f"/guards/schools/{city.school_a.pk}/").content.decode()
    assert district.post(f"/guards/guard/{guard.pk}/reveal/").status_code == 403


def test_add_guard_form_refuses_bad_input_with_a_message(city, signed_in):
    client = signed_in(city.user("principal"))
    response = client.post(
        f"/guards/schools/{city.school_a.pk}/guards/",
        {"name": "王建国", "id_card_no": "123", "employer": "school"},
        follow=True,
    )
    assert "身份证号格式或校验位不对" in response.content.decode()
    assert not Guard.objects.exists()


def test_stale_guard_edit_answers_a_message_and_changes_nothing(city, signed_in):
    guard = add_guard(city)
    client = signed_in(city.user("principal"))
    form = {"name": "王建军", "employer": "school", "is_active": "on", "version": guard.version + 5}
    page = client.post(f"/guards/guard/{guard.pk}/", form, follow=True).content.decode()
    assert "已被他人修改" in page
    assert Guard.objects.get(pk=guard.pk).name == "王建国"


def test_api_cards_and_masked_guards(client, city):
    guard = add_guard(city)
    headers = auth(city, "district_admin")
    body = client.get("/api/v1/safety/guards", **headers).json()
    by_school = {c["school"]: c for c in body["items"]}
    assert set(by_school) == {city.school_a.pk, city.school_a2.pk}
    assert by_school[city.school_a.pk]["level"] == "red" and by_school[city.school_a.pk]["guards"] == 1
    assert client.get("/api/v1/safety/guards?level=green", **headers).json()["count"] == 0
    people = client.get("/api/v1/safety/guards/people", **headers).json()
    assert people["items"][0]["id_card_no"] != guard.id_card_no and "****" in people["items"][0]["id_card_no"]
    assert client.get(f"/api/v1/safety/guards?unit={city.school_b.pk}", **headers).status_code == 404
    assert client.get("/api/v1/safety/guards", **auth(city, "class_teacher")).status_code == 403


def test_api_creates_a_guard_for_the_school_only(client, city):
    payload = {
        "school": city.school_a.pk,
        "name": "李卫东",
        "licence_number": "赣1",
        "licence_expires_on": "2099-01-01",
    }
    response = client.post(
        "/api/v1/safety/guards/people", payload, content_type="application/json", **auth(city, "principal")
    )
    assert response.status_code == 201, response.content
    refused = client.post(
        "/api/v1/safety/guards/people", payload, content_type="application/json", **auth(city, "district_admin")
    )
    assert refused.status_code == 403
    bad = client.post(
        "/api/v1/safety/guards/people",
        {**payload, "licence_expires_on": None},
        content_type="application/json",
        **auth(city, "principal"),
    )
    assert bad.status_code == 400 and "有效期" in bad.json()["detail"]
    assert Guard.objects.count() == 1
