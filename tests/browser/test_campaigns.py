"""Campaigns in a real browser: a clerk (city.admin) creates a campaign, fills a 责任清单 line and attaches a
directive; the director opens the demo's 创城 campaign, drills from a red cell to the named rows, on a phone too."""

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


def test_clerk_creates_a_campaign_and_director_drills_to_the_named_rows(page: Page, demo_site) -> None:
    base = demo_site.url
    today = timezone.localdate()
    # 1. The clerk creates a campaign for 江东区 with its assessment day.
    sign_in(page, base, "city.admin")
    page.goto(f"{base}/campaigns/")
    page.get_by_role("link", name="发起专项工作").click()
    page.get_by_label("专项工作名称").fill("寒假安全专项检查")
    page.get_by_label("开始日期").fill(today.isoformat())
    page.get_by_label("结束日期").fill((today + dt.timedelta(days=40)).isoformat())
    page.get_by_label("考核验收日").fill((today + dt.timedelta(days=30)).isoformat())
    page.get_by_label("江东区教育局").check()
    page.get_by_role("button", name="创建").click()
    expect(page.locator(".alert-success")).to_contain_text("已创建专项工作")

    # 2. A 责任清单 line: the district's head as first responsible person.
    row = page.get_by_test_id("responsibility").locator("tr", has_text="江东区教育局")
    row.get_by_role("link", name="填写").click()
    first = page.get_by_label("第一责任人")
    head = first.locator("option", has_text="（局长）").first.get_attribute("value")
    assert head
    first.select_option(value=head)
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".alert-success")).to_contain_text("已保存江东区教育局的责任清单")
    expect(page.get_by_test_id("responsibility").locator("tr", has_text="江东区教育局")).to_contain_text("局长")

    # 3. Attach the 示范点 directive, found by searching.
    page.get_by_role("link", name="关联事项").click()
    page.get_by_label("类别").select_option(label="工作部署")
    page.get_by_label("名称包含").fill("示范点")
    choices = page.get_by_label(re.compile("选择工作部署"))
    expect(choices.locator("option")).to_have_count(3)  # the city's directive and the two districts' forwards
    choices.select_option(label="关于报送文明校园创建示范点名单的通知")
    page.get_by_role("button", name="关联", exact=True).click()
    expect(page.locator(".alert-success")).to_contain_text("已关联：关于报送文明校园创建示范点名单的通知")
    page.get_by_role("link", name="工作进展").click()
    expect(page.get_by_test_id("components")).to_contain_text("示范点名单")
    expect(page.get_by_test_id("countdown")).to_contain_text("30")

    # 4. The director opens the 创城 campaign and drills from a red cell to the people behind it.
    page.context.clear_cookies()
    sign_in(page, base, "city.director")
    page.goto(f"{base}/campaigns/")
    page.get_by_role("link", name="创建全国文明城市迎检").click()
    expect(page.get_by_test_id("countdown")).to_contain_text("12")
    page.get_by_test_id("units").get_by_role("link", name="江东区").click()
    red = page.locator("a.cp-cell[data-light=red]").first
    expect(red).to_be_visible()
    red.click()
    rows = page.get_by_test_id("rows")
    expect(rows.locator("tbody tr").first).to_be_visible()
    expect(rows.locator("a[href^='tel:']").first).to_be_visible()

    # 5. On a phone the campaign page fits the screen's width.
    page.set_viewport_size({"width": 390, "height": 844})
    page.go_back()
    expect(page.get_by_test_id("units")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
