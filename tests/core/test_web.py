"""`perform` and `post_form`: the one way a view runs a service for a post."""

from __future__ import annotations

import functools
from typing import Any

import pytest
from django import forms
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.signed_cookies import SessionStore
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory

from dudao.core.errors import DomainError, Forbidden
from dudao.core.web import perform, post_form


class NameForm(forms.Form):
    name = forms.CharField(label="名称", max_length=5)

    def __init__(self, *args: Any, suffix: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.suffix = suffix

    def clean_name(self) -> str:
        return str(self.cleaned_data["name"]) + self.suffix


def _post(data: dict[str, str]) -> HttpRequest:
    request = RequestFactory().post("/", data)
    request.session = SessionStore()
    request._messages = FallbackStorage(request)  # type: ignore[attr-defined]
    return request


def _messages(request: HttpRequest) -> list[tuple[str, str]]:
    return [(m.level_tag, m.message) for m in get_messages(request)]


BACK = HttpResponse("back")


def test_post_form_names_each_bad_field_and_runs_nothing() -> None:
    request = _post({"name": ""})
    ran: list[Any] = []
    response = post_form(request, NameForm, BACK, ran.append, "已保存")
    assert response is BACK
    assert ran == []
    assert _messages(request) == [("error", "请检查填写内容：名称：这个字段是必填项。")]


def test_post_form_uses_the_page_message_for_bad_input_when_given() -> None:
    request = _post({})
    post_form(request, NameForm, BACK, lambda data: None, "已保存", invalid_message="请填写名称")
    assert _messages(request) == [("error", "请填写名称")]


def test_post_form_runs_the_service_on_cleaned_data_and_says_success() -> None:
    request = _post({"name": "五中"})
    seen: list[dict[str, Any]] = []
    form_class = functools.partial(NameForm, suffix="！")

    def run(data: dict[str, Any]) -> int:
        seen.append(data)
        return 3

    response = post_form(request, form_class, BACK, run, lambda n: f"共 {n} 项")
    assert response is BACK
    assert seen == [{"name": "五中！"}]
    assert _messages(request) == [("success", "共 3 项")]


def test_post_form_answers_then_with_the_result_on_success() -> None:
    request = _post({"name": "五中"})
    response = post_form(request, NameForm, BACK, lambda data: data["name"], "已保存", then=HttpResponse)
    assert response.content.decode() == "五中"


def test_refused_input_shows_the_service_message_and_goes_back() -> None:
    request = _post({"name": "五中"})

    def refuse(data: dict[str, Any]) -> None:
        raise DomainError("已被他人修改", code="stale_version", status=409)

    response = post_form(request, NameForm, BACK, refuse, "已保存", then=lambda r: HttpResponse("created"))
    assert response is BACK
    assert _messages(request) == [("error", "已被他人修改")]


def test_refused_role_answers_403() -> None:
    request = _post({})

    def refuse() -> None:
        raise Forbidden("不行")

    with pytest.raises(PermissionDenied):
        perform(request, BACK, refuse, "已保存")
    assert _messages(request) == []
