"""Duty in a real browser: the principal signs in for today's duty on a phone, "who is on duty now" shows it
to the district; then the principal plans and publishes a roster (a reversed shift is refused)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import Page, expect

from tests.browser.test_journey import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo_site(live_server):
    call_command("demo", "--scale", "small", verbosity=0)
    return live_server


def test_sign_in_shows_on_duty_now_and_plan_a_roster(page: Page, demo_site) -> None:
    base = demo_site.url
    page.on("dialog", lambda dialog: dialog.accept())  # 发布 asks for confirmation
    # 1. On a phone, the principal sees today's duty waiting for a sign-in and signs in.
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, base, "school.principal")
    page.get_by_role("link", name=re.compile("我的值班（待签到）")).click()
    shift = page.get_by_test_id("my-shift").filter(has_text="江东区第五中学").first
    shift.get_by_test_id("sign-in").click()
    expect(page.locator(".alert-success")).to_contain_text("已签到")
    expect(
        page.get_by_test_id("my-shift").filter(has_text="江东区第五中学").first.get_by_test_id("signed")
    ).to_be_visible()
    # 2. "Who is on duty now" shows the principal signed in, for the school and for the district.
    page.goto(f"{base}/duty/")
    row = page.get_by_test_id("on-duty").locator("tr", has_text="江东区第五中学")
    expect(row).to_contain_text("李明德")
    expect(row.locator(".badge", has_text="已签到").first).to_be_visible()
    page.set_viewport_size({"width": 1366, "height": 900})
    page.context.clear_cookies()
    sign_in(page, base, "district.admin")
    page.goto(f"{base}/duty/")
    row = page.get_by_test_id("on-duty").locator("tr", has_text="江东区第五中学")
    expect(row).to_contain_text("李明德")
    expect(row).to_contain_text("已签到")

    # 3. The principal plans a New Year roster: a shift ending before it starts is refused, a good one is added.
    page.context.clear_cookies()
    sign_in(page, base, "school.principal")
    page.goto(f"{base}/duty/rosters/")
    page.get_by_text("新建值班表").click()
    start = timezone.localdate() + dt.timedelta(days=40)
    page.get_by_label("值班表名称").fill("元旦假期值班表")
    page.get_by_label("开始日期").fill(start.isoformat())
    page.get_by_label("结束日期").fill((start + dt.timedelta(days=2)).isoformat())
    page.get_by_role("button", name="创建").click()
    expect(page.locator(".alert-success")).to_contain_text("值班表已创建")
    page.get_by_label("值班人").select_option(label="孙仁（校医）")
    page.get_by_label("开始").fill(f"{start.isoformat()}T20:00")
    page.get_by_label("结束", exact=True).fill(f"{start.isoformat()}T08:00")
    page.get_by_test_id("add-shift").click()
    expect(page.locator(".alert-danger")).to_contain_text("值班结束时间必须晚于开始时间")
    page.get_by_label("值班人").select_option(label="孙仁（校医）")
    page.get_by_label("岗位").select_option(label="值班人员")
    page.get_by_label("开始").fill(f"{start.isoformat()}T08:00")
    page.get_by_label("结束", exact=True).fill(f"{start.isoformat()}T20:00")
    page.get_by_test_id("add-shift").click()
    expect(page.locator(".alert-success")).to_contain_text("已添加班次：孙仁")
    expect(page.get_by_test_id("flags")).to_contain_text("无带班领导的日期（3 天）")
    page.get_by_test_id("publish").click()
    expect(page.get_by_test_id("roster-status")).to_have_text("已发布")
