"""The campaign loop in a real browser: inspect → find → 四定 → fix → reject → verify → public progress."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from django.core.management import call_command
from PIL import Image
from playwright.sync_api import Page, Route, expect

from tests.browser.test_journey import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo_site(live_server):
    call_command("demo", "--scale", "small", verbosity=0)
    return live_server


def photo(tmp_path: Path, name: str, colour: tuple[int, int, int]) -> str:
    image = Image.new("RGB", (400, 300), colour)
    for x in range(100, 200):
        for y in range(50, 150):
            image.putpixel((x, y), (255, 255, 255))
    out = io.BytesIO()
    image.save(out, format="JPEG")
    path = tmp_path / name
    path.write_bytes(out.getvalue())
    return str(path)


def switch_user(page: Page, base: str, username: str) -> None:
    page.context.clear_cookies()
    sign_in(page, base, username)


def test_inspect_assign_fix_reject_verify_and_post(page: Page, demo_site, tmp_path: Path, open_menu) -> None:
    base = demo_site.url
    page.on("dialog", lambda dialog: dialog.accept())  # 提交/发布 ask for confirmation
    # 1. The inspector fills the mock round's checklist of 五中 on a phone-sized screen and submits it.
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, base, "city.inspector")
    page.goto(f"{base}/inspections/")
    page.get_by_role("link", name=re.compile("江东区第五中学.*迎检模拟测评", re.S)).click()
    expect(page.get_by_role("heading", name="江东区第五中学")).to_be_visible()
    cards = page.locator(".indicator")
    count = cards.count()
    assert count >= 10
    for index in range(count):
        card = cards.nth(index)
        failing = index == 0
        card.locator("label", has_text="不达标" if failing else "达标").first.click()
        expect(card.locator(".saved")).to_contain_text("已保存")
    first = cards.nth(0)
    first.get_by_placeholder("说明（可选）").fill("教学楼东侧护栏松动")
    first.get_by_placeholder("说明（可选）").press("Tab")
    expect(first.locator(".saved")).to_contain_text("已保存")
    # The camera button takes the photo the indicator requires; the page reloads with its thumbnail.
    first.locator("input[type=file]").set_input_files(photo(tmp_path, "before.jpg", (200, 60, 60)))
    expect(page.locator(".alert-success")).to_contain_text("照片已保存")
    expect(page.locator(".indicator").nth(0).locator("img.evidence-thumb")).to_have_count(1)
    expect(page.get_by_test_id("progress")).to_contain_text(f"已评 {count}/{count}")
    page.get_by_test_id("submit-checklist").click()
    expect(page.locator(".alert-success")).to_contain_text("已提交，发现问题 1 个")

    # 2. The principal names the owner (四定).
    page.set_viewport_size({"width": 1366, "height": 900})
    switch_user(page, base, "school.principal")
    page.goto(f"{base}/ledger/?q=教学楼东侧护栏松动")
    page.get_by_test_id("ledger").get_by_role("link", name=re.compile("校园设施完好")).click()
    item_url = page.url
    page.get_by_label("责任人").select_option(label="张丽华（语文教师、班主任）")
    page.get_by_label("整改措施/职责").fill("联系维修队加固护栏，设警示标志")
    page.get_by_role("button", name="保存四定").click()
    expect(page.locator(".alert-success")).to_contain_text("已落实四定")
    expect(page.get_by_test_id("owner")).to_contain_text("张丽华")

    # 3. The owner (a class teacher) reports the fix with an "after" photo.
    switch_user(page, base, "school.teacher")
    expect(page.get_by_text("我负责的整改问题")).to_be_visible()
    page.goto(item_url)
    page.get_by_label("整改完成情况").fill("护栏已加固")
    page.get_by_label("整改后照片（必传）").set_input_files(photo(tmp_path, "after.jpg", (60, 160, 60)))
    page.get_by_role("button", name="申请销号").click()
    expect(page.get_by_test_id("item-status")).to_have_text("待验收")

    # 4. The district verifies: first rejects, then (after a second request) closes it out.
    switch_user(page, base, "district.admin")
    page.goto(item_url)
    page.get_by_label("不通过原因").fill("警示标志未设置")
    page.get_by_role("button", name="不通过，退回整改").click()
    expect(page.get_by_test_id("item-status")).to_have_text("整改中")
    expect(page.get_by_test_id("timeline")).to_contain_text("警示标志未设置")
    switch_user(page, base, "school.teacher")
    page.goto(item_url)
    page.get_by_label("整改完成情况").fill("已补设警示标志")
    page.get_by_label("整改后照片（必传）").set_input_files(photo(tmp_path, "after2.jpg", (60, 60, 180)))
    page.get_by_role("button", name="申请销号").click()
    expect(page.get_by_test_id("item-status")).to_have_text("待验收")
    switch_user(page, base, "district.admin")
    page.goto(item_url)
    page.get_by_role("button", name="验收通过，销号").click()
    expect(page.get_by_test_id("item-status")).to_have_text("已销号")

    # 5. The public page behind the 公示 QR code shows the progress, without signing in.
    switch_user(page, base, "school.principal")
    open_menu("督查整改", "整改台账")
    page.get_by_role("link", name="上墙公示").click()
    expect(page.get_by_test_id("qr")).to_be_visible()
    public_url = page.locator("text=/\\/p\\/[A-Za-z0-9_-]+\\//").first.inner_text().strip()
    page.context.clear_cookies()
    page.goto(public_url)
    expect(page.get_by_text("问题整改进度公示")).to_be_visible()
    expect(page.get_by_text("校园设施完好，无破损、无安全隐患：教学楼东侧护栏松动")).to_be_visible()
    page.screenshot(path="test-results/public-posting.png", full_page=True)


def test_checklist_answer_made_offline_is_sent_when_back_online(page: Page, demo_site) -> None:
    from dudao.inspections.models import Answer

    base = demo_site.url
    sign_in(page, base, "city.inspector")
    page.goto(f"{base}/inspections/")
    page.get_by_role("link", name=re.compile("江东区第五中学.*迎检模拟测评", re.S)).click()
    card = page.locator(".indicator").nth(1)
    # The page's script must be loaded before the network goes: going offline mid-load left no one to show the banner.
    page.wait_for_load_state("networkidle")
    expect(card).to_be_visible()
    page.context.set_offline(True)
    card.locator("label", has_text="不达标").first.click()
    expect(page.locator("[data-offline-banner]")).to_be_visible(timeout=15000)
    assert not Answer.objects.filter(note="离线时记录").exists()
    card.get_by_placeholder("说明（可选）").fill("离线时记录")
    card.get_by_placeholder("说明（可选）").press("Tab")
    page.context.set_offline(False)
    expect(page.locator("[data-offline-banner]")).to_be_hidden(timeout=30000)
    answer = Answer.objects.get(note="离线时记录")
    assert answer.result == "fail"


def test_a_tap_made_before_the_scripts_arrive_is_still_saved(page: Page, demo_site) -> None:
    """On a slow phone network the page paints before htmx arrives; the inspector's first tap must not be lost."""
    from dudao.inspections.models import Answer, Target

    base = demo_site.url
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, base, "city.inspector")
    page.goto(f"{base}/inspections/")
    link = page.get_by_role("link", name=re.compile("江东区第五中学.*迎检模拟测评", re.S))
    url = link.get_attribute("href")
    assert url is not None
    held: list[Route] = []
    page.route("**/htmx.min.js", lambda route: held.append(route))
    page.goto(f"{base}{url}", wait_until="commit")
    first = page.locator(".indicator").first
    first.locator("label", has_text="达标").first.click()
    assert held, "htmx was not held back: the test would not show the race"
    assert page.evaluate("typeof window.htmx") == "undefined"
    held[0].continue_()
    expect(first.locator(".saved")).to_contain_text("已保存")
    target = Target.objects.get(pk=int(url.rstrip("/").rsplit("/", 1)[-1]))
    assert Answer.objects.filter(target=target, result="pass").count() == 1
