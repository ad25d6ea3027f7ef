"""Numbers as the cockpit shows them: the figure with its unit of measure, and what it was counted from."""

from __future__ import annotations

from django import template

from dudao.core.indicators import Indicator, Value

register = template.Library()


def _number(n: float) -> str:
    return f"{n:,.1f}".rstrip("0").rstrip(".") if n != int(n) else f"{int(n):,}"


@register.simple_tag
def figure(value: Value, indicator: Indicator) -> str:
    """81.0% · 12 项 · — (nothing to measure)."""
    if value.value is None:
        return "—"
    if indicator.measure == "%":
        return f"{value.value:.1f}%"
    return f"{_number(value.value)} {indicator.measure}"


@register.simple_tag
def basis(value: Value, indicator: Indicator) -> str:
    """What a rate or an average was counted from: "已达 120 / 应计 130"; empty for plain counts."""
    if value.denominator is None or value.numerator is None:
        return "暂无可统计对象" if value.value is None else ""
    if indicator.measure == "%" and value.numerator <= value.denominator:
        return f"{_number(value.numerator)} / {_number(value.denominator)}"
    return f"{_number(value.denominator)} 个统计对象的平均"
