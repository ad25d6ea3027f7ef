"""校园安保与三防 and 维修改造项目 in the browser: the district sees its schools whose 三防 card is not green and the
projects by status (desktop); the principal, on a 390 px phone, reads the school's card, is refused to start the
¥85,000 roof repair before filing it, records the filing and starts the works."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from playwright.sync_api import Browser, Page, expect

from dudao.projects.models import Project, ProjectStatus
from tests.browser.test_journey import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo_site(live_server):
    call_command("demo", "--scale", "small", verbosity=0)
    return live_server


def _fits(page: Page) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"))


def test_district_sees_cards_and_projects_and_the_principal_files_then_starts(
    page: Page, browser: Browser, demo_site, open_menu
) -> None:
    base = demo_site.url
    sign_in(page, base, "district.admin")
    open_menu("安全值守", "校园安保与三防")
    expect(page.get_by_role("heading", name=re.compile("校园安保与三防"))).to_be_visible()
    rows = page.get_by_test_id("school-row")
    expect(rows.first).to_be_visible()
    expect(page.get_by_test_id("schools")).to_contain_text("江东区第五中学")  # its guard's licence expires in 20 days
    page.screenshot(path="docs/screenshots/guards-district-desktop.png", full_page=False)
    open_menu("安全值守", "维修改造项目")
    expect(page.get_by_test_id("by-status")).to_contain_text("立项")
    expect(page.get_by_test_id("projects")).to_contain_text("教学楼屋面防水维修")
    page.screenshot(path="docs/screenshots/projects-district-desktop.png", full_page=False)

    phone = browser.new_context(
        locale="zh-CN", timezone_id="Asia/Shanghai", viewport={"width": 390, "height": 844}, base_url=base
    ).new_page()
    sign_in(phone, base, "school.principal")
    phone.goto(f"{base}/guards/")
    card = phone.get_by_test_id("sanfang-card")
    expect(card).to_contain_text("需关注")
    expect(card).to_contain_text("保安员证将于")
    assert _fits(phone)
    phone.screenshot(path="docs/screenshots/guards-school-phone.png", full_page=False)

    phone.goto(f"{base}/projects/")
    phone.get_by_test_id("project-cards").get_by_role("link", name="教学楼屋面防水维修").click()
    expect(phone.get_by_test_id("filing-needed")).to_be_visible()
    phone.get_by_test_id("start").click()
    expect(phone.locator(".alert-danger")).to_contain_text("方可开工")
    form = phone.get_by_test_id("filing-form")
    form.get_by_label("备案/审批文号").fill("江教基建备〔2026〕18号")
    form.get_by_role("button", name="登记备案/审批").click()
    expect(phone.locator(".alert-success")).to_contain_text("已登记备案/审批")
    expect(phone.get_by_test_id("status")).to_have_text("备案")
    phone.get_by_test_id("start").click()
    expect(phone.get_by_test_id("status")).to_have_text("施工")
    assert _fits(phone)
    phone.screenshot(path="docs/screenshots/projects-started-phone.png", full_page=False)
    project = Project.objects.get(school__name="江东区第五中学", title="教学楼屋面防水维修")
    assert project.status == ProjectStatus.BUILDING and project.filing_number == "江教基建备〔2026〕18号"
