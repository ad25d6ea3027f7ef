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
    flood: tuple[tuple[int, int], tuple[int, int]] = ((6, 1), (9, 30))  # 汛期 (主汛期 in most provinces)


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
            rf"(?:(?P<rel>今年|明年)|(?<![\d年]))(?P<m>{N})月(?P<d>{N})[日号](?:\d{{1,2}}[:：]\d{{2}}|[上下]午\d{{0,2}}[点时]?)?(?P<b>{BEFORE})?"
        ),
    ),
    (
        "month_part",
        re.compile(rf"(?:(?P<y>\d{{4}})年)?(?P<m>{N})月(?:份)?(?P<p>初|上旬|中旬|下旬|底|末|中)(?P<b>{BEFORE})?"),
    ),
    ("month", re.compile(rf"(?:(?P<y>\d{{4}})年)?(?P<m>{N})月(?:份)?(?P<b>{BEFORE})(?!\d)")),
    ("month_in", re.compile(rf"(?:(?P<y>\d{{4}})年)?(?P<m>{N})月(?:份)?(?:内|期间)")),
    (
        "month_rel",
        re.compile(
            rf"(?P<w>本月|当月|下月|下个月)(?P<p>底|末|内|初|上旬|中旬|下旬)?(?P<b>{BEFORE})?"
            rf"|(?<![\d{CN_NUMBER}本下当个每])月(?P<p2>底|末)(?P<b2>{BEFORE})?"
        ),
    ),
    (
        "month_bare",
        re.compile(
            rf"(?:(?P<y>\d{{4}})年|(?P<rel>今年|明年))?(?<![\d{CN_NUMBER}第])(?P<m>{N})月(?:份)?"
            rf"(?![\d{CN_NUMBER}日号底末初中上下旬内前期起至到—－-])"
        ),
    ),
    (
        "year_part",
        re.compile(
            rf"(?:(?P<y>\d{{4}})年|(?P<rel>今年|本年度?|明年|下一?年度?))(?P<p>年?底|年?末|年?内|上半年|下半年)(?P<b>{BEFORE})?"
        ),
    ),
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
    # "同一班级一天内出现3名…" is the window of a condition, not a time limit.
    ("days_within", re.compile(rf"(?P<n>{N})(?P<k>个工作日|日|天)(?:内|之内)(?!出现|发生|累计|连续|有)")),
    (
        "term_start",
        re.compile(
            rf"(?:(?P<season>秋季|春季)|新学期)?开学(?:前(?P<n>{N})(?:天|日)|(?P<b>{BEFORE})|后(?P<a>{N})?(?:个月|周|天)?(?:内)?|第一周|首周|第一天|当天|初期)"
        ),
    ),
    ("weeks_within", re.compile(rf"(?P<n>{N})(?P<k>周|个星期|星期|个月)(?:内|之内|以内)")),
    ("term_end", re.compile(rf"(?<!每)(?:本|这个?)?学期(?:末|结束)(?P<b>{BEFORE})?")),
    (
        "festival",
        re.compile(rf"(?P<h>国庆|元旦|五一|劳动节|春节|清明节)节?(?:假期|长假|放假)?(?P<b>{BEFORE})?(?P<during>期间)?"),
    ),
    ("flood", re.compile(rf"(?:主|入)?汛(?:期)?(?P<b>{BEFORE})")),
    ("summer", re.compile(r"暑假(?:期间|前|后)?|暑期")),
    ("holiday_before", re.compile(r"放假(?:之)?前")),
    ("winter", re.compile(r"寒假(?:期间|前|后)?")),
    # 当天/当日 is the day of the event the sentence names (缺课当天报告): a response time, not a calendar date.
    ("today", re.compile(r"(?:即日起|今天|今日|明天|明日)")),
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


def _term_start(doc: dt.date, cal: Calendar, season: str = "") -> dt.date:
    terms = {"秋季": (cal.autumn_term,), "春季": (cal.spring_term,)}.get(season, (cal.spring_term, cal.autumn_term))
    candidates = []
    for year in (doc.year, doc.year + 1):
        for m, d in terms:
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
    year = {"今年": doc.year, "明年": doc.year + 1}.get(g.get("rel") or "") or _roll_year(month, doc)
    day = _safe_date(year, month, _int(g["d"]) or 0) if 1 <= month <= 12 else None
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
    start = _term_start(doc, cal, g.get("season") or "")
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


