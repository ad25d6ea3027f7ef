"""The cockpit page (home of leaders, district admins and principals) and the drill page of every indicator."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.utils import timezone

from dudao.campaigns.models import Campaign, CampaignUnit, KeyDate
from dudao.command import summary
from dudao.command.models import SummaryState
from dudao.rectification.models import RectificationItem
from tests.command.test_summary import open_alert
from tests.factories import City
from tests.inspections.factories import ledger_item

pytestmark = pytest.mark.django_db

A, F, N = 200, 403, 404
# (role, url template, expected): {x} is the pk of City.x. 403 for a role without the cockpit (or the indicator),
# 404 for a unit outside the role's subtree or an unknown indicator.
MATRIX = [
    ("bureau_leader", "/cockpit/", A),
    ("bureau_leader", "/cockpit/?unit={district_b}", A),
    ("bureau_staff", "/cockpit/?unit={school_b}", A),
    ("inspector", "/cockpit/", A),
    ("district_admin", "/cockpit/", A),
    ("district_admin", "/cockpit/?unit={school_a2}", A),
    ("district_admin", "/cockpit/?unit={district_b}", N),
    ("district_admin", "/cockpit/?unit={root}", N),
    ("district_admin", "/cockpit/?unit=abc", N),
    ("principal", "/cockpit/", A),
    ("principal", "/cockpit/?unit={school_b}", N),
    ("school_staff", "/cockpit/", A),
    ("class_teacher", "/cockpit/", F),
    ("counsellor", "/cockpit/", F),
    ("doctor", "/cockpit/", F),
    ("sysadmin", "/cockpit/", F),
    ("security_officer", "/cockpit/", F),
    ("auditor", "/cockpit/", F),
    ("nobody", "/cockpit/", F),
    ("principal", "/cockpit/todos/", A),
    ("bureau_leader", "/cockpit/todos/", A),
    ("class_teacher", "/cockpit/todos/", F),
    ("auditor", "/cockpit/todos/", F),
    ("bureau_leader", "/indicators/rectification.overdue/?unit={district_a}", A),
    ("bureau_leader", "/indicators/cases.visit_coverage/?unit={school_a}", A),
    ("bureau_leader", "/indicators/no.such/", N),
    ("inspector", "/indicators/rectification.overdue/", A),
    ("inspector", "/indicators/health.open_alerts/", F),
    ("district_admin", "/indicators/health.open_alerts/?unit={school_a}", A),
    ("district_admin", "/indicators/health.open_alerts/?unit={school_b}", N),
    ("principal", "/indicators/duty.missed_signins/?unit={school_a}", A),
    ("principal", "/indicators/duty.missed_signins/?unit={district_a}", N),
    ("class_teacher", "/indicators/rectification.overdue/", F),
    ("sysadmin", "/indicators/rectification.overdue/", F),
    ("auditor", "/indicators/rectification.overdue/", F),
]
UNITS = ("root", "district_a", "district_b", "school_a", "school_a2", "school_b", "class_a1")


def url_for(city: City, template: str) -> str:
    return template.format(**{name: getattr(city, name).pk for name in UNITS})


@pytest.mark.parametrize(("role", "url", "expected"), MATRIX, ids=[f"{r}-{u}" for r, u, _ in MATRIX])
def test_each_role_is_allowed_refused_or_told_not_found(signed_in, city: City, role: str, url: str, expected: int):
    response = signed_in(city.user(role)).get(url_for(city, url))
    assert response.status_code == expected, response.content.decode()[:300]


def test_anonymous_is_sent_to_login(client: Client, city: City) -> None:
    for url in ("/cockpit/", "/indicators/rectification.overdue/"):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("role", ["bureau_leader", "bureau_staff", "district_admin", "principal"])
def test_the_cockpit_is_the_home_page_of_heads(signed_in, city: City, role: str) -> None:
    html = signed_in(city.user(role)).get("/").content.decode()
    assert "领导驾驶舱" in html and "今日异常" in html
    assert '<h1 class="h4 mb-0">我的待办' not in html


@pytest.mark.parametrize("role", ["inspector", "school_staff", "class_teacher", "doctor", "sysadmin"])
def test_other_roles_keep_the_to_do_list_as_home(signed_in, city: City, role: str) -> None:
    html = signed_in(city.user(role)).get("/").content.decode()
    assert "今日异常" not in html and "我的待办" in html


def test_the_cockpit_fetches_the_heads_to_dos_after_loading(signed_in, city: City) -> None:
    ledger_item(city, owner=None)  # the principal has to assign it (四定)
    client = signed_in(city.user("principal"))
    home = client.get("/").content.decode()
    assert 'hx-get="/cockpit/todos/"' in home and "待落实四定的问题" not in home
    strip = client.get("/cockpit/todos/").content.decode()
    assert "待落实四定的问题" in strip and "在籍学生" not in strip  # to-dos only, no counters


def test_heads_still_reach_the_plain_to_do_list(signed_in, city: City) -> None:
    html = signed_in(city.user("bureau_leader")).get("/?view=todos").content.decode()
    assert "今日异常" not in html and "需要处理" in html


def test_director_sees_districts_ranked_with_the_figure_that_puts_them_behind(signed_in, city: City) -> None:
    open_alert(city.school_a)
    item = ledger_item(city, owner=None)
    RectificationItem.objects.filter(pk=item.pk).update(due_date=timezone.localdate() - dt.timedelta(days=3))
    summary.refresh()
    html = signed_in(city.user("bureau_leader")).get("/").content.decode()
    ranking = html[html.index('data-testid="ranking"') :]
    rows = re.findall(r'<tr data-unit="([^"]+)">', ranking)
    assert rows == ["甲区教育局", "乙区教育局"]  # furthest behind first
    overdue = f'href="/indicators/rectification.overdue/?unit={city.district_a.pk}"'
    assert re.search(r'data-level="red" data-code="rectification.overdue" ' + re.escape(overdue), ranking)
    assert "数据更新于" in html and "有新数据正在更新" not in html


def test_the_page_says_when_the_figures_are_being_updated(signed_in, city: City) -> None:
    summary.refresh()
    summary.mark_stale()
    html = signed_in(city.user("bureau_leader")).get("/cockpit/").content.decode()
    assert "有新数据正在更新" in html


def test_without_stored_figures_the_page_computes_them_and_says_so(signed_in, city: City) -> None:
    open_alert(city.school_a)
    html = signed_in(city.user("bureau_leader")).get("/cockpit/").content.decode()
    assert "数据为实时计算" in html and not SummaryState.objects.filter(computed_at__isnull=False).exists()
    exceptions = html[html.index('data-testid="exceptions"') :]
    assert re.search(r'text-danger">1</div>\s*<div class="text-body small">未结的疫情预警', exceptions)


def test_exceptions_link_to_their_rows_and_missed_duty_reads_today_only(signed_in, city: City) -> None:
    summary.refresh()
    html = signed_in(city.user("district_admin")).get("/").content.decode()
    today = timezone.localdate().isoformat()
    pk = city.district_a.pk
    assert f"/indicators/health.unchecked_classes/?unit={pk}" in html
    assert f"/indicators/duty.missed_signins/?unit={pk}&amp;start={today}&amp;end={today}" in html


def test_a_principal_sees_the_schools_figures_but_no_ranking_of_peers(signed_in, city: City) -> None:
    summary.refresh()
    html = signed_in(city.user("principal")).get("/").content.decode()
    assert "甲区第五中学主要指标" in html and 'data-testid="ranking"' not in html
    assert "甲区实验小学" not in html


def test_a_district_admin_ranks_its_schools(signed_in, city: City) -> None:
    summary.refresh()
    html = signed_in(city.user("district_admin")).get("/").content.decode()
    assert set(re.findall(r'<tr data-unit="([^"]+)">', html)) == {"甲区第五中学", "甲区实验小学"}
    assert "乙区" not in html


def test_a_leader_follows_a_district_name_to_its_own_cockpit(signed_in, city: City) -> None:
    summary.refresh()
    html = signed_in(city.user("bureau_leader")).get(f"/cockpit/?unit={city.district_b.pk}").content.decode()
    assert "领导驾驶舱 · 乙区教育局" in html and "乙区第一小学" in html
    assert f'href="/cockpit/">{city.root.name}</a>' in html  # the way back up


def test_active_campaigns_count_down_to_the_assessment(signed_in, city: City) -> None:
    today = timezone.localdate()
    campaign = Campaign.objects.create(
        unit=city.root,
        name="创建全国文明城市迎检",
        start=today - dt.timedelta(days=10),
        end=today + dt.timedelta(days=40),
    )
    CampaignUnit.objects.create(campaign=campaign, unit=city.district_a)
    KeyDate.objects.create(campaign=campaign, name="材料报送截止", date=today + dt.timedelta(days=3))
    KeyDate.objects.create(campaign=campaign, name="实地测评", date=today + dt.timedelta(days=12), is_assessment=True)
    Campaign.objects.create(
        unit=city.root, name="已结束的专项", start=today - dt.timedelta(days=60), end=today - dt.timedelta(days=1)
    )
    html = signed_in(city.user("bureau_leader")).get("/").content.decode()
    listed = html[html.index('data-testid="campaigns"') :]
    assert "创建全国文明城市迎检" in listed and "距验收 12 天" in listed and "距结束 40 天" in listed
    assert "下一节点：材料报送截止" in listed and "已结束的专项" not in listed
    # 乙区 takes no part in it: not on 乙区's cockpit.
    html_b = signed_in(city.user("bureau_leader")).get(f"/cockpit/?unit={city.district_b.pk}").content.decode()
    assert "创建全国文明城市迎检" not in html_b


def test_the_cockpit_costs_a_fixed_number_of_queries(signed_in, city: City, django_assert_max_num_queries) -> None:
    summary.refresh()
    client = signed_in(city.user("bureau_leader"))
    client.get("/cockpit/")
    with django_assert_max_num_queries(20):
        assert client.get("/cockpit/").status_code == 200


def test_trend_charts_carry_the_stored_days(signed_in, city: City) -> None:
    summary.refresh(day=timezone.localdate() - dt.timedelta(days=1))
    summary.refresh()
    html = signed_in(city.user("bureau_leader")).get("/cockpit/").content.decode()
    chart = re.search(r'data-chart="([^"]+)" data-kind="count"', html)
    assert chart is not None and "今日未晨检班级" in chart.group(1)


# ----- the drill page ---------------------------------------------------------------------------------------


def test_drill_lists_the_overdue_items_with_owner_and_phone(signed_in, city: City) -> None:
    item = ledger_item(city)  # owned by the class teacher of 五中
    unowned = ledger_item(city, school=city.school_a2, owner=None)
    RectificationItem.objects.filter(pk__in=[item.pk, unowned.pk]).update(
        due_date=timezone.localdate() - dt.timedelta(days=1)
    )
    html = (
        signed_in(city.user("bureau_leader"))
        .get(f"/indicators/rectification.overdue/?unit={city.district_a.pk}")
        .content.decode()
    )
    rows = html[html.index('data-testid="drill-rows"') :]
    teacher = city.user("class_teacher")
    assert item.description in rows and teacher.display_name in rows and f'href="tel:{teacher.phone}"' in rows
    assert f"/ledger/{item.pk}/" in rows and "责任人" in rows and "（已逾期 1 天）" in rows
    assert "甲区实验小学" in rows and "未指定" in rows  # no owner, and no principal recorded at 实验小学
    assert 'data-testid="total">2 项' in html


def test_drill_names_the_head_of_the_unit_when_the_row_has_no_owner(signed_in, city: City) -> None:
    item = ledger_item(city, owner=None)
    RectificationItem.objects.filter(pk=item.pk).update(due_date=timezone.localdate() - dt.timedelta(days=1))
    html = (
        signed_in(city.user("bureau_leader"))
        .get(f"/indicators/rectification.overdue/?unit={city.school_a.pk}")
        .content.decode()
    )
    assert city.user("principal").display_name in html and "校长" in html


def test_drill_of_a_confidential_figure_shows_counts_never_names(signed_in, city: City) -> None:
    html = (
        signed_in(city.user("bureau_leader"))
        .get(f"/indicators/cases.visit_coverage/?unit={city.school_a.pk}")
        .content.decode()
    )
    assert "在籍 3 人，已家访 0 人" in html
    for students in city.students.values():
        assert all(s.name not in html for s in students)


def test_drill_refuses_inverted_dates_with_a_clear_message(signed_in, city: City) -> None:
    response = signed_in(city.user("bureau_leader")).get(
        "/indicators/rectification.overdue/?start=2026-12-07&end=2026-12-01"
    )
    assert response.status_code == 400
    assert "开始日期（2026-12-07）不能晚于结束日期（2026-12-01）" in response.content.decode()


def test_drill_refuses_a_garbled_date_with_a_clear_message(signed_in, city: City) -> None:
    response = signed_in(city.user("bureau_leader")).get("/indicators/rectification.overdue/?start=yesterday")
    assert response.status_code == 400 and "开始日期“yesterday”不是有效的日期" in response.content.decode()


def test_drill_lists_each_child_with_its_figure(signed_in, city: City) -> None:
    open_alert(city.school_b)
    html = signed_in(city.user("bureau_leader")).get("/indicators/health.open_alerts/").content.decode()
    children = html[html.index('data-testid="children"') :]
    # The worst first.
    assert re.search(r"乙区教育局 <strong>1 条</strong>.*甲区教育局 <strong>0 条</strong>", children, re.S)


def test_drill_of_notice_receipts_counts_per_class_and_names_no_parent_or_student(signed_in, city: City) -> None:
    from dudao.notices import services as notices
    from dudao.notices.models import Receipt

    notice = notices.create_notice(
        actor=city.user("principal"), issuer=city.school_a, title="防溺水告知书", body="各位家长"
    )
    notices.send_notice(actor=city.user("principal"), notice=notice)
    first = Receipt.objects.filter(klass=city.class_a1).order_by("id").first()
    assert first is not None
    Receipt.objects.filter(pk=first.pk).update(confirmed_at=timezone.now())
    client = signed_in(city.user("bureau_leader"))
    html = client.get(f"/indicators/notices.awareness_rate/?unit={city.district_a.pk}").content.decode()
    rows = html[html.index('data-testid="drill-rows"') :]
    assert "甲区第五中学 · 七年级（1）班" in rows and "未确认 2 人次 / 应确认 3（知晓率 33.3%）" in rows
    assert "甲区第五中学 · 七年级（2）班" in rows and "未确认 2 人次" in rows
    assert f"/notices/{notice.pk}/classes/{city.class_a1.pk}/" in rows
    pending = client.get(f"/indicators/notices.unconfirmed/?unit={city.school_a.pk}").content.decode()
    assert "未确认 2 人次</td>" in pending and "应确认" not in pending[pending.index('data-testid="drill-rows"') :]
    for students in city.students.values():
        assert all(s.name not in html and s.name not in pending for s in students)


def test_drill_of_classes_not_checked_names_their_school_and_class_teacher(signed_in, city: City, monkeypatch) -> None:
    from dudao.health import indicators as health_indicators

    monkeypatch.setattr(health_indicators, "is_school_day", lambda day: True)
    html = (
        signed_in(city.user("district_admin"))
        .get(f"/indicators/health.unchecked_classes/?unit={city.school_a.pk}")
        .content.decode()
    )
    rows = html[html.index('data-testid="drill-rows"') :]
    assert re.search(r"七年级（1）班</td>\s*<td[^>]*>甲区第五中学</td>", rows)
    teacher = city.user("class_teacher")
    assert teacher.display_name in rows and "班主任" in rows and "今日未晨检班级" in rows
