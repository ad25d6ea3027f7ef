"""消息中心 pages: the list (unread first), mark read, the bell, and the person's settings (channels per category,
quiet hours, 企业微信/钉钉 account binding). Everything here is the signed-in person's own: another person's message
answers 404."""

from __future__ import annotations

from functools import partial
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from dudao.accounts.requests import AuthedRequest
from dudao.core.pagination import paginate
from dudao.core.web import perform, post_form, require
from dudao.messaging import retries, selectors, services
from dudao.messaging.forms import BindForm, PreferencesForm, UnbindForm, VerifyForm
from dudao.messaging.models import URGENT_CATEGORIES, Category, Channel, ChannelBinding, Delivery
from dudao.orgs.scoping import can

PAGE_SIZE = 20


def _back(request: AuthedRequest) -> HttpResponse:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("messaging:inbox")


@login_required
def inbox(request: AuthedRequest) -> HttpResponse:
    category = request.GET.get("category", "")
    if category not in Category.values:
        category = ""
    unread_only = request.GET.get("unread") == "1"
    page = paginate(
        selectors.inbox(request.user, category=category, unread_only=unread_only),
        page=request.GET.get("page", 1),
        page_size=PAGE_SIZE,
    )
    selectors.attach_deliveries(list(page.items))
    unread = selectors.unread_count(request.user)
    return render(
        request,
        "messaging/inbox.html",
        {
            "page": page,
            "unread": unread,
            "category": category,
            "unread_only": unread_only,
            "categories": Category.choices,
            "filter_query": f"category={category}&unread={'1' if unread_only else ''}",
        },
    )


@login_required
def bell(request: AuthedRequest) -> HttpResponse:
    """The header bell alone, for htmx to refresh every minute."""
    return render(request, "messaging/_bell.html")


@login_required
@require_POST
def read(request: AuthedRequest, pk: int) -> HttpResponse:
    message = get_object_or_404(selectors.messages_for(request.user), pk=pk)
    services.mark_read(actor=request.user, message=message)
    if request.htmx:
        selectors.attach_deliveries([message])
        response = render(request, "messaging/_card.html", {"m": message, "next": request.POST.get("next", "")})
        response["HX-Trigger"] = "messages-changed"
        return response
    return _back(request)


@login_required
def open_message(request: AuthedRequest, pk: int) -> HttpResponse:
    """Following a message's link marks it read, like opening a notification on a phone."""
    message = get_object_or_404(selectors.messages_for(request.user), pk=pk)
    services.mark_read(actor=request.user, message=message)
    if message.url and url_has_allowed_host_and_scheme(message.url, allowed_hosts={request.get_host()}):
        return redirect(message.url)
    return redirect("messaging:inbox")


@login_required
@require_POST
def read_all(request: AuthedRequest) -> HttpResponse:
    category = request.POST.get("category", "")
    count = services.mark_all_read(actor=request.user, category=category if category in Category.values else None)
    messages.success(request, f"已将 {count} 条消息标为已读" if count else "没有未读消息")
    return _back(request)


def _matrix(prefs: services.Preferences, live: list[Channel]) -> list[dict[str, Any]]:
    return [
        {
            "value": c.value,
            "label": c.label,
            "urgent": c in URGENT_CATEGORIES,
            "cells": [{"channel": ch.value, "label": ch.label, "checked": prefs.wants(c.value, ch)} for ch in live],
        }
        for c in Category
    ]


@login_required
def settings_page(request: AuthedRequest) -> HttpResponse:
    back = redirect("messaging:settings")
    if request.method == "POST":
        return post_form(
            request,
            PreferencesForm,
            back,
            lambda data: services.save_preferences(
                actor=request.user,
                channels_by_category={c: list(data.get(f"ch_{c}") or []) for c in Category.values},
                quiet_enabled=data["quiet_enabled"],
                quiet_start=data["quiet_start"],
                quiet_end=data["quiet_end"],
                version=data["version"],
            ),
            "消息设置已保存",
        )
    prefs = services.preferences_of(request.user)
    live = selectors.configured_channels()
    bindings = selectors.bindings_of(request.user)
    accounts = [
        {"channel": ch.value, "label": ch.label, "binding": bindings.get(ch.value)}
        for ch in (Channel.WECOM, Channel.DINGTALK)
        if ch in live
    ]
    return render(
        request,
        "messaging/settings.html",
        {
            "prefs": prefs,
            "rows": _matrix(prefs, live),
            "live": live,
            "live_columns": [
                {
                    "label": ch.label,
                    "reachable": bool(request.user.phone) if ch == Channel.SMS else _verified(bindings.get(ch.value)),
                    "missing": "无手机号" if ch == Channel.SMS else "未绑定",
                }
                for ch in live
            ],
            "accounts": accounts,
            "sms_on": Channel.SMS in live,
            "phone": request.user.phone,
        },
    )