def _month_rel(m: re.Match[str], g: dict[str, str | None], doc: dt.date, cal: Calendar) -> Resolved:
    """本月底前, 下月初, 月底前 (this month): months counted from the document's date."""
    ahead = 1 if (g.get("w") or "").startswith("下") else 0
    month = doc.month - 1 + ahead
    year, month = doc.year + month // 12, month % 12 + 1
    part = g.get("p") or g.get("p2") or ""
    before = bool(g.get("b") or g.get("b2"))
    last = _month_end(year, month)
    if part in ("", "内"):
        return (None if part == "内" else _safe_date(year, month, 1)), _safe_date(year, month, last), ""
    lo, hi = _MONTH_PARTS[part]
    start, end = _safe_date(year, month, lo or last), _safe_date(year, month, hi or last)
    if before and part not in ("底", "末") and start:
        return None, start - dt.timedelta(days=1), ""
    return (None if part in ("底", "末") else start), end, ""


def _month_bare(m: re.Match[str], g: dict[str, str | None], doc: dt.date, cal: Calendar) -> Resolved:
    """ "9月" / "9月份": that whole month of the document's year (a past month is next year's only when the text
    says 明年)."""
    month = _int(g["m"]) or 0
    if not 1 <= month <= 12:
        return _NOTHING
    year = _int(g.get("y")) or (doc.year + 1 if g.get("rel") == "明年" else doc.year)
    return _safe_date(year, month, 1), _safe_date(year, month, _month_end(year, month)), ""


def _year_part(m: re.Match[str], g: dict[str, str | None], doc: dt.date, cal: Calendar) -> Resolved:
    rel = g.get("rel") or ""
    year = _int(g.get("y")) or (doc.year + 1 if rel.startswith(("明", "下")) else doc.year)
    part = g.get("p") or ""
    if part == "上半年":
        return None, dt.date(year, 6, 30), ""
    if part == "下半年":
        return dt.date(year, 7, 1), dt.date(year, 12, 31), ""
    return None, dt.date(year, 12, 31), ""


def _weeks_within(m: re.Match[str], g: dict[str, str | None], doc: dt.date, cal: Calendar) -> Resolved:
    n = _int(g["n"]) or 0
    if g["k"] == "个月":
        month = doc.month - 1 + n
        end = _safe_date(doc.year + month // 12, month % 12 + 1, doc.day)
        return None, end, ""
    return None, doc + dt.timedelta(weeks=n), ""


def _term_end(m: re.Match[str], g: dict[str, str | None], doc: dt.date, cal: Calendar) -> Resolved:
    """The end of the term the document falls in (or the next one, in a holiday): the day before the next
    winter or summer holiday."""
    ends = []
    for year in (doc.year, doc.year + 1):
        for span in (cal.winter, cal.summer):
            first = _safe_date(year, *span[0])
            if first is not None:
                ends.append(first - dt.timedelta(days=1))
    upcoming = [day for day in ends if day >= doc]
    return (None, min(upcoming), "") if upcoming else _NOTHING


# Public holidays by their first day; 春节 moves with the lunar calendar (known years only).
_FIXED_HOLIDAYS = {
    "国庆": ((10, 1), 7),
    "元旦": ((1, 1), 1),
    "五一": ((5, 1), 5),
    "劳动节": ((5, 1), 5),
    "清明节": ((4, 4), 3),
}
_SPRING_FESTIVAL = {
    2025: dt.date(2025, 1, 29),
    2026: dt.date(2026, 2, 17),
    2027: dt.date(2027, 2, 6),
    2028: dt.date(2028, 1, 26),
    2029: dt.date(2029, 2, 13),
    2030: dt.date(2030, 2, 3),
}


def _festival(m: re.Match[str], g: dict[str, str | None], doc: dt.date, cal: Calendar) -> Resolved:
    name = g.get("h") or ""
    starts: list[tuple[dt.date, int]] = []
    for year in (doc.year, doc.year + 1):
        if name == "春节":
            if year in _SPRING_FESTIVAL:
                starts.append((_SPRING_FESTIVAL[year], 7))
        else:
            (month, day), length = _FIXED_HOLIDAYS[name]
            first = _safe_date(year, month, day)
            if first is not None:
                starts.append((first, length))
    upcoming = [(first, length) for first, length in starts if first + dt.timedelta(days=length - 1) >= doc]
    if not upcoming:
        return _NOTHING
    first, length = min(upcoming)
    if g.get("b"):
        return None, first - dt.timedelta(days=1), ""
    if g.get("during"):
        return first, first + dt.timedelta(days=length - 1), ""
    return _NOTHING  # "国庆节假期即将到来": a mention, not a time limit


def _flood(m: re.Match[str], g: dict[str, str | None], doc: dt.date, cal: Calendar) -> Resolved:
    season = _holiday(doc, cal.flood)
    return (None, season[0] - dt.timedelta(days=1), "") if season else _NOTHING


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
    "month_rel": _month_rel,
    "month_bare": _month_bare,
    "year_part": _year_part,
    "weeks_within": _weeks_within,
    "term_end": _term_end,
    "festival": _festival,
    "flood": _flood,
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
