"""A scheme's rules in plain Chinese (shown to the units before the period starts) and its problems (an indicator
that is no longer registered, weights not summing to 100), read from the same fields the scores are computed from.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from dudao.appraisal.models import AppraisalScheme, Comparison, ItemKind, SchemeItem, ScoringRule
from dudao.appraisal.scoring import bands_text, fmt, linear_text
from dudao.core import adjustments
from dudao.core.indicators import Direction, Indicator, get

FULL_MARKS = Decimal("100")


def indicator_of(item: SchemeItem) -> Indicator | None:
    return get(item.indicator_code) if item.indicator_code else None


def item_problem(item: SchemeItem) -> str:
    """What stops the item from being scored, or ''."""
    if item.indicator_code and get(item.indicator_code) is None:
        return f"“{item.name}”引用的监测指标（{item.indicator_code}）已不存在，请修改或删除该项目"
    if item.kind == ItemKind.DEDUCTION and item.source_code and adjustments.get(item.source_code) is None:
        return f"“{item.name}”引用的扣分来源（{item.source_code}）已不存在，请修改或删除该项目"
    return ""


def weight_total(items: Sequence[SchemeItem]) -> Decimal:
    return sum((i.weight for i in items if i.kind != ItemKind.VETO), Decimal("0"))


def scheme_problems(scheme: AppraisalScheme, items: Sequence[SchemeItem] | None = None) -> list[str]:
    """Everything that stops the scheme from being announced or computed, in words a clerk can act on."""
    items = list(scheme.items.all()) if items is None else list(items)
    problems = [p for p in (item_problem(i) for i in items) if p]
    scored = [i for i in items if i.kind != ItemKind.VETO]
    if not scored:
        problems.append("方案还没有计分项目")
    total = weight_total(items)
    if scored and total != FULL_MARKS:
        problems.append(f"各项分值合计为 {fmt(total)} 分，应为 100 分")
    return problems


def comparison_text(comparison: str, threshold: Decimal | float | None, measure: str) -> str:
    return f"{Comparison(comparison).label} {fmt(threshold, measure)}" if comparison else ""


def describe(item: SchemeItem) -> str:
    """The item's rule as the units read it."""
    weight = float(item.weight)
    indicator = indicator_of(item)
    if item_problem(item):
        return item_problem(item)
    if item.kind == ItemKind.LIVE and indicator is not None:
        head = f"{indicator.name}（{indicator.direction.label}，{indicator.basis.label}）："
        if item.rule == ScoringRule.LINEAR:
            body = linear_text(
                float(item.floor or 0), float(item.target or 0), indicator.direction, weight, indicator.measure
            )
        else:
            body = bands_text(item.bands, indicator.direction, weight, indicator.measure)
        return head + body + "；无可统计对象时按满分计。"
    if item.kind == ItemKind.MANUAL:
        who = "、".join(a.display_name for a in item.assessors.all()) or "考评单位指定的评分人"
        criteria = f"评分标准：{item.criteria}" if item.criteria else ""
        return f"由{who}评分并附证据，满分 {fmt(weight)} 分。{criteria}"
    if item.kind == ItemKind.DEDUCTION:
        source = adjustments.get(item.source_code) if item.source_code else None
        what = f"{source.name}（{source.definition or '按记录扣分'}）及" if source else ""
        return f"满分 {fmt(weight)} 分，按{what}考评单位登记的扣分事项（附证据）扣分，扣完为止。"
    if item.kind == ItemKind.TARGETS:
        return (
            f"按本年度目标管理责任书的完成情况计分：已完成目标数 ÷ 目标总数 × {fmt(weight)} 分；"
            "未下达责任书的单位按满分计。"
        )
    if item.kind == ItemKind.VETO:
        cases = f"（{item.criteria}）" if item.criteria else ""
        if indicator is not None:
            condition = f"{indicator.name}{comparison_text(item.comparison, item.threshold, indicator.measure)}"
            return f"一票否决：{condition}，或经评分人认定{cases}并附证据的，总分最高计 {{cap}} 分、评为红牌。"
        return f"一票否决：经评分人认定{cases}并附证据的，总分最高计 {{cap}} 分、评为红牌。"
    return ""


def describe_scheme(scheme: AppraisalScheme, items: Sequence[SchemeItem]) -> list[tuple[SchemeItem, str]]:
    cap = fmt(scheme.veto_cap)
    return [(item, describe(item).replace("{cap}", cap)) for item in items]


def direction_of(item: SchemeItem) -> Direction:
    indicator = indicator_of(item)
    return indicator.direction if indicator is not None else Direction.HIGHER
