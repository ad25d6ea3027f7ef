"""The campaign page's figures: a line per component, a cell per unit with its light, the rows behind a cell, the
viewer's part of the campaign, and a fixed number of queries whatever the number of units."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dudao.campaigns import selectors, services
from dudao.campaigns.models import Campaign
from dudao.directives import services as directives
from dudao.directives.models import Submission
from dudao.duty import services as duty
from dudao.inspections.models import InspectionKind
from dudao.notices.models import Receipt
from dudao.orgs.models import OrgUnit
from dudao.rectification.models import ItemStatus, RectificationItem
from tests.campaigns.conftest import inspection_plan, make_campaign, sent_notice, today
from tests.directives.conftest import city_directive
from tests.factories import City, unit
from tests.inspections.factories import plan_round, submitted_round

pytestmark = pytest.mark.django_db


def _attach(city: City, campaign: Campaign, kind: str, pk: int) -> None:
    services.attach(actor=city.user("bureau_staff"), campaign=campaign, kind=kind, object_id=pk)


def _cells(page: selectors.Summary, kind: str) -> dict[str, tuple[int, int, str]]:
    return {
        row.unit.name: next((c.done, c.total, c.light) for k, _, c in row.ordered if k == kind) for row in page.rows
    }


def test_round_problems_closed_per_district_then_per_school(city: City, campaign: Campaign) -> None:
    inspection = submitted_round(city)  # 五中 and 实验小学, two problems each
    first = RectificationItem.objects.filter(school=city.school_a).order_by("pk").first()
    assert first is not None
    RectificationItem.objects.filter(pk=first.pk).update(status=ItemStatus.CLOSED)
    _attach(city, campaign, "round", inspection.pk)

    page = selectors.summary(city.user("bureau_leader"), campaign)
    assert page.top == city.root
    [line] = page.kinds
    assert (line.total.done, line.total.total, line.total.light) == (1, 4, "red")
    assert (line.lines[0].title, line.lines[0].done, line.lines[0].total) == (inspection.name, 1, 4)
    assert _cells(page, "round") == {"甲区教育局": (1, 4, "red"), "乙区教育局": (0, 0, "none")}
    assert [row.has_children for row in page.rows] == [True, True]

    district = selectors.summary(city.user("bureau_leader"), campaign, city.district_a)
    assert _cells(district, "round") == {"甲区第五中学": (1, 2, "red"), "甲区实验小学": (0, 2, "red")}

    component, rows = selectors.cell_rows(city.user("bureau_leader"), campaign, "round", city.district_a)
    assert component.measure == "问题已销号"
    assert len(rows) == 3 and all(not r.row.is_done for r in rows)
    assert {r.row.unit for r in rows} == {city.school_a, city.school_a2}


def test_lights_follow_the_campaigns_thresholds(city: City) -> None:
    campaign = make_campaign(city, green_at=90, yellow_at=60)
    assert selectors.light(9, 10, campaign) == "green"
    assert selectors.light(6, 10, campaign) == "yellow"
    assert selectors.light(59, 100, campaign) == "red"
    assert selectors.light(0, 0, campaign) == "none"


def test_notice_awareness_per_unit_and_the_classes_behind_it(city: City, campaign: Campaign) -> None:
    notice = sent_notice(city)
    confirmed = Receipt.objects.filter(notice=notice, klass=city.class_a1).order_by("pk")[:2]
    Receipt.objects.filter(pk__in=[r.pk for r in confirmed]).update(confirmed_at=timezone.now())
    _attach(city, campaign, "notice", notice.pk)

    page = selectors.summary(city.user("bureau_staff"), campaign)
    assert _cells(page, "notice") == {"甲区教育局": (2, 6, "red"), "乙区教育局": (0, 2, "red")}
    _, rows = selectors.cell_rows(city.user("bureau_staff"), campaign, "notice", city.school_a)
    assert [(r.row.unit, r.row.state) for r in rows] == [
        (city.class_a2, "2 名家长未确认"),
        (city.class_a1, "1 名家长未确认"),
    ]
    assert rows[1].row.person == city.user("class_teacher")


def test_directive_reports_in_counting_forwarded_directives(city: City, campaign: Campaign) -> None:
    directive = city_directive(city, None, title="关于报送文明校园创建示范点名单的通知")
    report = Submission.objects.get(directive=directive, unit=city.school_a)
    directives.submit(actor=city.user("principal"), submission=report, values={})
    _attach(city, campaign, "directive", directive.pk)

    page = selectors.summary(city.user("bureau_staff"), campaign)
    assert _cells(page, "directive") == {"甲区教育局": (1, 2, "red"), "乙区教育局": (0, 1, "red")}
    assert page.kinds[0].measure == "已报送"
    _, rows = selectors.cell_rows(city.user("bureau_staff"), campaign, "directive", city.district_a)
    assert [r.row.unit for r in rows] == [city.school_a2]
    assert rows[0].row.state.startswith("未")


def test_plans_count_involved_schools_that_drilled(city: City, campaign: Campaign) -> None:
    district_plan = inspection_plan(city, city.district_a, city.user("bureau_staff"))
    school_plan = inspection_plan(city, city.school_a, city.user("principal"))
    duty.record_drill(
        actor=city.user("principal"),
        plan=school_plan,
        held_on=today(),
        participants=300,
        duration_minutes=30,
        evaluation="疏散有序",
    )
    _attach(city, campaign, "plan", district_plan.pk)

    page = selectors.summary(city.user("bureau_staff"), campaign)
    assert page.kinds[0].lines[0].title == "迎检演练"
    assert _cells(page, "plan") == {"甲区教育局": (1, 2, "red"), "乙区教育局": (0, 1, "red")}
    _, rows = selectors.cell_rows(city.user("bureau_staff"), campaign, "plan", city.district_a)
    assert [r.row.unit for r in rows] == [city.school_a2]


def test_leave_requests_handled(city: City, campaign: Campaign) -> None:
    period = duty.set_campaign(
        actor=city.user("bureau_staff"),
        title="创城迎检管控期",
        starts_on=today(),
        ends_on=today() + dt.timedelta(days=20),
    )
    duty.file_leave(
        actor=city.user("principal"),
        campaign=period,
        starts_on=today() + dt.timedelta(days=1),
        ends_on=today() + dt.timedelta(days=2),
        destination="南昌",
        reason="参加培训",
        deputy=city.user("school_staff"),
    )
    _attach(city, campaign, "leave", period.pk)
    page = selectors.summary(city.user("bureau_staff"), campaign)
    assert _cells(page, "leave")["甲区教育局"] == (0, 1, "red")
    _, rows = selectors.cell_rows(city.user("bureau_staff"), campaign, "leave", city.district_a)
    assert rows[0].row.person == city.user("principal") and rows[0].row.state == "待审批"


def test_a_principal_sees_their_schools_line_and_not_what_is_hidden_from_schools(
    city: City, campaign: Campaign
) -> None:
    visible = submitted_round(city)
    hidden = plan_round(city, kind=InspectionKind.UNANNOUNCED, schools=[city.school_a])
    _attach(city, campaign, "round", visible.pk)
    _attach(city, campaign, "round", hidden.pk)

    page = selectors.summary(city.user("principal"), campaign)
    assert page.top == city.school_a
    assert [row.unit for row in page.rows] == [city.school_a]
    assert [line.title for line in page.kinds[0].lines] == [visible.name]
    assert page.hidden_items == 1
    assert selectors.summary(city.user("bureau_staff"), campaign).hidden_items == 0


def test_a_district_admin_sees_its_schools_and_nothing_of_other_districts(city: City, campaign: Campaign) -> None:
    page = selectors.summary(city.user("district_admin"), campaign)
    assert page.top == city.district_a
    assert [row.unit for row in page.rows] == [city.school_a, city.school_a2]
    with pytest.raises(Http404):
        selectors.summary(city.user("district_admin"), campaign, city.district_b)


def test_the_page_costs_the_same_queries_for_two_districts_or_seven(city: City) -> None:
    campaign = make_campaign(city)
    inspection = submitted_round(city)
    notice = sent_notice(city)
    district_plan = inspection_plan(city, city.district_a, city.user("bureau_staff"))
    for kind, pk in (("round", inspection.pk), ("notice", notice.pk), ("plan", district_plan.pk)):
        _attach(city, campaign, kind, pk)
    viewer = city.user("bureau_leader")

    def measure() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as captured:
            page = selectors.summary(viewer, campaign)
        return len(captured), len(page.rows)

    measure()  # the viewer's role assignments are read once and kept on the user
    before, rows_before = measure()
    root = OrgUnit.objects.get(pk=city.root.pk)
    extra = []
    for n in range(5):
        district = unit(root, f"新区{n}教育局", "district")
        extra += [district, unit(district, f"新区{n}一中", "school"), unit(district, f"新区{n}二中", "school")]
        root.refresh_from_db()
    services.add_units(actor=city.user("bureau_staff"), campaign=campaign, units=extra)
    after, rows_after = measure()
    assert (rows_before, rows_after) == (2, 7)
    assert after == before


def test_summary_queries_stay_few(city: City, campaign: Campaign, django_assert_max_num_queries: Any) -> None:
    _attach(city, campaign, "notice", sent_notice(city).pk)
    _attach(city, campaign, "round", submitted_round(city).pk)
    with django_assert_max_num_queries(20):
        selectors.summary(city.user("bureau_leader"), campaign)


def test_a_school_sees_its_districts_plan_but_not_another_districts(city: City, campaign: Campaign) -> None:
    plan_a = inspection_plan(city, city.district_a, city.user("bureau_staff"))
    plan_b = inspection_plan(city, city.district_b, city.user("bureau_staff"))
    _attach(city, campaign, "plan", plan_a.pk)
    _attach(city, campaign, "plan", plan_b.pk)
    visible, hidden = selectors.visible_items(city.user("principal"), campaign)
    assert [i.object_id for i in visible["plan"]] == [plan_a.pk] and hidden == 1
    # A class teacher reads plans too, but campaigns are for the heads of units: no page at all.
    assert selectors.campaigns_for(city.user("class_teacher")).count() == 0
