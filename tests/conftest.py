from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from dudao.accounts.models import User
from tests.factories import PASSWORD, City, build_city


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
