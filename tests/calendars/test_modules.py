"""The modules that ask the calendar: each test fails if its module went back to Monday–Friday."""

from __future__ import annotations

import datetime as dt

import pytest

from dudao.calendars import services
from dudao.calendars.models import EntryKind
from dudao.health import selectors as health
from dudao.health.models import DailyCheck

pytestmark = pytest.mark.django_db
D = dt.date


def test_no_late_morning_check_on_a_holiday_or_a_schools_sports_day(city, year):
    services.add_local_day(
        actor=city.user("principal"),
        unit=city.school_a,
        entry=services.EntryIn(EntryKind.LOCAL_OFF, "校运动会", D(2026, 10, 22), D(2026, 10, 22)),
    )
    doctor = city.user("doctor")  # 五中's doctor: its classes
    assert all(r.is_late for r in health.class_statuses(doctor, D(2026, 10, 12)))  # an ordinary Monday
    assert not any(r.is_late for r in health.class_statuses(doctor, D(2026, 10, 5)))  # 国庆 (a Monday)
    assert not any(r.is_late for r in health.class_statuses(doctor, D(2026, 10, 22)))  # the sports day
    officer = city.user("health_officer")  # the district: 实验小学 has no sports day
    statuses = health.class_statuses(officer, D(2026, 10, 22))
    assert any(r.is_late for r in statuses if r.klass.path.startswith(city.school_a2.path))
    assert not any(r.is_late for r in statuses if r.klass.path.startswith(city.school_a.path))


def test_outbreak_baseline_leaves_out_checks_filed_on_non_school_days(city, year):
    day = D(2026, 10, 20)
    rows = []
    for offset in range(0, 31):
        on = day - dt.timedelta(days=offset)
        rows.append(
            DailyCheck(
                klass=city.class_a1,
                school=city.school_a,
                date=on,
                session="morning",
                roster_size=45,
                illness_count=1,
                submitted_by=city.user("class_teacher"),
            )
        )
    DailyCheck.objects.bulk_create(rows)
    _, _, series = health.scan_inputs(day, longest=7)
    days = set(series[city.school_a.pk])
    assert D(2026, 10, 5) not in days  # 国庆
    assert D(2026, 10, 11) not in days  # a Sunday
    assert D(2026, 10, 10) in days  # the 调休 Saturday is a school day
    assert D(2026, 10, 19) in days


def _next(weekday: int) -> dt.datetime:
    from django.utils import timezone

    day = timezone.localdate() + dt.timedelta(days=1)
    while day.weekday() != weekday:
        day += dt.timedelta(days=1)
    return dt.datetime.combine(day, dt.time(17), tzinfo=timezone.get_current_timezone())


def test_issuing_a_directive_due_on_a_non_school_day_warns_but_issues(city, year, signed_in):
    from django.utils import timezone

    from dudao.calendars import selectors
    from dudao.directives import services as directives
    from dudao.directives.models import DirectiveStatus

    staff = city.user("bureau_staff")
    saturday = directives.create_directive(
        actor=staff,
        title="关于报送安全隐患排查情况的通知",
        deadline=_next(5),
        targets={"mode": "kind", "kind": "school"},
    )
    response = signed_in(staff).post(f"/directives/{saturday.pk}/issue/", {"version": saturday.version}, follow=True)
    text = response.content.decode()
    assert "是周末" in text and "前一个上课日" in text
    saturday.refresh_from_db()
    assert saturday.status == DirectiveStatus.ISSUED
    school_day = selectors.nth_school_day(city.root, timezone.localdate(), 3)
    due = dt.datetime.combine(school_day, dt.time(17), tzinfo=timezone.get_current_timezone())
    ordinary = directives.create_directive(
        actor=staff, title="关于报送食堂检查情况的通知", deadline=due, targets={"mode": "kind", "kind": "school"}
    )
    text = signed_in(staff).post(f"/directives/{ordinary.pk}/issue/", {"version": ordinary.version}, follow=True)
    assert "学校不上课" not in text.content.decode()


def test_dropout_streak_counts_school_days_only(city, year):
    from dudao.health.models import AbsenceRecord

    pupil = city.students["a1"][0]
    teacher = city.user("class_teacher")
    for on in (D(2026, 9, 29), D(2026, 9, 30), D(2026, 10, 5)):  # 10-05 is 国庆: a check filed anyway
        check = DailyCheck.objects.create(
            klass=city.class_a1, school=city.school_a, date=on, session="morning", roster_size=45,
            submitted_by=teacher,
        )  # fmt: skip
        AbsenceRecord.objects.create(
            check_record=check, student=pupil, klass=city.class_a1, school=city.school_a, date=on, reason="other"
        )
    assert health.absence_streaks(school_ids=None, min_days=3, until=D(2026, 10, 6)) == []
    streaks = health.absence_streaks(school_ids=None, min_days=2, until=D(2026, 10, 6))
    assert [(s.student_id, s.days) for s in streaks] == [(pupil.pk, 2)]
