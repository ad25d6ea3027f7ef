"""数据异常提示 in a real browser: the approver sees the flags beside the values on the demo's weekly report,
is refused until every flag is ticked 已核实, then approves; the page reads at phone width."""

from __future__ import annotations

import os
import re

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = os.environ.get("DUDAO_SCREENSHOTS", "test-results")


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


def test_approver_must_tick_each_flag_before_approving(page: Page, demo_site) -> None:
    from dudao.directives.models import ValueFlag

    flag = ValueFlag.objects.filter(field_key="students", acknowledged_at__isnull=True).order_by("id").first()
    assert flag is not None, "the demo's weekly report has a week with an odd figure"
    submission = flag.submission
    count = ValueFlag.objects.filter(submission=submission).count()
    sign_in(page, demo_site.url, "city.admin")
    page.goto(f"{demo_site.url}/submissions/{submission.pk}/")
    expect(page.get_by_test_id("flags-summary")).to_contain_text(f"数据异常提示 {count} 处")
    expect(page.get_by_test_id("flag-students").first).to_contain_text("多于本单位学籍名册在籍学生")
    page.get_by_role("button", name="审核通过").click()
    expect(page.get_by_text(re.compile("尚未核实"))).to_be_visible()
    boxes = page.get_by_role("checkbox", name=re.compile("已核实"))
    expect(boxes).to_have_count(count)
    for i in range(count):
        boxes.nth(i).check()
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=f"{SHOTS}/plausibility-phone.png", full_page=True)
    page.get_by_role("button", name="审核通过").click()
    expect(page.get_by_text(re.compile("^审核通过"))).to_be_visible()
    expect(page.get_by_test_id("flags-summary")).to_contain_text("均已核实")
    assert not ValueFlag.objects.filter(submission=submission, acknowledged_at__isnull=True).exists()
