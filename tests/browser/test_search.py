"""全局搜索 in a real browser: a principal presses "/", types a pupil's pinyin initials, walks the suggestions with
the arrow keys and opens the pupil; on a phone the box is in the header without opening the menu, Enter opens the
grouped results and nothing overflows sideways."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from dudao.orgs.models import RoleAssignment, Student
from tests.browser.test_journey import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo_site(live_server):
    call_command("demo", "--scale", "small", verbosity=0)
    return live_server


def test_principal_finds_a_pupil_by_initials_from_the_header(page: Page, demo_site) -> None:
    base = demo_site.url
    school = RoleAssignment.objects.get(user__username="school.principal", role="principal").unit
    pupil = Student.objects.filter(klass__path__startswith=school.path).order_by("id").first()
    assert pupil is not None and len(pupil.name_initials) >= 2
    sign_in(page, base, "school.principal")
    page.wait_for_load_state()

    page.keyboard.press("/")
    box = page.get_by_role("combobox", name="全局搜索")
    expect(box).to_be_focused()
    box.type(pupil.name_initials, delay=40)
    suggestions = page.get_by_role("listbox", name="搜索建议")
    expect(suggestions).to_be_visible()
    option = suggestions.get_by_role("option", name=re.compile(re.escape(pupil.name)))
    expect(option.first).to_be_visible()
    # Arrow keys walk the options; Enter on the focused one opens it.
    page.keyboard.press("ArrowDown")
    focused = page.evaluate("document.activeElement.textContent")
    href = page.evaluate("document.activeElement.getAttribute('href')")
    assert focused and href
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(re.escape(href) + "$"))
    # Escape closes the list again.
    page.get_by_role("combobox", name="全局搜索").fill(pupil.name_initials)
    expect(page.get_by_role("listbox", name="搜索建议")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.get_by_role("listbox", name="搜索建议")).to_be_hidden()


def test_phone_searches_from_the_header_and_sees_groups(page: Page, demo_site) -> None:
    base = demo_site.url
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, base, "district.admin")
    page.wait_for_load_state()
    box = page.get_by_role("combobox", name="全局搜索")
    expect(box).to_be_visible()  # in the header itself, not behind the menu button
    box.fill("五中")
    box.press("Enter")
    expect(page).to_have_url(re.compile(r"/search/\?q="))
    units = page.locator('section[data-kind="units"]')
    expect(units).to_contain_text("第五中学")
    expect(page.get_by_test_id("search-summary")).to_contain_text("学校/单位")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
