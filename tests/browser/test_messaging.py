"""消息中心 in a real browser: the bell counts unread messages, the list opens from it with unread first, marking
one read (htmx) and then all read brings the count down; on a phone the bell stays in the header."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from dudao.messaging import services
from tests.factories import PASSWORD, build_city

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def site(live_server):
    city = build_city()
    principal = city.user("principal")
    services.notify([principal], category="system", title="已读的旧消息", dedupe_key="old")
    services.mark_all_read(actor=principal)
    services.notify([principal], category="rectification", title="整改今天到期：消防通道堆放杂物", url="/ledger/")
    services.notify([principal], category="health_alert", title="疫情预警：七年级（1）班发热聚集")
    services.notify([principal], category="directive", title="催报：请尽快报送《开学安全检查》")
    services.notify([city.user("doctor")], category="duty", title="别人的消息")
    return live_server, principal.username


def sign_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()


@pytest.mark.parametrize("width", [1366, 390])
def test_bell_list_mark_read(page: Page, site, width: int) -> None:
    live_server, username = site
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, live_server.url, username)
    bell = page.get_by_test_id("message-bell")
    expect(bell).to_be_visible()
    expect(bell.get_by_test_id("unread-count")).to_have_text("3")
    bell.click()
    page.wait_for_load_state()
    expect(page.get_by_role("heading", name="消息中心")).to_be_visible()
    cards = page.get_by_test_id("message")
    expect(cards).to_have_count(4)
    expect(cards.last).to_contain_text("已读的旧消息")  # unread first
    expect(page.get_by_text("别人的消息")).to_have_count(0)
    alert = cards.filter(has_text="疫情预警")
    expect(alert).to_contain_text("紧急")
    alert.get_by_test_id("mark-read").click()
    expect(alert.get_by_test_id("unread-badge")).to_have_count(0)
    expect(alert).to_contain_text(re.compile(r"已读 \d+月\d+日"))
    # The bell refreshes after the htmx mark-read.
    expect(page.get_by_test_id("message-bell").get_by_test_id("unread-count")).to_have_text("2")
    page.get_by_test_id("read-all").click()
    page.wait_for_load_state()
    expect(page.locator(".alert-success")).to_contain_text("已将 2 条消息标为已读")
    expect(page.get_by_test_id("message-bell").get_by_test_id("unread-count")).to_have_count(0)
    expect(page.get_by_test_id("unread-total")).to_have_text("没有未读消息")
