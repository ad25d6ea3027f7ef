"""返校筛查: the class teacher on a 390 px phone opens the class sheet, a parent answers through the child's link
(fever: held back) and uses it again (updated, not duplicated); the school doctor on a desktop opens the
暂缓返校 list and clears a student; the principal's gate sheet of staggered arrival times prints on one page."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from dudao.returns.models import ScreeningAnswer
from tests.browser.test_journey import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo_site(live_server):
    call_command("demo", "--scale", "small", verbosity=0)
    return live_server


def test_parent_link_on_a_phone_updates_one_answer(page: Page, demo_site, open_menu) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, demo_site.url, "school.teacher")
    page.wait_for_load_state()
    open_menu("安全值守", "返校筛查与停课")
    page.get_by_test_id("rounds").get_by_role("link", name="开学返校健康筛查").click()
    page.get_by_test_id("class-sheet-link").click()
    rows = page.get_by_test_id("sheet-row")
    expect(rows.first).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    page.screenshot(path="docs/screenshots/returns-class-phone.png", full_page=False)
    link = rows.first.get_by_test_id("parent-link").inner_text().strip()
    name = rows.first.locator("b").first.inner_text().strip()

    page.goto(link)
    form = page.get_by_test_id("public-form")
    form.get_by_label("发热").check()
    form.get_by_test_id("submit").click()
    expect(page.get_by_test_id("saved")).to_contain_text("暂缓返校")
    page.screenshot(path="docs/screenshots/returns-parent-phone.png", full_page=False)
    form = page.get_by_test_id("public-form")
    form.get_by_label("发热").uncheck()
    form.get_by_test_id("submit").click()
    expect(page.get_by_test_id("saved")).to_contain_text("可按时返校")
    answers = ScreeningAnswer.objects.filter(student__name=name, round__name="开学返校健康筛查")
    assert answers.count() == 1 and not answers.get().is_held


def test_doctor_clears_a_held_student_on_a_desktop(page: Page, demo_site, open_menu) -> None:
    sign_in(page, demo_site.url, "school.doctor")
    page.wait_for_load_state()
    open_menu("安全值守", "返校筛查与停课")
    page.get_by_test_id("rounds").get_by_role("link", name="开学返校健康筛查").click()
    page.get_by_test_id("held-link").click()
    expect(page.get_by_role("heading", name=re.compile("暂缓返校名单"))).to_be_visible()
    page.screenshot(path="docs/screenshots/returns-held-desktop.png", full_page=False)
    before = ScreeningAnswer.objects.filter(is_held=True, cleared_on__isnull=False).count()
    form = page.get_by_test_id("clear-form").first
    form.get_by_label("证明编号/出具机构").fill("市人民医院门诊证明")
    form.get_by_test_id("clear").click()
    expect(page.locator(".alert-success")).to_contain_text("已准予返校")
    assert ScreeningAnswer.objects.filter(is_held=True, cleared_on__isnull=False).count() == before + 1


def test_gate_sheet_prints_on_one_a4_page(page: Page, demo_site) -> None:
    sign_in(page, demo_site.url, "school.principal")
    page.wait_for_load_state()
    page.goto(demo_site.url + "/returns/")
    page.get_by_test_id("arrivals-link").click()
    expect(page.get_by_test_id("slots").locator("li").first).to_contain_text(":")
    with page.expect_popup() as popup:
        page.get_by_test_id("print").click()
    sheet = popup.value
    expect(sheet.get_by_test_id("gate-sheet")).to_contain_text("错峰到校安排")
    sheet.emulate_media(media="print")
    pdf = sheet.pdf(format="A4")
    assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) == 1
