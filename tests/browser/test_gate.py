"""门卫登记 in a real browser: the guard of the demo's first school, on a 390 px phone, registers a visitor (a wrong
check digit is shown next to the field first), finds them in the list as still inside, and checks them out."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from dudao.orgs.text import id_card_check_digit
from tests.browser.test_journey import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FIRST17 = "36010219790312" + "451"
GOOD_ID = FIRST17 + id_card_check_digit(FIRST17)
BAD_ID = FIRST17 + ("1" if GOOD_ID[-1] != "1" else "2")


@pytest.fixture
def demo_site(live_server):
    call_command("demo", "--scale", "small", verbosity=0)
    return live_server


def test_guard_registers_a_visitor_on_a_phone_and_checks_them_out(page: Page, demo_site, open_menu) -> None:
    base = demo_site.url
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, base, "school.guard")
    open_menu("安全值守", "门卫登记")
    page.wait_for_load_state()
    expect(page.get_by_role("heading", name="今日来访")).to_be_visible()
    # The demo's repair worker is still inside and highlighted.
    inside = page.get_by_test_id("visit").filter(has_text="刘志远")
    expect(inside.get_by_test_id("inside")).to_be_visible()

    form = page.get_by_test_id("register-form")
    form.get_by_label("手机号").fill("13612345678")
    expect(page.get_by_text("该手机号近 30 天没有来访记录")).to_be_visible()
    form.get_by_label("姓名", exact=True).fill("赵一鸣")
    form.get_by_label("身份证号").fill(BAD_ID)
    form.get_by_label("或填写被访人").fill("总务处 刘主任")
    form.get_by_label("来访事由").select_option(label="维修/施工")
    form.get_by_label("体温（℃）").fill("36.4")
    form.get_by_test_id("register").click()
    expect(page.get_by_test_id("error-id_card_no")).to_contain_text("校验位不正确")
    # What was typed is still there; only the number needs fixing.
    form = page.get_by_test_id("register-form")
    expect(form.get_by_label("姓名", exact=True)).to_have_value("赵一鸣")
    form.get_by_label("身份证号").fill(GOOD_ID)
    form.get_by_test_id("register").click()
    expect(page.locator(".alert-success")).to_contain_text("已登记 赵一鸣 进校")

    row = page.get_by_test_id("visit").filter(has_text="赵一鸣")
    expect(row.get_by_test_id("inside")).to_be_visible()
    expect(row).to_contain_text("找 总务处 刘主任")
    row.get_by_test_id("check-out").click()
    expect(page.locator(".alert-success")).to_contain_text("已登记 赵一鸣 离校")
    expect(page.get_by_test_id("visit").filter(has_text="赵一鸣").get_by_test_id("left")).to_be_visible()
    # The guard's page never shows the full ID number.
    assert GOOD_ID not in page.content()
