"""A directive's life in a real browser: a clerk turns a speech row into a draft, edits, previews and issues it;
withdraws another with a reason and a school sees it withdrawn; a reviewer batch-approves and uses 审核下一份;
the approvals queue on a phone."""

from __future__ import annotations

import datetime as dt
import os
import re

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = os.environ.get("DUDAO_SCREENSHOTS", "test-results")
MODEL_SCHOOLS = "关于报送文明校园创建示范点名单的通知"


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


def local(days: int, hour: int) -> str:
    day = timezone.localdate() + dt.timedelta(days=days)
    return f"{day.isoformat()}T{hour:02d}:00"


def test_draft_from_breakdown_is_edited_previewed_and_issued(page: Page, demo_site) -> None:
    from dudao.breakdown.models import Analysis
    from dudao.directives.models import Directive, DirectiveStatus

    base = demo_site.url
    page.on("dialog", lambda dialog: dialog.accept())
    sign_in(page, base, "city.admin")
    analysis = Analysis.objects.order_by("id").first()
    assert analysis is not None
    page.goto(f"{base}/breakdown/{analysis.pk}/")
    page.wait_for_load_state()
    page.get_by_label("选择第1行").check()
    page.get_by_role("button", name="生成工作部署草稿").click()
    expect(page.get_by_text("已生成 1 份工作部署草稿", exact=False)).to_be_visible()
    row = analysis.rows.order_by("position").first()
    assert row is not None and row.directive_id is not None

    # The draft: badged, not a green light, with 编辑 and 预览并下发.
    page.goto(f"{base}/directives/{row.directive_id}/")
    expect(page.get_by_test_id("draft-banner")).to_be_visible()
    expect(page.get_by_test_id("directive-status")).to_have_text("草稿")
    page.get_by_role("link", name="编辑").click()
    page.wait_for_load_state()
    page.get_by_label("标题").fill("关于打造文明校园示范点的通知")
    page.get_by_label("截止时间").fill(local(10, 17))
    page.get_by_label("方式").select_option("kind")
    page.get_by_label("单位类型", exact=True).select_option("district")
    # Only the chosen mode's controls are shown.
    expect(page.get_by_label("常用分组", exact=True)).to_be_hidden()
    page.get_by_role("button", name="保存并预览").click()

    expect(page.get_by_test_id("recipient-count")).to_contain_text(re.compile(r"将下发给 \d+ 个单位"))
    expect(page.get_by_test_id("preview-card")).to_contain_text("关于打造文明校园示范点的通知")
    page.screenshot(path=f"{SHOTS}/drafts-preview.png", full_page=True)
    page.get_by_label(re.compile("^发文字号前缀")).fill("临教基")
    page.get_by_role("button", name="下发", exact=True).click()
    expect(page.get_by_role("alert").first).to_contain_text("已下发")
    expect(page.get_by_test_id("doc-number")).to_contain_text("临教基〔")
    directive = Directive.objects.get(pk=row.directive_id)
    assert directive.status == DirectiveStatus.ISSUED and directive.targets.count() > 0


def test_withdrawn_directive_reaches_the_school_with_its_reason(page: Page, demo_site) -> None:
    from dudao.directives.models import Directive

    base = demo_site.url
    page.on("dialog", lambda dialog: dialog.accept())
    sign_in(page, base, "city.admin")
    parent = Directive.objects.get(title=MODEL_SCHOOLS, parent__isnull=True)
    page.goto(f"{base}/directives/{parent.pk}/")
    page.get_by_text("撤回通知").click()
    page.get_by_label("撤回原因（收文单位会看到）").fill("创建测评方案调整，示范点名单改在下月统一报送")
    page.get_by_role("button", name="撤回", exact=True).click()
    expect(page.get_by_test_id("withdrawn-banner")).to_contain_text("示范点名单改在下月统一报送")

    sign_in(page, base, "school.principal")
    page.goto(f"{base}/directives/?status=withdrawn")
    page.get_by_test_id("directive-list").get_by_role("link", name=MODEL_SCHOOLS).first.click()
    expect(page.get_by_test_id("withdrawn-banner")).to_contain_text("不需要再报送")
    page.screenshot(path=f"{SHOTS}/drafts-withdrawn-school.png", full_page=True)
    page.goto(f"{base}/directives/reminders/")
    expect(page.get_by_test_id("reminders-table")).to_contain_text("撤回原因")


def test_reviewer_batch_approves_and_reviews_the_next(page: Page, demo_site) -> None:
    from dudao.directives.models import Submission, SubmissionStatus

    base = demo_site.url
    page.on("dialog", lambda dialog: dialog.accept())
    sign_in(page, base, "district.admin")
    page.goto(f"{base}/directives/approvals/?flagged=0")
    page.wait_for_load_state()
    group = page.get_by_test_id("approval-group").first
    expect(group).to_be_visible()
    page.screenshot(path=f"{SHOTS}/drafts-approvals.png", full_page=True)
    rows = group.get_by_test_id("approval-row")
    before = rows.count()
    assert before >= 2
    rows.nth(0).get_by_role("checkbox").check()
    expect(page.get_by_test_id("bulk-approve")).to_have_text("批量审核通过（已选 1 份）")
    page.get_by_test_id("bulk-approve").click()
    expect(page.get_by_role("alert").first).to_contain_text("已审核通过 1 份报送")

    # Open the next one and approve it with 通过并审核下一份: the page moves on to another report.
    group = page.get_by_test_id("approval-group").first
    group.get_by_test_id("approval-row").first.get_by_role("link").click()
    first_url = page.url
    first_pk = int(re.findall(r"/submissions/(\d+)/", first_url)[0])
    page.get_by_test_id("approve-next").click()
    expect(page).not_to_have_url(first_url)
    expect(page).to_have_url(re.compile(r"/submissions/\d+/$"))
    assert Submission.objects.get(pk=first_pk).approved_levels >= 1
    assert Submission.objects.filter(status=SubmissionStatus.SUBMITTED).exists()


def test_approvals_queue_on_a_phone_has_no_cramped_cells_or_sideways_scroll(page: Page, demo_site) -> None:
    base = demo_site.url
    sign_in(page, base, "city.admin")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{base}/directives/approvals/")
    page.wait_for_load_state()
    expect(page.get_by_test_id("approval-row").first).to_be_visible()
    page.screenshot(path=f"{SHOTS}/drafts-approvals-phone.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    narrow = page.evaluate(
        """() => [...document.querySelectorAll('[data-testid=approvals-table] td')]
            .filter(td => td.innerText.trim() && td.offsetParent !== null)
            .filter(td => td.getBoundingClientRect().width < 4 * parseFloat(getComputedStyle(td).fontSize))
            .map(td => td.innerText.trim())"""
    )
    assert narrow == []
