"""告知书 in a real browser: the school sends a notice, a parent confirms on a phone, the class teacher's list
of non-readers shrinks by one."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from playwright.sync_api import Browser, Page, expect

from dudao.accounts.models import User
from tests.browser.test_journey import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo_site(live_server):
    call_command("demo", "--scale", "small", verbosity=0)
    return live_server


def test_school_sends_parent_confirms_teacher_list_shrinks(page: Page, browser: Browser, demo_site) -> None:
    base = demo_site.url
    page.on("dialog", lambda dialog: dialog.accept())  # 发送 asks for confirmation
    klass = User.objects.get(username="school.teacher").assignments.get(role="class_teacher").unit

    # 1. The principal writes a notice to the demo teacher's class and sends it.
    sign_in(page, base, "school.principal")
    page.goto(f"{base}/notices/")
    page.get_by_role("link", name="写告知书").click()
    page.get_by_label("标题").fill("期末安全告知书")
    page.get_by_label("正文").fill("各位家长：\n\n寒假将至，请加强对孩子的安全教育。")
    page.get_by_label("回执问题（可选）").fill("单选：寒假是否外出？|是|否")
    page.get_by_label("范围（不选则为全部）").select_option(label=klass.name)
    page.get_by_role("button", name="保存草稿").click()
    expect(page.locator(".alert-success")).to_contain_text("已保存草稿")
    page.get_by_role("button", name="发送").click()
    expect(page.locator(".alert-success")).to_contain_text("已发送：1 所学校、1 个班级")
    expect(page.get_by_test_id("rate")).to_have_text("0.0%")

    # 2. The class teacher opens the notice: everyone is still to confirm; she copies the parents' messages.
    page.context.clear_cookies()
    sign_in(page, base, "school.teacher")
    page.goto(f"{base}/notices/")
    page.get_by_role("link", name="期末安全告知书").click()
    pending = page.get_by_test_id("pending-count")
    before = int(pending.inner_text())
    assert before > 5
    message = page.locator("#lines").input_value().splitlines()[0]
    found = re.search(r"https?://\S+", message)
    assert found is not None, message
    link = found.group(0)

    # 3. A parent opens the link on a phone, answers and confirms (no login).
    phone = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True)
    parent = phone.new_page()
    parent.goto(link)
    expect(parent.get_by_role("heading", name="期末安全告知书")).to_be_visible()
    parent.get_by_label("否").check()
    parent.get_by_role("button", name="已阅，确认收到").click()
    expect(parent.get_by_test_id("confirmed")).to_contain_text("已确认收阅")
    # The page fits the phone: no horizontal scrolling.
    assert parent.evaluate("document.documentElement.scrollWidth") <= 390
    phone.close()

    # 4. The teacher's list of non-readers is one shorter.
    page.reload()
    expect(page.get_by_test_id("pending-count")).to_have_text(str(before - 1))
    expect(page.get_by_test_id("confirmed")).to_contain_text("家长链接")
