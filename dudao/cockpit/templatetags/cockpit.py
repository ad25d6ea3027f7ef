"""Numbers as the cockpit shows them: the figure with its unit of measure, and what it was counted from."""

from __future__ import annotations

from html import escape
from typing import Any

from django import template
from django.utils.safestring import SafeString, mark_safe

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


# The ranking board has ~600 cells at city scale (37 units × 16 indicators), each a link with a level, a title
# and a figure. As template nodes they took ~60 % of the cockpit page's time (the page is every leader's home);
# written here as plain strings (values escaped) they cost a small fraction of that. The markup is the one
# the board's tests and scripts read.
_LINK_CLASS = {"red": "text-danger fw-bold", "yellow": "text-warning-emphasis"}
_TITLE_NOTE = {"red": "：明显落后", "yellow": "：偏后"}
_HIDDEN_NOTE = {"red": "（明显落后）", "yellow": "（偏后）"}
_BADGE_CLASS = {"red": "text-bg-danger", "yellow": "text-bg-warning"}


@register.simple_tag
def board_cells(row: Any, drill_base: str) -> SafeString:
    """The table cells of one ranking row: each figure linking to its drill-down for the row's unit."""
    unit_name = escape(row.unit.name)
    query = f"/?unit={row.unit.pk}"
    base = escape(drill_base)
    parts = []
    for cell in row.cells:
        level = cell.level
        key = level or ""
        code = escape(cell.indicator.code)
        hidden = _HIDDEN_NOTE.get(key)
        parts.append(
            f'<td class="text-end text-nowrap cell-{escape(level or "none")}"><a class="text-decoration-none '
            f'{_LINK_CLASS.get(key, "text-body")}" data-level="{escape(str(level))}" data-code="{code}" '
            f'href="{base}{code}{query}" title="{unit_name} · {escape(cell.indicator.name)}{_TITLE_NOTE.get(key, "")}">'
            f"{escape(figure(cell.value, cell.indicator))}</a>"
            + (f'<span class="visually-hidden">{hidden}</span>' if hidden else "")
            + "</td>"
        )
    return mark_safe("".join(parts))  # noqa: S308 (every value is escaped above; the rest are constants)


@register.simple_tag
def board_badges(row: Any, drill_base: str) -> SafeString:
    """The phone card's badges of one ranking row: only the figures that are behind."""
    base = escape(drill_base)
    parts = [
        f'<a class="badge rounded-pill text-decoration-none {_BADGE_CLASS[cell.level]}" '
        f'href="{base}{escape(cell.indicator.code)}/?unit={row.unit.pk}">{escape(cell.indicator.name)} '
        f"{escape(figure(cell.value, cell.indicator))}</a>"
        for cell in row.cells
        if cell.level in _BADGE_CLASS
    ]
    return mark_safe("".join(parts))  # noqa: S308 (every value is escaped above; the rest are constants)
