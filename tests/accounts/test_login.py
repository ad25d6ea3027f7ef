from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.test import Client, override_settings
from django.utils import timezone

from dudao.accounts import services
from dudao.accounts.models import ApiToken, LoginAttempt
from dudao.audit.models import AuditEvent
from dudao.core.errors import DomainError
from tests.factories import PASSWORD, City, UserFactory

pytestmark = pytest.mark.django_db


def post_login(client: Client, username: str, password: str, ip: str = "10.0.0.1"):
    return client.post("/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_login_then_home_then_logout(client: Client, city: City) -> None:
    response = post_login(client, "principal", PASSWORD)
    assert response.status_code == 302 and response["Location"] == "/"
    assert "我的待办" in client.get("/").content.decode()
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/").status_code == 302


def test_wrong_password_gets_clear_chinese_message(client: Client, city: City) -> None:
    response = post_login(client, "principal", "wrong")
    body = response.content.decode()
    assert "用户名或密码错误" in body and "再失败 4 次将锁定" in body
    assert AuditEvent.objects.filter(action="login_failed").exists()


def test_lockout_after_five_failures_per_username_and_ip(client: Client, city: City) -> None:
    for _ in range(5):
        post_login(client, "principal", "wrong")
    response = post_login(client, "principal", PASSWORD)
    assert response.status_code == 429
    assert "已临时锁定" in response.content.decode()
    # Another address is not locked out.
    assert post_login(Client(), "principal", PASSWORD, ip="10.0.0.2").status_code == 302


def test_lockout_expires_after_window(client: Client, city: City) -> None:
    for _ in range(5):
        post_login(client, "principal", "wrong")
    LoginAttempt.objects.update(at=timezone.now() - dt.timedelta(minutes=16))
    assert post_login(client, "principal", PASSWORD).status_code == 302


def test_open_redirect_is_ignored(client: Client, city: City) -> None:
    response = client.post(
        "/accounts/login/", {"username": "principal", "password": PASSWORD, "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"


@override_settings(DUDAO_DEMO=False)
def test_demo_accounts_are_refused_outside_demo_mode(client: Client, city: City) -> None:
    UserFactory.create(username="demo.user", is_demo=True)
    response = post_login(client, "demo.user", PASSWORD)
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert client.get("/").status_code == 302


def _session_expiry(client: Client) -> dt.datetime:
    from django.contrib.sessions.models import Session

    return Session.objects.get(session_key=client.session.session_key).expire_date


def test_session_expires_after_eight_idle_hours_and_requests_extend_it(client: Client, city: City) -> None:
    from django.contrib.sessions.models import Session

    assert post_login(client, "principal", PASSWORD).status_code == 302
    eight_hours = dt.timedelta(hours=8)
    assert abs(_session_expiry(client) - (timezone.now() + eight_hours)) < dt.timedelta(minutes=1)
    # A request within five minutes of the last save does not write the session row again.
    Session.objects.filter(session_key=client.session.session_key).update(
        expire_date=timezone.now() + dt.timedelta(hours=1)
    )
    assert client.get("/").status_code == 200
    assert abs(_session_expiry(client) - (timezone.now() + dt.timedelta(hours=1))) < dt.timedelta(minutes=1)
    # Seven idle hours later the session is alive, and the request restarts the eight hours.
    session = client.session
    session["_refreshed"] = int(timezone.now().timestamp()) - 7 * 3600
    session.save()
    Session.objects.filter(session_key=client.session.session_key).update(
        expire_date=timezone.now() + dt.timedelta(hours=1)
    )
    assert client.get("/").status_code == 200
    assert abs(_session_expiry(client) - (timezone.now() + eight_hours)) < dt.timedelta(minutes=1)
    # Past eight idle hours the next request goes to the login page.
    Session.objects.filter(session_key=client.session.session_key).update(
        expire_date=timezone.now() - dt.timedelta(seconds=1)
    )
    response = client.get("/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_passwords_are_hashed_with_argon2(city: City) -> None:
    assert settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    assert city.user("principal").password.startswith("argon2$")


def test_change_password_checks_old_and_strength(city: City) -> None:
    user = city.user("principal")
    with pytest.raises(DomainError, match="原密码不正确") as exc:
        services.change_password(
            actor=user, old_password="x", new_password="Aa-very-long-1", new_password2="Aa-very-long-1"
        )
    assert exc.value.code == "bad_old_password"
    with pytest.raises(DomainError, match="两次输入") as exc:
        services.change_password(actor=user, old_password=PASSWORD, new_password="Aa-very-long-1", new_password2="b")
    assert exc.value.code == "password_mismatch"
    services.change_password(
        actor=user, old_password=PASSWORD, new_password="Aa-very-long-1", new_password2="Aa-very-long-1"
    )
    user.refresh_from_db()
    assert user.check_password("Aa-very-long-1")
    assert AuditEvent.objects.filter(action="change_password", object_id=str(user.pk)).exists()


def test_tokens_are_stored_hashed_listed_and_revocable(login, city: City) -> None:
    client = login(city.user("principal"))
    client.post("/accounts/me/tokens/", {"name": "报送接口"})
    page = client.get("/accounts/me/").content.decode()
    token = ApiToken.objects.get(user=city.user("principal"))
    plain = page.split('data-testid="new-token" class="user-select-all">')[1].split("<")[0]
    assert plain.startswith("ddt_") and token.digest != plain and plain not in token.digest
    assert "报送接口" in page
    # Shown once only.
    assert plain not in client.get("/accounts/me/").content.decode()
    client.post(f"/accounts/me/tokens/{token.pk}/revoke/")
    token.refresh_from_db()
    assert token.revoked_at is not None
    with pytest.raises(DomainError) as exc:
        services.user_for_token(plain)
    assert exc.value.code == "token_revoked"


def test_cannot_revoke_someone_elses_token(login, city: City) -> None:
    token, _ = services.create_token(actor=city.user("doctor"), name="x")
    client = login(city.user("principal"))
    assert client.post(f"/accounts/me/tokens/{token.pk}/revoke/").status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_switching_acting_assignment(login, city: City) -> None:
    from tests.factories import assign

    user = city.user("principal")
    other = assign(user, "class_teacher", city.class_b1)
    client = login(user)
    assert client.post("/accounts/me/acting/", {"assignment": other.pk}).status_code == 302
    page = client.get(f"/orgs/{city.class_b1.pk}/students/")
    assert page.status_code == 200
    assert client.get(f"/orgs/{city.school_a.pk}/students/").status_code == 404
    # Someone else's assignment cannot be chosen.
    foreign = city.user("doctor").assignments.first()
    assert foreign is not None
    client.post("/accounts/me/acting/", {"assignment": foreign.pk})
    assert client.session["dudao_acting_assignment"] == other.pk


def test_idle_session_expires(client: Client, city: City) -> None:
    from django.contrib.sessions.models import Session

    post_login(client, "principal", PASSWORD)
    assert client.get("/").status_code == 200
    Session.objects.update(expire_date=timezone.now() - dt.timedelta(seconds=1))
    assert client.get("/").status_code == 302
