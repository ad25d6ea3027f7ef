"""The grouped main menu in a real browser: one line at 1280 px for every role, keyboard use, the phone list and the
工作台 grid."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ONE_LINE = 64  # px: the bar is 56 px high on one line; a second line makes it at least 96


@pytest.fixture
def demo_site(live_server):
    call_command("demo", "--scale", "small", verbosity=0)
    return live_server


def sign_in(page: Page, base: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill("dudao-demo")
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name=re.compile("^(我的待办|领导驾驶舱)"))).to_be_visible()


def test_the_bar_fits_one_line_and_works_with_the_keyboard(page: Page, demo_site) -> None:
    base = demo_site.url
    for width in (1280, 1440):
        page.set_viewport_size({"width": width, "height": 800})
        for username in ("city.admin", "city.director", "district.admin", "school.principal", "school.teacher"):
            sign_in(page, base, username)
            height = page.locator("nav.main-nav").bounding_box()["height"]  # type: ignore[index]
            assert height <= ONE_LINE, f"{username} at {width} px: the menu is {height} px high"
            # Nothing sticks out of the bar (the bell's unread badge sat half past the right edge).
            scroll = page.evaluate("document.documentElement.scrollWidth")
            assert scroll <= width, f"{username} at {width} px: the page scrolls sideways ({scroll} px)"

    # A leader's 督查整改 is a dropdown: open it with the keyboard, move down to 整改台账, follow it.
    page.set_viewport_size({"width": 1280, "height": 800})
    sign_in(page, base, "city.director")
    bar = page.get_by_test_id("menu-bar")
    toggle = bar.get_by_role("button", name="督查整改", exact=True)
    expect(toggle).to_have_attribute("aria-expanded", "false")
    toggle.focus()
    page.keyboard.press("Enter")
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(bar.get_by_role("link", name="整改台账", exact=True)).to_be_visible()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    expect(bar.get_by_role("link", name="整改台账", exact=True)).to_be_focused()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/ledger/$"))
    page.wait_for_load_state()  # the dropdowns answer clicks once Bootstrap's script has run
    # The page's group is marked; Escape closes an open dropdown.
    expect(bar.get_by_role("button", name="督查整改", exact=True)).to_have_class(re.compile(r"\bactive\b"))
    other = bar.get_by_role("button", name="学生关爱", exact=True)
    other.click()
    expect(other).to_have_attribute("aria-expanded", "true")
    page.keyboard.press("Escape")
    expect(other).to_have_attribute("aria-expanded", "false")

    # A class teacher's one-entry groups (督查整改, 部署报送) are plain links; her 工作台 holds 我的待办 and 校历.
    sign_in(page, base, "school.teacher")
    expect(bar.get_by_role("link", name="整改台账", exact=True)).to_be_visible()
    expect(bar.get_by_role("link", name="工作部署", exact=True)).to_be_visible()
    expect(bar.get_by_role("button", name="督查整改", exact=True)).to_have_count(0)
    expect(bar.get_by_role("button", name="工作台", exact=True)).to_be_visible()
    # Her 系统 group holds two personal tools (下载中心, 消息中心): a dropdown.
    system = bar.get_by_role("button", name="系统", exact=True)
    system.click()
    expect(bar.get_by_role("link", name="下载中心", exact=True)).to_be_visible()
    expect(bar.get_by_role("link", name="消息中心", exact=True)).to_be_visible()


def test_the_phone_lists_groups_and_offers_the_workbench_grid(page: Page, demo_site) -> None:
    base = demo_site.url
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, base, "school.teacher")
    grid = page.get_by_test_id("workbench")
    expect(grid).to_be_visible()
    tiles = grid.get_by_role("link")
    assert 1 <= tiles.count() <= 8
    for index in range(tiles.count()):
        box = tiles.nth(index).bounding_box()
        assert box is not None and box["height"] >= 44 and box["width"] >= 44
    expect(page.get_by_test_id("menu-bar")).to_be_hidden()

    # 全部功能 opens the collapsed menu: group headings with their entries, nothing nested.
    grid.get_by_role("button", name="全部功能").click()
    menu = page.get_by_test_id("menu-list")
    expect(menu).to_be_visible()
    expect(menu.get_by_role("region", name="学生关爱").get_by_role("link", name="一生一案")).to_be_visible()
    expect(menu.get_by_role("region", name="系统")).to_be_visible()
    expect(menu.get_by_role("link", name="领导驾驶舱")).to_have_count(0)
    link = menu.get_by_role("link", name="家访", exact=True)
    assert (link.bounding_box() or {"height": 0})["height"] >= 44
    link.click()
    expect(page).to_have_url(re.compile(r"/cases/visits"))

    # A tile goes where it says.
    page.goto(f"{base}/?view=todos")
    page.get_by_test_id("workbench").get_by_role("link", name="晨午检").click()
    expect(page).to_have_url(re.compile(r"/health/"))
    # On a wide screen the grid is not shown (the bar is).
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{base}/?view=todos")
    expect(page.get_by_test_id("workbench")).to_be_hidden()
