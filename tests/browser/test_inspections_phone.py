"""督查测评 on a 390 px phone: the rounds list and a round's schools are cards (no column squeezed to one
character, no sideways scrolling), the checklist counts 已评 as the inspector taps, and a refused submission
lands on the indicator it names."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from tests.browser.test_journey import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = "docs/screenshots"

# Visible text cells narrower than four characters of their own font (a CJK character is about 1 em wide), and
# whether the page scrolls sideways.
LAYOUT = """() => {
  const selector = "main td, main th, .phone-cards .card-title, .phone-cards .small";
  const cells = Array.from(document.querySelectorAll(selector));
  const narrow = cells.filter((el) => {
    const box = el.getBoundingClientRect();
    const text = el.textContent.trim();
    if (!text || box.width === 0 || el.offsetParent === null) return false;
    const em = parseFloat(getComputedStyle(el).fontSize);
    return box.width < Math.min(4, text.length) * em;
  }).map((el) => el.textContent.trim().slice(0, 20));
  return {narrow: narrow, scrolls: document.documentElement.scrollWidth > window.innerWidth + 1};
}"""


@pytest.fixture
def demo_site(live_server):
    call_command("demo", "--scale", "small", verbosity=0)
    return live_server


def assert_phone_layout(page: Page) -> None:
    layout = page.evaluate(LAYOUT)
    assert layout == {"narrow": [], "scrolls": False}


def test_rounds_and_checklist_on_a_phone(page: Page, demo_site) -> None:
    base = demo_site.url
    page.on("dialog", lambda dialog: dialog.accept())
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, base, "city.inspector")
    page.goto(f"{base}/inspections/")
    page.wait_for_load_state()
    cards = page.get_by_test_id("round-cards")
    expect(cards).to_be_visible()
    assert_phone_layout(page)
    button = cards.get_by_role("link", name="查看本轮").first
    assert button.bounding_box()["height"] >= 44  # type: ignore[index]
    page.screenshot(path=f"{SHOTS}/polish-rounds-phone.png", full_page=False)

    cards.locator(".card", has_text="迎检模拟测评").get_by_role("link", name="查看本轮").click()
    schools = page.get_by_test_id("school-cards")
    expect(schools).to_be_visible()
    assert_phone_layout(page)
    page.screenshot(path=f"{SHOTS}/polish-round-schools-phone.png", full_page=False)

    schools.locator(".card", has_text=re.compile("第五中学")).get_by_role("link", name="打开测评表").click()
    page.wait_for_load_state()
    progress = page.get_by_test_id("progress")
    expect(progress).to_contain_text("已评 0/")
    total = int(re.search(r"/(\d+)", progress.inner_text()).group(1))  # type: ignore[union-attr]
    first = page.locator(".indicator").nth(0)
    first.locator("label", has_text="达标").first.click()
    expect(progress).to_have_text(f"已评 1/{total}")
    page.locator(".indicator").nth(1).locator("label", has_text="不适用").click()
    expect(progress).to_have_text(f"已评 2/{total}")
    expect(page.locator(".indicator").nth(1).locator(".saved")).to_contain_text("已保存")

    # Submitting with indicators left lands on the first of them, marked.
    page.get_by_test_id("submit-checklist").click()
    expect(page.locator(".alert-danger, .alert-warning").first).to_contain_text("项指标未评定")
    assert re.search(r"#i\d+$", page.url)
    third = page.locator(".indicator").nth(2)
    expect(third.get_by_test_id("flagged")).to_have_text("此项尚未评定")
    expect(third).to_be_in_viewport()
    expect(progress).to_have_text(f"已评 2/{total}")
    page.screenshot(path=f"{SHOTS}/polish-checklist-flagged-phone.png", full_page=False)
