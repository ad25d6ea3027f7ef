"""推送失败记录 in a real browser: the city's administrator opens the page from the 系统 menu, sees the push that
failed on 企业微信 (who, why, how often) and retries it; the fake 企业微信 server receives it and the list empties.
On a phone the same page works at 390 px."""

from __future__ import annotations

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from dudao.messaging import services
from dudao.messaging.models import Channel, Delivery, DeliveryStatus, Message
from tests.factories import PASSWORD, build_city
from tests.messaging.conftest import FakeApi, bind, fake_api  # noqa: F401  (fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def site(live_server, fake_api: FakeApi):  # noqa: F811
    city = build_city()
    principal = city.user("principal")
    services.notify([principal], category="directive", title="催报：《开学安全检查》将于周五截止", dedupe_key="d")
    Delivery.objects.create(
        message=Message.objects.get(recipient=principal),
        channel=Channel.WECOM,
        address="wrong-id",
        status=DeliveryStatus.FAILED,
        attempts=5,
        last_error="企业微信返回错误 81013：接收人账号不存在或不在应用可见范围",
        last_attempt_at=timezone.now(),
    )
    bind(principal, Channel.WECOM, "limingde")  # the principal has bound the right account since
    return live_server, city


@pytest.mark.parametrize("width", [1366, 390])
def test_admin_sees_a_failed_push_and_retries_it(page: Page, site, fake_api: FakeApi, open_menu, width: int) -> None:  # noqa: F811
    live_server, city = site
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("用户名").fill("bureau.staff")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()
    open_menu("系统", "推送失败记录")
    page.wait_for_load_state()
    expect(page.get_by_role("heading", name="推送失败记录")).to_be_visible()
    row = page.get_by_test_id("failed-push")
    expect(row).to_have_count(1)
    expect(row).to_contain_text(city.user("principal").display_name)
    expect(row).to_contain_text("企业微信")
    expect(row).to_contain_text("接收人账号不存在")
    expect(row).to_contain_text("已尝试 5 次")
    row.get_by_test_id("retry").click()
    page.wait_for_load_state()
    expect(page.locator(".alert-success")).to_contain_text("已重新推送给")
    expect(page.get_by_test_id("failed-push")).to_have_count(0)
    expect(page.get_by_test_id("no-failed")).to_be_visible()
    assert [s["body"]["touser"] for s in fake_api.sends] == ["limingde"]
    assert Delivery.objects.get().status == DeliveryStatus.SENT
