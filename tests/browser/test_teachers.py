"""教师档案 in a real browser: a principal opens the list from the menu, follows the "证书 30 天内到期" figure to the
safety officer whose 保安员证 is due, reveals the full ID number (logged), corrects a subject; on a phone the list
becomes cards and nothing scrolls sideways."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from dudao.audit.models import AuditEvent
from tests.browser.test_journey import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo_site(live_server):
    call_command("demo", "--scale", "small", verbosity=0)
    return live_server


def test_principal_follows_an_expiring_certificate_reveals_the_id_and_edits(page: Page, demo_site, open_menu) -> None:
    base = demo_site.url
    sign_in(page, base, "school.principal")
    open_menu("系统", "教师档案")
    expect(page.get_by_role("heading", name=re.compile("^教师档案"))).to_be_visible()
    page.get_by_test_id("summary").get_by_text("证书 30 天内到期").click()
    rows = page.get_by_test_id("teachers").locator("tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("保安员证")
    rows.first.get_by_role("link").first.click()
    expect(page).to_have_url(re.compile(r"/teachers/\d+/$"))
    masked = page.get_by_test_id("id-masked")
    expect(masked).to_have_text(re.compile(r"^\d{6}\*{8}\d{3}[\dX]$"))
    page.get_by_role("button", name="查看完整号码").click()
    expect(page.get_by_test_id("id-revealed")).to_have_text(re.compile(r"^\d{17}[\dX]$"))
    assert AuditEvent.objects.filter(action="view_unmasked", object_type="teachers.staffprofile").count() == 1

    page.get_by_role("link", name="修改档案").click()
    page.get_by_label("任教学科").fill("体育与健康")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_text("档案已保存")).to_be_visible()
    expect(page.get_by_test_id("profile")).to_contain_text("体育与健康")

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{base}/teachers/")
    page.wait_for_load_state()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    first = page.get_by_test_id("teachers").locator("tbody tr").first.bounding_box()
    assert first is not None and first["width"] > 300
