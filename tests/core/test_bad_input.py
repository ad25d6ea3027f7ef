from __future__ import annotations

import pytest
from django.test import Client

from tests.factories import City

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("url", ["/orgs/search/?q=a%00", "/audit/?actor=%00", "/api/v1/orgs?q=%00"])
def test_nul_in_query_is_400_not_500(login, city: City, url: str) -> None:
    client = login(city.user("bureau_staff"))
    response = client.get(url)
    assert response.status_code == 400
    assert "非法字符" in response.content.decode()


def test_nul_in_json_body_is_400(client: Client, city: City) -> None:
    response = client.post(
        "/api/v1/auth/token", '{"username": "a\\u0000b", "password": "x"}', content_type="application/json"
    )
    assert response.status_code == 400 and response.json()["code"] == "bad_input"


def test_nul_in_form_is_400(client: Client, city: City) -> None:
    response = client.post("/accounts/login/", {"username": "a\x00b", "password": "x"})
    assert response.status_code == 400


def test_picker_refuses_script_in_target(login, city: City) -> None:
    client = login(city.user("sysadmin"))
    response = client.get("/orgs/picker/", {"q": "五中", "target": "x').value=1;alert(1);//"})
    assert response.status_code == 400
    ok = client.get("/orgs/picker/", {"q": "五中", "target": "a-unit"}).content.decode()
    assert 'data-fill-target="a-unit"' in ok and "onclick" not in ok


def test_forwarded_for_is_believed_only_from_trusted_proxies(settings, client: Client, city: City) -> None:
    from dudao.accounts.models import LoginAttempt

    client.post(
        "/accounts/login/", {"username": "x", "password": "y"}, REMOTE_ADDR="10.0.0.9", HTTP_X_FORWARDED_FOR="1.2.3.4"
    )
    assert LoginAttempt.objects.latest("id").ip == "10.0.0.9"
    settings.DUDAO_TRUSTED_PROXIES = 1
    client.post(
        "/accounts/login/",
        {"username": "x", "password": "y"},
        REMOTE_ADDR="10.0.0.9",
        HTTP_X_FORWARDED_FOR="6.6.6.6, 1.2.3.4",
    )
    assert LoginAttempt.objects.latest("id").ip == "1.2.3.4"
