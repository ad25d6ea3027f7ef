"""What a school's profile holds, for whom, and what it costs."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dudao.command import selectors as command
from dudao.duty.models import DutySignIn
from dudao.health.selectors import is_school_day
from dudao.notices import selectors as notice_selectors
from dudao.notices.models import NoticeSchool
from dudao.profiles import selectors
from dudao.rectification.models import RectificationItem
from tests.factories import City
from tests.inspections.factories import ledger_item
from tests.profiles.conftest import Busy, profile_of

pytestmark = pytest.mark.django_db

ALL = ["inspections", "ledger", "directives", "health", "notices", "duty", "drills", "staffing", "cases", "campaigns"]


@pytest.mark.parametrize(
    ("who", "sections"),
    [
        ("bureau_leader", ALL),
        ("bureau_staff", ALL),
        ("district_admin", ALL),
        ("principal", ALL),
        # The school office reads no case statistics (case.stats).
        ("school_staff", [s for s in ALL if s != "cases"]),
        # Inspectors read no health, notices or case figures.
        ("inspector", ["inspections", "ledger", "directives", "duty", "drills", "staffing", "campaigns"]),
    ],
)
def test_each_section_follows_its_modules_permission(city: City, busy: Busy, who: str, sections: list[str]) -> None:
    profile = profile_of(city, who)
    assert profile.sections == sections
    for name in ALL:
        assert (getattr(profile, name) is not None) == (name in sections), name


def test_ledger_section_counts_and_lists_open_items_soonest_first_with_owners(city: City, busy: Busy) -> None:
    ledger = profile_of(city, "district_admin").ledger
    assert (ledger.open, ledger.overdue, ledger.closed) == (4, 1, 0)
    assert ledger.items[0].pk == busy.overdue_item.pk
    assert ledger.items[0].owner.display_name == city.user("school_staff").display_name
    assert [i.due_date for i in ledger.items] == sorted(i.due_date for i in ledger.items)
    assert ledger.overdue_url.endswith(f"?school={city.school_a.pk}&overdue=1")
    figures = {f.code: f.value.value for f in ledger.figures}
    assert figures == {"rectification.overdue": 1, "rectification.close_rate": 0.0}


def test_ledger_figures_are_the_registrys(city: City, busy: Busy) -> None:
    user = city.user("district_admin")
    today = timezone.localdate()
    expected = command.values(user, command.indicator_for(user, "rectification.overdue"), [city.school_a], today, today)
    shown = next(f for f in profile_of(city, "district_admin").ledger.figures if f.code == "rectification.overdue")
    assert shown.value == expected[city.school_a.pk]


def test_inspection_section_lists_the_rounds_latest_first_and_charts_them_oldest_first(city: City, busy: Busy) -> None:
    section = profile_of(city, "inspector").inspections
    assert busy.inspection.pk in [s.inspection_id for s in section.scores]
    assert section.scores[-1].name == "文明校园实地测评"
    assert section.scores[-1].findings == 2
    assert section.chart["names"][0] == "文明校园实地测评"
    assert section.chart["scores"] == [s.percent for s in reversed(section.scores)]
    assert section.figures[0].value.value == section.scores[0].percent


def test_directive_section_counts_only_this_schools_reports(city: City, busy: Busy) -> None:
    section = profile_of(city, "bureau_staff").directives
    assert section.due_count == 1
    assert [r.submission.unit_id for r in section.due] == [city.school_a.pk]
    assert section.due[0].submission.directive_id == busy.directive.pk
    assert section.overdue_count == 0


def test_a_report_past_its_deadline_is_counted_overdue(city: City, busy: Busy) -> None:
    busy.directive.periods.update(deadline=timezone.now() - dt.timedelta(hours=1))
    section = profile_of(city, "district_admin").directives
    assert section.overdue_count == 1
    assert section.due[0].is_overdue


def test_health_section_shows_todays_checks_and_the_unchecked_classes(city: City, busy: Busy) -> None:
    section = profile_of(city, "principal").health
    assert (section.classes, section.checked, section.illness) == (2, 1, 1)
    if is_school_day(timezone.localdate()):
        assert [k.name for k in section.unchecked] == ["七年级（2）班"]
    else:
        assert section.unchecked == []
    assert [d.date for d in section.month] == [timezone.localdate()]


def test_notice_section_agrees_with_the_notice_page(city: City, busy: Busy) -> None:
    section = profile_of(city, "district_admin").notices
    rates = notice_selectors.rates(busy.notice, city.school_a)
    assert [(r.notice_id, r.total, r.confirmed) for r in section.rows] == [
        (busy.notice.pk, rates.total, rates.confirmed)
    ]
    assert section.rows[0].rate == rates.rate


def test_a_notice_that_did_not_reach_the_school_is_not_listed(city: City, busy: Busy) -> None:
    NoticeSchool.objects.filter(notice=busy.notice, school=city.school_a).delete()
    assert profile_of(city, "district_admin").notices.rows == []


def test_duty_section_flags_the_missed_sign_in_and_clears_it_once_signed(city: City, busy: Busy) -> None:
    section = profile_of(city, "district_admin").duty
    assert [(r.shift.pk, r.is_missed) for r in section.shifts] == [(busy.shift.pk, True)]
    DutySignIn.objects.create(shift=busy.shift, person=city.user("doctor"))
    section = profile_of(city, "district_admin").duty
    assert [(r.shift.pk, r.is_missed) for r in section.shifts] == [(busy.shift.pk, False)]
    assert section.shifts[0].signed_at is not None


def test_drill_section_names_the_plan_types_not_drilled_this_term(city: City, busy: Busy) -> None:
    section = profile_of(city, "principal").drills
    assert len(section.drills) == 1
    assert "迎检" not in section.missing
    assert "消防" in section.missing


def test_case_section_gives_counts_only(city: City, busy: Busy, signed_in) -> None:
    section = profile_of(city, "district_admin").cases
    assert (section.open, section.crisis) == (1, 0)
    assert dict(section.by_level)["一级关注"] == 1
    page = signed_in(city.user("district_admin")).get(f"/schools/{city.school_a.pk}/").content.decode()
    assert busy.case.student.name not in page
    assert 'data-testid="cases-open">1<' in page


def test_staffing_counts_the_schools_people_and_hides_counsellors_from_inspectors(city: City, busy: Busy) -> None:
    section = profile_of(city, "district_admin").staffing
    assert dict(section.roles) == {"校长": 1, "学校管理员/德育主任": 1, "班主任": 1, "心理教师": 1, "校医/保健老师": 1}
    assert section.counsellors is not None
    assert section.counsellors.students == 5
    assert profile_of(city, "inspector").staffing.counsellors is None


def test_campaigns_name_the_school_through_its_district_and_leave_out_other_schools(city: City, busy: Busy) -> None:
    rows = profile_of(city, "district_admin").campaigns
    assert [(c.pk, c.through) for c in rows] == [(busy.campaign.pk, "甲区教育局")]
    assert rows[0].url == f"/campaigns/{busy.campaign.pk}/"


def test_a_principal_sees_the_campaigns_of_the_schools_district(city: City, busy: Busy) -> None:
    # Campaigns' own scoping: a city campaign involving 甲区 is seen by 甲区's schools; 乙区's is not.
    from dudao.campaigns.models import CampaignUnit

    assert [(c.pk, c.through) for c in profile_of(city, "principal").campaigns] == [(busy.campaign.pk, "甲区教育局")]
    CampaignUnit.objects.create(campaign=busy.campaign, unit=city.school_a)
    assert [c.through for c in profile_of(city, "principal").campaigns] == ["本校"]


def _queries(city: City) -> int:
    with CaptureQueriesContext(connection) as captured:
        profile_of(city, "district_admin")
    return len(captured)


def test_the_profile_costs_the_same_queries_however_much_the_school_has(city: City, busy: Busy) -> None:
    _queries(city)  # the first read also loads the acting assignment, cached on the user
    before = _queries(city)
    for _ in range(3):
        ledger_item(city, owner="principal")
    RectificationItem.objects.update(due_date=timezone.localdate() - dt.timedelta(days=1))
    assert _queries(city) == before


def test_the_whole_page_stays_under_a_fixed_query_budget(
    city: City, busy: Busy, signed_in, django_assert_max_num_queries
) -> None:
    client = signed_in(city.user("district_admin"))
    with django_assert_max_num_queries(75):
        response = client.get(f"/schools/{city.school_a.pk}/")
    assert response.status_code == 200


def test_school_for_refuses_a_role_without_the_permission(city: City) -> None:
    from dudao.core.errors import Forbidden

    with pytest.raises(Forbidden):
        selectors.school_for(city.user("class_teacher"), city.school_a.pk)


@pytest.mark.parametrize("target", ["school_b", "district_a", "class_a1", "grade_a"])
def test_school_for_answers_not_found_for_anything_but_a_school_in_scope(city: City, target: str) -> None:
    from dudao.core.errors import DomainError

    with pytest.raises(DomainError) as refused:
        selectors.school_for(city.user("district_admin"), getattr(city, target).pk)
    assert refused.value.status == 404
    assert refused.value.message == "对象不存在或不在您的管理范围内"
