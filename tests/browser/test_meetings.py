"""调度会 in a real browser: the city office records a meeting with a decision for a district (a past deadline is
refused first), the district admin marks it done from the home page on a phone, and the next meeting opens with
it as done on time."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import Page, expect

from dudao.accounts.models import User
from tests.browser.test_journey import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo_site(live_server):
    call_command("demo", "--scale", "small", verbosity=0)
    return live_server


def convene(page: Page, base: str, title: str, day: dt.date) -> None:
    page.goto(f"{base}/meetings/")
    page.get_by_role("link", name="登记调度会").click()
    page.get_by_label("会议名称").fill(title)
    page.get_by_label("会议时间").fill(f"{day.isoformat()}T08:30")
    page.get_by_label("会议地点").fill("市教育局二楼会议室")
    page.get_by_test_id("save-meeting").click()
    expect(page.locator(".alert-success")).to_contain_text("调度会已登记")
    expect(page.get_by_test_id("meeting-title")).to_contain_text(title)


def test_record_a_decision_district_marks_it_done_next_meeting_shows_it(page: Page, demo_site) -> None:
    base = demo_site.url
    today = timezone.localdate()
    admin = User.objects.get(username="district.admin")
    assert admin.unit is not None
    district = admin.unit.name
    task = "全面排查校园周边占道经营并建立台账"

    # 1. The city office records this morning's meeting and its decision for the district.
    sign_in(page, base, "city.admin")
    convene(page, base, "全市教育系统安全稳定工作调度会", today)
    expect(page.get_by_test_id("review")).to_contain_text("第一次调度会")
    page.get_by_label("议定事项").fill(task)
    # Choosing the unit swaps the person list for that unit's people (htmx).
    with page.expect_response(re.compile(r"/owner-people/")):
        page.get_by_label("责任单位").select_option(label=district)
    expect(page.get_by_label("责任人").locator("option")).not_to_have_count(1)
    page.get_by_label("责任人").select_option(value=str(admin.pk))
    page.get_by_label("完成时限").fill((today - dt.timedelta(days=1)).isoformat())
    page.get_by_test_id("add-decision").click()
    expect(page.locator(".alert-danger")).to_contain_text("已经过去，请填写今天")
    expect(page.get_by_test_id("decisions")).to_contain_text("暂无议定事项")
    # What was typed is still there: only the deadline needs correcting.
    expect(page.get_by_label("议定事项")).to_have_value(task)
    page.get_by_label("完成时限").fill((today + dt.timedelta(days=3)).isoformat())
    page.get_by_test_id("add-decision").click()
    expect(page.locator(".alert-success")).to_contain_text("已添加议定事项第 1 项")
    row = page.get_by_test_id("decisions").locator("tr", has_text=task)
    expect(row.get_by_test_id("decision-state")).to_have_text("未到期")

    # 2. On a phone, the district admin opens the task from the home page and marks it done.
    page.context.clear_cookies()
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, base, "district.admin")
    page.get_by_role("link", name=re.compile("调度会交办事项待落实")).click()
    page.get_by_test_id("ledger").get_by_role("link", name=task).click()
    page.get_by_label("进展情况").fill("已排查辖区全部学校周边，台账已建立并上传")
    page.get_by_label("已完成，标记完成").check()
    page.get_by_test_id("report").click()
    expect(page.locator(".alert-success")).to_contain_text("已标记完成")
    expect(page.get_by_test_id("decision-state")).to_have_text("已完成（按期）")

    # 3. The office records the next meeting: it opens with the decision, done on time.
    page.context.clear_cookies()
    page.set_viewport_size({"width": 1366, "height": 900})
    sign_in(page, base, "city.admin")
    convene(page, base, "全市教育系统安全稳定工作第二次调度会", today + dt.timedelta(days=1))
    review = page.get_by_test_id("review-rows").locator("tr", has_text=task)
    expect(review.get_by_test_id("decision-state")).to_have_text("已完成（按期）")
    expect(page.get_by_test_id("review")).to_contain_text("已完成（按期） 1 项")
