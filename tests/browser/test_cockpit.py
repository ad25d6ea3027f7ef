"""The cockpit in a real browser: the director signs in to the cockpit, finds a district red on overdue
rectification items and drills down to the named items with their owners and phones; on a phone, the ranking is a
list of cards with the red figures as links."""

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


def test_director_drills_from_a_red_district_cell_to_the_named_overdue_items(page: Page, demo_site) -> None:
    base = demo_site.url
    sign_in(page, base, "city.director")
    expect(page.get_by_role("heading", name=re.compile("领导驾驶舱"))).to_be_visible()
    expect(page.get_by_test_id("computed-at")).to_contain_text("数据更新于")
    ranking = page.get_by_test_id("ranking")
    district = ranking.locator("tr", has_text="区教育局").filter(
        has=page.locator("a[data-level=red][data-code='rectification.overdue']")
    )
    row = district.first
    name = row.get_by_role("rowheader").get_by_role("link").inner_text()
    cell = row.locator("a[data-code='rectification.overdue']")
    count = int(re.sub(r"\D", "", cell.inner_text()))
    assert count > 0
    cell.click()

    expect(page.get_by_role("heading", level=1)).to_contain_text(f"逾期未销号问题 · {name}")
    expect(page.get_by_test_id("total")).to_have_text(f"{count} 项")
    rows = page.get_by_test_id("drill-rows").locator("tbody tr")
    expect(rows).to_have_count(min(count, 50))
    first = rows.first
    expect(first.locator("td[data-label=单位]")).to_contain_text(name.removesuffix("教育局"))
    expect(first.locator("td[data-label=情况]")).to_contain_text("整改时限")
    expect(first.locator("td[data-label=负责人]")).not_to_have_text("未指定")
    expect(first.locator("td[data-label=电话] a[href^='tel:']")).to_be_visible()
    # The item itself opens in the ledger.
    first.locator("td[data-label=事项] a").click()
    expect(page).to_have_url(re.compile(r"/ledger/\d+/$"))


def test_on_a_phone_the_ranking_is_a_list_of_cards(page: Page, demo_site) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, demo_site.url, "city.director")
    cards = page.get_by_test_id("ranking-cards")
    expect(cards).to_be_visible()
    expect(page.get_by_test_id("ranking")).to_be_hidden()
    red = cards.locator("a.text-bg-danger").first
    label = red.inner_text()
    red.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(label.rsplit(" ", 2)[0])
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the drill page scrolls sideways on a phone ({width}px)"
