"""Directives in a real browser: issue → cascade → fill a repeating table → submit → return → resubmit →
approve at two levels, and the completeness counts on the page."""

from __future__ import annotations

import datetime as dt
import os
import re

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
TITLE = "关于报送示范点名单的通知（浏览器测试）"
SHOTS = os.environ.get("DUDAO_SCREENSHOTS", "test-results")


@pytest.fixture
def demo_site(live_server):
    call_command("demo", "--scale", "small", verbosity=0)
    return live_server


def sign_in(page: Page, base: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill("dudao-demo")
    page.get_by_role("button", name="登录").click()
    # Leaders, district admins and principals land on the cockpit, everyone else on the to-do list.
    expect(page.get_by_role("heading", name=re.compile("^(我的待办|领导驾驶舱)"))).to_be_visible()


def local(days: int, hour: int) -> str:
    day = timezone.localdate() + dt.timedelta(days=days)
    return f"{day.isoformat()}T{hour:02d}:00"


def shot(page: Page, name: str) -> None:
    page.screenshot(path=f"{SHOTS}/directives-{name}.png", full_page=True)


def test_directive_journey_through_cascade_return_and_two_level_approval(page: Page, demo_site, open_menu) -> None:
    from dudao.directives.models import Directive, Submission

    base = demo_site.url
    # The city issues a directive to every district bureau.
    sign_in(page, base, "city.admin")
    open_menu("部署报送", "工作部署")
    page.get_by_role("link", name="下发通知").click()
    page.get_by_label("标题").fill(TITLE)
    page.get_by_label("正文").fill("各区于本周五前报送示范点名单。")
    page.get_by_label("截止时间").fill(local(6, 17))
    page.get_by_label("方式").select_option("kind")
    page.get_by_label("单位类型", exact=True).select_option("district")
    page.get_by_label("报送表单").select_option(label="示范点名单报送（第1版）")
    shot(page, "01-issue")
    page.get_by_role("button", name="下发").click()
    expect(page.get_by_role("heading", name=TITLE)).to_be_visible()

    # The district forwards it to its schools with an earlier deadline; a later one is refused first.
    sign_in(page, base, "district.admin")
    open_menu("部署报送", "工作部署")
    page.get_by_test_id("directive-list").get_by_role("link", name=TITLE).click()
    page.get_by_label("本区截止时间").fill(local(8, 17))
    page.get_by_role("button", name="转发").click()
    expect(page.get_by_role("alert")).to_contain_text("不能晚于上级通知的截止时间")
    page.get_by_label("本区截止时间").fill(local(5, 12))
    page.get_by_label("学校自审后再报本区").check()
    page.get_by_role("button", name="转发").click()
    expect(page.get_by_role("alert")).to_contain_text("已转发给本区")
    child = Directive.objects.get(title=TITLE, parent__isnull=False)

    # The school fills two rows of the repeating table and submits.
    sign_in(page, base, "school.principal")
    open_menu("部署报送", "工作部署")
    page.get_by_role("link", name="本单位待办").click()
    page.get_by_test_id("directive-list").get_by_role("link", name=TITLE).click()
    page.get_by_test_id("my-task").get_by_role("link", name="填报").click()
    # Wait for the fill-in page's load event: directives.js (the row buttons) runs at the end of the page.
    page.wait_for_url(re.compile(r"/submissions/\d+/$"), wait_until="load")
    table = page.locator('table[data-table="sites"] tbody')
    for school, reason in (("江东区第五中学", "文明礼仪教育有特色"), ("江东区实验小学", "校园环境优美")):
        page.get_by_role("button", name="添加一行").click()
        table.locator("tr").last.get_by_label("学校名称").fill(school)
        table.locator("tr").last.get_by_label("推荐理由").fill(reason)
    expect(page.locator("#save-status")).to_contain_text("已自动保存")
    expect(table.locator("tr")).to_have_count(2)
    shot(page, "02-fill")
    page.get_by_role("button", name="报送", exact=True).click()
    expect(page.get_by_test_id("submission-status")).to_contain_text("已报送")
    submission = Submission.objects.get(directive=child, unit__name="江东区第五中学")
    assert [row["school"] for row in submission.values["sites"]] == ["江东区第五中学", "江东区实验小学"]

    # The district returns it with a comment (the school's own approval has not happened yet).
    sign_in(page, base, "district.admin")
    page.goto(f"{base}/directives/{child.pk}/")
    page.get_by_role("link", name="逐单位查看").click()
    page.get_by_test_id("submissions-table").get_by_role("link", name="江东区第五中学").click()
    page.get_by_label("退回意见").fill("请补充联系人和联系电话")
    page.get_by_role("button", name="退回", exact=True).click()
    expect(page.get_by_test_id("submission-status")).to_contain_text("已退回")

    # The school sees the comment, corrects and resubmits, then approves it at school level.
    sign_in(page, base, "school.principal")
    page.goto(f"{base}/submissions/{submission.pk}/")
    expect(page.get_by_test_id("returned-note")).to_contain_text("请补充联系人和联系电话")
    table.locator("tr").first.get_by_label("联系人").fill("王老师")
    page.get_by_role("button", name="报送", exact=True).click()
    expect(page.get_by_test_id("submission-status")).to_contain_text("已报送")
    page.get_by_role("button", name="审核通过", exact=True).click()
    expect(page.get_by_test_id("submission-status")).to_contain_text("已过1级审核")

    # The district approves at the second level; the history shows every step.
    sign_in(page, base, "district.admin")
    page.get_by_role("link", name="待审核的报送").click()
    group = page.get_by_test_id("approval-group").filter(has_text=TITLE)
    group.get_by_role("link", name="江东区第五中学", exact=True).click()
    page.get_by_role("button", name="审核通过", exact=True).click()
    expect(page.get_by_test_id("submission-status")).to_contain_text("已审核")
    expect(page.get_by_test_id("history")).to_contain_text("退回")
    expect(page.get_by_test_id("history")).to_contain_text("意见：请补充联系人和联系电话")
    shot(page, "03-approved")

    # Completeness of the district's forwarding: one of its schools submitted and approved.
    page.goto(f"{base}/directives/{child.pk}/")
    expected = Submission.objects.filter(directive=child).count()
    counts = page.get_by_test_id("completeness")
    expect(counts.locator('[data-key="expected"]')).to_have_text(str(expected))
    expect(counts.locator('[data-key="submitted"]')).to_have_text("1")
    expect(counts.locator('[data-key="approved"]')).to_have_text("1")
    expect(counts.locator('[data-key="missing"]')).to_have_text(str(expected - 1))
    shot(page, "04-completeness")


def test_city_sees_demo_completeness_by_district_and_cascades(page: Page, demo_site) -> None:
    from dudao.directives.models import Directive

    sign_in(page, demo_site.url, "city.admin")
    parent = Directive.objects.get(title__contains="示范点名单", parent=None)
    page.goto(f"{demo_site.url}/directives/{parent.pk}/")
    expect(page.get_by_test_id("completeness").locator('[data-key="expected"]')).to_have_text("2")
    expect(page.get_by_test_id("cascades-table").locator("tbody tr")).to_have_count(2)
    shot(page, "05-city-overview")
