from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from dudao.accounts.models import User
from tests.factories import PASSWORD, City, build_city


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    """Each test starts with an empty cache: the database is rolled back between tests, and a table cached by an
    earlier test (enrolment, disease tables) must not outlive it."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def city(db: None) -> City:
    return build_city()


@pytest.fixture
def login(client: Client) -> Callable[[User], Client]:
    """Log a user in through the real login form and return the client."""

    def do_login(user: User) -> Client:
        response = client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
        assert response.status_code == 302, response.content.decode()[:500]
        return client

    return do_login


@pytest.fixture
def signed_in(client: Client) -> Callable[[User], Client]:
    """Sign a user in without the login form (for matrices that test access, not login)."""

    def do_login(user: User) -> Client:
        client.force_login(user)
        return client

    return do_login
