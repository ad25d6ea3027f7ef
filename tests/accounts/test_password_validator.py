"""Passwords made only of the product's or the user's own names (plus digits and symbols) are refused."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from dudao.accounts import services
from dudao.accounts.models import User
from dudao.core.errors import DomainError
from dudao.orgs import services as org_services
from tests.factories import PASSWORD, City, UserFactory

pytestmark = pytest.mark.django_db

MESSAGE = "密码不能只由系统名称（督导通、dudao）或用户名、姓名加数字和符号组成"


@pytest.fixture
def zhangsan(city: City) -> User:
    return UserFactory.create(username="zhangsan", full_name="张三", unit=city.school_a)


@pytest.mark.parametrize(
    "password",
    ["dudaodudao", "dudao2026!", "Dudao@2026-08", "督导通督导通", "督导通2026!!", "zhangsan123456", "张三张三2026!!"],
)
def test_change_password_refuses_passwords_built_from_names(zhangsan: User, password: str) -> None:
    with pytest.raises(DomainError, match=MESSAGE) as exc:
        services.change_password(actor=zhangsan, old_password=PASSWORD, new_password=password, new_password2=password)
    assert exc.value.code == "weak_password"
    zhangsan.refresh_from_db()
    assert zhangsan.check_password(PASSWORD)


@pytest.mark.parametrize("password", ["dudao-and-tea-42", "Zhangsan-loves-tea-9"])
def test_names_among_other_words_are_allowed(zhangsan: User, password: str) -> None:
    services.change_password(actor=zhangsan, old_password=PASSWORD, new_password=password, new_password2=password)
    zhangsan.refresh_from_db()
    assert zhangsan.check_password(password)


def test_password_change_page_shows_the_message_and_keeps_the_old_password(
    signed_in: Callable[[User], Client], zhangsan: User
) -> None:
    response = signed_in(zhangsan).post(
        "/accounts/me/password/",
        {"old_password": PASSWORD, "new_password": "zhangsan123456", "new_password2": "zhangsan123456"},
    )
    assert response.status_code == 400 and MESSAGE in response.content.decode()
    zhangsan.refresh_from_db()
    assert zhangsan.check_password(PASSWORD)


def test_admin_reset_refuses_the_users_own_name(
    signed_in: Callable[[User], Client], city: City, zhangsan: User
) -> None:
    with pytest.raises(DomainError, match=MESSAGE) as exc:
        org_services.reset_password(actor=city.user("sysadmin"), user=zhangsan, password="zhangsan123456")
    assert exc.value.code == "weak_password"
    response = signed_in(city.user("sysadmin")).post(
        f"/staff/{zhangsan.pk}/password/", {"password": "dudao2026!"}, follow=True
    )
    assert MESSAGE in response.content.decode()
    zhangsan.refresh_from_db()
    assert zhangsan.check_password(PASSWORD)


def test_new_account_cannot_start_with_its_own_name(city: City) -> None:
    with pytest.raises(DomainError, match=MESSAGE) as exc:
        org_services.create_staff(
            actor=city.user("sysadmin"),
            unit=city.school_a,
            username="li.xiaoming",
            full_name="李小明",
            phone="",
            title="",
            password="xiaoming-2026",
        )
    assert exc.value.code == "weak_password"
    assert not User.objects.filter(username="li.xiaoming").exists()
