"""Resolving the genre's time expressions against the document's date.

A deadline is (text, start, end, recurrence). "X月X日前" is a deadline with only an end; "8月初" is a range;
"每天" is a recurrence with no dates; "X月X日" with placeholder X keeps the words and no dates.
Term starts and holidays are settings passed in as a `Calendar` (defaults: autumn term 09-01, spring term
02-20, summer holiday 07-10..08-31, winter holiday 01-20..02-19).
"""

from __future__ import annotations

import calendar as _calendar
import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass

from dudao.breakdown.parser.numerals import CN_NUMBER, to_number


@dataclass(frozen=True)
class Calendar:
    autumn_term: tuple[int, int] = (9, 1)
    spring_term: tuple[int, int] = (2, 20)
    summer: tuple[tuple[int, int], tuple[int, int]] = ((7, 10), (8, 31))
    winter: tuple[tuple[int, int], tuple[int, int]] = ((1, 20), (2, 19))


@dataclass(frozen=True)
class Deadline:
    text: str
    start: dt.date | None
    end: dt.date | None
    recurrence: str = ""  # daily / weekly / monthly / term, else ""
    offset: int = 0

    def as_json(self) -> dict[str, str | None]:
        return {
            "text": self.text,
            "start": self.start.isoformat() if self.start else None,
            "end": self.end.isoformat() if self.end else None,
        }


N = rf"(?:\d{{1,4}}|[{CN_NUMBER}]{{1,4}})"
BEFORE = r"(?:之前|以前|前|为止|止)"
WEEKDAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6, "末": 5}

_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    (
        "md_range",
        re.compile(
            rf"(?:(?P<y>\d{{4}})年)?(?P<m1>{N})月(?P<d1>{N})[日号]?\s*(?:—|－|–|-|~|～|至|到)+\s*(?:(?P<m2>{N})月)?(?P<d2>{N})[日号]"
        ),
    ),
    (
        "ymd",
        re.compile(
            rf"(?P<y>\d{{4}}|[〇零一二三四五六七八九]{{4}})年(?P<m>{N})月(?P<d>{N})[日号](?:\d{{1,2}}[:：]\d{{2}})?(?P<b>{BEFORE})?"
        ),
    ),
    ("placeholder", re.compile(rf"(?:[X×xＸ]{{1,2}}|{N})月[X×xＸ]{{1,2}}[日号](?P<b>{BEFORE})?")),
    (
        "md",
        re.compile(
            rf"(?<![\d年])(?P<m>{N})月(?P<d>{N})[日号](?:\d{{1,2}}[:：]\d{{2}}|[上下]午\d{{0,2}}[点时]?)?(?P<b>{BEFORE})?"
        ),
    ),
    (
        "month_part",
        re.compile(rf"(?:(?P<y>\d{{4}})年)?(?P<m>{N})月(?:份)?(?P<p>初|上旬|中旬|下旬|底|末|中)(?P<b>{BEFORE})?"),
    ),
    ("month", re.compile(rf"(?:(?P<y>\d{{4}})年)?(?P<m>{N})月(?:份)?(?P<b>{BEFORE})(?!\d)")),
    ("month_in", re.compile(rf"(?:(?P<y>\d{{4}})年)?(?P<m>{N})月(?:份)?(?:内|期间)")),
    ("year_end", re.compile(rf"(?<![{CN_NUMBER}\d几])(?:今年|本年度?|年)(?:底|末|内)(?P<b>{BEFORE})?")),
    (
        "week",
        re.compile(
            rf"(?P<w>本周|这周|下周|下下周)(?:(?:星期|周|礼拜)?(?P<d>[一二三四五六日天末]))?(?:内)?(?P<b>{BEFORE})?"
        ),
    ),
    (
        "weekday",
        re.compile(rf"(?<![每本下这])(?:星期|周)(?P<d>[一二三四五六日天])(?P<b>{BEFORE})"),
    ),
    ("days_within", re.compile(rf"(?P<n>{N})(?P<k>个工作日|日|天)(?:内|之内)")),
    (
        "term_start",
        re.compile(
            rf"(?:秋季|春季|新学期)?开学(?:前(?P<n>{N})(?:天|日)|(?P<b>{BEFORE})|后(?P<a>{N})?(?:个月|周|天)?(?:内)?|第一周|首周|第一天|当天|初期)"
        ),
    ),
    ("summer", re.compile(r"暑假(?:期间|前|后)?|暑期")),
    ("holiday_before", re.compile(r"放假(?:之)?前")),
    ("winter", re.compile(r"寒假(?:期间|前|后)?")),
    ("today", re.compile(r"(?:即日起|今天|当天|当日|明天|明日)")),
    (
        "recurrence",
        re.compile(
            r"每(?:天|日|周|星期|月|季度|学期|年)|日结日清|日报告|周报告|月报告|常态化|长期坚持|(?<![本这下上])(?:周末|双休日)(?=和|及|、|节假日|期间)"
        ),
    ),
]

