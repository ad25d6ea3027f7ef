"""/api/v1/canteens, /api/v1/canteen-suppliers, /api/v1/canteen-records."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from dudao.accounts import services as accounts
from dudao.canteens import services
from dudao.canteens.models import CompanionMeal, FoodSample
from tests.canteens.conftest import photo, sample, today
from tests.factories import City

pytestmark = pytest.mark.django_db


def auth(city: City, key: str) -> dict[str, Any]:
    _, plain = accounts.create_token(actor=city.user(key), name="t")
    return {"HTTP_AUTHORIZATION": f"Bearer {plain}"}


@pytest.mark.parametrize(
    ("role", "status"),
    [("bureau_staff", 200), ("district_admin", 200), ("health_officer", 200), ("doctor", 200), ("class_teacher", 403)],
)
def test_lists_by_role(client, city, canteen, role, status):
    headers = auth(city, role)
    for url in ("/api/v1/canteens", "/api/v1/canteen-suppliers", "/api/v1/canteen-records"):
        assert client.get(url, **headers).status_code == status, url


def test_records_are_scoped_and_paged(client, city, canteen, canteen_b):
    sample(city, canteen)
    headers = auth(city, "district_admin")
    body = client.get("/api/v1/canteen-records?kind=sample&page_size=1", **headers).json()
    assert body["count"] == 1
    item = body["items"][0]
    assert item["school_name"] == "甲区第五中学" and item["dishes"][0] == {"name": "红烧肉", "grams": 150}
    assert item["discard_after"] and item["photo_url"].endswith("/photo/")
    assert client.get(f"/api/v1/canteen-records?canteen={canteen_b.pk}", **headers).status_code == 404
    canteens = client.get("/api/v1/canteens", **headers).json()
    assert [c["id"] for c in canteens["items"]] == [canteen.pk]


def _form(canteen, **overrides):
    data = {
        "kind": "sample",
        "canteen": canteen.pk,
        "served_on": today().isoformat(),
        "meal": "breakfast",
        "dishes": json.dumps([{"name": "白粥", "grams": 150}]),
        "photo": photo(),
    }
    data.update(overrides)
    return data


def test_create_sample_with_photo_then_double_submit(client, city, canteen):
    headers = auth(city, "doctor")
    first = client.post("/api/v1/canteen-records", _form(canteen), **headers)
    assert first.status_code == 201, first.content
    again = client.post("/api/v1/canteen-records", _form(canteen), **headers)
    assert again.status_code == 200 and again.json()["created"] is False
    assert again.json()["id"] == first.json()["id"]
    assert FoodSample.objects.count() == 1


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"served_on": (today() + dt.timedelta(days=1)).isoformat()}, "date_in_future"),
        ({"dishes": json.dumps([{"name": "白粥", "grams": 100}])}, "sample_too_small"),
        ({"dishes": "白粥 150"}, "sample_dishes_invalid"),
        ({"photo": None}, "sample_photo_missing"),
    ],
)
def test_bad_sample_answers_400_with_a_chinese_message(client, city, canteen, overrides, code):
    data = {k: v for k, v in _form(canteen, **overrides).items() if v is not None}
    response = client.post("/api/v1/canteen-records", data, **auth(city, "principal"))
    assert response.status_code == 400
    assert response.json()["code"] == code
    assert not FoodSample.objects.exists()


def test_create_companion(client, city, canteen):
    data = {
        "kind": "companion",
        "canteen": canteen.pk,
        "served_on": today().isoformat(),
        "meal": "lunch",
        "leader_name": "陈校长",
        "note": "分量充足",
    }
    response = client.post("/api/v1/canteen-records", data, **auth(city, "principal"))
    assert response.status_code == 201
    assert CompanionMeal.objects.get().leader_name == "陈校长"


def test_district_cannot_create_and_outside_canteen_is_404(client, city, canteen, canteen_b):
    assert client.post("/api/v1/canteen-records", _form(canteen), **auth(city, "district_admin")).status_code == 403
    response = client.post("/api/v1/canteen-records", _form(canteen_b), **auth(city, "principal"))
    assert response.status_code == 404


def test_suppliers_show_expiry(client, city, canteen):
    services.add_supplier(
        actor=city.user("principal"),
        canteen=canteen,
        data=services.SupplierIn("绿源蔬菜配送中心", "JY1330", today() + dt.timedelta(days=5), "蔬菜"),
    )
    body = client.get("/api/v1/canteen-suppliers", **auth(city, "health_officer")).json()
    assert body["count"] == 1 and body["items"][0]["is_expired"] is False
