"""The loop across the command layer in a real browser: from a red figure on the drill page the director issues a
督办单 in two clicks, downloads it as Word, and opens a named school's 一校一档 from the drill rows; on a phone the
drill page with its 督办 buttons does not scroll sideways."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from docx import Document
from playwright.sync_api import Page, expect

from tests.browser.test_journey import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo_site(live_server):
    call_command("demo", "--scale", "small", verbosity=0)
    return live_server


def test_director_supervises_a_red_district_from_the_drill_page(page: Page, demo_site) -> None:
    base = demo_site.url
    sign_in(page, base, "city.director")
    page.goto(f"{base}/indicators/rectification.overdue/")
    button = page.get_by_test_id("supervise-child").first
    expect(button).to_be_visible()
    district = button.get_attribute("title") or ""
    name = district.removeprefix("向").removesuffix("下达督办单")
    button.click()

    expect(page).to_have_url(re.compile(r"/supervision/new/\?unit=\d+&indicator=rectification.overdue$"))
    expect(page.get_by_label("督办事项")).to_have_value(f"关于{name}“逾期未销号问题”情况的督办")
    page.get_by_role("button", name="下达").click()
    expect(page.locator(".alert-success")).to_contain_text("已下达督办〔")

    order_url = re.sub(r"[?#].*$", "", page.url)
    assert re.search(r"/supervision/\d+/$", order_url)
    page.goto(order_url + "print/")
    with page.expect_download() as download:
        page.get_by_role("link", name="下载 Word（公文格式）").click()
    texts = [p.text for p in Document(str(download.value.path())).paragraphs]
    assert any(t.endswith("督办单") for t in texts) and f"{name}：" in texts

    # Down to the district's rows: the school named on a row opens its 一校一档.
    page.goto(f"{base}/indicators/rectification.overdue/")
    page.get_by_test_id("children").get_by_role("link", name=re.compile(name)).first.click()
    school = page.get_by_test_id("drill-rows").locator("a[data-school-link]").first
    school_name = school.inner_text()
    school.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(school_name)


def test_on_a_phone_the_drill_page_with_supervise_buttons_fits(page: Page, demo_site) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, demo_site.url, "city.director")
    page.goto(f"{demo_site.url}/indicators/rectification.overdue/")
    expect(page.get_by_test_id("supervise-child").first).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the drill page scrolls sideways on a phone ({width}px)"
