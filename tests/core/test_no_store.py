"""Signed-in pages and API answers must not be kept by a browser or proxy; static files stay cacheable."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from dudao.accounts.models import User
from tests.factories import PASSWORD, City

pytestmark = pytest.mark.django_db


def directives(response) -> set[str]:
    return {d.strip() for d in response.get("Cache-Control", "").split(",") if d.strip()}


def test_signed_in_pages_are_no_store(signed_in: Callable[[User], Client], city: City) -> None:
    client = signed_in(city.user("principal"))
    for url in ("/", "/accounts/me/"):
        response = client.get(url)
        assert response.status_code == 200
        assert {"no-store", "private"} <= directives(response), url


def test_api_answers_are_no_store_even_without_login(city: City) -> None:
    anonymous = Client().get("/api/v1/me")
    assert anonymous.status_code == 401 and {"no-store", "private"} <= directives(anonymous)
    token = Client().post(
        "/api/v1/auth/token", {"username": "principal", "password": PASSWORD}, content_type="application/json"
    )
    assert token.status_code == 200 and {"no-store", "private"} <= directives(token)


def test_public_notice_pages_are_not_cached(city: City) -> None:
    response = Client().get("/n/not-a-real-token/")
    assert response.status_code == 404 and {"no-store", "private"} <= directives(response)


def test_static_files_keep_their_own_caching(signed_in: Callable[[User], Client], city: City) -> None:
    response = signed_in(city.user("principal")).get("/static/dudao.css")
    assert response.status_code == 200 and "no-store" not in directives(response)
