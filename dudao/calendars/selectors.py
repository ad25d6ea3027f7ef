"""Reads of the school calendar.

`SchoolCalendar` answers day questions for any unit: it loads the published years once (two small queries) and the
entries of each chain of units once (one query per chain, or one for a whole subtree after `preload`), then memoises
one painted `ChainCalendar` per set of entry-owning ancestors: the 40,000 classes of a city share a few hundred. An
instance lives as long as one request or one job (no state shared between processes); the module-level functions
build one for a single question.
"""

from __future__ import annotations

import calendar as stdcalendar
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet

from dudao.accounts.models import User
from dudao.calendars.days import DAY_LABELS, ChainCalendar, Day, DayInfo, EntrySpan, TermSpan, YearSpan, days_of
from dudao.calendars.models import CalendarEntry, SchoolYear, Term
from dudao.orgs.models import OrgUnit

STEPLEN = OrgUnit.steplen


def chain_paths(path: str) -> list[str]:
    """The paths of a unit and all its ancestors, root first."""
    return [path[:end] for end in range(STEPLEN, len(path) + 1, STEPLEN)]


def _path(unit: OrgUnit | str) -> str:
    return unit if isinstance(unit, str) else str(unit.path)


class SchoolCalendar:
    """Day answers for many units with a fixed number of queries (see the module docstring)."""

    def __init__(self) -> None:
        self._years: dict[str, list[YearSpan]] | None = None
        self._entries: dict[str, list[EntrySpan]] = {}
        self._loaded_paths: set[str] = set()
        self._loaded_roots: list[str] = []
        self._by_path: dict[str, ChainCalendar] = {}
        self._by_owners: dict[tuple[str, ...], ChainCalendar] = {}
        self.queries = 0  # for tests and the benchmark: how many loads this instance made

    def _load_years(self) -> dict[str, list[YearSpan]]:
        if self._years is None:
            self.queries += 2
            years: dict[str, list[YearSpan]] = {}
            published = SchoolYear.objects.filter(is_published=True).select_related("unit")
            for year in published.prefetch_related(Prefetch("terms", queryset=Term.objects.order_by("starts_on"))):
                terms = tuple(TermSpan(t.name, t.starts_on, t.ends_on, year.name) for t in year.terms.all())
                span = YearSpan(year.name, year.starts_on, year.ends_on, terms, len(year.unit.path) // STEPLEN)
                years.setdefault(year.unit.path, []).append(span)
            self._years = years
        return self._years

    def _covered(self, path: str) -> bool:
        return path in self._loaded_paths or any(path.startswith(root) for root in self._loaded_roots)

    def _load_entries(self, condition: Q) -> None:
        self.queries += 1
        rows = CalendarEntry.objects.filter(condition, year__is_published=True).values_list(
            "unit__path", "kind", "name", "starts_on", "ends_on"
        )
        for path, kind, name, starts_on, ends_on in rows:
            self._entries.setdefault(path, []).append(EntrySpan(kind, name, starts_on, ends_on))

    def preload(self, units: Iterable[OrgUnit | str]) -> None:
        """Load the entries of every unit under the units' common ancestor, and of that ancestor's chain, at once."""
        paths = [_path(u) for u in units]
        if not paths:
            return
        root = paths[0]
        for path in paths[1:]:
            while not path.startswith(root):
                root = root[:-STEPLEN]
        if not root or self._covered(root):
            return
        above = [p for p in chain_paths(root)[:-1] if not self._covered(p)]
        self._load_entries(Q(unit__path__under=root) | Q(unit__path__in=above))
        self._loaded_roots.append(root)
        self._loaded_paths.update(above)

    def chain(self, unit: OrgUnit | str) -> ChainCalendar:
        path = _path(unit)
        found = self._by_path.get(path)
        if found is not None:
            return found
        paths = chain_paths(path)
        missing = [p for p in paths if not self._covered(p)]
        if missing:
            self._load_entries(Q(unit__path__in=missing))
            self._loaded_paths.update(missing)
        years = self._load_years()
        owners = tuple(p for p in paths if p in self._entries or p in years)
        found = self._by_owners.get(owners)
        if found is None:
            found = ChainCalendar(
                [y for p in owners for y in years.get(p, ())],
                [e for p in owners for e in self._entries.get(p, ())],
            )
            self._by_owners[owners] = found
        self._by_path[path] = found
        return found

    def day(self, unit: OrgUnit | str, day: dt.date) -> DayInfo:
        return self.chain(unit).day(day)

    def is_school_day(self, unit: OrgUnit | str, day: dt.date) -> bool:
        return self.chain(unit).is_school_day(day)

    def nth_school_day(self, unit: OrgUnit | str, day: dt.date, n: int) -> dt.date:
        return self.chain(unit).nth_school_day(day, n)

    def school_days_between(self, unit: OrgUnit | str, start: dt.date, end: dt.date) -> int:
        return self.chain(unit).school_days_between(start, end)


def is_school_day(unit: OrgUnit | str, day: dt.date) -> bool:
    return SchoolCalendar().is_school_day(unit, day)


def nth_school_day(unit: OrgUnit | str, day: dt.date, n: int) -> dt.date:
    """The n-th school day after `day` (n > 0) or before it (n < 0)."""
    return SchoolCalendar().nth_school_day(unit, day, n)


def school_days_between(unit: OrgUnit | str, start: dt.date, end: dt.date) -> int:
    return SchoolCalendar().school_days_between(unit, start, end)


@dataclass(frozen=True)
class TermNow:
    term: TermSpan
    week: int


def is_working_day(unit: OrgUnit | str, day: dt.date) -> bool:
    """An office working day for `unit` (holidays and 调休 of the years in force; Monday–Friday without one)."""
    return SchoolCalendar().chain(unit).is_working_day(day)


def nth_working_day(unit: OrgUnit | str, day: dt.date, n: int) -> dt.date:
    return SchoolCalendar().chain(unit).nth_working_day(day, n)


def current_term(unit: OrgUnit | str, day: dt.date) -> TermNow | None:
    """The term `day` falls in for this unit and its 教学周, or None (a break, or no published year)."""
    chain = SchoolCalendar().chain(unit)
    term = chain.term_on(day)
    week = chain.week_of_term(day)
    return TermNow(term, week) if term is not None and week is not None else None


def next_opening_day(unit: OrgUnit | str, day: dt.date) -> dt.date | None:
    return SchoolCalendar().chain(unit).next_opening_day(day)


# ---- pages ----


def years_for(user: User) -> QuerySet[SchoolYear]:
    """Years the acting role may edit or read as an editor: those published by units in its subtree."""
    return SchoolYear.objects.for_user(user).select_related("unit")


def years_in_force_for(unit: OrgUnit) -> QuerySet[SchoolYear]:
    """Published years that apply to `unit` (published by it or an ancestor), newest first."""
    return SchoolYear.objects.filter(is_published=True, unit__path__in=chain_paths(unit.path)).select_related("unit")


def year_in_force(unit: OrgUnit, day: dt.date) -> SchoolYear | None:
    return (
        years_in_force_for(unit)
        .filter(starts_on__lte=day, ends_on__gte=day)
        .order_by("-unit__depth", "-starts_on")
        .first()
    )


def local_entries_for(user: User, unit: OrgUnit) -> QuerySet[CalendarEntry]:
    """Local days a unit set for itself and its subtree (the page of a district or school)."""
    return (
        CalendarEntry.objects.for_user(user)
        .filter(unit__path__under=unit.path, year__is_published=True)
        .exclude(unit__kind="bureau")
        .select_related("unit", "year")
        .order_by("-starts_on", "id")
    )


def entries_of_chain(unit: OrgUnit, start: dt.date, end: dt.date) -> QuerySet[CalendarEntry]:
    """The named runs of days (holidays, local days) that apply to `unit` between two dates, for the legend."""
    return (
        CalendarEntry.objects.filter(
            unit__path__in=chain_paths(unit.path), year__is_published=True, starts_on__lte=end, ends_on__gte=start
        )
        .select_related("unit")
        .order_by("starts_on", "id")
    )


@dataclass(frozen=True)
class Cell:
    day: dt.date
    info: DayInfo
    in_month: bool
    is_today: bool

    @property
    def weekday(self) -> str:
        return "一二三四五六日"[self.day.weekday()]


@dataclass(frozen=True)
class Month:
    year: int
    month: int
    weeks: list[list[Cell]]
    days: list[Cell]  # the month's own days, for the phone list
    school_days: int


def month_grid(cal: SchoolCalendar, unit: OrgUnit, year: int, month: int, today: dt.date) -> Month:
    chain = cal.chain(unit)
    first = dt.date(year, month, 1)
    last = dt.date(year, month, stdcalendar.monthrange(year, month)[1])
    start = first - dt.timedelta(days=first.weekday())
    end = last + dt.timedelta(days=6 - last.weekday())
    cells = [Cell(d, chain.day(d), d.month == month, d == today) for d in days_of(start, end)]
    weeks = [cells[i : i + 7] for i in range(0, len(cells), 7)]
    own = [c for c in cells if c.in_month]
    return Month(year, month, weeks, own, sum(1 for c in own if c.info.is_school_day))


def legend() -> list[tuple[str, str]]:
    return [(kind.value, label) for kind, label in DAY_LABELS.items()]


def day_kinds() -> list[Day]:
    return list(Day)
