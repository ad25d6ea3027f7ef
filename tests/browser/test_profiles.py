"""一校一档 in a real browser: a district admin opens a school's profile from the ledger table that names it, sees
its sections and follows one back to its module filtered to the school; on a phone the sections stack and
nothing overflows sideways."""

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


def test_district_admin_opens_a_school_profile_from_the_ledger(page: Page, demo_site) -> None:
    base = demo_site.url
    sign_in(page, base, "district.admin")
    page.goto(f"{base}/ledger/")
    # The district admin owns her bureau's own problems, so the ledger opens on "只看我负责的": untick it.
    mine = page.get_by_label("只看我负责的")
    if mine.is_checked():
        mine.uncheck()
        page.get_by_role("button", name="筛选", exact=True).last.click()
    link = page.get_by_test_id("ledger").locator("[data-school-link]").first
    school = link.inner_text()
    link.click()
    expect(page).to_have_url(re.compile(r"/schools/\d+/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(school)
    for section in ("督查得分", "整改台账", "报送任务", "晨午检", "告知书知晓率", "人员配备", "一生一案"):
        expect(page.get_by_role("heading", name=section)).to_be_visible()
    # Case files are counts only: the section says so.
    expect(page.get_by_test_id("section-cases")).to_contain_text("仅数量，不含姓名")
    # The ledger section leads to the ledger filtered to this school.
    page.get_by_test_id("section-ledger").get_by_role("link", name=re.compile("本校全部问题")).click()
    expect(page).to_have_url(re.compile(r"/ledger/\?school=\d+$"))
    expect(page.get_by_text(f"范围：{school}")).to_be_visible()

    # On a phone the sections stack one above the other and the page does not scroll sideways.
    page.go_back()
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    first = page.get_by_test_id("section-inspections").bounding_box()
    second = page.get_by_test_id("section-ledger").bounding_box()
    assert first is not None and second is not None
    assert second["y"] >= first["y"] + first["height"] - 1
    assert first["width"] > 300
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
