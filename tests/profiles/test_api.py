"""GET /api/v1/schools/{id}/profile: the same sections as the page, null where the role may not read them."""

from __future__ import annotations

import pytest

from tests.factories import City
from tests.profiles.conftest import Busy

pytestmark = pytest.mark.django_db


def test_the_profile_carries_every_readable_section(city: City, busy: Busy, signed_in) -> None:
    body = signed_in(city.user("district_admin")).get(f"/api/v1/schools/{city.school_a.pk}/profile").json()
    assert (body["id"], body["name"], body["district"]) == (city.school_a.pk, city.school_a.name, city.district_a.pk)
    assert (body["classes"], body["students"]) == (2, 5)
    assert body["ledger"]["open"] == 4 and body["ledger"]["overdue"] == 1
    first = body["ledger"]["items"][0]
    assert first["id"] == busy.overdue_item.pk and first["is_overdue"] is True
    assert first["owner_name"] == city.user("school_staff").display_name
    assert body["directives"]["reports"][0]["directive"] == busy.directive.pk
    assert body["notices"]["recent"][0]["notice"] == busy.notice.pk
    assert body["duty"]["shifts"][0]["id"] == busy.shift.pk and body["duty"]["missed"] == 1
    assert body["cases"]["open"] == 1
    assert body["campaigns"][0]["id"] == busy.campaign.pk
    figure = next(f for f in body["ledger"]["figures"] if f["code"] == "rectification.overdue")
    assert (figure["value"], figure["unit"], figure["basis"]) == (1, "项", "当前")


def test_sections_the_role_may_not_read_are_null(city: City, busy: Busy, signed_in) -> None:
    body = signed_in(city.user("inspector")).get(f"/api/v1/schools/{city.school_a.pk}/profile").json()
    assert body["health"] is None and body["notices"] is None and body["cases"] is None
    assert body["staffing"]["counsellors"] is None
    assert body["ledger"] is not None
    assert "health" not in body["sections"]


def test_case_counts_carry_no_names(city: City, busy: Busy, signed_in) -> None:
    raw = signed_in(city.user("bureau_staff")).get(f"/api/v1/schools/{city.school_a.pk}/profile").content.decode()
    assert busy.case.student.name not in raw
    assert busy.case.student.student_no not in raw


def test_another_districts_school_does_not_leak(city: City, busy: Busy, signed_in) -> None:
    client = signed_in(city.user("district_admin_b"))
    response = client.get(f"/api/v1/schools/{city.school_a.pk}/profile")
    assert response.status_code == 404
    assert city.school_a.name not in response.content.decode()
    listed = client.get("/api/v1/schools").json()
    assert [s["id"] for s in listed["items"]] == [city.school_b.pk]


def test_the_profile_is_described_in_the_openapi_document(city: City, signed_in) -> None:
    schema = signed_in(city.user("bureau_staff")).get("/api/v1/openapi.json").json()
    assert "/api/v1/schools/{school_id}/profile" in schema["paths"]
