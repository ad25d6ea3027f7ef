"""The kind of every day for one chain of units (city → district → school → grade → class), as plain data.

No Django here: `selectors.SchoolCalendar` loads the years and entries of a chain once and builds a `ChainCalendar`
from them; every question after that (is this a school day, the n-th school day, the term and its week) is a
dictionary lookup. A date no published year covers falls back to Monday–Friday and says so (`DayInfo.fallback`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import NamedTuple


class Day(StrEnum):
    SCHOOL = "school"
    EXAM = "exam"
    MAKEUP = "makeup"
    WEEKEND = "weekend"
    HOLIDAY = "holiday"
    BREAK = "break"
    LOCAL_OFF = "local_off"
    NOT_OPEN = "not_open"
    SUSPENDED = "suspended"


DAY_LABELS: dict[Day, str] = {
    Day.SCHOOL: "上课日",
    Day.EXAM: "考试周",
    Day.MAKEUP: "调休上课",
    Day.WEEKEND: "周末",
    Day.HOLIDAY: "节假日",
    Day.BREAK: "寒暑假",
    Day.LOCAL_OFF: "本地放假",
    Day.NOT_OPEN: "尚未开学",
    Day.SUSPENDED: "停课",
}
SCHOOL_DAYS = frozenset({Day.SCHOOL, Day.EXAM, Day.MAKEUP})

# An entry kind (models.EntryKind value) → the day kind it paints, in painting order: later kinds win.
PAINT_ORDER: tuple[tuple[str, Day], ...] = (
    ("exam", Day.EXAM),
    ("makeup", Day.MAKEUP),
    ("break", Day.BREAK),
    ("holiday", Day.HOLIDAY),
    ("late_opening", Day.NOT_OPEN),
    ("local_off", Day.LOCAL_OFF),
    ("suspension", Day.SUSPENDED),
)
# How far nth_school_day walks before giving up (ten years without a school day is a broken calendar).
MAX_WALK_DAYS = 3660


class DayInfo(NamedTuple):
    kind: Day
    name: str
    fallback: bool  # no published year covers this date: Monday–Friday assumed

    @property
    def is_school_day(self) -> bool:
        return self.kind in SCHOOL_DAYS

    @property
    def label(self) -> str:
        return DAY_LABELS[self.kind]


@dataclass(frozen=True)
class TermSpan:
    name: str
    starts_on: dt.date
    ends_on: dt.date
    year_name: str = ""


@dataclass(frozen=True)
class YearSpan:
    name: str
    starts_on: dt.date
    ends_on: dt.date
    terms: tuple[TermSpan, ...]
    depth: int  # of the publishing unit: a district's own year overrides the city's on the days it covers


@dataclass(frozen=True)
class EntrySpan:
    kind: str
    name: str
    starts_on: dt.date
    ends_on: dt.date


def days_of(start: dt.date, end: dt.date) -> Iterable[dt.date]:
    for offset in range((end - start).days + 1):
        yield start + dt.timedelta(days=offset)


def fallback_day(day: dt.date) -> DayInfo:
    return DayInfo(Day.WEEKEND if day.weekday() >= 5 else Day.SCHOOL, "", True)


class ChainCalendar:
    """Every day of the years and entries that apply to one chain of units, painted once."""

    def __init__(self, years: Sequence[YearSpan], entries: Sequence[EntrySpan]) -> None:
        self._days: dict[dt.date, DayInfo] = {}
        self._term_of: dict[dt.date, TermSpan] = {}
        terms: list[TermSpan] = []
        for year in sorted(years, key=lambda y: y.depth):
            for day in days_of(year.starts_on, year.ends_on):
                self._days[day] = DayInfo(Day.BREAK, "假期", False)
                self._term_of.pop(day, None)
            for term in year.terms:
                terms.append(term)
                for day in days_of(term.starts_on, term.ends_on):
                    kind = Day.WEEKEND if day.weekday() >= 5 else Day.SCHOOL
                    self._days[day] = DayInfo(kind, "", False)
                    self._term_of[day] = term
        self.terms: tuple[TermSpan, ...] = tuple(sorted(terms, key=lambda t: t.starts_on))
        self.has_year = bool(years)
        by_kind: dict[str, list[EntrySpan]] = {}
        for entry in entries:
            by_kind.setdefault(entry.kind, []).append(entry)
        for entry_kind, day_kind in PAINT_ORDER:
            for entry in by_kind.get(entry_kind, ()):
                for day in days_of(entry.starts_on, entry.ends_on):
                    current = self._days.get(day) or fallback_day(day)
                    if day_kind is Day.EXAM and current.kind is not Day.SCHOOL:
                        continue  # an exam week marks its school days only
                    self._days[day] = DayInfo(day_kind, entry.name, current.fallback)

        self._school: dict[dt.date, bool] = {day: info.kind in SCHOOL_DAYS for day, info in self._days.items()}
        # Office working days (法定节假日 and 调休 only: a school's breaks and local days off are not the office's).
        self._off_work = {d for e in by_kind.get("holiday", ()) for d in days_of(e.starts_on, e.ends_on)}
        self._makeup_work = {d for e in by_kind.get("makeup", ()) for d in days_of(e.starts_on, e.ends_on)}

    def day(self, day: dt.date) -> DayInfo:
        info = self._days.get(day)
        return info if info is not None else fallback_day(day)

    def is_school_day(self, day: dt.date) -> bool:
        answer = self._school.get(day)
        return day.weekday() < 5 if answer is None else answer

    def is_working_day(self, day: dt.date) -> bool:
        """An office working day: Monday–Friday except public holidays, plus the 调休 make-up days."""
        if day in self._off_work:
            return False
        return day in self._makeup_work or day.weekday() < 5

    def nth_working_day(self, day: dt.date, n: int) -> dt.date:
        """The n-th working day after `day` (n > 0) or before it (n < 0); `day` itself for n == 0."""
        step = dt.timedelta(days=1 if n > 0 else -1)
        remaining, current = abs(n), day
        for _ in range(MAX_WALK_DAYS):
            if remaining == 0:
                return current
            current += step
            if self.is_working_day(current):
                remaining -= 1
        raise ValueError(f"no {n}th working day within {MAX_WALK_DAYS} days of {day}")

    def nth_school_day(self, day: dt.date, n: int) -> dt.date:
        """The n-th school day after `day` (n > 0) or before it (n < 0); `day` itself for n == 0."""
        step = dt.timedelta(days=1 if n > 0 else -1)
        remaining = abs(n)
        current = day
        for _ in range(MAX_WALK_DAYS):
            if remaining == 0:
                return current
            current += step
            if self.is_school_day(current):
                remaining -= 1
        raise ValueError(f"no {n}th school day within {MAX_WALK_DAYS} days of {day}")

    def school_days_between(self, start: dt.date, end: dt.date) -> int:
        """School days from `start` to `end`, both included (0 when end < start)."""
        return sum(1 for day in days_of(start, end) if self.is_school_day(day)) if end >= start else 0

    def term_on(self, day: dt.date) -> TermSpan | None:
        return self._term_of.get(day)

    def week_of_term(self, day: dt.date) -> int | None:
        """教学周: week 1 is the calendar week (Monday–Sunday) holding the term's first day."""
        term = self._term_of.get(day)
        if term is None:
            return None
        first_monday = term.starts_on - dt.timedelta(days=term.starts_on.weekday())
        return (day - first_monday).days // 7 + 1

    def opening_day(self, term: TermSpan) -> dt.date | None:
        """The term's first school day for this chain (a staged opening or a holiday moves it)."""
        for day in days_of(term.starts_on, term.ends_on):
            if self.is_school_day(day):
                return day
        return None

    def next_opening_day(self, day: dt.date) -> dt.date | None:
        """开学日: the first school day of the term under way if it is still to come, else of the next term."""
        for term in self.terms:
            if term.ends_on < day:
                continue
            opening = self.opening_day(term)
            if opening is not None and opening >= day:
                return opening
        return None
