"""催报 messages before and after a report's deadline (dudao.directives.reminders): T-2 and T-1 working days to the
people who fill in the reports of units that have not reported, the overdue notice to the unit's head; once each,
never for withdrawn or draft directives, pushes held in quiet hours."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from dudao.calendars import services as calendar_services
from dudao.calendars.models import EntryKind
from dudao.calendars.selectors import SchoolCalendar
from dudao.directives import reminders, services
from dudao.directives.models import Directive, DirectiveStatus, Submission, SubmissionStatus
from dudao.messaging.models import Channel, Delivery, DeliveryStatus, Message
from tests.calendars.conftest import build_year
from tests.directives.conftest import city_directive, form_version  # noqa: F401  (fixture)
from tests.factories import City, UserFactory, assign, unit
from tests.messaging.conftest import FakeApi, bind

pytestmark = pytest.mark.django_db

LOCAL = ZoneInfo("Asia/Shanghai")


def next_monday() -> dt.date:
    """A Monday at least a week ahead: its T-2 is the Thursday before, T-1 the Friday."""
    day = timezone.localdate() + dt.timedelta(days=8)
    return day + dt.timedelta(days=(7 - day.weekday()) % 7)


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=LOCAL)


MONDAY = next_monday()
DEADLINE = at(MONDAY, 17)
THURSDAY, FRIDAY = MONDAY - dt.timedelta(days=4), MONDAY - dt.timedelta(days=3)


def reminders_of(user) -> list[Message]:
    return list(Message.objects.filter(recipient=user, dedupe_key__startswith="directive-due:").order_by("id"))


def directive(city: City, form_version, **extra) -> Directive:  # noqa: F811
    return city_directive(city, form_version, deadline=DEADLINE, **extra)


@pytest.mark.parametrize(
    ("due", "n", "expected"),
    [
        (dt.date(2026, 12, 14), 1, dt.date(2026, 12, 11)),  # Monday → Friday
        (dt.date(2026, 12, 14), 2, dt.date(2026, 12, 10)),  # Monday → Thursday
        (dt.date(2026, 12, 16), 2, dt.date(2026, 12, 14)),  # Wednesday → Monday
        (dt.date(2026, 12, 12), 1, dt.date(2026, 12, 11)),  # a Saturday deadline → Friday
        (dt.date(2026, 12, 13), 2, dt.date(2026, 12, 10)),  # a Sunday deadline → Thursday
    ],
)
def test_working_days_before_skip_weekends(due: dt.date, n: int, expected: dt.date) -> None:
    assert reminders.working_day_before(due, n) == expected


def test_t2_and_t1_remind_the_reporters_of_missing_units_once_each(city: City, form_version) -> None:  # noqa: F811
    d = directive(city, form_version)
    assert reminders.send_deadline_reminders(now=at(THURSDAY - dt.timedelta(days=1), 9)) == {
        "t-2": 0,
        "t-1": 0,
        "overdue": 0,
    }  # T-3: nothing yet
    first = reminders.send_deadline_reminders(now=at(THURSDAY, 9))
    assert first["t-2"] == 1  # 五中's office clerk; the other schools have no account that could receive it
    assert reminders.send_deadline_reminders(now=at(THURSDAY, 15))["t-2"] == 0  # the hourly rerun
    assert reminders.send_deadline_reminders(now=at(FRIDAY, 9))["t-1"] == 1
    [t2, t1] = reminders_of(city.user("school_staff"))
    assert t2.title == f"催报：《{d.title}》将于{MONDAY.month}月{MONDAY.day}日（周一）17:00截止"
    assert "还剩 2 个工作日" in t2.body and "甲区第五中学尚未报送" in t2.body
    assert "还剩 1 个工作日" in t1.body
    submission = Submission.objects.get(directive=d, unit=city.school_a)
    assert t2.url == f"/submissions/{submission.pk}/"
    # The head and everyone else: nothing before the deadline.
    for key in ("principal", "district_admin", "district_admin_b", "bureau_staff", "class_teacher", "doctor"):
        assert reminders_of(city.user(key)) == [], key


def test_weekend_days_are_no_reminder_days(city: City, form_version) -> None:  # noqa: F811
    directive(city, form_version)
    saturday, sunday = MONDAY - dt.timedelta(days=2), MONDAY - dt.timedelta(days=1)
    for day in (saturday, sunday):
        assert reminders.send_deadline_reminders(now=at(day, 9)) == {"t-2": 0, "t-1": 0, "overdue": 0}


def test_a_unit_without_an_office_clerk_is_reminded_through_its_principal(city: City, form_version) -> None:  # noqa: F811
    head = UserFactory.create(username="shiyan.principal", unit=city.school_a2)
    assign(head, "principal", city.school_a2)
    directive(city, form_version)
    assert reminders.send_deadline_reminders(now=at(THURSDAY, 9))["t-2"] == 2
    [message] = reminders_of(head)
    assert "甲区实验小学尚未报送" in message.body
    assert reminders_of(city.user("principal")) == []  # 五中 has a clerk: its principal is not bothered yet


def test_units_that_reported_are_not_reminded(city: City, form_version) -> None:  # noqa: F811
    d = directive(city, form_version)
    Submission.objects.filter(directive=d, unit=city.school_a).update(status=SubmissionStatus.SUBMITTED)
    assert reminders.send_deadline_reminders(now=at(THURSDAY, 9))["t-2"] == 0
    assert reminders_of(city.user("school_staff")) == []


def test_overdue_reports_are_told_to_the_unit_head_once(city: City, form_version) -> None:  # noqa: F811
    d = directive(city, form_version)
    assert reminders.send_deadline_reminders(now=at(MONDAY, 16, 59))["overdue"] == 0
    assert reminders.send_deadline_reminders(now=at(MONDAY, 17, 5))["overdue"] == 1
    assert reminders.send_deadline_reminders(now=at(MONDAY + dt.timedelta(days=1), 8, 5))["overdue"] == 0
    [message] = reminders_of(city.user("principal"))
    assert message.title == f"逾期未报：《{d.title}》已过截止时间"
    assert "至今未提交" in message.body and "请督促经办人尽快补报" in message.body
    assert reminders_of(city.user("school_staff")) == []
    # Long past: no late flood when the job first runs weeks after a deadline.
    Message.objects.all().delete()
    assert reminders.send_deadline_reminders(now=at(MONDAY + dt.timedelta(days=10), 9))["overdue"] == 0


def test_a_moved_deadline_reminds_again(city: City, form_version) -> None:  # noqa: F811
    d = directive(city, form_version)
    reminders.send_deadline_reminders(now=at(THURSDAY, 9))
    later = DEADLINE + dt.timedelta(days=7)
    d.periods.update(deadline=later)
    assert reminders.send_deadline_reminders(now=at(THURSDAY + dt.timedelta(days=7), 9))["t-2"] == 1
    assert len(reminders_of(city.user("school_staff"))) == 2


def test_withdrawn_and_draft_directives_never_remind(city: City, form_version) -> None:  # noqa: F811
    d = directive(city, form_version)
    services.withdraw_directive(actor=city.user("bureau_staff"), directive=d, reason="与另一通知重复")
    assert Directive.objects.get(pk=d.pk).status == DirectiveStatus.WITHDRAWN
    for now in (at(THURSDAY, 9), at(FRIDAY, 9), at(MONDAY, 18)):
        assert reminders.send_deadline_reminders(now=now) == {"t-2": 0, "t-1": 0, "overdue": 0}
    Directive.objects.filter(pk=d.pk).update(status=DirectiveStatus.DRAFT)
    assert reminders.send_deadline_reminders(now=at(FRIDAY, 9)) == {"t-2": 0, "t-1": 0, "overdue": 0}
    assert not Message.objects.filter(dedupe_key__startswith="directive-due:").exists()


def test_reminders_respect_quiet_hours(city: City, form_version, fake_api: FakeApi) -> None:  # noqa: F811
    bind(city.user("school_staff"), Channel.WECOM, "zhangsan")
    directive(city, form_version)
    reminders.send_deadline_reminders(now=at(THURSDAY, 22, 30))
    delivery = Delivery.objects.get(message__recipient=city.user("school_staff"))
    assert delivery.status == DeliveryStatus.HELD
    assert timezone.localtime(delivery.next_attempt_at) == at(FRIDAY, 7)
    assert fake_api.sends == []


def test_reminders_follow_the_persons_channel_choice(city: City, form_version, fake_api: FakeApi) -> None:  # noqa: F811
    from dudao.messaging import services as messaging

    staff = city.user("school_staff")
    bind(staff, Channel.WECOM, "zhangsan")
    messaging.save_preferences(
        actor=staff,
        channels_by_category={"directive": []},
        quiet_enabled=False,
        quiet_start=dt.time(22),
        quiet_end=dt.time(7),
        version=0,
    )
    directive(city, form_version)
    reminders.send_deadline_reminders(now=at(THURSDAY, 9))
    assert len(reminders_of(staff)) == 1  # in the message centre, no push
    assert not Delivery.objects.exists()


def test_the_city_is_a_fixed_number_of_queries(
    city: City,
    form_version,  # noqa: F811
    django_assert_max_num_queries,
) -> None:
    for i in range(12):
        school = unit(city.district_a, f"甲区第{i + 10}小学", "school", school_type="primary")
        assign(UserFactory.create(unit=school), "school_staff", school)
        assign(UserFactory.create(unit=school), "principal", school)
    directive(city, form_version)
    with django_assert_max_num_queries(16):
        assert reminders.send_deadline_reminders(now=at(THURSDAY, 9))["t-2"] == 13
    with django_assert_max_num_queries(16):
        assert reminders.send_deadline_reminders(now=at(MONDAY, 18))["overdue"] == 13


def test_the_job_runs_hourly_on_working_days_and_is_registered() -> None:
    from huey.contrib.djhuey import HUEY

    from dudao.directives import tasks

    job = reminders.deadline_reminders.task_class()
    assert tasks.daily_directive_jobs  # the module the huey consumer loads registers the 催报 job with it
    assert job.name in {t.name for t in HUEY._registry.periodic_tasks}
    wednesday = dt.datetime(2026, 12, 9, 10, 5)  # naive local time, as huey's scheduler asks (utc=False)
    assert job.validate_datetime(wednesday)
    assert job.validate_datetime(wednesday.replace(hour=8))
    assert not job.validate_datetime(wednesday.replace(hour=20))
    assert not job.validate_datetime(wednesday.replace(minute=30))
    assert not job.validate_datetime(dt.datetime(2026, 12, 12, 10, 5))  # Saturday


def test_working_days_come_from_the_published_calendar(city: City) -> None:
    """国庆 1–7 October is not worked; the 调休 Saturday 10 October is."""
    build_year(city)
    calendar = SchoolCalendar().chain(city.root)
    assert reminders.working_day_before(dt.date(2026, 10, 8), 1, calendar) == dt.date(2026, 9, 30)
    assert reminders.working_day_before(dt.date(2026, 10, 8), 2, calendar) == dt.date(2026, 9, 29)
    assert reminders.working_day_before(dt.date(2026, 10, 12), 1, calendar) == dt.date(2026, 10, 10)
    assert not reminders.is_working_day(dt.date(2026, 10, 5), calendar)


def test_no_reminder_on_a_holiday_and_the_lead_days_skip_it(city: City, form_version) -> None:  # noqa: F811
    """A public holiday on the Friday before a Monday deadline: T-1 is Thursday, T-2 Wednesday, nothing on Friday."""
    actor = city.user("bureau_staff")
    today = timezone.localdate()
    year = calendar_services.create_year(
        actor=actor,
        unit=city.root,
        name="测试学年",
        starts_on=today - dt.timedelta(days=30),
        ends_on=today + dt.timedelta(days=300),
    )
    calendar_services.add_term(
        actor=actor,
        year=year,
        term=calendar_services.TermIn("第一学期", today - dt.timedelta(days=30), today + dt.timedelta(days=120)),
        version=None,
    )
    calendar_services.add_year_entry(
        actor=actor, year=year, entry=calendar_services.EntryIn(EntryKind.HOLIDAY, "假日", FRIDAY, FRIDAY), version=None
    )
    year.refresh_from_db()
    calendar_services.publish_year(actor=actor, year=year, version=year.version)
    directive(city, form_version)
    wednesday = THURSDAY - dt.timedelta(days=1)
    assert reminders.send_deadline_reminders(now=at(wednesday, 9))["t-2"] == 1
    assert reminders.send_deadline_reminders(now=at(THURSDAY, 9))["t-1"] == 1
    assert reminders.send_deadline_reminders(now=at(FRIDAY, 9)) == {"t-2": 0, "t-1": 0, "overdue": 0}
