"""Demo data: the city bureau's published school year around the demo clock (real holidays of 2026–2027: 中秋,
国庆 with its 调休 days, 元旦, 寒假 over 春节, 清明, 劳动节, 端午, exam weeks), a district's teacher-training day and
the first school's sports day. Runs first among the domain steps so theirs can ask the calendar."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from dudao.accounts.models import User
from dudao.calendars.days import ChainCalendar, EntrySpan, TermSpan, YearSpan
from dudao.calendars.models import CalendarEntry, EntryKind, SchoolYear, Term
from dudao.demo.registry import DemoContext, demo_step
from dudao.orgs.models import OrgUnit

# (kind, name, (month, day) start, (month, day) end, year offset: 0 = the autumn's year, 1 = the next)
TERMS = (("第一学期", (9, 1), 0, (1, 23), 1), ("第二学期", (2, 22), 1, (7, 9), 1))
DAYS: tuple[tuple[str, str, tuple[int, int], tuple[int, int], int], ...] = (
    (EntryKind.MAKEUP, "国庆调休上课", (9, 20), (9, 20), 0),
    (EntryKind.HOLIDAY, "中秋节", (9, 25), (9, 27), 0),
    (EntryKind.HOLIDAY, "国庆节", (10, 1), (10, 7), 0),
    (EntryKind.MAKEUP, "国庆调休上课", (10, 10), (10, 10), 0),
    (EntryKind.EXAM, "期中考试", (11, 9), (11, 13), 0),
    (EntryKind.HOLIDAY, "元旦", (1, 1), (1, 3), 1),
    (EntryKind.EXAM, "期末考试", (1, 18), (1, 22), 1),
    (EntryKind.BREAK, "寒假（含春节）", (1, 24), (2, 21), 1),
    (EntryKind.HOLIDAY, "清明节", (4, 3), (4, 5), 1),
    (EntryKind.MAKEUP, "劳动节调休上课", (4, 25), (4, 25), 1),
    (EntryKind.HOLIDAY, "劳动节", (5, 1), (5, 5), 1),
    (EntryKind.MAKEUP, "劳动节调休上课", (5, 8), (5, 8), 1),
    (EntryKind.HOLIDAY, "端午节", (6, 9), (6, 11), 1),
    (EntryKind.EXAM, "期末考试", (7, 5), (7, 9), 1),
    (EntryKind.BREAK, "暑假", (7, 10), (8, 31), 1),
)


def _date(start_year: int, month_day: tuple[int, int], offset: int) -> dt.date:
    return dt.date(start_year + offset, *month_day)


@demo_step(order=15)
def calendars_demo(context: DemoContext) -> dict[str, int]:
    today = context.today
    start_year = today.year if today.month >= 9 else today.year - 1
    root = OrgUnit.objects.get(pk=context.city.root)
    admin = User.objects.get(username="city.admin")
    year = SchoolYear.objects.create(
        unit=root,
        name=f"{start_year}—{start_year + 1}学年",
        starts_on=dt.date(start_year, 9, 1),
        ends_on=dt.date(start_year + 1, 8, 31),
        is_published=True,
        published_at=dt.datetime(start_year, 7, 15, 9, tzinfo=timezone.get_current_timezone()),
        created_by=admin,
    )
    terms = [
        Term(year=year, name=name, starts_on=_date(start_year, s, so), ends_on=_date(start_year, e, eo))
        for name, s, so, e, eo in TERMS
    ]
    Term.objects.bulk_create(terms)
    entries = [
        CalendarEntry(
            year=year,
            unit=root,
            kind=kind,
            name=name,
            starts_on=_date(start_year, s, o),
            ends_on=_date(start_year, e, o),
            created_by=admin,
        )
        for kind, name, s, e, o in DAYS
    ]
    # Local days near the demo clock, so the month view shows them: a district's training day and the first
    # school's two-day sports meeting, each on school days of one term.
    chain = ChainCalendar(
        [
            YearSpan(
                year.name,
                year.starts_on,
                year.ends_on,
                tuple(TermSpan(t.name, t.starts_on, t.ends_on) for t in terms),
                1,
            )
        ],
        [EntrySpan(e.kind, e.name, e.starts_on, e.ends_on) for e in entries],
    )
    district = OrgUnit.objects.get(pk=context.city.districts[0])
    school = OrgUnit.objects.get(pk=context.city.first_school)
    step = 1 if chain.term_on(chain.nth_school_day(today, 10)) is not None else -1  # late in July: look back
    training = chain.nth_school_day(today, 6 * step)
    sports = chain.nth_school_day(today, 9 * step)
    sports_end = chain.nth_school_day(sports, 1)
    if chain.term_on(sports) != chain.term_on(sports_end):
        sports_end = sports
    entries += [
        CalendarEntry(
            year=year,
            unit=district,
            kind=EntryKind.LOCAL_OFF,
            name="全区教师培训日（学生放假）",
            starts_on=training,
            ends_on=training,
            created_by=admin,
        ),
        CalendarEntry(
            year=year,
            unit=school,
            kind=EntryKind.LOCAL_OFF,
            name="校运动会",
            starts_on=sports,
            ends_on=sports_end,
            created_by=admin,
        ),
    ]
    CalendarEntry.objects.bulk_create(entries)
    return {"calendar_terms": len(terms), "calendar_entries": len(entries)}
