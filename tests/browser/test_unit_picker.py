"""The unit-tree picker in a real browser: the city clerk sends a directive to a list of units (a school found by
search, a district ticked whole), watches the count, saves a draft and issues it; the ledger's 责任单位 in the same
tree, on a phone."""

from __future__ import annotations

import datetime as dt
import os
import re

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import Page, expect

from tests.browser.test_directive_lifecycle import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = os.environ.get("DUDAO_SCREENSHOTS", "test-results")
TITLE = "关于报送校园消防安全排查情况的通知"


@pytest.fixture
def demo_site(live_server):
    call_command("demo", "--scale", "small", verbosity=0)
    return live_server


def local(days: int, hour: int) -> str:
    day = timezone.localdate() + dt.timedelta(days=days)
    return f"{day.isoformat()}T{hour:02d}:00"


def test_clerk_picks_a_school_and_a_whole_district_saves_a_draft_and_issues(page: Page, demo_site) -> None:
    from dudao.directives.models import Directive, DirectiveStatus
    from dudao.orgs.models import OrgUnit

    districts = list(OrgUnit.objects.filter(kind="district", is_closed=False).order_by("path"))
    first, second = districts[0], districts[1]
    school = OrgUnit.objects.filter(path__startswith=first.path, kind="school", is_closed=False).order_by("path")[0]
    second_schools = OrgUnit.objects.filter(path__startswith=second.path, kind="school", is_closed=False).count()

    base = demo_site.url
    page.on("dialog", lambda dialog: dialog.accept())
    sign_in(page, base, "city.admin")
    page.goto(f"{base}/directives/new/")
    page.wait_for_load_state()
    page.get_by_label("标题").fill(TITLE)
    page.get_by_label("截止时间").fill(local(7, 17))
    picker = page.get_by_test_id("unit-picker-units")
    expect(picker).to_be_hidden()  # only the chosen mode's controls are shown
    page.get_by_label("方式").select_option("list")
    expect(picker).to_be_visible()
    expect(page.get_by_label("单位类型", exact=True)).to_be_hidden()
    expect(page.get_by_test_id("recipient-problem")).to_have_text("请至少选择一个下发单位")

    # A school found by its name; the hit says which district it belongs to.
    page.get_by_label(re.compile("^指定单位")).fill(school.name)
    hit = picker.get_by_test_id("picker-panel").get_by_role(
        "checkbox", name=re.compile("^" + re.escape(school.name) + " ")
    )
    expect(hit).to_have_count(1)
    expect(picker.get_by_test_id("picker-panel")).to_contain_text(first.name)
    hit.check()
    expect(page.get_by_test_id("recipient-count")).to_have_text("将下发给 1 个单位")

    # Back to the tree: the second district ticked whole takes all its schools.
    page.get_by_label(re.compile("^指定单位")).fill("")
    whole = picker.get_by_role("checkbox", name=re.compile("^" + re.escape(second.name) + " 全部学校"))
    whole.check()
    total = 1 + second_schools
    expect(page.get_by_test_id("recipient-count")).to_have_text(f"将下发给 {total} 个单位")
    expect(picker.locator("[data-upk-count]")).to_have_text("已选 2 项")
    # Opened, the district shows its schools ticked by the whole pick, and the bureau itself as its own line.
    picker.get_by_role("button", name=f"展开 {second.name}").click()
    expect(picker.get_by_role("checkbox", name=re.compile(re.escape(second.name) + "（本级）"))).not_to_be_checked()
    inner = picker.locator(".upk-children").get_by_role("checkbox").nth(1)
    expect(inner).to_be_checked()
    expect(inner).to_be_disabled()
    page.screenshot(path=f"{SHOTS}/picker-directive-desktop.png", full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.get_by_test_id("target-fieldset").screenshot(path=f"{SHOTS}/picker-directive-phone.png")
    page.set_viewport_size({"width": 1366, "height": 900})

    # A chip removed is a unit less.
    picker.get_by_role("button", name=f"移除 {school.name}").click()
    expect(page.get_by_test_id("recipient-count")).to_have_text(f"将下发给 {second_schools} 个单位")
    page.get_by_label(re.compile("^指定单位")).fill(school.name)
    picker.get_by_test_id("picker-panel").get_by_role(
        "checkbox", name=re.compile("^" + re.escape(school.name) + " ")
    ).check()
    expect(page.get_by_test_id("recipient-count")).to_have_text(f"将下发给 {total} 个单位")

    page.get_by_role("button", name="存草稿").click()
    expect(page.get_by_role("alert").first).to_contain_text("已存为草稿")
    directive = Directive.objects.get(title=TITLE)
    assert directive.status == DirectiveStatus.DRAFT and directive.targets.count() == total

    page.get_by_role("link", name="预览并下发").first.click()
    expect(page.get_by_test_id("recipient-count")).to_contain_text(f"将下发给 {total} 个单位")
    page.get_by_role("button", name="下发", exact=True).click()
    expect(page.get_by_role("alert").first).to_contain_text(f"共 {total} 个单位")
    directive.refresh_from_db()
    assert directive.status == DirectiveStatus.ISSUED and directive.targets.count() == total


def test_builder_adds_a_total_by_ticking_fields_and_shows_no_codes(page: Page, demo_site) -> None:
    from dudao.directives.models import Form

    form = Form.objects.get(name="心理健康教师配备情况")
    sign_in(page, demo_site.url, "city.admin")
    page.goto(f"{demo_site.url}/forms/{form.pk}/")
    fields = page.get_by_test_id("builder-fields")
    expect(fields).to_contain_text("专职心理教师数")
    expect(fields).to_contain_text("整数")
    expect(fields).not_to_contain_text("psych_full")
    picker = page.get_by_test_id("total-picker")
    picker.get_by_label("合计项名称").fill("教职工与专职心理教师合计")
    picker.get_by_label("教职工数", exact=True).check()
    picker.get_by_label("专职心理教师数", exact=True).check()
    picker.get_by_role("button", name="添加合计项").click()
    expect(page.get_by_test_id("rules")).to_contain_text("教职工与专职心理教师合计 = “教职工数” + “专职心理教师数”")
    page.screenshot(path=f"{SHOTS}/picker-builder-desktop.png", full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=f"{SHOTS}/picker-builder-phone.png", full_page=True)


def test_ledger_unit_is_chosen_in_the_tree_on_a_phone(page: Page, demo_site) -> None:
    from dudao.orgs.models import OrgUnit
    from dudao.rectification.models import RectificationItem

    district = OrgUnit.objects.filter(kind="district", is_closed=False).order_by("path")[0]
    school = OrgUnit.objects.filter(path__startswith=district.path, kind="school", is_closed=False).order_by("path")[1]

    page.set_viewport_size({"width": 390, "height": 844})
    base = demo_site.url
    sign_in(page, base, "city.admin")
    page.goto(f"{base}/ledger/new/")
    page.wait_for_load_state()
    picker = page.get_by_test_id("unit-picker-unit")
    expect(picker.locator("[data-upk-count]")).to_have_text("尚未选择")
    # Down the tree: open the district, choose one of its schools.
    picker.get_by_role("button", name=f"展开 {district.name}").click()
    picker.get_by_role("radio", name=re.compile("^" + re.escape(school.name) + " ")).check()
    expect(picker.locator("[data-upk-chip]")).to_have_text(re.compile(re.escape(school.name)))
    # Choosing another replaces it: one responsible unit.
    picker.get_by_role("radio", name=re.compile("^" + re.escape(district.name) + " ")).first.check()
    expect(picker.locator("[data-upk-chip]")).to_have_count(1)
    expect(picker.locator("[data-upk-chip]")).to_have_text(re.compile(re.escape(district.name)))
    picker.get_by_role("radio", name=re.compile("^" + re.escape(school.name) + " ")).check()
    page.screenshot(path=f"{SHOTS}/picker-ledger-phone.png", full_page=True)
    page.get_by_label("问题来源").select_option(label="巡视反馈")
    page.get_by_label("问题类别").fill("消防安全")
    page.get_by_label("存在问题").fill("实验楼二楼消防通道堆放杂物")
    page.get_by_role("button", name="登记问题").click()
    expect(page.locator(".alert-success")).to_contain_text(f"请{school.name}落实四定")
    assert RectificationItem.objects.get(description="实验楼二楼消防通道堆放杂物").school_id == school.pk
