"""任务分解 in a real browser: paste a speech, see the table beside the source, focus a row to highlight its
sentence, fix a row, make a draft directive from it, and download the Word table."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from django.core.management import call_command
from playwright.sync_api import Dialog, Page, expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = os.environ.get("DUDAO_SCREENSHOTS", "test-results")
SPEECH = (Path(__file__).parent.parent / "breakdown" / "corpus" / "02_wenming.txt").read_text("utf-8")


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
    # Leaders, district admins and principals land on the cockpit, everyone else on the to-do list.
    expect(page.get_by_role("heading", name=re.compile("^(我的待办|领导驾驶舱)"))).to_be_visible()


def test_breakdown_journey_paste_highlight_edit_draft_export(page: Page, demo_site, open_menu) -> None:
    from dudao.breakdown.models import Analysis
    from dudao.directives.models import Directive, DirectiveStatus

    base = demo_site.url
    dialogs: list[str] = []

    def accept(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.accept()

    page.on("dialog", accept)
    sign_in(page, base, "city.admin")
    open_menu("部署报送", "任务分解")
    page.get_by_label("标题").fill("推进会讲话（浏览器测试）")
    page.get_by_label("发文日期").fill("2026-06-08")
    page.get_by_label("粘贴文字").fill(SPEECH)
    page.get_by_role("button", name="开始分解").click()
    expect(page.get_by_role("heading", name="推进会讲话（浏览器测试）")).to_be_visible()
    table = page.get_by_test_id("breakdown-table")
    expect(table).to_contain_text("区县教育局")
    expect(table).to_contain_text("2026-06-12")

    # Focusing the first row highlights its sentence in the source text.
    first = table.locator("tbody tr").first
    first.click()
    highlighted = page.locator(".bd-src.bd-hl")
    expect(highlighted).to_have_count(1)
    expect(highlighted).to_contain_text("至少打造两个示范点")
    page.screenshot(path=f"{SHOTS}/breakdown-01-table.png", full_page=True)

    # Fix the first row's task.
    first.get_by_text("编辑").click()
    first.get_by_label("任务").fill("各城区打造示范点并报送名单")
    first.get_by_role("button", name="保存").click()
    expect(page.get_by_text("已保存")).to_be_visible()
    expect(page.get_by_test_id("breakdown-table")).to_contain_text("各城区打造示范点并报送名单")

    # With nothing ticked the page says so and asks nothing.
    page.get_by_role("button", name="生成工作部署草稿").click()
    expect(page.get_by_test_id("rows-hint")).to_contain_text("还没有勾选任何行")
    assert dialogs == []
    # Make a draft directive of it: the question names how many rows.
    page.get_by_label("选择第1行").check()
    page.get_by_role("button", name="生成工作部署草稿").click()
    expect(page.get_by_text("已生成 1 份工作部署草稿", exact=False)).to_be_visible()
    assert dialogs == ["为所选的 1 行各生成一份工作部署草稿？"]
    analysis = Analysis.objects.get(title="推进会讲话（浏览器测试）")
    row = analysis.rows.order_by("position").first()
    assert row is not None and row.directive_id is not None
    directive = Directive.objects.get(pk=row.directive_id)
    assert directive.status == DirectiveStatus.DRAFT and directive.title == "各城区打造示范点并报送名单"

    # The Word export downloads.
    with page.expect_download() as download:
        page.get_by_role("link", name="导出 Word").click()
    assert download.value.suggested_filename.endswith(".docx")

    # A phone-sized screen still shows the table and the source.
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    expect(page.get_by_test_id("breakdown-table")).to_be_visible()
    page.screenshot(path=f"{SHOTS}/breakdown-02-phone.png", full_page=True)


REVIEW_SPEECH = (Path(__file__).parent.parent / "breakdown" / "corpus" / "30_huigu_gongzuo.txt").read_text("utf-8")


def test_review_rows_are_hidden_shown_by_the_switch_and_a_row_becomes_not_a_task(
    page: Page, demo_site, open_menu
) -> None:
    from dudao.breakdown.models import Analysis

    base = demo_site.url
    sign_in(page, base, "city.admin")
    open_menu("部署报送", "任务分解")
    page.get_by_label("标题").fill("年度工作会议讲话（浏览器测试）")
    # Not the demo sample's date (26 February): the same text, date and author within minutes is a double submit,
    # which returns the sample instead of a new analysis.
    page.get_by_label("发文日期").fill("2026-02-25")
    page.get_by_label("粘贴文字").fill(REVIEW_SPEECH)
    page.get_by_role("button", name="开始分解").click()
    expect(page.get_by_role("heading", name="年度工作会议讲话（浏览器测试）")).to_be_visible()
    page.wait_for_load_state()
    table = page.get_by_test_id("breakdown-table")
    review = table.locator("tr.bd-nontask")
    expect(review.first).to_be_hidden()
    expect(table).not_to_contain_text("荣获省级文明校园")

    # The switch shows the review rows, marked 回顾.
    page.get_by_label(re.compile("显示回顾/非任务行")).check()
    expect(review.first).to_be_visible()
    expect(review.first.get_by_test_id("kind-badge")).to_have_text(re.compile("回顾|非任务"))
    page.screenshot(path=f"{SHOTS}/breakdown-03-review-rows.png", full_page=True)

    # A task row the user judges not to be one: 编辑 → 不是任务.
    first = table.locator("tr.bd-row:not(.bd-nontask)").first
    first.get_by_text("编辑").click()
    first.get_by_test_id("mark-nontask").click()
    expect(page.get_by_text("已把这一行标为“非任务”")).to_be_visible()
    analysis = Analysis.objects.get(title="年度工作会议讲话（浏览器测试）")
    first_task = analysis.rows.order_by("position").filter(corrected=True).get()
    assert first_task.kind == "other"
