"""Services: publishing a year, its rules, local days down the org path, the resolver's query budget."""

from __future__ import annotations

import datetime as dt

import pytest

from dudao.audit.models import AuditEvent
from dudao.calendars import selectors, services
from dudao.calendars.days import Day
from dudao.calendars.models import CalendarEntry, EntryKind, SchoolYear, Term
from dudao.core.errors import DomainError, Forbidden, StaleEditError
from tests.calendars.conftest import build_year

pytestmark = pytest.mark.django_db
D = dt.date


def test_published_year_applies_to_every_unit_below_the_bureau(city, year):
    assert not selectors.is_school_day(city.class_a1, D(2026, 10, 5))
    assert selectors.is_school_day(city.class_b1, D(2026, 10, 10))  # 调休 Saturday
    assert selectors.nth_school_day(city.school_a, D(2026, 9, 30), 1) == D(2026, 10, 8)
    assert selectors.school_days_between(city.school_b, D(2026, 9, 28), D(2026, 10, 11)) == 6
    now = selectors.current_term(city.class_a1, D(2026, 12, 7))
    assert now is not None and now.term.name == "第一学期" and now.week == 15
    assert selectors.next_opening_day(city.school_a, D(2027, 1, 30)) == D(2027, 2, 22)


def test_a_draft_year_changes_nothing(city):
    build_year(city, publish=False)
    info = selectors.SchoolCalendar().day(city.class_a1, D(2026, 10, 5))
    assert info.kind is Day.SCHOOL and info.fallback


def test_every_change_is_audited(city):
    before = AuditEvent.objects.count()
    build_year(city)
    actions = list(AuditEvent.objects.order_by("id").values_list("action", flat=True)[before:])
    assert actions[0] == "create_school_year"
    assert actions.count("add_term") == 2
    assert actions.count("add_calendar_entry") == 6
    assert actions[-1] == "publish_school_year"


def test_makeup_day_on_a_holiday_is_refused_and_nothing_changes(city, year):
    count = CalendarEntry.objects.count()
    with pytest.raises(DomainError, match="一天不能既放假又上课") as exc:
        services.add_year_entry(
            actor=city.user("bureau_staff"),
            year=year,
            entry=services.EntryIn(EntryKind.MAKEUP, "错误的调休", D(2026, 10, 3), D(2026, 10, 3)),
            version=year.version,
        )
    assert exc.value.code == "makeup_is_holiday"
    assert CalendarEntry.objects.count() == count
    assert SchoolYear.objects.get(pk=year.pk).version == year.version


def test_overlapping_terms_are_refused(city, year):
    with pytest.raises(DomainError, match="日期重叠") as exc:
        services.add_term(
            actor=city.user("bureau_staff"),
            year=year,
            term=services.TermIn("小学期", D(2027, 1, 10), D(2027, 2, 10)),
            version=year.version,
        )
    assert exc.value.code == "terms_overlap"
    assert Term.objects.filter(year=year).count() == 2


def test_inverted_and_outside_dates_are_refused(city, year):
    actor = city.user("bureau_staff")
    with pytest.raises(DomainError, match="结束日期不能早于开始日期"):
        services.add_year_entry(
            actor=actor,
            year=year,
            entry=services.EntryIn(EntryKind.HOLIDAY, "清明节", D(2027, 4, 5), D(2027, 4, 3)),
            version=year.version,
        )
    with pytest.raises(DomainError, match="超出了学年"):
        services.add_term(
            actor=actor, year=year, term=services.TermIn("下学年", D(2027, 9, 1), D(2028, 1, 20)), version=year.version
        )


def test_stale_version_is_refused_with_409(city, year):
    with pytest.raises(StaleEditError) as exc:
        services.add_year_entry(
            actor=city.user("bureau_staff"),
            year=year,
            entry=services.EntryIn(EntryKind.HOLIDAY, "清明节", D(2027, 4, 3), D(2027, 4, 5)),
            version=year.version - 1,
        )
    assert exc.value.status == 409


def test_a_double_submit_adds_one_entry(city, year):
    entry = services.EntryIn(EntryKind.HOLIDAY, "清明节", D(2027, 4, 3), D(2027, 4, 5))
    first = services.add_year_entry(actor=city.user("bureau_staff"), year=year, entry=entry, version=year.version)
    again = services.add_year_entry(actor=city.user("bureau_staff"), year=year, entry=entry, version=year.version)
    assert first.pk == again.pk


@pytest.mark.parametrize("role", ["principal", "district_admin", "inspector", "class_teacher"])
def test_only_the_bureau_edits_the_year(city, role):
    with pytest.raises(Forbidden):
        services.create_year(
            actor=city.user(role),
            unit=city.root,
            name="2026—2027学年",
            starts_on=D(2026, 9, 1),
            ends_on=D(2027, 8, 31),
        )


