"""The generated text of a briefing: four customary parts from its frozen figures, ready for the writer to edit.

一、总体情况 (every figure, against the last briefing or the week before), 二、工作进展 (what improved, and the
units that moved most), 三、存在的问题 (who is late, with the heads who answer for them; overdue items; lowest
知晓率; missed sign-ins; undrilled schools; open alerts), 四、下一步工作要求.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from dudao.briefings import figures as f
from dudao.core.officialdoc import join_names

CHINESE = "一二三四五六七八九十"
ALL_NAMED = 20


def _number(value: float | None, measure: str) -> str:
    if value is None:
        return "—"
    if measure in {"%", "天", "分"}:
        text = f"{value:.1f}"
    else:
        text = f"{value:g}" if value != int(value) else str(int(value))
    return f"{text}%" if measure == "%" else f"{text} {measure}"


def _change(indicator: dict[str, Any]) -> str:
    now, before = indicator["total"][0], indicator.get("previous")
    if now is None or before is None:
        return ""
    delta = now - before
    if abs(delta) < 0.05:
        return "，与上期持平"
    points = "个百分点" if indicator["measure"] == "%" else indicator["measure"]
    word = "上升" if delta > 0 else "下降"
    amount = f"{abs(delta):.1f}" if indicator["measure"] in {"%", "天", "分"} else f"{abs(delta):g}"
    return f"，比上期{word} {amount} {points}".replace("  ", " ")


def _who(row: dict[str, Any], figure: str = "") -> str:
    """甲区第五中学（4 项，负责人：李明德）: the unit, its figure and the heads who answer for it; in a campaign
    briefing, the 责任清单's people with their phones (第一责任人：李明德 13800000000，具体联系人：…)."""
    owners = row.get("owners") or []
    who = row.get("responsible") or (f"负责人：{'、'.join(owners)}" if owners else "")
    notes = [n for n in (figure, who) if n]
    return f"{row['name']}（{'，'.join(notes)}）" if notes else row["name"]


def title_for(unit_name: str, campaign: str | None, end: dt.date) -> str:
    subject = f"“{campaign}”专项工作" if campaign else "重点工作"
    return f"关于{end.year}年第{end.isocalendar()[1]}周{subject}推进情况的调度通报"


def sections(figures: dict[str, Any]) -> list[dict[str, str]]:
    return [
        {"heading": "一、总体情况", "text": _overview(figures)},
        {"heading": "二、工作进展", "text": _progress(figures)},
        {"heading": "三、存在的问题", "text": _problems(figures)},
        {"heading": "四、下一步工作要求", "text": _requirements(figures)},
    ]


def _overview(figures: dict[str, Any]) -> str:
    period, scope = figures["period"], figures["scope"]
    start, end = dt.date.fromisoformat(period["start"]), dt.date.fromisoformat(period["end"])
    who = f"“{scope['campaign']}”专项工作涉及的 {scope['units']} 个单位" if scope["campaign"] else scope["unit"]
    compared = f"（与{figures['compared_with']}比较）" if figures.get("compared_with") else ""
    period_text = f"{start:%Y年%-m月%-d日}至{end:%-m月%-d日}"
    lines = [f"{period_text}，{who}（含学校 {scope['schools']} 所）重点工作监测情况如下{compared}："]
    for number, indicator in enumerate(figures["indicators"], start=1):
        value = _number(indicator["total"][0], indicator["measure"])
        note = "（本期无可统计对象）" if indicator["total"][0] is None else _change(indicator)
        lines.append(f"{number}. {indicator['name']}：{value}{note}。")
    return "\n".join(lines)


def _progress(figures: dict[str, Any]) -> str:
    better = f.improved(figures)
    lines = []
    if better:
        parts = [
            f"{i['name']}由{_number(before, i['measure'])}变为{_number(now, i['measure'])}" for i, before, now in better
        ]
        lines.append("与上期相比，" + "；".join(parts) + "。")
    for code, label in ((f.ON_TIME, "按时报送率"), ("rectification.close_rate", "销号率"), (f.AWARENESS, "知晓率")):
        moved = f.units_improved(figures, code)
        if moved:
            names = "、".join(f"{name}（{before:.1f}%→{now:.1f}%）" for name, before, now in moved[:5])
            lines.append(f"{label}提升较快的单位：{names}，予以通报表扬。")
    worse = f.worsened(figures)
    if worse:
        lines.append("与上期相比有所退步的指标：" + "、".join(i["name"] for i, _, _ in worse) + "，须引起重视。")
    return "\n".join(lines) or "与上期相比，各项指标无明显变化。"


