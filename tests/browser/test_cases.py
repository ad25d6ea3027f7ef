"""一生一案 in a real browser: a counsellor opens a case from a screening suggestion, adds a note and raises it to
crisis; the principal sees the checklist; a district user sees only the aggregate; the designated officer's
break-glass shows on the security officer's access report."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import Page, expect

from dudao.cases.models import CaseFile
from tests.browser.test_journey import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo_site(live_server):
    call_command("demo", "--scale", "small", verbosity=0)
    return live_server


def switch_user(page: Page, base: str, username: str) -> None:
    page.context.clear_cookies()
    sign_in(page, base, username)


def test_screening_to_crisis_checklist_aggregate_and_break_glass(page: Page, demo_site) -> None:
    base = demo_site.url
    page.on("dialog", lambda dialog: dialog.accept())
    # 1. The counsellor, on a phone, turns a screening suggestion into a case.
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, base, "school.counsellor")
    page.goto(f"{base}/cases/suggestions/")
    row = page.get_by_test_id("screening-suggestions").locator("tbody tr").first
    student_name = row.locator("td").first.inner_text()
    row.get_by_role("button", name="建立个案").click()
    expect(page.locator(".alert-success")).to_contain_text("已建立")
    expect(page.get_by_role("heading", name=re.compile(student_name))).to_be_visible()
    case_url = page.url
    case_id = int(case_url.rstrip("/").split("/")[-1])

    # 2. A note, encrypted at rest, shows in the timeline.
    page.get_by_label("内容").fill("首次面谈：学生愿意交流，谈到考试焦虑和失眠。")
    page.get_by_role("button", name="保存记录").click()
    expect(page.get_by_test_id("notes")).to_contain_text("首次面谈")

    # 3. Raised to crisis with the guardian contact: the checklist starts.
    contacted = timezone.localtime() - dt.timedelta(minutes=15)
    page.get_by_label("新的关注等级").select_option(label="红色危机")
    page.get_by_label("调整理由").fill("学生在面谈中表达了自伤想法")
    page.get_by_label("已联系监护人的时间（升为危机时必填）").fill(contacted.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_role("button", name="调整等级").click()
    expect(page.locator(".alert-success")).to_contain_text("关注等级已调整")
    expect(page.get_by_test_id("crisis-checklist")).to_contain_text("制定安全计划")

    # 4. The principal has the open steps on the home page and sees the checklist.
    page.set_viewport_size({"width": 1366, "height": 900})
    switch_user(page, base, "school.principal")
    page.get_by_role("link", name=re.compile(f"危机个案 #{case_id}")).click()
    checklist = page.get_by_test_id("crisis-checklist")
    expect(checklist).to_contain_text("监护人当面交接")
    expect(checklist).to_contain_text("转介专业机构")

    # 5. The district sees only counts: no names.
    switch_user(page, base, "district.admin")
    page.goto(f"{base}/cases/")
    expect(page.get_by_role("heading", name=re.compile("一生一案统计"))).to_be_visible()
    expect(page.get_by_test_id("case-stats")).to_be_visible()
    assert student_name not in page.content()
    page.goto(case_url)
    expect(page.locator("main")).to_contain_text("上级只能查看统计")

    # 6. The designated officer breaks glass with a reason.
    student_no = CaseFile.objects.select_related("student").get(pk=case_id).student.student_no
    switch_user(page, base, "city.caseofficer")
    page.goto(f"{base}/cases/break-glass/?student_no={student_no}")
    candidate = page.get_by_test_id("break-glass-candidates").locator("li", has_text=f"#{case_id}")
    candidate.get_by_label(re.compile("紧急访问理由")).fill("区教育局接家长报告学生失联，需立即了解危机处置情况")
    candidate.get_by_role("button", name="开启紧急授权").click()
    expect(page.get_by_test_id("break-glass-banner")).to_be_visible()

    # 7. The security officer sees it on the access report.
    switch_user(page, base, "city.security")
    page.goto(f"{base}/cases/access/")
    expect(page.get_by_test_id("grants")).to_contain_text("学生失联")
    expect(page.get_by_test_id("access-events")).to_contain_text("city.caseofficer")
