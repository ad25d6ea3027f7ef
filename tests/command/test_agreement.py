"""Each indicator agrees with the figure its module's own pages show for the same rows (the test city)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from dudao.cases import selectors as case_selectors
from dudao.cases import services as case_services
from dudao.cases.models import CaseFile, CaseKind, CounsellorProfile, DropoutResult, Employment, HomeVisit, term_of
from dudao.command import selectors
from dudao.core.indicators import Value
from dudao.dashboard.services import round_figures
from dudao.directives import selectors as directive_selectors
from dudao.directives import services as directive_services
from dudao.directives.models import FormVersion, Submission
from dudao.duty import selectors as duty_selectors
from dudao.duty import services as duty_services
from dudao.health.models import Alert, AlertRule, AlertStatus, DailyCheck, Session
from dudao.health.selectors import area_rows
from dudao.inspections.models import Target
from dudao.notices import selectors as notice_selectors
from dudao.notices import services as notice_services
from dudao.notices.models import Receipt
from dudao.orgs.models import OrgUnit
from dudao.rectification.models import ItemStatus, RectificationItem
from dudao.rectification.selectors import LedgerFilters, counts_by_area, ledger
from tests.directives.conftest import GOOD_VALUES, STAFFING_SCHEMA, city_directive, in_days
from tests.duty.conftest import inspection_plan
from tests.factories import City
from tests.inspections.factories import ledger_item, plan_round, submit_checklist, submitted_round, target_of

pytestmark = pytest.mark.django_db


def figures(
    city: City, code: str, units: list[OrgUnit], start: dt.date, end: dt.date, who: str = "bureau_staff"
) -> dict[Any, Value]:
    user = city.user(who)
    return selectors.values(user, selectors.indicator_for(user, code), units, start, end)


def districts(city: City) -> list[OrgUnit]:
    return [city.root, city.district_a, city.district_b]


def last_school_day(day: dt.date) -> dt.date:
    while day.weekday() >= 5:
        day -= dt.timedelta(days=1)
    return day


# ----- directives ---------------------------------------------------------------------------------------------


@pytest.fixture
def form_version(city: City) -> FormVersion:
    form = directive_services.create_form(
        actor=city.user("bureau_staff"), name="心理健康教师配备情况", schema=STAFFING_SCHEMA
    )
    return directive_services.publish_form(actor=city.user("bureau_staff"), form=form)


def submission_of(directive: Any, unit: OrgUnit) -> Submission:
    return Submission.objects.get(directive=directive, unit=unit)


def test_completeness_and_on_time_rate_agree_with_the_directive_page(city: City, form_version: FormVersion) -> None:
    directive = city_directive(city, form_version, approval_kinds=[])
    directive_services.submit(
        actor=city.user("principal"), submission=submission_of(directive, city.school_a), values=GOOD_VALUES
    )
    directive.periods.update(deadline=in_days(-1))
    directive_services.submit(
        actor=city.user("district_admin_b"), submission=submission_of(directive, city.school_b), values=GOOD_VALUES
    )
    total, rows = directive_selectors.completeness(directive.periods.get(), city.user("bureau_staff"))
    today = timezone.localdate()
    complete = figures(city, "directives.completeness", districts(city), today - dt.timedelta(days=3), today)
    on_time = figures(city, "directives.on_time_rate", districts(city), today - dt.timedelta(days=3), today)
    assert (complete[city.root.pk].numerator, complete[city.root.pk].denominator) == (total.submitted, total.expected)
    assert (on_time[city.root.pk].numerator, on_time[city.root.pk].denominator) == (total.on_time, total.expected)
    for row in rows:
        assert (complete[row.unit.pk].numerator, complete[row.unit.pk].denominator) == (
            row.counts.submitted,
            row.counts.expected,
        )
        assert on_time[row.unit.pk].numerator == row.counts.on_time
    assert on_time[city.root.pk].value == 33.3 and complete[city.root.pk].value == 66.7


def test_reports_not_yet_due_do_not_lower_the_on_time_rate(city: City, form_version: FormVersion) -> None:
    city_directive(city, form_version, deadline=in_days(1))
    today = timezone.localdate()
    figure = figures(city, "directives.on_time_rate", [city.root], today, today + dt.timedelta(days=3))[city.root.pk]
    assert figure == Value(None, 0, 0)
    assert figures(city, "directives.completeness", [city.root], today, today + dt.timedelta(days=3))[
        city.root.pk
    ] == Value(0.0, 0, 3)


def test_unacknowledged_directives_agree_with_the_acknowledged_count(city: City, form_version: FormVersion) -> None:
    directive = city_directive(city, form_version)
    directive_services.acknowledge(actor=city.user("principal"), target=directive.targets.get(unit=city.school_a))
    total, rows = directive_selectors.completeness(directive.periods.get(), city.user("bureau_staff"))
    today = timezone.localdate()
    found = figures(city, "directives.unacknowledged", districts(city), today, today)
    assert found[city.root.pk].value == total.expected - total.acknowledged == 2
    for row in rows:
        assert found[row.unit.pk].value == row.counts.expected - row.counts.acknowledged


# ----- rectification and inspections -------------------------------------------------------------------------


def test_overdue_items_and_close_rate_agree_with_the_ledger_overview(city: City) -> None:
    late = ledger_item(city)
    ledger_item(city, owner=None)
    third = ledger_item(city, school=city.school_b, owner=None)
    RectificationItem.objects.filter(pk__in=[late.pk, third.pk]).update(
        due_date=timezone.localdate() - dt.timedelta(days=2)
    )
    RectificationItem.objects.filter(pk=third.pk).update(status=ItemStatus.CLOSED, closed_at=timezone.now())
    today = timezone.localdate()
    overdue = figures(city, "rectification.overdue", districts(city), today, today)
    rate = figures(city, "rectification.close_rate", districts(city), today, today)
    areas = {area.unit.pk: area for area in counts_by_area(city.user("bureau_staff"))}
    for district in (city.district_a, city.district_b):
        assert overdue[district.pk].value == areas[district.pk].overdue
        assert rate[district.pk].value == areas[district.pk].close_rate
    assert overdue[city.district_a.pk].value == 1 and rate[city.district_b.pk].value == 100.0
    in_ledger = ledger(city.user("district_admin"), LedgerFilters(overdue=True)).count()
    assert (
        figures(city, "rectification.overdue", [city.district_a], today, today, who="district_admin")[
            city.district_a.pk
        ].value
        == in_ledger
    )


def test_average_days_to_close_agrees_with_the_round_bulletin(city: City) -> None:
    inspection = submitted_round(city)
    items = list(RectificationItem.objects.filter(inspection=inspection).order_by("id"))
    now = timezone.now()
    for item, (found_ago, closed_ago) in zip(
        items,
        [(dt.timedelta(days=4), dt.timedelta(days=1)), (dt.timedelta(days=3), dt.timedelta(hours=2))],
        strict=False,
    ):
        RectificationItem.objects.filter(pk=item.pk).update(
            status=ItemStatus.CLOSED, created_at=now - found_ago, closed_at=now - closed_ago
        )
    bulletin = round_figures(inspection, threshold=3)
    today = timezone.localdate()
    found = figures(city, "rectification.days_to_close", districts(city), today - dt.timedelta(days=7), today)
    (district_row,) = bulletin["by_district"]
    assert found[city.district_a.pk].value == district_row["avg_days"] == 3.0
    assert found[city.district_b.pk].value is None  # nothing closed: no average, not 0


def test_latest_inspection_score_agrees_with_the_round_page(city: City) -> None:
    first = submitted_round(city)
    today = timezone.localdate()
    found = figures(city, "inspections.latest_score", [city.district_a, city.school_a], today, today)
    average = round_figures(first, threshold=3)["average_score"]
    assert f"{found[city.district_a.pk].value:.1f}" == f"{average:.1f}"  # as the bulletin prints it
    first_percent = target_of(first, city.school_a).percent
    assert first_percent is not None
    assert found[city.school_a.pk].value == float(first_percent)
    again = plan_round(city, schools=[city.school_a])
    submit_checklist(city, target_of(again, city.school_a), fail=())
    latest = figures(city, "inspections.latest_score", [city.school_a], today, today)[city.school_a.pk]
    again_percent = Target.objects.get(inspection=again).percent
    assert again_percent is not None
    assert latest.value == float(again_percent) == 100.0


# ----- notices ------------------------------------------------------------------------------------------------


def test_awareness_rate_and_unconfirmed_agree_with_the_notice_page(city: City) -> None:
    notice = notice_services.create_notice(
        actor=city.user("principal"),
        issuer=city.school_a,
        title="致家长的一封信",
        body="各位家长：\n\n请加强暑期安全教育。",
    )
    notice_services.send_notice(actor=city.user("principal"), notice=notice)
    receipt = Receipt.objects.filter(notice=notice).order_by("id").first()
    assert receipt is not None
    notice_services.confirm_by_phone(actor=city.user("principal"), receipt=receipt, note="电话告知")
    today = timezone.localdate()
    units = [city.district_a, city.school_a, city.class_a1]
    rate = figures(city, "notices.awareness_rate", units, today, today)
    pending = figures(city, "notices.unconfirmed", units, today, today)
    for unit in units:
        page = notice_selectors.rates(notice, unit)
        assert rate[unit.pk].value == page.rate
        assert pending[unit.pk].value == page.pending
    assert rate[city.school_a.pk] == Value(20.0, 1, 5)
    below_school = figures(city, "notices.unconfirmed", [city.class_a1, city.class_a2], today, today)
    assert below_school[city.class_a2.pk].value == notice_selectors.rates(notice, city.class_a2).pending == 2


# ----- health -------------------------------------------------------------------------------------------------


def test_classes_not_checked_agree_with_the_health_dashboard(city: City) -> None:
    day = last_school_day(timezone.localdate())
    for klass in (city.class_a1, city.class_b1):
        school = city.school_a if klass == city.class_a1 else city.school_b
        DailyCheck.objects.create(klass=klass, school=school, date=day, session=Session.MORNING, roster_size=3)
    found = figures(city, "health.unchecked_classes", districts(city), day, day)
    rows = {row.unit.pk: row for row in area_rows(city.user("bureau_staff"), city.root, day)}
    for district in (city.district_a, city.district_b):
        assert found[district.pk].value == rows[district.pk].classes - rows[district.pk].checked
    assert found[city.root.pk].value == 2 and found[city.district_a.pk].value == 2


def test_no_morning_check_is_due_at_the_weekend(city: City) -> None:
    saturday = timezone.localdate() - dt.timedelta(days=(timezone.localdate().weekday() - 5) % 7)
    assert figures(city, "health.unchecked_classes", [city.root], saturday, saturday)[city.root.pk] == Value(0, 0)


def test_open_alerts_agree_with_the_health_dashboard(city: City) -> None:
    now, today = timezone.now(), timezone.localdate()
    for school, status in (
        (city.school_a, AlertStatus.OPEN),
        (city.school_a2, AlertStatus.REPORTED),
        (city.school_b, AlertStatus.CLOSED),
    ):
        Alert.objects.create(
            school=school,
            rule=AlertRule.CLASS_CLUSTER,
            title="班级症状聚集",
            on_date=today,
            status=status,
            report_due_at=now,
        )
    found = figures(city, "health.open_alerts", districts(city), today, today)
    rows = {row.unit.pk: row for row in area_rows(city.user("bureau_staff"), city.root, today)}
    for district in (city.district_a, city.district_b):
        assert found[district.pk].value == rows[district.pk].open_alerts
    assert found[city.root.pk].value == 2


# ----- duty ---------------------------------------------------------------------------------------------------


def test_missed_signins_agree_with_the_duty_page(city: City, settings: Any) -> None:
    now, today = timezone.now(), timezone.localdate()
    settings.DUDAO_DUTY_SIGNIN_DEADLINE = timezone.localtime(now - dt.timedelta(minutes=5)).strftime("%H:%M")
    roster = duty_services.create_roster(
        actor=city.user("principal"),
        unit=city.school_a,
        title="值班表",
        starts_on=today - dt.timedelta(days=1),
        ends_on=today,
    )
    shifts = [
        duty_services.add_shift(
            actor=city.user("principal"),
            roster=roster,
            person=city.user(person),
            role="staff",
            starts_at=now - dt.timedelta(hours=2),
            ends_at=now + dt.timedelta(hours=6),
        )
        for person in ("doctor", "counsellor")
    ]
    duty_services.publish_roster(actor=city.user("principal"), roster=roster, version=None)
    duty_services.sign_in(actor=city.user("counsellor"), shift=shifts[1])
    found = figures(city, "duty.missed_signins", districts(city), today - dt.timedelta(days=1), today)
    assert found[city.root.pk].value == duty_selectors.missed_for(city.user("bureau_staff")).count() == 1
    assert found[city.district_a.pk].value == duty_selectors.missed_for(city.user("district_admin")).count()
    assert found[city.district_b.pk].value == duty_selectors.missed_for(city.user("district_admin_b")).count() == 0


def test_drill_coverage_agrees_with_the_coverage_page(city: City) -> None:
    today = timezone.localdate()
    duty_services.record_drill(
        actor=city.user("school_staff"),
        plan=inspection_plan(city),
        held_on=today,
        participants=120,
        duration_minutes=45,
        evaluation="疏散有序",
    )
    rows = duty_selectors.drill_coverage(city.user("bureau_staff"), term=duty_selectors.term_of(today))
    found = figures(city, "duty.drill_coverage", districts(city), today, today)
    for unit in districts(city):
        mine = [row for row in rows if row.unit.path.startswith(unit.path)]
        assert found[unit.pk].value == round(100 * sum(1 for row in mine if row.counts) / len(mine), 1)
    assert found[city.district_a.pk] == Value(50.0, 1, 2)


# ----- cases (counts only) ------------------------------------------------------------------------------------


def test_home_visit_coverage_agrees_with_the_coverage_page(city: City) -> None:
    today = timezone.localdate()
    for student in (city.students["a1"][0], city.students["b1"][0]):
        HomeVisit.objects.create(
            school=city.school_a if student.klass_id == city.class_a1.pk else city.school_b,
            klass=student.klass,
            student=student,
            term=term_of(today),
            visited_on=today,
        )
    page = {row["unit"]: row for row in case_selectors.visit_coverage(city.root, term_of(today))}
    found = figures(city, "cases.visit_coverage", districts(city), today, today)
    for district in (city.district_a, city.district_b):
        assert found[district.pk].value == page[district.name]["coverage"]
        assert (found[district.pk].numerator, found[district.pk].denominator) == (
            page[district.name]["visited"],
            page[district.name]["students"],
        )


def test_open_dropout_cases_agree_with_the_dropout_register(city: City) -> None:
    for index in (0, 1):
        case_services.open_case(
            actor=city.user("counsellor"),
            student=city.students["a1"][index],
            kind=CaseKind.DROPOUT,
            source="census",
            dropout_reason="work",
            out_since=timezone.localdate() - dt.timedelta(days=20),
        )
    CaseFile.objects.filter(student=city.students["a1"][1]).update(dropout_result=DropoutResult.RETURNED)
    stats = {row["unit"]: row for row in case_selectors.dropout_stats(city.root).by_unit}
    today = timezone.localdate()
    found = figures(city, "cases.open_dropouts", districts(city), today, today)
    for district in (city.district_a, city.district_b):
        assert found[district.pk].value == stats[district.name]["remaining"]
    assert found[city.root.pk].value == 1


def test_schools_without_a_counsellor_agree_with_the_staffing_page(city: City) -> None:
    CounsellorProfile.objects.create(
        user=city.user("counsellor"), school=city.school_a, employment=Employment.PART_TIME
    )
    today = timezone.localdate()
    found = figures(city, "cases.schools_without_counsellor", districts(city), today, today)
    staffing = case_selectors.staffing(city.district_a)
    assert found[city.district_a.pk].value == sum(1 for row in staffing if row.full_time + row.part_time == 0) == 1
    assert found[city.root.pk].value == 2


# What a counts-only drill-down may show: units and numbers.
COUNT_KEYS = {"unit_id", "unit_name", "school_id", "school_name", "students", "visited", "cases"}


def test_case_figures_drill_to_counts_per_school_never_to_names(city: City) -> None:
    case_services.open_case(
        actor=city.user("counsellor"),
        student=city.students["a1"][0],
        kind=CaseKind.DROPOUT,
        source="census",
        dropout_reason="work",
        out_since=timezone.localdate() - dt.timedelta(days=20),
    )
    user = city.user("bureau_staff")
    today = timezone.localdate()
    for code in ("cases.open_dropouts", "cases.visit_coverage"):
        rows, _ = selectors.drill(user, selectors.indicator_for(user, code), city.district_a, today, today)
        listed = list(rows)
        assert listed and all(set(row) <= COUNT_KEYS for row in listed)
        assert city.students["a1"][0].name not in repr(listed)
    rows, _ = selectors.drill(user, selectors.indicator_for(user, "cases.open_dropouts"), city.root, today, today)
    assert list(rows) == [{"school_id": city.school_a.pk, "school_name": city.school_a.name, "cases": 1}]


def test_area_counts_name_every_district_even_one_without_problems(city: City) -> None:
    ledger_item(city)  # a problem in 甲区 only
    areas = {area.unit.pk: area for area in counts_by_area(city.user("bureau_staff"))}
    assert areas[city.district_a.pk].total == 1
    assert areas[city.district_b.pk].total == 0 and areas[city.district_b.pk].close_rate == 0.0
    # A district's own view lists its schools that have items, not other districts.
    own = {area.unit.pk for area in counts_by_area(city.user("district_admin"))}
    assert city.district_b.pk not in own


def test_a_withdrawn_directive_leaves_the_on_time_rate(city: City, form_version: FormVersion) -> None:
    """Units are not late for a directive the bureau withdrew: its reports leave the figures (and the appraisal)."""
    directive = city_directive(city, form_version, approval_kinds=[])
    directive.periods.update(deadline=in_days(-1))
    today = timezone.localdate()
    before = figures(city, "directives.on_time_rate", [city.root], today - dt.timedelta(days=3), today)[city.root.pk]
    assert before.denominator == 3 and before.numerator == 0
    directive_services.withdraw_directive(actor=city.user("bureau_staff"), directive=directive, reason="与上级通知重复")
    after = figures(city, "directives.on_time_rate", [city.root], today - dt.timedelta(days=3), today)[city.root.pk]
    assert after.denominator == 0
