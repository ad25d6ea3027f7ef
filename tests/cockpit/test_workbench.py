"""The phone 工作台 grid sits on the cockpit too: leaders land there, not on the to-do list."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.factories import City

pytestmark = pytest.mark.django_db


def test_the_cockpit_home_offers_the_phone_workbench(client: Client, city: City) -> None:
    client.force_login(city.user("bureau_leader"))
    html = client.get("/").content.decode()
    assert "领导驾驶舱" in html and 'data-testid="workbench"' in html
    grid = html.split('data-testid="workbench"')[1].split("</nav>")[0]
    assert "/supervision/" in grid or "/campaigns/" in grid
