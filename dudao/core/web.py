"""Helpers every app's views share: permission gate, running a service for a (form) post, form error text."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from dudao.core.access import access
from dudao.core.errors import DomainError, Forbidden


def require(request: HttpRequest, permission: str) -> None:
    if not access().can(request.user, permission):
        raise PermissionDenied("您当前的身份无权访问此页面")


def perform(
    request: HttpRequest,
    back: HttpResponse,
    action: Callable[[], Any],
    success: str | Callable[[Any], str],
    *,
    then: Callable[[Any], HttpResponse] | None = None,
) -> HttpResponse:
    """Run one service for a form post: refused role → 403, refused input → message and `back`, else the success
    message and `back` (or `then(result)`, e.g. the page of what was just created)."""
    try:
        result = action()
    except Forbidden as exc:
        raise PermissionDenied(exc.message) from exc
    except DomainError as exc:
        messages.error(request, exc.message)
        return back
    messages.success(request, success(result) if callable(success) else success)
    return then(result) if then is not None else back


def post_form(
    request: HttpRequest,
    form_class: Callable[..., forms.BaseForm],
    back: HttpResponse,
    action: Callable[[dict[str, Any]], Any],
    success: str | Callable[[Any], str],
    *,
    then: Callable[[Any], HttpResponse] | None = None,
    invalid_message: str = "",
) -> HttpResponse:
    """Bind the posted form (data and files); bad input → one message (`invalid_message`, else each bad field named)
    and `back`; else run the service on the cleaned data through `perform`.

    `form_class` is called as `form_class(request.POST, request.FILES)`: a form that needs more takes a
    `functools.partial`."""
    form = form_class(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, invalid_message or form_errors(form))
        return back
    return perform(request, back, lambda: action(form.cleaned_data), success, then=then)


def form_errors(form: forms.BaseForm) -> str:
    """One line naming each bad field, for a message above the form."""
    parts = []
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        parts.append(f"{label}：{'；'.join(str(e) for e in errors)}" if label else "；".join(str(e) for e in errors))
    return "请检查填写内容：" + "；".join(parts)


def posted_version(request: HttpRequest) -> int | None:
    """The `version` a form was rendered with; a garbled one can never match, so the edit is refused as stale."""
    raw = request.POST.get("version")
    if raw is None or raw == "":
        return None
    return int(raw) if raw.isdigit() else -1