def _verified(binding: ChannelBinding | None) -> bool:
    return binding is not None and binding.is_verified


@login_required
@require_POST
def bind(request: AuthedRequest) -> HttpResponse:
    return post_form(
        request,
        BindForm,
        redirect("messaging:settings"),
        lambda data: services.bind_account(
            actor=request.user, channel=data["channel"], external_id=data["external_id"]
        ),
        lambda b: f"验证码已发送到您的{b.get_channel_display()}，请查收后在下方填写",
    )


@login_required
@require_POST
def verify(request: AuthedRequest) -> HttpResponse:
    return post_form(
        request,
        VerifyForm,
        redirect("messaging:settings"),
        lambda data: services.verify_binding(actor=request.user, channel=data["channel"], code=data["code"]),
        lambda b: f"{b.get_channel_display()}账号绑定成功，消息将推送到该账号",
    )


@login_required
@require_POST
def unbind(request: AuthedRequest) -> HttpResponse:
    form = UnbindForm(request.POST)
    back = redirect("messaging:settings")
    if not form.is_valid():
        messages.error(request, "渠道不正确")
        return back
    channel = form.cleaned_data["channel"]
    return perform(
        request,
        back,
        partial(services.unbind, actor=request.user, channel=channel),
        lambda done: f"已解除{Channel(channel).label}绑定" if done else "该账号未绑定",
    )


# --- failed pushes (administrators) ------------------------------------------------------------------------------


@login_required
def failed(request: AuthedRequest) -> HttpResponse:
    """推送失败: pushes to the people of the viewer's subtree that failed on 企业微信/钉钉/SMS, with retry."""
    require(request, "push.read")
    channel = request.GET.get("channel", "")
    if channel not in Channel.values:
        channel = ""
    page = paginate(
        selectors.failed_pushes(request.user, channel=channel), page=request.GET.get("page", 1), page_size=PAGE_SIZE
    )
    counts = selectors.failed_counts(request.user)
    return render(
        request,
        "messaging/failed.html",
        {
            "page": page,
            "rows": selectors.failed_rows(page.items, titles=selectors.may_read_titles(request.user)),
            "channel": channel,
            "channel_label": Channel(channel).label if channel else "",
            "tabs": [{"value": c.value, "label": c.label, "count": counts.get(c.value, 0)} for c in Channel],
            "total": sum(counts.values()),
            "may_retry": can(request.user, "push.retry"),
            "retry_limit": retries.RETRY_ALL_LIMIT,
        },
    )


def _failed_back(request: AuthedRequest) -> HttpResponse:
    channel = request.POST.get("channel", "")
    url = reverse("messaging:failed")
    return redirect(f"{url}?channel={channel}" if channel in Channel.values and channel else url)


def _retried(row: Delivery) -> str:
    who = row.message.recipient.display_name
    if row.status == "sent":
        return f"发给{who}的{row.get_channel_display()}推送已发送成功"
    return f"已重新推送给{who}（{row.get_channel_display()}），结果稍后在本页和对方的消息中心可见"


@login_required
@require_POST
def retry(request: AuthedRequest, pk: int) -> HttpResponse:
    require(request, "push.retry")
    get_object_or_404(selectors.pushes_for(request.user, "retry"), pk=pk)
    return perform(
        request,
        _failed_back(request),
        partial(retries.retry_delivery, actor=request.user, delivery_id=pk),
        _retried,
    )


def _retried_all(outcome: retries.RetryOutcome) -> str:
    if not outcome.retried and not outcome.skipped:
        return "没有发送失败的推送"
    text = f"已将 {outcome.retried} 条推送重新加入发送队列，发送结果稍后刷新本页查看"
    if outcome.skipped:
        text += f"；{outcome.skipped} 条因对方未绑定账号、无手机号或渠道未配置而无法重试，仍留在列表中"
    return text


@login_required
@require_POST
def retry_all(request: AuthedRequest) -> HttpResponse:
    require(request, "push.retry")
    channel = request.POST.get("channel", "")
    return perform(
        request,
        _failed_back(request),
        partial(retries.retry_failed, actor=request.user, channel=channel if channel in Channel.values else ""),
        _retried_all,
    )
