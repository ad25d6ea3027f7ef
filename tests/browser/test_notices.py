"""告知书 in a real browser: the school sends a notice, a parent confirms on a phone, the class teacher's list
of non-readers shrinks by one."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from playwright.sync_api import Browser, Page, expect

from dudao.accounts.models import User
from dudao.orgs.models import OrgUnit
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
    page.wait_for_load_state()
    page.get_by_role("textbox", name="标题", exact=True).fill("期末安全告知书")
    page.get_by_label("正文").click()
    page.keyboard.type("各位家长：寒假将至，请加强对孩子的安全教育。")
    page.get_by_role("button", name="添加问题").click()  # a 单选 with 是 / 否 to start from
    page.get_by_label("第 1 题的题目").fill("寒假是否外出？")
    tick_classes(page, klass)
    expect(page.get_by_test_id("audience-classes")).to_have_text("1")
    page.get_by_role("button", name="保存草稿").click()
    expect(page.locator(".alert-success")).to_contain_text("已保存草稿")
    page.get_by_role("button", name="发送").click()
    expect(page.locator(".alert-success")).to_contain_text("已发送：1 所学校、1 个班级")
    expect(page.get_by_test_id("rate")).to_have_text("0.0%")

    # 2. The class teacher opens the notice: everyone is still to confirm; each guardian's message is on its row.
    page.context.clear_cookies()
    sign_in(page, base, "school.teacher")
    page.goto(f"{base}/notices/")
    page.get_by_role("link", name="期末安全告知书").first.click()
    pending = page.get_by_test_id("pending-count")
    before = int(pending.inner_text())
    assert before > 5
    message = page.get_by_role("button", name="复制消息").first.get_attribute("data-copy") or ""
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


def tick_classes(page: Page, *classes: OrgUnit) -> None:
    """Open each class's grade in the audience tree (loaded when opened) and tick the class."""
    tree = page.get_by_test_id("audience-tree")
    for klass in classes:
        grade = klass.get_parent()
        assert grade is not None
        toggle = tree.get_by_role("button", name=f"展开{grade.name}")
        if toggle.get_attribute("aria-expanded") != "true":
            toggle.click()
        tree.get_by_label(klass.name).check()
    for klass in classes:
        expect(page.get_by_test_id("audience-chosen")).to_contain_text(klass.name)


def test_principal_writes_with_the_editor_builder_and_class_tree_and_the_parent_sees_the_formatting(
    page: Page, browser: Browser, demo_site
) -> None:
    base = demo_site.url
    page.on("dialog", lambda dialog: dialog.accept())
    klass = User.objects.get(username="school.teacher").assignments.get(role="class_teacher").unit
    grade = klass.get_parent()
    assert grade is not None
    sibling = grade.get_children().exclude(pk=klass.pk).filter(kind="class").first()
    assert sibling is not None
    sign_in(page, base, "school.principal")
    page.goto(f"{base}/notices/new/")
    page.wait_for_load_state()
    page.get_by_role("textbox", name="标题", exact=True).fill("关于暑期防溺水安全的告知书")

    # The body: a bold line and a bulleted list, from the toolbar, no HTML typed.
    editor = page.get_by_label("正文")
    editor.click()
    page.get_by_role("button", name="加粗").click()
    page.keyboard.type("请务必做到以下几点")
    page.get_by_role("button", name="加粗").click()
    page.keyboard.press("Enter")
    page.get_by_role("button", name="项目列表").click()
    page.keyboard.type("不私自下水游泳")
    page.keyboard.press("Enter")
    page.keyboard.type("不到无安全设施的水域玩耍")
    expect(editor.locator("strong")).to_have_text("请务必做到以下几点")
    expect(editor.locator("li")).to_have_count(2)

    # A single-choice question from the builder.
    page.get_by_role("button", name="添加问题").click()
    page.get_by_label("第 1 题的题目").fill("暑期是否外出？")
    page.get_by_label("第 1 题的选项 1", exact=True).fill("外出")
    page.get_by_label("第 1 题的选项 2", exact=True).fill("在家")

    # Two classes from the tree; the count follows.
    tick_classes(page, klass, sibling)
    expect(page.get_by_test_id("audience-classes")).to_have_text("2")
    expect(page.get_by_test_id("audience-count")).to_contain_text("位家长")
    page.get_by_role("button", name="保存草稿").click()
    expect(page.locator(".alert-success")).to_contain_text("已保存草稿")
    expect(page.get_by_test_id("reach")).to_contain_text("将下发给")
    expect(page.get_by_test_id("reach-count")).to_contain_text("2 个班级")
    expect(page.get_by_test_id("notice-body").locator("strong")).to_have_text("请务必做到以下几点")

    page.get_by_role("link", name="预览家长页面").click()
    expect(page.get_by_test_id("preview-banner")).to_be_visible()
    expect(page.locator("article.notice-body li")).to_have_count(2)
    expect(page.get_by_role("radio", name="在家")).to_be_visible()
    page.get_by_role("link", name="返回告知书").click()
    page.get_by_role("button", name="发送").click()
    expect(page.locator(".alert-success")).to_contain_text("已发送：1 所学校、2 个班级")

    # A parent's personal link, on a phone: the same formatting, fitting the screen.
    page.goto(f"{base}{page.url.split(base)[-1].split('?')[0]}classes/{klass.pk}/")
    message = page.get_by_role("button", name="复制消息").first.get_attribute("data-copy") or ""
    found = re.search(r"https?://\S+", message)
    assert found is not None, message
    phone = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True)
    parent = phone.new_page()
    parent.goto(found.group(0))
    body = parent.locator("article.notice-body")
    expect(body.locator("strong")).to_have_text("请务必做到以下几点")
    expect(body.locator("ul > li")).to_have_count(2)
    assert parent.evaluate("document.documentElement.scrollWidth") <= 390
    phone.close()


