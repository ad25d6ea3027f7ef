"""The day rules of one chain, without the database."""

from __future__ import annotations

import datetime as dt

import pytest

from dudao.calendars.days import ChainCalendar, Day, EntrySpan, TermSpan, YearSpan

D = dt.date
TERM1 = TermSpan("第一学期", D(2026, 9, 1), D(2027, 1, 23))
TERM2 = TermSpan("第二学期", D(2027, 2, 22), D(2027, 7, 9))
YEAR = YearSpan("2026—2027学年", D(2026, 9, 1), D(2027, 8, 31), (TERM1, TERM2), 1)
CITY_DAYS = [
    EntrySpan("holiday", "国庆节", D(2026, 10, 1), D(2026, 10, 7)),
    EntrySpan("makeup", "国庆调休上课", D(2026, 10, 10), D(2026, 10, 10)),
    EntrySpan("exam", "期中考试", D(2026, 11, 9), D(2026, 11, 15)),
]


def chain(*extra: EntrySpan) -> ChainCalendar:
    return ChainCalendar([YEAR], [*CITY_DAYS, *extra])


def test_holiday_weekday_is_not_a_school_day_and_makeup_saturday_is():
    cal = chain()
    assert cal.day(D(2026, 10, 5)).kind is Day.HOLIDAY  # a Monday
    assert not cal.is_school_day(D(2026, 10, 5))
    assert cal.day(D(2026, 10, 10)).kind is Day.MAKEUP  # a Saturday
    assert cal.is_school_day(D(2026, 10, 10))
    assert cal.day(D(2026, 10, 11)).kind is Day.WEEKEND


def test_exam_week_marks_its_school_days_only():
    cal = chain()
    assert cal.day(D(2026, 11, 9)).kind is Day.EXAM
    assert cal.is_school_day(D(2026, 11, 9))
    assert cal.day(D(2026, 11, 14)).kind is Day.WEEKEND


def test_between_terms_is_break_and_outside_every_year_falls_back_to_weekdays():
    cal = chain()
    assert cal.day(D(2027, 2, 1)).kind is Day.BREAK  # a Monday of 寒假
    info = cal.day(D(2027, 9, 6))  # next year is not published: a Monday counts, flagged
    assert info.kind is Day.SCHOOL and info.fallback
    assert not cal.day(D(2026, 9, 7)).fallback


def test_nth_school_day_skips_the_holiday_week_both_ways():
    cal = chain()
    # Wed 30 Sep 2026: the next school day is Thu 8 Oct (1–7 Oct is 国庆), then Fri 9, then the make-up Sat 10.
    assert cal.nth_school_day(D(2026, 9, 30), 1) == D(2026, 10, 8)
    assert cal.nth_school_day(D(2026, 9, 30), 3) == D(2026, 10, 10)
    assert cal.nth_school_day(D(2026, 10, 8), -1) == D(2026, 9, 30)
    assert cal.nth_school_day(D(2026, 10, 8), 0) == D(2026, 10, 8)


def test_school_days_between_counts_both_ends():
    cal = chain()
    # 28 Sep – 11 Oct: 28, 29, 30 Sep, 8, 9, 10 Oct.
    assert cal.school_days_between(D(2026, 9, 28), D(2026, 10, 11)) == 6
    assert cal.school_days_between(D(2026, 10, 11), D(2026, 9, 28)) == 0


def test_term_and_week():
    cal = chain()
    assert cal.term_on(D(2026, 12, 7)) == TERM1
    assert cal.week_of_term(D(2026, 9, 1)) == 1  # a Tuesday: week 1 began on Monday 31 Aug
    assert cal.week_of_term(D(2026, 9, 7)) == 2
    assert cal.week_of_term(D(2027, 2, 1)) is None


def test_local_days_win_over_the_city_and_a_staged_opening_moves_the_opening_day():
    cal = chain(
        EntrySpan("local_off", "校运动会", D(2026, 10, 22), D(2026, 10, 23)),
        EntrySpan("late_opening", "七年级错时开学", D(2027, 2, 22), D(2027, 2, 23)),
        EntrySpan("suspension", "停课", D(2026, 11, 9), D(2026, 11, 9)),
    )
    assert cal.day(D(2026, 10, 22)).kind is Day.LOCAL_OFF
    assert cal.day(D(2026, 11, 9)).kind is Day.SUSPENDED  # beats the exam week
    assert cal.next_opening_day(D(2027, 2, 1)) == D(2027, 2, 24)
    assert chain().next_opening_day(D(2027, 2, 1)) == D(2027, 2, 22)
    assert chain().next_opening_day(D(2026, 12, 7)) == D(2027, 2, 22)  # term 1 already open


def test_no_school_day_for_ten_years_is_an_error_not_a_hang():
    closed = ChainCalendar([], [EntrySpan("suspension", "停课", D(2026, 1, 1), D(2036, 12, 31))])
    with pytest.raises(ValueError):
        closed.nth_school_day(D(2026, 1, 1), 1)
