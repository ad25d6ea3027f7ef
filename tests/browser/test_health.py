"""晨午检 in a real browser: a class teacher on a phone reports two feverish students, the third case fires a
class-cluster alert, and the school doctor acknowledges it and records the report to the CDC."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from tests.browser.test_journey import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo_site(live_server):
    call_command("demo", "--scale", "small", verbosity=0)
    return live_server


def mark_ill(page: Page, index: int, temperature: str) -> None:
    row = page.locator("[data-testid=student]").nth(index)
    if row.get_attribute("open") is None:
        row.locator("summary").click()
    # Each step waits for the page to show it: under load a click made while the row was still opening was lost,
    # and the correction went up unchanged ("内容相同").
    expect(row.locator("label", has_text="因病缺勤")).to_be_visible()
    row.locator("label", has_text="因病缺勤").click()
    expect(row.get_by_role("radio", name="因病缺勤")).to_be_checked()
    for symptom in ("发热", "咳嗽"):
        row.locator("label", has_text=symptom).click()
        expect(row.get_by_role("checkbox", name=symptom)).to_be_checked()
    row.get_by_label("体温 ℃").fill(temperature)
    expect(row.get_by_label("体温 ℃")).to_have_value(temperature)


def assert_touch_targets(page: Page) -> None:
    """Every control of an opened student row is at least 44 px high (the symptom boxes were 31 px)."""
    row = page.locator("[data-testid=student]").first
    row.locator("summary").click()
    expect(row.locator("label", has_text="发热")).to_be_visible()
    small = page.evaluate(
        """(row) => Array.from(row.querySelectorAll("summary, label.btn, input.form-control, select"))
            .map((el) => [el.textContent.trim() || el.id, el.getBoundingClientRect().height])
            .filter(([, h]) => h < 44)""",
        row.element_handle(),
    )
    assert small == []
    row.locator("summary").click()


def test_teacher_reports_fevers_and_doctor_handles_the_alert(page: Page, demo_site) -> None:
    base = demo_site.url
    page.on("dialog", lambda dialog: dialog.accept())
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, base, "school.teacher")
    page.get_by_role("link", name=re.compile("今日晨检未填报")).first.click()
    expect(page.get_by_test_id("all-present")).to_be_visible()
    assert_touch_targets(page)
    mark_ill(page, 0, "38.6")
    mark_ill(page, 1, "38.9")
    page.get_by_test_id("submit-check").click()
    expect(page.locator(".alert-success", has_text="晨检已提交")).to_be_visible()
    expect(page.get_by_test_id("check-done")).to_contain_text("因病缺勤 2")
    expect(page.locator(".alert", has_text="已触发预警")).to_have_count(0)
    # Absences are on record: no one-tap 全勤 that would overwrite them.
    expect(page.get_by_test_id("all-present")).to_have_count(0)
    expect(page.get_by_test_id("all-present-hidden")).to_contain_text("已登记 2 名")
    # Later the same morning a third student turns feverish: the correction fires the class-cluster alert.
    mark_ill(page, 2, "39.1")
    page.get_by_test_id("submit-check").click()
    expect(page.locator(".alert", has_text="已触发预警")).to_be_visible()
    expect(page.get_by_test_id("check-done")).to_contain_text("因病缺勤 3")
    # The teacher's own pages name her class's open alert (it belongs to the school, outside her scope).
    expect(page.get_by_test_id("class-alerts")).to_contain_text("症状聚集")
    page.goto(f"{base}/health/")
    expect(page.get_by_test_id("class-alert-card")).to_contain_text("本班未结预警")
    expect(page.get_by_test_id("class-alert-card")).not_to_contain_text("无")
    expect(page.get_by_test_id("class-alerts")).to_be_visible()

    page.context.clear_cookies()
    sign_in(page, base, "school.doctor")
    page.get_by_role("link", name=re.compile("未结的疫情预警")).click()
    page.locator("[data-testid=alert-row]", has_text="待确认").first.click()
    expect(page.get_by_test_id("alert-status")).to_have_text("待确认")
    expect(page.get_by_test_id("countdown")).to_contain_text("剩余")
    page.get_by_role("button", name="确认预警").click()
    expect(page.get_by_test_id("alert-status")).to_have_text("已确认")
    page.get_by_label("报告编号/疾控接报人").fill("区疾控中心 刘医生")
    page.get_by_role("button", name="记录报告").click()
    expect(page.get_by_test_id("alert-status")).to_have_text("已报告疾控")
    expect(page.get_by_text("区疾控中心 刘医生")).to_be_visible()
