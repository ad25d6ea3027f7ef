from __future__ import annotations

import datetime as dt

from django import template
from django.utils import timezone

register = template.Library()


@register.filter
def countdown(deadline: dt.datetime | None) -> str:
    """ "剩余 1 小时 20 分" or "已超时 35 分" (health.js keeps it ticking in the page)."""
    if deadline is None:
        return ""
    seconds = int((deadline - timezone.now()).total_seconds())
    late = seconds < 0
    minutes = abs(seconds) // 60
    hours, minutes = divmod(minutes, 60)
    text = f"{hours} 小时 {minutes} 分" if hours else f"{minutes} 分"
    return f"已超时 {text}" if late else f"剩余 {text}"


@register.filter
def is_past(deadline: dt.datetime | None) -> bool:
    return deadline is not None and deadline < timezone.now()


@register.simple_tag(takes_context=True)
def allowed(context: dict[str, object], permission: str) -> bool:
    from dudao.orgs.scoping import can

    request = context.get("request")
    return bool(request is not None and can(request.user, permission))  # type: ignore[attr-defined]


@register.filter
def symptom_labels(codes: list[str]) -> str:
    from dudao.health.models import Symptom

    labels = dict(Symptom.choices)
    return "、".join(str(labels.get(code, code)) for code in codes)