_RECURRENCE = {
    "天": "daily",
    "日": "daily",
    "周": "weekly",
    "星": "weekly",
    "月": "monthly",
    "季": "monthly",
    "学": "term",
}


def _month_end(year: int, month: int) -> int:
    return _calendar.monthrange(year, month)[1]


def _safe_date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, min(day, _month_end(year, month)))
    except (ValueError, OverflowError):
        return None


def _roll_year(month: int, doc: dt.date) -> int:
    """A month far behind the document's date belongs to next year (a December speech naming 1月)."""
    return doc.year + 1 if month < doc.month - 4 else doc.year


def _int(word: str | None) -> int | None:
    value = to_number(word) if word else None
    return int(value) if value is not None and value == int(value) else None


def _term_start(doc: dt.date, cal: Calendar) -> dt.date:
    candidates = []
    for year in (doc.year, doc.year + 1):
        for m, d in (cal.spring_term, cal.autumn_term):
            day = _safe_date(year, m, d)
            if day and day >= doc:
                candidates.append(day)
    return min(candidates) if candidates else doc


def _holiday(doc: dt.date, span: tuple[tuple[int, int], tuple[int, int]]) -> tuple[dt.date, dt.date] | None:
    (m1, d1), (m2, d2) = span
    for year in (doc.year, doc.year + 1):
        start, end = _safe_date(year, m1, d1), _safe_date(year, m2, d2)
        if start and end and end >= doc:
            return start, end
    return None


def _working_days(doc: dt.date, n: int) -> dt.date:
    day = doc
    while n > 0:
        day += dt.timedelta(days=1)
        if day.weekday() < 5:
            n -= 1
    return day


Resolved = tuple[dt.date | None, dt.date | None, str]  # (start, end, recurrence)
_NOTHING: Resolved = (None, None, "")
_MONTH_PARTS = {
    "初": (1, 10),
    "上旬": (1, 10),
    "中": (11, 20),
    "中旬": (11, 20),
    "下旬": (21, 0),
    "底": (0, 0),
    "末": (0, 0),
}


def _point(day: dt.date | None, before: bool) -> Resolved:
    """One day: a deadline ending that day when "before" (…前), else that day itself."""
    return (None if before else day), day, ""


def _md_range(m: re.Match[str], g: dict[str, str | None], doc: dt.date, cal: Calendar) -> Resolved:
    m1, m2 = _int(g["m1"]) or 0, _int(g.get("m2")) or _int(g["m1"]) or 0
    if not (1 <= m1 <= 12 and 1 <= m2 <= 12):
        return _NOTHING
    year = _int(g.get("y")) or _roll_year(m1, doc)
    start = _safe_date(year, m1, _int(g["d1"]) or 0)
    end = _safe_date(year + (1 if m2 < m1 else 0), m2, _int(g["d2"]) or 0)
    return start, end, ""


