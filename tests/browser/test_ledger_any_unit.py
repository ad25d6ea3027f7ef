"""The ledger for any unit in a real browser: a 巡视反馈 problem of a district bureau from raising to 销号; a school's
自查 problem closed in school and drawn for the district's 抽查复核; the owner's ledger on a phone."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from tests.browser.test_rectification_journey import photo, switch_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo_site(live_server, settings):
    # Every 自查 close-out verified in school is drawn, so the district's queue is sure to get this one.
    settings.DUDAO_SELF_CHECK_RECHECK_SHARE = 1.0
    call_command("demo", "--scale", "small", verbosity=0)
    return live_server


def test_problem_of_a_district_and_a_self_check_drawn_for_the_district(page: Page, demo_site, tmp_path: Path) -> None:
    base = demo_site.url
    # 1. The bureau clerk raises a 巡视反馈 problem against a district bureau.
    switch_user(page, base, "city.admin")
    page.goto(f"{base}/ledger/?f=1")
    page.wait_for_load_state()
    page.get_by_test_id("raise-problem").click()
    page.wait_for_load_state()
    picker = page.get_by_test_id("unit-picker-unit")
    page.get_by_label("责任单位").fill("江东")  # the picker's search box
    picker.get_by_role("radio", name=re.compile("^江东区教育局 ")).check()
    expect(picker.locator("[data-upk-chip]")).to_have_text(re.compile("江东区教育局"))
    page.get_by_label("问题来源").select_option(label="巡视反馈")
    page.get_by_label("来源说明").fill("市委第三巡察组反馈意见第 6 条")
    page.get_by_label("问题类别").fill("作风建设")
    page.get_by_label("存在问题").fill("督查检查考核事项过多，基层学校负担重")
    page.get_by_role("button", name="登记问题").click()
    expect(page.locator(".alert-success")).to_contain_text("请江东区教育局落实四定")
    expect(page.get_by_test_id("unit")).to_have_text("江东区教育局")
    expect(page.get_by_test_id("source")).to_contain_text("巡视反馈 · 市委第三巡察组反馈意见第 6 条")
    item_url = page.url

    # 2. The district names its owner (四定) and asks for the close-out with an "after" photo.
    switch_user(page, base, "district.admin")
    page.goto(item_url)
    page.get_by_label("责任人").select_option(label="刘志刚（基教股长）")
    page.get_by_label("整改措施/职责").fill("清理精简督查检查事项，建立计划备案制度")
    page.get_by_role("button", name="保存四定").click()
    expect(page.locator(".alert-success")).to_contain_text("已落实四定")
    page.get_by_label("整改完成情况").fill("督查检查事项由 21 项精简为 9 项，已印发备案制度")
    page.get_by_label("整改后照片（必传）").set_input_files(photo(tmp_path, "after.jpg", (60, 120, 200)))
    page.get_by_role("button", name="申请销号").click()
    expect(page.get_by_test_id("item-status")).to_have_text("待验收")
    expect(page.get_by_role("button", name="验收通过，销号")).to_have_count(0)  # not for its own problem

    # 3. The clerk sees before and after side by side and verifies.
    switch_user(page, base, "city.admin")
    page.goto(item_url)
    expect(page.get_by_test_id("before-after")).to_contain_text("整改后")
    page.get_by_role("button", name="验收通过，销号").click()
    expect(page.get_by_test_id("item-status")).to_have_text("已销号")

    # 4. The principal records a 自查 problem, the class teacher fixes it, the principal closes it in school.
    switch_user(page, base, "school.principal")
    page.goto(f"{base}/ledger/new/")
    expect(page.get_by_label("问题来源")).to_have_value("self_check")
    page.get_by_label("问题类别").fill("消防安全")
    page.get_by_label("存在问题").fill("图书馆安全出口指示灯损坏")
    page.get_by_label("问题照片（可选，最多 9 张）").set_input_files(photo(tmp_path, "before.jpg", (200, 80, 40)))
    page.get_by_role("button", name="登记问题").click()
    expect(page.get_by_test_id("source")).to_contain_text("自查")
    self_check_url = page.url
    page.get_by_label("责任人").select_option(label="张丽华（语文教师、班主任）")
    page.get_by_label("整改措施/职责").fill("更换指示灯")
    page.get_by_role("button", name="保存四定").click()
    expect(page.locator(".alert-success")).to_contain_text("已落实四定")
    switch_user(page, base, "school.teacher")
    page.goto(self_check_url)
    page.get_by_label("整改完成情况").fill("已更换指示灯并通电测试")
    page.get_by_label("整改后照片（必传）").set_input_files(photo(tmp_path, "fixed.jpg", (40, 180, 90)))
    page.get_by_role("button", name="申请销号").click()
    expect(page.get_by_test_id("item-status")).to_have_text("待验收")
    switch_user(page, base, "school.principal")
    page.goto(self_check_url)
    expect(page.get_by_test_id("before-after").locator("img")).to_have_count(2)
    page.get_by_role("button", name="验收通过，销号").click()
    expect(page.get_by_test_id("item-status")).to_have_text("已销号")
    expect(page.get_by_test_id("item-recheck")).to_have_text("区县抽查：待区县复核")

    # 5. The drawn close-out waits in the district's 抽查复核 queue; the district confirms it.
    switch_user(page, base, "district.admin")
    page.goto(f"{base}/ledger/")
    page.get_by_role("link", name="抽查复核").click()
    page.get_by_test_id("recheck-queue").get_by_role("link", name="图书馆安全出口指示灯损坏").click()
    page.get_by_label("复核意见").fill("现场查看，指示灯正常")
    page.get_by_role("button", name="复核通过，确认销号").click()
    expect(page.locator(".alert-success")).to_contain_text("复核通过")
    expect(page.get_by_test_id("recheck-queue")).not_to_contain_text("图书馆安全出口指示灯损坏")


def test_owner_reads_the_ledger_as_cards_on_a_phone(page: Page, demo_site) -> None:
    base = demo_site.url
    page.set_viewport_size({"width": 390, "height": 844})
    switch_user(page, base, "school.teacher")
    page.goto(f"{base}/ledger/")
    page.wait_for_load_state()
    expect(page.get_by_test_id("mine-note")).to_be_visible()
    cards = page.get_by_test_id("ledger-cards").locator(".ledger-card")
    expect(cards.first).to_be_visible()
    expect(page.get_by_test_id("ledger")).to_be_hidden()
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    # No text squeezed: each label, value and title is at least four characters wide (or its whole text).
    squeezed = page.evaluate(
        """() => [...document.querySelectorAll('[data-testid=ledger-cards] :is(dt, dd, .card-title, .badge)')]
            .filter(el => el.offsetParent !== null)
            .map(el => {
              const size = parseFloat(getComputedStyle(el).fontSize);
              const chars = Math.min(4, [...el.textContent.trim()].length);
              return [el.textContent.trim(), el.getBoundingClientRect().width, chars * size * 0.9];
            })
            .filter(([text, width, needed]) => width < needed)"""
    )
    assert squeezed == []
    # Touch targets: the card's action and the filter toggle are at least 44 px high.
    heights = page.evaluate(
        """() => [...document.querySelectorAll('[data-testid=ledger-cards] .btn, .ledger-touch .btn')]
            .filter(el => el.offsetParent !== null).map(el => el.getBoundingClientRect().height)"""
    )
    assert heights and min(heights) >= 44
    page.get_by_role("button", name="筛选").click()
    checkbox = page.get_by_label("只看我负责的")
    expect(checkbox).to_be_checked()
    checkbox.uncheck()
    page.get_by_role("button", name="筛选", exact=True).last.click()
    expect(page.get_by_test_id("mine-note")).to_have_count(0)
    assert re.search(r"[?&]f=1", page.url)