def test_district_local_day_inherits_to_its_schools_and_classes_only(city, year):
    services.add_local_day(
        actor=city.user("district_admin"),
        unit=city.district_a,
        entry=services.EntryIn(EntryKind.LOCAL_OFF, "全区教师培训日", D(2026, 10, 21), D(2026, 10, 21)),
    )
    cal = selectors.SchoolCalendar()
    assert cal.day(city.class_a1, D(2026, 10, 21)).kind is Day.LOCAL_OFF
    assert cal.day(city.school_a2, D(2026, 10, 21)).kind is Day.LOCAL_OFF
    assert cal.day(city.class_b1, D(2026, 10, 21)).kind is Day.SCHOOL


def test_school_sports_day_and_grade_staged_opening(city, year):
    services.add_local_day(
        actor=city.user("principal"),
        unit=city.school_a,
        entry=services.EntryIn(EntryKind.LOCAL_OFF, "校运动会", D(2026, 10, 22), D(2026, 10, 23)),
    )
    services.add_local_day(
        actor=city.user("principal"),
        unit=city.grade_a,
        entry=services.EntryIn(EntryKind.LATE_OPENING, "七年级错时开学", D(2027, 2, 22), D(2027, 2, 23)),
    )
    assert not selectors.is_school_day(city.class_a1, D(2026, 10, 22))
    assert selectors.is_school_day(city.school_a2, D(2026, 10, 22))
    assert selectors.next_opening_day(city.class_a1, D(2027, 2, 1)) == D(2027, 2, 24)
    assert selectors.next_opening_day(city.school_a, D(2027, 2, 1)) == D(2027, 2, 22)


def test_local_day_outside_any_term_is_refused(city, year):
    with pytest.raises(DomainError, match="不在任何已发布学期内"):
        services.add_local_day(
            actor=city.user("principal"),
            unit=city.school_a,
            entry=services.EntryIn(EntryKind.LOCAL_OFF, "寒假补休", D(2027, 2, 1), D(2027, 2, 2)),
        )
    assert not CalendarEntry.objects.filter(unit=city.school_a).exists()


def test_suspension_crossing_terms_is_refused(city, year):
    with pytest.raises(DomainError, match="停课时间跨越了学期") as exc:
        services.add_local_day(
            actor=city.user("principal"),
            unit=city.class_a1,
            entry=services.EntryIn(EntryKind.SUSPENSION, "流感停课", D(2027, 1, 20), D(2027, 2, 25)),
        )
    assert exc.value.code == "suspension_crosses_terms"


def test_local_makeup_on_a_city_holiday_is_refused(city, year):
    with pytest.raises(DomainError, match="一天不能既放假又上课"):
        services.add_local_day(
            actor=city.user("district_admin"),
            unit=city.district_a,
            entry=services.EntryIn(EntryKind.MAKEUP, "补课", D(2026, 10, 6), D(2026, 10, 6)),
        )


def test_district_admin_cannot_touch_another_district(city, year):
    with pytest.raises(Forbidden):
        services.add_local_day(
            actor=city.user("district_admin"),
            unit=city.school_b,
            entry=services.EntryIn(EntryKind.LOCAL_OFF, "运动会", D(2026, 10, 22), D(2026, 10, 22)),
        )


def test_removing_a_local_day_is_audited_and_stale_versions_refused(city, year):
    entry = services.add_local_day(
        actor=city.user("principal"),
        unit=city.school_a,
        entry=services.EntryIn(EntryKind.LOCAL_OFF, "校运动会", D(2026, 10, 22), D(2026, 10, 22)),
    )
    with pytest.raises(StaleEditError):
        services.remove_local_day(actor=city.user("principal"), entry=entry, version=entry.version + 1)
    services.remove_local_day(actor=city.user("principal"), entry=entry, version=entry.version)
    assert not CalendarEntry.objects.filter(pk=entry.pk).exists()
    assert AuditEvent.objects.filter(action="remove_local_day").count() == 1


def test_resolver_loads_once_for_many_units(city, year, django_assert_max_num_queries):
    services.add_local_day(
        actor=city.user("principal"),
        unit=city.school_a,
        entry=services.EntryIn(EntryKind.LOCAL_OFF, "校运动会", D(2026, 10, 22), D(2026, 10, 22)),
    )
    units = [city.class_a1, city.class_a2, city.class_b1, city.school_a2, city.school_a, city.school_b]
    cal = selectors.SchoolCalendar()
    with django_assert_max_num_queries(3):
        cal.preload(units)
        answers = [cal.is_school_day(u, D(2026, 10, 22)) for u in units for _ in range(50)]
    assert answers.count(False) == 3 * 50  # the two classes of 五中 and 五中 itself
    assert cal.queries == 3
