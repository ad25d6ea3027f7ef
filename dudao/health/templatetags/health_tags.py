from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django import template
from django.utils import timezone

if TYPE_CHECKING:
    from dudao.health.models import Alert

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


def _number(value: object) -> float:
    try:
        return float(str(value))
    except ValueError:
        return 0.0


@register.filter
def evidence_text(alert: Alert) -> str:
    """The alert's evidence as a sentence a school doctor reads (the rules store it as parameters)."""
    facts = alert.evidence or {}
    if alert.rule == "class_cluster":
        return f"同类症状当日 {facts.get('day', 0)} 人，3 日内累计 {facts.get('three_days', 0)} 人"
    if alert.rule == "disease_cluster":
        where = "本班" if facts.get("scope") == "class" else "全校"
        return (
            f"{where} {facts.get('window_days', 0)} 日内 {facts.get('cases', 0)} 人"
            f"（预警阈值 {facts.get('threshold', 0)} 人）"
        )
    if alert.rule == "statistical":
        rate, mean, sd = (_number(facts.get(k)) * 100 for k in ("rate", "mean", "sd"))
        return (
            f"当日因病缺勤 {facts.get('ill', 0)} 人，应到 {facts.get('roster', 0)} 人（{rate:.1f}%）；"
            f"近 30 日基线 {mean:.1f}%，波动 {sd:.1f}%；C2 值 {facts.get('c2', 0)}（达到 3 即预警）"
        )
    if alert.rule == "notifiable":
        return "法定传染病（含疑似）病例，须立即报告"
    return ""
