from __future__ import annotations

import pytest

from tests.factories import City

pytestmark = pytest.mark.django_db


def test_header_shows_the_signed_in_users_identity_not_the_viewed_persons(login, city: City) -> None:
    from tests.factories import assign

    assign(city.user("principal"), "counsellor", city.school_a)
    client = login(city.user("sysadmin"))
    page = client.get(f"/staff/{city.user('principal').pk}/").content.decode()
    header = page.split("</nav>")[0]
    assert "系统管理员" in header and "校长" not in header
