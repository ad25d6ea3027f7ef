"""Per-address login budget: one address guessing across many usernames is slowed, whatever the usernames."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.test import Client, override_settings
from django.utils import timezone

from dudao.accounts.models import LoginAttempt
from dudao.audit.models import AuditEvent, EventKind
from tests.factories import PASSWORD, City

pytestmark = pytest.mark.django_db

ATTACKER = "10.9.9.9"


@pytest.fixture(autouse=True)
def quick_guesses(settings) -> None:
    """Each wrong guess for an unknown username hashes once with the preferred hasher (Argon2, ~0.5 s here);
    these tests make hundreds. Stored Argon2 hashes still verify."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *settings.PASSWORD_HASHERS]


def post_login(username: str, password: str, ip: str = ATTACKER, **extra: Any):
    return Client().post("/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=ip, **extra)


def guess_across_usernames(count: int, ip: str = ATTACKER) -> list[int]:
    """`count` wrong passwords spread over 10 usernames: never more than 3 per username, below the per-user lock."""
    return [post_login(f"user{i % 10}", "wrong-guess", ip=ip).status_code for i in range(count)]


def test_thirty_guesses_across_ten_usernames_are_throttled_after_twenty(city: City) -> None:
    statuses = guess_across_usernames(30)
    assert statuses[:20] == [200] * 20
    assert statuses[20:] == [429] * 10
    response = post_login("user0", "wrong-guess")
    assert response.status_code == 429
    assert "该网络地址登录失败次数过多" in response.content.decode()
    # Refused attempts are not counted: the budget frees up as the old failures age out of the window.
    assert LoginAttempt.objects.filter(ip=ATTACKER, succeeded=False).count() == 20


def test_throttled_address_cannot_log_in_even_with_the_right_password(city: City) -> None:
    guess_across_usernames(20)
    assert post_login("principal", PASSWORD).status_code == 429
    # Another address is not affected.
    assert post_login("principal", PASSWORD, ip="10.0.0.2").status_code == 302


def test_a_successful_login_does_not_reset_the_address_budget(city: City) -> None:
    """An attacker who owns one account cannot log in with it between guesses to keep guessing."""
    guess_across_usernames(19)
    assert post_login("principal", PASSWORD).status_code == 302
    assert post_login("user1", "wrong-guess").status_code == 200  # the 20th failure is still answered
    assert post_login("user2", "wrong-guess").status_code == 429
    assert post_login("principal", PASSWORD).status_code == 429


def test_budget_frees_up_after_the_window(city: City) -> None:
    guess_across_usernames(21)
    LoginAttempt.objects.update(at=timezone.now() - dt.timedelta(minutes=16))
    assert post_login("principal", PASSWORD).status_code == 302


@override_settings(DUDAO_LOGIN_IP_MAX_FAILURES=3)
def test_budget_is_configurable(city: City) -> None:
    assert guess_across_usernames(4) == [200, 200, 200, 429]


@override_settings(DUDAO_TRUSTED_PROXIES=1)
def test_budget_follows_the_trusted_proxy_address(city: City) -> None:
    """Behind one proxy every request comes from the proxy; the budget is the client's, not the proxy's."""
    proxy = "127.0.0.1"
    for i in range(20):
        post_login(f"user{i % 10}", "wrong-guess", ip=proxy, HTTP_X_FORWARDED_FOR=ATTACKER)
    assert post_login("user1", "x", ip=proxy, HTTP_X_FORWARDED_FOR=ATTACKER).status_code == 429
    # A forged left-hand entry does not escape the budget: only the entry our proxy appended is believed.
    assert post_login("user1", "x", ip=proxy, HTTP_X_FORWARDED_FOR=f"1.2.3.4, {ATTACKER}").status_code == 429
    # A colleague behind the same proxy, from another address, logs in.
    assert post_login("principal", PASSWORD, ip=proxy, HTTP_X_FORWARDED_FOR="10.0.0.7").status_code == 302


def test_token_endpoint_shares_the_budget_and_answers_429_in_chinese(city: City) -> None:
    guess_across_usernames(20)
    response = Client().post(
        "/api/v1/auth/token",
        {"username": "principal", "password": PASSWORD},
        content_type="application/json",
        REMOTE_ADDR=ATTACKER,
    )
    assert response.status_code == 429
    body = response.json()
    assert body["code"] == "address_throttled" and "该网络地址登录失败次数过多" in body["detail"]


def test_throttling_is_reported_once_per_window_as_a_security_event(city: City) -> None:
    guess_across_usernames(25)
    events = AuditEvent.objects.filter(kind=EventKind.SECURITY, action="login_throttled")
    assert events.count() == 1
    event = events.get()
    assert event.object_repr == ATTACKER and event.ip == ATTACKER
    assert event.changes["failures"] == 20
    assert event.changes["usernames"] == "、".join(f"user{i}" for i in range(10))


def test_security_officer_sees_the_throttling_on_home_and_audit_page(login, city: City) -> None:
    guess_across_usernames(21)
    client = login(city.user("security_officer"))
    home = client.get("/").content.decode()
    assert re.search(r">1</div>\s*<div[^>]*>24 小时内安全事件", home)
    page = client.get("/audit/?kind=security").content.decode()
    assert "同一地址登录失败过多" in page and ATTACKER in page and "user9" in page
    # Ordinary failed logins stay in the auditor's trail, not the security officer's.
    assert "登录失败</td>" not in page
