"""校历 in a real browser: the bureau's clerk adds an exam week to the published year (a make-up day on 国庆 is
refused with the reason), the month view shows it in its colour; a principal on a phone adds the school's sports
day and reads the month as a list."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.calendars.conftest import build_year
from tests.factories import PASSWORD, build_city

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def site(live_server):
    city = build_city()
    year = build_year(city)
    return live_server.url, year.pk


def sign_in(page: Page, base: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()


def test_bureau_adds_an_exam_week_and_a_school_its_sports_day(page: Page, site) -> None:
    base, year_pk = site
    page.set_viewport_size({"width": 1366, "height": 900})
    sign_in(page, base, "bureau.staff")
    page.goto(f"{base}/calendar/years/{year_pk}/")
    page.wait_for_load_state()
    form = page.get_by_test_id("entry-form")
    # A make-up day inside 国庆 is refused, and says why.
    form.get_by_label("类型").select_option(label="调休上课日")
    form.get_by_label("名称").fill("国庆调休上课")
    form.get_by_label("开始日期").fill("2026-10-03")
    form.get_by_label("结束日期").fill("2026-10-03")
    form.get_by_role("button", name="添加").click()
    expect(page.locator(".alert-danger")).to_contain_text("一天不能既放假又上课")
    form = page.get_by_test_id("entry-form")
    form.get_by_label("类型").select_option(label="考试周")
    form.get_by_label("名称").fill("期中考试")
    form.get_by_label("开始日期").fill("2027-04-19")
    form.get_by_label("结束日期").fill("2027-04-23")
    form.get_by_role("button", name="添加").click()
    expect(page.locator(".alert-success")).to_contain_text("已添加")
    page.get_by_role("link", name="查看月历").click()
    page.goto(f"{base}/calendar/?month=2027-04")
    expect(page.locator('td[data-day="2027-04-21"]')).to_have_attribute("data-kind", "exam")
    expect(page.locator('td[data-day="2027-04-21"]')).to_contain_text("期中考试")

    # The principal, on a phone, adds the sports day and sees it in the month list.
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, base, "principal")
    page.goto(f"{base}/calendar/local/")
    page.wait_for_load_state()
    form = page.get_by_test_id("local-form")
    form.get_by_label("类型").select_option(label="本地放假")
    form.get_by_label("名称").fill("校运动会")
    form.get_by_label("开始日期").fill("2027-04-15")
    form.get_by_label("结束日期").fill("2027-04-16")
    form.get_by_role("button", name="添加").click()
    expect(page.locator(".alert-success")).to_contain_text("已添加本地校历安排")
    page.goto(f"{base}/calendar/?month=2027-04")
    day = page.get_by_test_id("month-list").locator("li", has_text="4月15日")
    expect(day).to_be_visible()
    expect(day).to_contain_text("校运动会")
    expect(page.get_by_test_id("month-grid")).to_be_hidden()
