"""师德师风 in a real browser: a class teacher signs the year's 师德承诺书 on a 390 px phone (a second tap keeps one
acknowledgement); the district admin follows the 一票否决 figure to an incident, whose facts she reads (an access
event); the principal sees who at the school has not signed."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from dudao.audit.models import AuditEvent
from dudao.ethics.models import Acknowledgement
from tests.browser.test_journey import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo_site(live_server):
    call_command("demo", "--scale", "small", verbosity=0)
    return live_server


def test_teacher_signs_on_a_phone_and_the_district_reads_a_veto(page: Page, demo_site, open_menu) -> None:
    base = demo_site.url
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, base, "school.teacher")
    open_menu("系统", "我的师德")
    expect(page.get_by_role("heading", name="我的师德")).to_be_visible()
    expect(page.get_by_test_id("commitment")).to_contain_text("师德承诺书")
    page.get_by_test_id("acknowledge").click()
    expect(page.locator(".alert-success").first).to_contain_text("已签署师德承诺书")
    expect(page.get_by_test_id("acknowledged")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path="docs/screenshots/ethics-commitment-phone.png", full_page=False)
    page.go_back()
    page.reload()
    assert Acknowledgement.objects.filter(user__username="school.teacher").count() == 1

    page.context.clear_cookies()
    page.set_viewport_size({"width": 1366, "height": 900})
    sign_in(page, base, "district.admin")
    open_menu("系统", "师德师风")
    expect(page.get_by_role("heading", name=re.compile("^师德师风"))).to_be_visible()
    page.get_by_test_id("summary").get_by_text("一票否决").click()
    rows = page.get_by_test_id("incidents").locator("tbody tr")
    expect(rows.first).to_contain_text("一票否决")
    page.screenshot(path="docs/screenshots/ethics-incidents.png", full_page=True)
    rows.first.get_by_role("link").first.click()
    expect(page).to_have_url(re.compile(r"/ethics/incidents/\d+/$"))
    expect(page.get_by_test_id("facts")).to_contain_text("反映的问题")
    expect(page.get_by_test_id("veto")).to_be_visible()
    page.screenshot(path="docs/screenshots/ethics-incident.png", full_page=True)
    assert AuditEvent.objects.filter(action="ethics_page", kind="access").count() == 1

    page.context.clear_cookies()
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, base, "school.principal")
    page.goto(f"{base}/ethics/commitments/")
    page.get_by_test_id("commitments").get_by_role("link").first.click()
    expect(page.get_by_test_id("pending")).to_contain_text("尚未签署")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path="docs/screenshots/ethics-pending-phone.png", full_page=False)
