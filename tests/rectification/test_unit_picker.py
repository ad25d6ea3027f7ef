"""登记问题's 责任单位 is chosen in the unit tree: the tree offers what the form accepts, a tampered unit is refused in
Chinese and nothing is raised."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from dudao.rectification.models import RectificationItem
from tests.factories import City

pytestmark = pytest.mark.django_db


def form_data(city: City, **changes: Any) -> dict[str, Any]:
    return {
        "unit": city.office.pk,
        "source": "patrol",
        "source_ref": "巡察反馈第 5 条",
        "category": "作风建设",
        "description": "文件办理超时",
        "severity": "general",
        "due_limit": (timezone.localdate() + dt.timedelta(days=20)).isoformat(),
        **changes,
    }


def test_tree_behind_the_form_offers_offices_districts_and_their_schools(client: Client, city: City) -> None:
    client.force_login(city.user("bureau_staff"))
    page = client.get("/ledger/new/").content.decode()
    url = re.search(r'data-url="([^"]+)"', page)
    assert url is not None
    top = client.get(url.group(1).replace("&amp;", "&")).content.decode()
    assert re.findall(r'data-label="([^"]+)"', top) == ["甲区教育局", "乙区教育局", "教育督导室"]
    assert 'type="radio"' in top
    inside = client.get(url.group(1).replace("&amp;", "&") + f"&parent={city.district_a.pk}").content.decode()
    assert re.findall(r'data-label="([^"]+)"', inside) == ["甲区第五中学", "甲区实验小学"]


def test_chosen_office_is_raised_against(client: Client, city: City) -> None:
    client.force_login(city.user("bureau_staff"))
    response = client.post("/ledger/new/", form_data(city))
    assert response.status_code == 302
    assert RectificationItem.objects.get().school == city.office


def test_form_shown_again_keeps_the_chosen_unit_as_a_chip(client: Client, city: City) -> None:
    client.force_login(city.user("bureau_staff"))
    body = client.post("/ledger/new/", form_data(city, description="")).content.decode()
    assert f'<input type="hidden" name="unit" value="{city.office.pk}">' in body and "移除 教育督导室" in body


@pytest.mark.parametrize("unit", ["school_b", "class_a1", "nothing"])
def test_unit_outside_the_choice_is_refused_and_nothing_is_raised(client: Client, city: City, unit: str) -> None:
    client.force_login(city.user("district_admin"))
    value = getattr(city, unit).pk if hasattr(city, unit) else "abc"
    body = client.post("/ledger/new/", form_data(city, unit=value)).content.decode()
    assert "所选单位不在您可以登记问题的范围内，请重新选择" in body
    assert not RectificationItem.objects.exists()


def test_no_unit_chosen_is_named(client: Client, city: City) -> None:
    client.force_login(city.user("bureau_staff"))
    data = form_data(city)
    del data["unit"]
    body = client.post("/ledger/new/", data).content.decode()
    assert "责任单位" in body and "必填" in body
    assert not RectificationItem.objects.exists()
