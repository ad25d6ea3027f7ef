"""The org pages' posts: the messages and redirects each answer with."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.messages import get_messages
from django.test import Client

from dudao.accounts.models import User
from dudao.orgs.models import OrgUnit
from tests.factories import City


def _said(response: Any) -> list[str]:
    return [m.message for m in get_messages(response.wsgi_request)]


def test_moving_a_unit_names_its_new_parent(city: City, signed_in: Callable[[User], Client]) -> None:
    client = signed_in(city.user("sysadmin"))
    school = city.school_a2
    response = client.post(f"/orgs/{school.pk}/move/", {"new_parent": city.district_b.pk, "version": school.version})
    assert response.status_code == 302 and response["Location"] == f"/orgs/{school.pk}/"
    assert _said(response) == [f"已移动到“{city.district_b.name}”之下"]
    assert OrgUnit.objects.get(pk=school.pk).path.startswith(city.district_b.path)


def test_moving_under_a_unit_out_of_scope_is_refused_with_a_message(
    city: City, signed_in: Callable[[User], Client]
) -> None:
    client = signed_in(city.user("district_sysadmin"))
    school = city.school_a2
    response = client.post(f"/orgs/{school.pk}/move/", {"new_parent": city.district_b.pk, "version": school.version})
    assert response.status_code == 302 and response["Location"] == f"/orgs/{school.pk}/"
    assert _said(response) == ["找不到所选的上级单位，或它不在您的管理范围内"]
    assert OrgUnit.objects.get(pk=school.pk).path == school.path


def test_move_without_a_parent_asks_for_one(city: City, signed_in: Callable[[User], Client]) -> None:
    client = signed_in(city.user("sysadmin"))
    response = client.post(f"/orgs/{city.school_a2.pk}/move/", {"version": city.school_a2.version})
    assert _said(response) == ["请选择新的上级单位"]


def test_new_staff_with_bad_input_names_each_bad_field(city: City, signed_in: Callable[[User], Client]) -> None:
    client = signed_in(city.user("sysadmin"))
    response = client.post("/staff/create/", {"unit": city.school_a.pk})
    assert response.status_code == 302 and response["Location"] == "/staff/"
    [message] = _said(response)
    assert message.startswith("请检查填写内容：") and "：这个字段是必填项。" in message
