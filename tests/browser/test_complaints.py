"""投诉与建议 in a real browser: a parent files a complaint on a phone without logging in, the bureau's office
routes it to the school, the principal replies, the office accepts, and the parent reads the answer through the
private link and rates it."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from dudao.complaints.models import Complaint, Status
from dudao.orgs.models import RoleAssignment
from tests.browser.test_journey import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo_site(live_server):
    call_command("demo", "--scale", "small", verbosity=0)
    return live_server


def test_parent_files_office_routes_school_replies_parent_rates(page: Page, demo_site) -> None:
    base = demo_site.url
    school = RoleAssignment.objects.select_related("unit").get(user__username="school.principal", role="principal").unit

    # 1. A parent, on a phone, without an account.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{base}/complaints/submit/")
    page.get_by_label("问题类别").select_option(label="乱收费")
    page.get_by_label("标题").fill("学校要求统一购买指定品牌的书包")
    page.get_by_label("涉及学校或单位（可选）").fill(school.name)
    page.get_by_label("具体内容").fill(
        "开学时班主任通知每名学生必须在指定商店购买 280 元的书包，否则不能参加升旗仪式。"
    )
    page.get_by_label("姓名", exact=True).fill("林女士")
    page.get_by_label("联系电话", exact=True).fill("13800112233")
    page.get_by_role("button", name="提交").click()
    expect(page.get_by_test_id("created")).to_contain_text("已受理，受理编号 TS")
    tracking_url = page.get_by_test_id("link").input_value()
    item = Complaint.objects.get(title="学校要求统一购买指定品牌的书包")
    assert item.status == Status.RECEIVED and item.name == "林女士"

    # 2. The office finds it among its to-dos and routes it to the school (deadline: five working days).
    page.set_viewport_size({"width": 1366, "height": 900})
    sign_in(page, base, "city.admin")
    page.get_by_role("link", name="待分办的群众诉求").first.click()
    page.get_by_role("link", name=item.title).click()
    page.get_by_label("承办单位").select_option(str(school.pk))
    page.get_by_role("button", name="分办").click()
    expect(page.locator(".alert-success")).to_contain_text(f"已分办至{school.name}")
    expect(page.get_by_test_id("status")).to_have_text("办理中")

    # 3. The principal sees the content without the parent's name and replies.
    page.context.clear_cookies()
    sign_in(page, base, "school.principal")
    page.get_by_role("link", name="待答复的群众诉求").first.click()
    page.get_by_role("link", name=item.title).click()
    expect(page.get_by_test_id("content")).to_contain_text("指定商店购买")
    expect(page.locator("main")).not_to_contain_text("林女士")
    page.get_by_label("答复内容（将转达投诉人）").fill(
        "经核实，班主任的要求不符合规定，学校已予以纠正，书包自愿购买，不与任何活动挂钩。"
    )
    page.get_by_label("整改措施（可选）").fill("已在全校重申不得指定购买学习用品。")
    page.get_by_role("button", name="提交答复").click()
    expect(page.get_by_test_id("status")).to_have_text("待审核")

    # 4. The office accepts the reply; it goes to the parent.
    page.context.clear_cookies()
    sign_in(page, base, "city.admin")
    page.goto(f"{base}/complaints/{item.pk}/")
    page.get_by_test_id("reveal").click()
    expect(page.get_by_test_id("identity")).to_contain_text("林女士")
    page.get_by_role("button", name="审核通过，答复群众").click()
    expect(page.get_by_test_id("status")).to_have_text("已答复")

    # 5. The parent reads the answer through the link and rates it.
    page.context.clear_cookies()
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(tracking_url)
    expect(page.get_by_test_id("answer")).to_contain_text("书包自愿购买")
    page.get_by_label("基本满意").check()
    page.get_by_label("评价意见（选择“不满意”时必填）").fill("已纠正，希望以后不再发生。")
    page.get_by_role("button", name="提交评价").click()
    expect(page.get_by_test_id("rated")).to_contain_text("感谢您的评价")
    item.refresh_from_db()
    assert item.status == Status.CLOSED and item.rating == "basically"
