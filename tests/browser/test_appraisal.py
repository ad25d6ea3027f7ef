"""Appraisal in a real browser: the clerk builds a school scheme from the indicator catalogue (weights short of 100
are refused), computes, freezes and publishes it; the principal, on a phone, sees where the school lost points and
files an objection; the clerk accepts it with a corrected score and the school's rank changes."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from tests.browser.test_journey import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NAME = "全市学校家校共育专项考评"


@pytest.fixture
def demo_site(live_server):
    call_command("demo", "--scale", "small", verbosity=0)
    return live_server


def add_live_item(page: Page, name: str, weight: str, indicator: str, rule: str, **fields: str) -> None:
    form = page.get_by_test_id("add-item")
    if not form.evaluate("el => el.open"):
        form.locator("summary").click()
    form.get_by_label("项目名称").fill(name)
    form.get_by_label("计分方式").select_option(label="监测指标")
    form.get_by_label("分值", exact=True).fill(weight)
    form.get_by_label("监测指标", exact=True).select_option(label=f"{indicator}（%，越高越好）")
    form.get_by_label("计分规则").select_option(label=rule)
    for label, value in fields.items():
        form.get_by_label(re.compile(label)).fill(value)
    form.get_by_test_id("add-item-submit").click()
    expect(page.locator(".alert-success")).to_contain_text(f"已添加项目：{name}")


def test_build_publish_object_accept_and_the_rank_changes(page: Page, demo_site) -> None:
    base = demo_site.url
    page.on("dialog", lambda dialog: dialog.accept())  # 冻结 asks for confirmation
    # 1. The clerk builds the scheme from the catalogue.
    sign_in(page, base, "city.admin")
    page.goto(f"{base}/appraisal/")
    page.get_by_role("link", name="新建考评方案").click()
    page.get_by_label("方案名称").fill(NAME)
    page.get_by_label("被考评单位", exact=True).select_option(label="学校")
    page.get_by_role("button", name="创建").click()
    expect(page.locator(".alert-success")).to_contain_text("考评方案已创建")
    add_live_item(page, "按时报送", "40", "按时报送率", "线性计分", 零分线="60", 满分线="100")
    page.get_by_test_id("announce").click()
    expect(page.locator(".alert-danger")).to_contain_text("各项分值合计为 40 分，应为 100 分")
    add_live_item(page, "家长告知书知晓率", "60", "告知书知晓率", "分档计分", 分档="95:100, 90:80, 85:60")
    expect(page.get_by_test_id("weight-total")).to_have_text("100")
    page.get_by_test_id("announce").click()
    expect(page.get_by_test_id("scheme-status")).to_have_text("考评中")
    page.get_by_test_id("compute").click()
    expect(page.locator(".alert-success")).to_contain_text("个单位的成绩")
    page.get_by_test_id("freeze").click()
    expect(page.get_by_test_id("scheme-status")).to_have_text("已冻结，待发布")
    page.get_by_test_id("publish").click()
    expect(page.get_by_test_id("scheme-status")).to_have_text("已发布")

    # 2. The principal, on a phone, sees where the school lost points and objects.
    page.context.clear_cookies()
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, base, "school.principal")
    page.goto(f"{base}/appraisal/")
    page.get_by_role("link", name=NAME).click()
    page.get_by_test_id("own-results").get_by_role("link").first.click()
    rank_before = page.get_by_test_id("result-rank").inner_text()
    lost = page.get_by_test_id("line").filter(has_text="家长告知书知晓率")
    expect(lost).to_contain_text("告知书知晓率")
    expect(lost.get_by_test_id("hint")).to_contain_text("提分建议")
    page.get_by_test_id("objection-form").locator("summary").click()
    page.get_by_label("申诉项目").select_option(label="家长告知书知晓率")
    page.get_by_label("申诉理由").fill("部分家长通过电话确认，回执已线下收齐，现补充登记材料。")
    page.get_by_test_id("file-objection").click()
    expect(page.locator(".alert-success")).to_contain_text("申诉已提交")
    expect(page.get_by_test_id("objection-status").first).to_have_text("待处理")
    school_page = page.url

    # 3. The clerk accepts it with the corrected score; the school's rank changes.
    page.context.clear_cookies()
    page.set_viewport_size({"width": 1366, "height": 900})
    sign_in(page, base, "city.admin")
    page.goto(school_page)
    decide = page.get_by_test_id("decide").first
    decide.get_by_label("处理结果").select_option(label="采纳")
    decide.get_by_label(re.compile("更正后得分")).fill("60")
    decide.get_by_label(re.compile("处理意见")).fill("经核实回执齐全，予以更正")
    decide.get_by_test_id("decide-submit").click()
    expect(page.locator(".alert-success")).to_contain_text("已采纳申诉")
    expect(page.get_by_test_id("result-rank")).not_to_have_text(rank_before)
    expect(page.get_by_test_id("objection-status").first).to_have_text("已采纳")
