"""校历 API: the kind of every day of a unit between two dates."""

from __future__ import annotations

import datetime as dt

from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Router, Schema

from dudao.accounts.requests import AuthedRequest
from dudao.api.auth import require
from dudao.api.schemas import Id
from dudao.calendars.days import days_of
from dudao.calendars.selectors import SchoolCalendar
from dudao.core.errors import DomainError
from dudao.orgs.scoping import acting_assignment
from dudao.orgs.selectors import units_for

router = Router(tags=["校历"])

MAX_RANGE_DAYS = 400


class DayOut(Schema):
    date: dt.date
    kind: str
    kind_name: str
    name: str
    is_school_day: bool
    term: str
    week: int | None
    fallback: bool


class CalendarOut(Schema):
    unit: int
    unit_name: str
    start: dt.date
    end: dt.date
    fallback: bool
    school_days: int
    items: list[DayOut]
    count: int


@router.get("/calendar", response=CalendarOut)
def calendar_days(
    request: AuthedRequest, unit: Id | None = None, start: dt.date | None = None, end: dt.date | None = None
) -> CalendarOut:
    """Every day from `start` to `end` (both included, at most 400 days; default: this month) for `unit` (default:
    the acting unit) with its kind: school, exam, makeup (调休上课), weekend, holiday, break, local_off, not_open,
    suspended. `fallback` marks days no published year covers (Monday–Friday assumed)."""
    require(request, "calendar.read")
    if unit is None:
        assignment = acting_assignment(request.user)
        assert assignment is not None  # require() passed
        target = assignment.unit
    else:
        target = get_object_or_404(units_for(request.user), pk=unit)
    today = timezone.localdate()
    start = start or today.replace(day=1)
    end = end or (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
    if end < start:
        raise DomainError("结束日期不能早于开始日期", code="dates_inverted")
    if (end - start).days + 1 > MAX_RANGE_DAYS:
        raise DomainError(f"一次最多查询 {MAX_RANGE_DAYS} 天", code="range_too_long")
    chain = SchoolCalendar().chain(target)
    items = []
    for day in days_of(start, end):
        info = chain.day(day)
        term = chain.term_on(day)
        items.append(
            DayOut(
                date=day,
                kind=info.kind.value,
                kind_name=info.label,
                name=info.name,
                is_school_day=info.is_school_day,
                term=term.name if term else "",
                week=chain.week_of_term(day),
                fallback=info.fallback,
            )
        )
    return CalendarOut(
        unit=target.pk,
        unit_name=target.name,
        start=start,
        end=end,
        fallback=any(d.fallback for d in items),
        school_days=sum(1 for d in items if d.is_school_day),
        items=items,
        count=len(items),
    )
