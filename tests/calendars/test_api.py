"""GET /api/v1/calendar: days with their kind, scoped, bad ranges refused."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_days_with_kinds(city, year, signed_in):
    client = signed_in(city.user("class_teacher"))
    body = client.get(f"/api/v1/calendar?unit={city.class_a1.pk}&start=2026-09-30&end=2026-10-10").json()
    kinds = {d["date"]: d["kind"] for d in body["items"]}
    assert kinds["2026-09-30"] == "school"
    assert kinds["2026-10-05"] == "holiday"
    assert kinds["2026-10-10"] == "makeup"
    assert body["count"] == 11 and body["school_days"] == 4 and body["fallback"] is False
    assert body["items"][0]["term"] == "第一学期" and body["items"][0]["week"] == 5


def test_default_unit_and_fallback_without_a_year(city, signed_in):
    body = signed_in(city.user("principal")).get("/api/v1/calendar?start=2026-10-01&end=2026-10-07").json()
    assert body["unit"] == city.school_a.pk and body["fallback"] is True and body["school_days"] == 5


def test_out_of_scope_unit_is_404(city, year, signed_in):
    response = signed_in(city.user("principal")).get(f"/api/v1/calendar?unit={city.school_b.pk}")
    assert response.status_code == 404


def test_inverted_and_too_long_ranges_are_400(city, year, signed_in):
    client = signed_in(city.user("principal"))
    response = client.get("/api/v1/calendar?start=2026-10-10&end=2026-10-01")
    assert response.status_code == 400 and "结束日期不能早于开始日期" in response.json()["detail"]
    response = client.get("/api/v1/calendar?start=2026-01-01&end=2027-03-01")
    assert response.status_code == 400 and response.json()["code"] == "range_too_long"
    assert client.get("/api/v1/calendar?start=2026-13-01").status_code == 400


@pytest.mark.parametrize("role", ["sysadmin", "auditor"])
def test_admin_triad_gets_403(city, year, signed_in, role):
    assert signed_in(city.user(role)).get("/api/v1/calendar").status_code == 403