def _ymd(m: re.Match[str], g: dict[str, str | None], doc: dt.date, cal: Calendar) -> Resolved:
    return _point(_safe_date(_int(g["y"]) or doc.year, _int(g["m"]) or 0, _int(g["d"]) or 0), bool(g.get("b")))


def _md(m: re.Match[str], g: dict[str, str | None], doc: dt.date, cal: Calendar) -> Resolved:
    month = _int(g["m"]) or 0
    day = _safe_date(_roll_year(month, doc), month, _int(g["d"]) or 0) if 1 <= month <= 12 else None
    return _point(day, bool(g.get("b")))


def _month(kind: str) -> Resolver:
    def resolve(m: re.Match[str], g: dict[str, str | None], doc: dt.date, cal: Calendar) -> Resolved:
        month = _int(g["m"]) or 0
        if not 1 <= month <= 12:
            return _NOTHING
        year = _int(g.get("y")) or _roll_year(month, doc)
        last = _month_end(year, month)
        part = g.get("p") or ""
        lo, hi = _MONTH_PARTS.get(part, (1, last))
        start, end = _safe_date(year, month, lo or last), _safe_date(year, month, hi or last)
        if not g.get("b"):
            return start, end, ""
        if kind == "month" or part in ("底", "末"):
            return None, end, ""
        return None, (start - dt.timedelta(days=1)) if start else None, ""

    return resolve


def _year_end(m: re.Match[str], g: dict[str, str | None], doc: dt.date, cal: Calendar) -> Resolved:
    return None, dt.date(doc.year, 12, 31), ""


def _week(m: re.Match[str], g: dict[str, str | None], doc: dt.date, cal: Calendar) -> Resolved:
    monday = doc - dt.timedelta(days=doc.weekday())
    monday += dt.timedelta(weeks={"本周": 0, "这周": 0, "下周": 1, "下下周": 2}[g["w"] or ""])
    if g.get("d"):
        return _point(monday + dt.timedelta(days=WEEKDAYS[g["d"] or ""]), bool(g.get("b")))
    return None, monday + dt.timedelta(days=6), ""


def _weekday(m: re.Match[str], g: dict[str, str | None], doc: dt.date, cal: Calendar) -> Resolved:
    return None, doc + dt.timedelta(days=(WEEKDAYS[g["d"] or ""] - doc.weekday()) % 7), ""


def _days_within(m: re.Match[str], g: dict[str, str | None], doc: dt.date, cal: Calendar) -> Resolved:
    n = _int(g["n"]) or 0
    if g["k"] == "个工作日":
        return None, _working_days(doc, n), ""
    return None, doc + dt.timedelta(days=n), ""


