"""Main journey of the foundation, in a real browser."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo_site(live_server):
    call_command("demo", "--scale", "small", verbosity=0)
    return live_server


def sign_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill("dudao-demo")
    page.get_by_role("button", name="登录").click()
    # Leaders, district admins and principals land on the cockpit, everyone else on the to-do list.
    expect(page.get_by_role("heading", name=re.compile("^(我的待办|领导驾驶舱)"))).to_be_visible()


def test_district_admin_finds_school_by_pinyin_and_opens_roster(page: Page, demo_site, open_menu) -> None:
    base = demo_site.url
    sign_in(page, base, "district.admin")
    open_menu("系统", "组织机构")
    expect(page.get_by_role("heading", name="江东区教育局")).to_be_visible()
    expect(page.get_by_test_id("unit-counts")).to_contain_text("学校")
    page.get_by_label("搜索单位").fill("wz")
    result = page.get_by_test_id("search-results").get_by_role("link").filter(has_text="江东区第五中学（五中）")
    expect(result).to_be_visible()
    result.click()
    expect(page.get_by_role("heading", name="江东区第五中学")).to_be_visible()
    page.get_by_role("link", name="学生名册").click()
    table = page.get_by_test_id("roster-table")
    expect(table.locator("tbody tr")).to_have_count(50)
    # Guardian phones are masked for a district admin.
    expect(table).to_contain_text("****")
    page.screenshot(path="test-results/roster.png", full_page=True)


def test_wrong_password_shows_chinese_error(page: Page, demo_site) -> None:
    page.goto(f"{demo_site.url}/accounts/login/")
    page.get_by_label("用户名").fill("district.admin")
    page.get_by_label("密码").fill("not-the-password")
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_test_id("login-error")).to_contain_text("用户名或密码错误")


def test_principal_reveals_guardian_phone_and_it_is_logged(page: Page, demo_site) -> None:
    from dudao.audit.models import AuditEvent

    sign_in(page, demo_site.url, "school.principal")
    page.goto(f"{demo_site.url}/?view=todos")  # a principal's home is the cockpit; the counters are on the to-do list
    page.get_by_role("link", name="在籍学生").click()
    page.get_by_test_id("roster-table").locator("tbody tr a").first.click()
    page.get_by_role("button", name="查看完整信息").click()
    expect(page.get_by_test_id("revealed")).to_contain_text("本次查看已记录")
    assert AuditEvent.objects.filter(kind="access", action="view_unmasked").count() == 1


def test_pages_and_api_docs_run_under_the_csp_without_outside_requests(page: Page, demo_site) -> None:
    outside: list[str] = []
    violations: list[str] = []
    page.on(
        "request",
        lambda r: outside.append(r.url)
        if not r.url.startswith(demo_site.url) and not r.url.startswith("data:")
        else None,
    )
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    sign_in(page, demo_site.url, "school.principal")
    # The identity switch submits on change through dudao.js, not an inline handler.
    page.get_by_label("当前身份").select_option(index=1)
    expect(page.get_by_label("当前身份")).to_have_value(
        page.get_by_label("当前身份").locator("option").nth(1).get_attribute("value") or ""
    )
    page.goto(f"{demo_site.url}/api/v1/docs")
    expect(page.get_by_text("督导通 API").first).to_be_visible()
    assert outside == [] and violations == []
