"""调度通报 in a real browser: the office clerk generates the briefing, edits and publishes it; the .docx opens
with python-docx and carries the 发文字号, the title and the 版记; the page fits a phone."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from docx import Document
from playwright.sync_api import Page, expect

from tests.browser.test_journey import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo_site(live_server):
    call_command("demo", "--scale", "small", verbosity=0)
    return live_server


def test_clerk_generates_edits_and_publishes_a_briefing(page: Page, demo_site, tmp_path) -> None:
    base = demo_site.url
    page.on("dialog", lambda dialog: dialog.accept())  # 发布 asks for confirmation
    sign_in(page, base, "city.admin")
    page.goto(f"{base}/briefings/")
    page.get_by_role("button", name="生成调度通报").click()

    # Generated in the background; the page polls the status row and reloads when the draft is ready.
    title = page.get_by_label("标题", exact=True)
    expect(title).to_be_visible(timeout=30_000)
    expect(page.get_by_test_id("document")).to_contain_text("一、总体情况")
    title.fill("关于本周重点工作推进情况的调度通报")
    page.get_by_label("抄送").fill("市委教育工委，局领导班子成员")
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".alert-success")).to_contain_text("已保存")

    page.get_by_role("button", name="发布调度通报").click()
    expect(page.locator(".alert-success")).to_contain_text("已发布，文号 临教督〔")
    number = page.get_by_test_id("doc-number").inner_text()
    assert re.fullmatch(r"临教督〔\d{4}〕2号", number), number  # the demo published No. 1
    expect(page.get_by_role("button", name="发布调度通报")).to_have_count(0)

    with page.expect_download() as download:
        page.get_by_test_id("download").click()
    path = tmp_path / "briefing.docx"
    download.value.save_as(path)
    texts = [p.text for p in Document(str(path)).paragraphs]
    assert number in texts
    assert "关于本周重点工作推进情况的调度通报" in texts
    assert "抄送：市委教育工委，局领导班子成员。" in texts
    assert re.fullmatch(r"临江市教育局办公室\t\d{4}年\d{1,2}月\d{1,2}日印发", texts[-1]), texts[-1]

    # The published briefing reads on a phone without sideways scrolling.
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    expect(page.get_by_test_id("document")).to_contain_text(number)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