def _term_start_words(m: re.Match[str], g: dict[str, str | None], doc: dt.date, cal: Calendar) -> Resolved:
    start = _term_start(doc, cal)
    if g.get("n"):
        return None, start - dt.timedelta(days=_int(g["n"]) or 0), ""
    if g.get("b"):
        return None, start - dt.timedelta(days=1), ""
    text = m.group(0)
    if "后" in text:
        count = _int(g.get("a")) or 1
        if "个月" in text:
            month = start.month - 1 + count
            end = _safe_date(start.year + month // 12, month % 12 + 1, start.day)
            return start, (end - dt.timedelta(days=1)) if end else None, ""
        return start, start + dt.timedelta(days=count * (7 if "周" in text else 1) - 1), ""
    if "第一天" in text or "当天" in text:
        return start, start, ""
    return start, start + dt.timedelta(days=6), ""


def _holiday_words(kind: str) -> Resolver:
    def resolve(m: re.Match[str], g: dict[str, str | None], doc: dt.date, cal: Calendar) -> Resolved:
        holiday = _holiday(doc, cal.summer if kind == "summer" else cal.winter)
        if holiday is None:
            return _NOTHING
        text = m.group(0)
        if text.endswith("前"):
            return None, holiday[0] - dt.timedelta(days=1), ""
        if text.endswith("后"):
            return holiday[1], None, ""
        return holiday[0], holiday[1], ""

    return resolve


def _holiday_before(m: re.Match[str], g: dict[str, str | None], doc: dt.date, cal: Calendar) -> Resolved:
    starts = [span[0] for span in (_holiday(doc, cal.summer), _holiday(doc, cal.winter)) if span and span[0] >= doc]
    return (None, min(starts) - dt.timedelta(days=1), "") if starts else _NOTHING


def _today(m: re.Match[str], g: dict[str, str | None], doc: dt.date, cal: Calendar) -> Resolved:
    text = m.group(0)
    if text in ("明天", "明日"):
        day = doc + dt.timedelta(days=1)
        return day, day, ""
    if text == "即日起":
        return doc, None, ""
    return doc, doc, ""


def _recurrence(m: re.Match[str], g: dict[str, str | None], doc: dt.date, cal: Calendar) -> Resolved:
    text = m.group(0)
    if text in ("日结日清", "日报告"):
        return None, None, "daily"
    if text.startswith(("周末", "双休日")):
        return None, None, "weekly"
    if text in ("常态化", "长期坚持"):
        return None, None, "standing"
    return None, None, _RECURRENCE.get(text[1], "") if len(text) > 1 else ""


Resolver = Callable[[re.Match[str], dict[str, str | None], dt.date, Calendar], Resolved]
# One resolver per pattern kind (a dispatch table: each kind's rule reads on its own).
_RESOLVERS: dict[str, Resolver] = {
    "md_range": _md_range,
    "ymd": _ymd,
    "placeholder": lambda m, g, doc, cal: _NOTHING,
    "md": _md,
    "month_part": _month("month_part"),
    "month": _month("month"),
    "month_in": _month("month_in"),
    "year_end": _year_end,
    "week": _week,
    "weekday": _weekday,
    "days_within": _days_within,
    "term_start": _term_start_words,
    "summer": _holiday_words("summer"),
    "winter": _holiday_words("winter"),
    "holiday_before": _holiday_before,
    "today": _today,
    "recurrence": _recurrence,
}


def _resolve(kind: str, m: re.Match[str], doc: dt.date, cal: Calendar) -> Resolved:
    resolver = _RESOLVERS.get(kind)
    return resolver(m, m.groupdict(), doc, cal) if resolver else _NOTHING


def find_deadlines(text: str, doc: dt.date, cal: Calendar | None = None) -> list[Deadline]:
    """Every time expression in `text`, left to right, overlaps resolved in favour of the earlier pattern."""
    cal = cal or Calendar()
    taken = bytearray(len(text) + 1)  # 1 where an earlier match already stands
    found: list[Deadline] = []
    for kind, pattern in _PATTERNS:
        for m in pattern.finditer(text):
            if any(taken[m.start() : m.end()]):
                continue
            try:
                start, end, recurrence = _resolve(kind, m, doc, cal)
            except (OverflowError, ValueError):  # a date beyond year 9999: keep the words, no date
                start, end, recurrence = None, None, ""
            taken[m.start() : m.end()] = b"\x01" * (m.end() - m.start())
            found.append(Deadline(m.group(0), start, end, recurrence, m.start()))
    found.sort(key=lambda d: d.offset)
    return found


def pick_deadline(deadlines: list[Deadline]) -> Deadline | None:
    """The deadline of a task: the first "before" date, else a recurrence over a period (暑假期间每周… is weekly,
    每学期开学后一个月内 is each term), else the first dated one, else the first recurrence."""
    dated = [d for d in deadlines if d.end or d.start]
    befores = [d for d in dated if d.start is None]
    if befores:
        return befores[0]
    recurring = [d for d in deadlines if d.recurrence in ("daily", "weekly", "monthly", "term")]
    if dated and recurring:
        return recurring[0]
    if dated:
        return dated[0]
    placeholders = [d for d in deadlines if not d.recurrence]
    if placeholders:
        return placeholders[0]
    return deadlines[0] if deadlines else None