def test_principal_edits_previews_and_sends_the_draft(page: Page, demo_site) -> None:
    base = demo_site.url
    page.on("dialog", lambda dialog: dialog.accept())
    sign_in(page, base, "school.principal")
    page.goto(f"{base}/notices/")
    page.wait_for_load_state()
    page.get_by_test_id("status-tabs").get_by_role("link", name=re.compile("^草稿")).click()
    page.get_by_role("link", name="关于举行家长开放日活动的通知").click()
    expect(page.get_by_test_id("status")).to_have_text("草稿")

    page.get_by_role("link", name="修改", exact=True).click()
    page.wait_for_load_state()
    page.get_by_role("textbox", name="标题", exact=True).fill("关于举行春季家长开放日活动的通知")
    # The question builder: the draft's 单选 is there; add a 多选 with three options.
    expect(page.get_by_label("第 1 题的题目")).to_have_value("您是否参加本次开放日")
    page.get_by_role("button", name="添加问题").click()
    page.get_by_label("第 2 题的类型").select_option(label="多选")
    page.get_by_label("第 2 题的题目").fill("您希望了解哪些内容")
    page.get_by_label("第 2 题的选项 1", exact=True).fill("课堂教学")
    page.get_by_label("第 2 题的选项 2", exact=True).fill("课后服务")
    page.get_by_test_id("question").nth(1).get_by_role("button", name="添加选项").click()
    page.get_by_label("第 2 题的选项 3", exact=True).fill("食堂午餐")
    page.get_by_role("button", name="保存修改").click()
    expect(page.locator(".alert-success")).to_contain_text("已保存修改")
    expect(page.get_by_text("[多选] 您希望了解哪些内容（课堂教学 / 课后服务 / 食堂午餐）")).to_be_visible()

    # The parent's phone page, marked 预览, with nothing to submit.
    page.get_by_role("link", name="预览家长页面").click()
    expect(page.get_by_test_id("preview-banner")).to_contain_text("预览")
    expect(page.get_by_role("heading", name="关于举行春季家长开放日活动的通知")).to_be_visible()
    expect(page.get_by_role("checkbox", name="食堂午餐")).to_be_visible()
    expect(page.get_by_role("button", name="已阅，确认收到")).to_be_disabled()
    page.get_by_role("link", name="返回告知书").click()

    page.get_by_role("button", name="发送").click()
    expect(page.locator(".alert-success")).to_contain_text("已发送")
    expect(page.get_by_test_id("status")).to_have_text("已发送")
    expect(page.get_by_role("link", name="修改", exact=True)).to_have_count(0)


def test_teacher_copies_one_guardians_message_and_opens_the_slips(page: Page, demo_site) -> None:
    base = demo_site.url
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base)
    sign_in(page, base, "school.teacher")
    page.goto(f"{base}/notices/")
    page.get_by_role("link", name="创建全国文明城市致全市中小学生家长的一封信").first.click()
    page.wait_for_load_state()
    row = page.get_by_test_id("guardian-row").first
    child = row.locator("td").first.inner_text().strip()
    row.get_by_role("button", name="复制消息").click()
    expect(row.get_by_role("button", name="已复制")).to_be_visible()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied.startswith("【") and f"{child}同学家长您好" in copied and "班主任" in copied, copied
    assert re.search(r"/n/g[a-z2-9]+\.[a-z2-9]{12}/", copied), copied

    pending = int(page.get_by_test_id("pending-count").inner_text())
    page.get_by_role("link", name="打印回执条").click()
    slips = page.get_by_test_id("slips").locator(".slip")
    expect(slips).to_have_count(pending)  # one per child still to confirm
    expect(slips.first).to_contain_text("同学家长")
    expect(slips.first.locator("svg")).to_be_visible()
    expect(page.get_by_role("button", name=re.compile("^打印"))).to_be_visible()


TEXT_CELLS_FIT = """() => {
  const narrow = [];
  for (const cell of document.querySelectorAll("main td, main th")) {
    const text = cell.innerText.trim();
    if (!text || cell.offsetParent === null) continue;
    const size = parseFloat(getComputedStyle(cell).fontSize);
    if (cell.getBoundingClientRect().width < 4 * size) narrow.push(text.slice(0, 20));
  }
  return narrow;
}"""

SMALL_TARGETS = """() => Array.from(document.querySelectorAll(".stack-sm .btn, .notice-actions .btn"))
  .filter((b) => b.offsetParent !== null && b.getBoundingClientRect().height < 44)
  .map((b) => b.innerText.trim())"""


def test_class_page_and_list_are_cards_on_a_phone(browser: Browser, demo_site) -> None:
    base = demo_site.url
    phone = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True)
    page = phone.new_page()
    sign_in(page, base, "school.teacher")
    for path in ("/notices/", None):
        if path:
            page.goto(f"{base}{path}")
        else:
            page.goto(f"{base}/notices/")
            page.get_by_role("link", name="创建全国文明城市致全市中小学生家长的一封信").first.click()
            expect(page.get_by_test_id("guardian-row").first).to_be_visible()
        page.wait_for_load_state()
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, page.url
        assert page.evaluate(TEXT_CELLS_FIT) == [], page.url
        assert page.evaluate(SMALL_TARGETS) == [], page.url
    phone.close()
