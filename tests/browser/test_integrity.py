"""党风廉政 in a real browser: the discipline officer, on a 390 px phone, opens the menu entry, records a talk and
reads its (encrypted) summary back; the principal, on a desktop, finds the list to acknowledge among the to-dos and
signs it; the principal never sees the menu entry and gets 404 for the officer's pages."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from tests.browser.test_cases import switch_user
from tests.browser.test_journey import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo_site(live_server):
    call_command("demo", "--scale", "small", verbosity=0)
    return live_server


def test_officer_records_a_talk_on_a_phone_and_the_principal_signs_the_list(page: Page, demo_site, open_menu) -> None:
    base = demo_site.url
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, base, "city.discipline")
    open_menu("工作台", "党风廉政")
    expect(page.get_by_test_id("overview")).to_contain_text("一岗双责清单已签收")
    page.get_by_role("link", name="谈话记录", exact=True).click()
    expect(page.get_by_test_id("talk-cards")).to_be_visible()  # cards on a phone, not a squeezed table
    # The new-talk form opens from its summary (the list's filter has a 谈话类型 select of its own).
    new_talk = page.locator("details", has=page.locator("summary", has_text="登记谈话"))
    new_talk.locator("summary").click()
    new_talk.get_by_label("谈话类型").select_option(label="提醒谈话")
    new_talk.get_by_label("谈话对象").fill("李明德（school.principal）")
    new_talk.get_by_label("地点").fill("纪检组办公室")
    new_talk.get_by_label("谈话要点（加密保存）").fill("提醒按时公示课后服务收费，并书面说明情况")
    new_talk.get_by_test_id("talk-submit").click()
    expect(page.locator(".alert-success")).to_contain_text("已登记与李明德的提醒谈话")
    expect(page.get_by_test_id("talk-summary")).to_contain_text("按时公示课后服务收费")

    switch_user(page, base, "school.principal")
    page.set_viewport_size({"width": 1366, "height": 900})
    todo = page.get_by_role("link", name="我的一岗双责清单待签收")
    expect(todo).to_be_visible()
    todo.click()
    page.get_by_test_id("my-duties").get_by_role("link").first.click()
    page.get_by_test_id("acknowledge").click()
    expect(page.locator(".alert-success")).to_contain_text("已签收")
    expect(page.get_by_test_id("duty-status")).to_contain_text("本人已签收")
    expect(page.get_by_test_id("menu-bar").get_by_text("党风廉政")).to_have_count(0)
    response = page.goto(f"{base}/integrity/talks/")
    assert response is not None and response.status == 404