def _problems(figures: dict[str, Any]) -> str:
    lists = figures.get("lists", {})
    parts: list[str] = []

    def part(heading: str, text: str) -> None:
        parts.append(f"（{CHINESE[len(parts) // 2]}）{heading}")
        parts.append(text)

    behind = lists.get("behind", [])
    if behind:
        named = []
        for r in behind[:ALL_NAMED]:
            red = f"，明显落后：{'、'.join(r['red'])}" if r.get("red") else ""
            named.append(_who(r, f"落后指数 {r['value']:.0f}{red}"))
        part("部分单位工作明显落后", f"按各项监测指标综合排名，落后的单位依次为：{'、'.join(named)}。")
    late_units, late_schools = lists.get("late_units", []), lists.get("late_schools", [])
    if late_units or late_schools:
        lines = []
        if late_units:
            names = "、".join(_who(r, f"按时报送率 {r['value']:.1f}%") for r in late_units[:ALL_NAMED])
            lines.append(f"未全部按时报送的单位 {len(late_units)} 个：{names}。")
        if late_schools:
            names = "、".join(_who(r, f"{r['value']:.1f}%") for r in late_schools)
            lines.append(f"按时报送率最低的学校：{names}。")
        part("部分单位报送不及时", "\n".join(lines))
    unacknowledged = lists.get("unacknowledged", [])
    if unacknowledged:
        names = "、".join(_who(r, f"{int(r['value'])} 件") for r in unacknowledged[:ALL_NAMED])
        part("通知未及时签收", f"仍有未签收通知的单位：{names}。")
    overdue = lists.get("overdue", [])
    if overdue:
        names = "、".join(_who(r, f"{int(r['value'])} 项") for r in overdue)
        part("整改问题逾期未销号", f"逾期未销号问题较多的学校：{names}。")
    awareness = lists.get("awareness", [])
    if awareness:
        names = "、".join(_who(r, f"{r['value']:.1f}%") for r in awareness)
        part("告知书知晓率偏低", f"家长知晓率最低的学校：{names}。")
    signins = lists.get("signins", [])
    if signins:
        names = "、".join(_who(r, f"{int(r['value'])} 班次") for r in signins)
        part("值班未按时签到", f"值班未签到较多的学校：{names}。")
    undrilled = lists.get("undrilled", [])
    if undrilled:
        names = join_names((_who(r) for r in undrilled), limit=ALL_NAMED)
        part("应急演练未开展", f"本学期尚未组织应急演练的学校 {len(undrilled)} 所：{names}。")
    alerts = lists.get("alerts", [])
    if alerts:
        names = "、".join(_who(r, f"{int(r['value'])} 条") for r in alerts)
        part("疫情预警尚未结案", f"有未结疫情预警的学校：{names}。")
    if not parts:
        return "本期各项重点工作未发现需要通报的问题。"
    return "\n".join(parts)


def _requirements(figures: dict[str, Any]) -> str:
    named = any(figures.get("lists", {}).values())
    lines = [
        "一是压实工作责任。各单位主要负责同志要亲自抓、负总责，对照本通报逐项核查，一把手负总责、分管领导具体抓、"
        "层层压实责任。",
        "二是限时整改到位。被点名的单位要于 3 个工作日内查明原因、落实整改，逾期未销号问题要倒排工期、挂图作战，"
        "做到日结日清。",
        "三是严格值班值守和应急演练。各单位要严格落实带班领导和24小时值班制度，本学期尚未组织演练的学校要抓紧组织。",
    ]
    if named:
        lines.append("下期调度通报将对整改情况进行跟踪通报。")
    return "\n".join(lines)
