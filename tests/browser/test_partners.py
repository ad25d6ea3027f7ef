"""部门协同: the district admin sends a task to the 城管 from the menu and passes on the link; the partner opens it on
a 390 px phone without an account, acknowledges and reports back with a photo (a second report updates the first);
the district admin sees the report and closes the task; the campaign page counts per partner."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.core.management import call_command
from django.utils import timezone
from PIL import Image
from playwright.sync_api import Browser, FilePayload, Page, expect

from dudao.partners.models import PartnerTask, TaskStatus
from tests.browser.test_journey import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo_site(live_server):
    call_command("demo", "--scale", "small", verbosity=0)
    return live_server


def _jpeg() -> FilePayload:
    out = io.BytesIO()
    Image.new("RGB", (800, 600), (120, 160, 200)).save(out, format="JPEG")
    return {"name": "现场.jpg", "mimeType": "image/jpeg", "buffer": out.getvalue()}


def test_partner_task_from_sending_to_closing(page: Page, browser: Browser, demo_site, open_menu) -> None:
    base = demo_site.url
    sign_in(page, base, "district.admin")
    open_menu("安全值守", "部门协同")
    expect(page.get_by_test_id("partners")).to_contain_text("城市管理综合执法局")
    page.screenshot(path="docs/screenshots/partners-list.png", full_page=False)
    page.get_by_test_id("partners").get_by_role("link", name=re.compile("城市管理综合执法局")).click()
    page.get_by_test_id("send-task").click()

    form = page.get_by_test_id("task-form")
    form.get_by_label("事项").fill("校门口夜间烧烤摊油烟扰民")
    form.get_by_label("具体情况和要求").fill("校门西侧夜间烧烤摊占道经营，油烟影响寄宿生休息，请依法处置并反馈。")
    form.get_by_label("地点").fill("学校西门外人行道")
    form.get_by_label("涉及学校").select_option(label="江东区第五中学")
    form.get_by_label("办理时限").fill((timezone.localdate() + dt.timedelta(days=5)).isoformat())
    form.get_by_test_id("send").click()
    expect(page.locator(".alert-success")).to_contain_text("请把链接发给对方")
    link = page.get_by_test_id("link").input_value()
    assert "/xt/" in link
    page.screenshot(path="docs/screenshots/partners-task.png", full_page=True)

    phone = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", timezone_id="Asia/Shanghai")
    partner = phone.new_page()
    partner.goto(link)
    expect(partner.get_by_role("heading", name="校门口夜间烧烤摊油烟扰民")).to_be_visible()
    assert partner.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    partner.screenshot(path="docs/screenshots/partners-public-phone.png", full_page=True)
    partner.get_by_label("签收人姓名").fill("王建军")
    partner.get_by_test_id("ack").click()
    expect(partner.get_by_test_id("done")).to_contain_text("已签收")
    report = partner.get_by_test_id("report-form")
    report.get_by_label("办理情况").fill("已联合街道取缔烧烤摊 2 处，设立夜间巡查点。")
    report.get_by_label(re.compile("^现场照片")).set_input_files(files=[_jpeg()])
    report.get_by_test_id("report").click()
    expect(partner.get_by_test_id("done")).to_contain_text("已提交办理情况")
    report = partner.get_by_test_id("report-form")
    report.get_by_label("办理情况").fill("已联合街道取缔烧烤摊 2 处，设立夜间巡查点，连续三晚复查无反弹。")
    report.get_by_test_id("report").click()
    expect(partner.get_by_test_id("done")).to_contain_text("已更新为最新内容")
    partner.screenshot(path="docs/screenshots/partners-public-reported-phone.png", full_page=True)
    task = PartnerTask.objects.get(title="校门口夜间烧烤摊油烟扰民")
    assert task.report_count == 2 and task.photos.count() == 1

    page.reload()
    expect(page.get_by_test_id("status")).to_have_text("已反馈")
    expect(page.get_by_test_id("report")).to_contain_text("连续三晚复查无反弹")
    expect(page.locator("img[alt='反馈照片 1']")).to_have_js_property("complete", True)
    page.get_by_test_id("review").get_by_label("审核意见").fill("经复查已整改到位")
    page.get_by_test_id("close").click()
    expect(page.get_by_test_id("status")).to_have_text("已办结")
    task.refresh_from_db()
    assert task.status == TaskStatus.CLOSED

    partner.reload()
    expect(partner.get_by_test_id("closed")).to_contain_text("经复查已整改到位")
    phone.close()

    page.get_by_role("link", name="任务列表").click()
    page.get_by_role("link", name="联合行动").click()
    page.get_by_role("link", name=re.compile("校园周边综合治理专项行动")).click()
    expect(page.get_by_test_id("campaign-stats")).to_contain_text("交警大队")
    page.screenshot(path="docs/screenshots/partners-campaign.png", full_page=True)
