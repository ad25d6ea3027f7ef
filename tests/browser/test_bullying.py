"""学生欺凌防治 in a real browser: a guardian reports through the school's link on a phone and gets a receipt; the
principal handles the report to closing (students, 受理 → 结案); the district sees the school only as a count, and
the report's page answers 404."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from dudao.bullying import public_links
from dudao.bullying.models import Report
from dudao.orgs.models import RoleAssignment, Student
from tests.browser.test_journey import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

STORY = "孩子这两周在宿舍多次被同寝室同学拿走饭卡和零花钱，还被威胁不许告诉老师。"


@pytest.fixture
def demo_site(live_server):
    call_command("demo", "--scale", "small", verbosity=0)
    return live_server


def switch_user(page: Page, base: str, username: str) -> None:
    page.context.clear_cookies()
    sign_in(page, base, username)


def test_report_handled_to_closing_and_district_sees_only_a_count(page: Page, demo_site, open_menu) -> None:
    base = demo_site.url
    school = RoleAssignment.objects.get(user__username="school.principal", role="principal").unit
    student = Student.objects.filter(klass__path__startswith=school.path).order_by("-id").first()
    assert student is not None

    # 1. A guardian, on a phone, reports through the school's link and gets a receipt number.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(base + public_links.intake_path(school.pk))
    expect(page.get_by_role("heading", name=re.compile(school.name))).to_be_visible()
    form = page.get_by_test_id("public-form")
    form.get_by_label("欺凌类型").select_option(label="财物欺凌")
    form.get_by_label("发生地点").fill("宿舍楼 512 室")
    form.get_by_label(re.compile("^事情经过")).fill(STORY)
    form.get_by_label("您的姓名、与学生的关系和联系电话").fill("刘女士（母亲）13900003333")
    form.get_by_role("button", name="提交报告").click()
    receipt = page.get_by_test_id("receipt")
    expect(receipt).to_contain_text("回执编号")
    report = Report.objects.get(place="宿舍楼 512 室")
    expect(receipt).to_contain_text(report.number)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    page.screenshot(path="docs/screenshots/bullying-receipt-phone.png", full_page=True)

    # 2. The principal handles it to closing.
    page.set_viewport_size({"width": 1366, "height": 900})
    sign_in(page, base, "school.principal")
    open_menu("安全值守", "学生欺凌防治")
    page.get_by_test_id("reports").get_by_role("link", name=report.number).click()
    expect(page.get_by_test_id("description")).to_contain_text("饭卡")
    expect(page.get_by_test_id("reporter")).to_contain_text("刘女士")
    students = page.get_by_test_id("student-form")
    students.get_by_label("学生姓名").fill(student.name)
    students.get_by_label("班级（同名时必选）").select_option(str(student.klass_id))
    students.get_by_label("身份").select_option(label="被欺凌学生")
    students.get_by_role("button", name="添加学生").click()
    expect(page.locator(".alert-success")).to_contain_text(student.name)
    for label in ("受理", "调查", "认定", "处置措施", "跟踪回访", "结案"):
        form = page.get_by_test_id("step-form")
        if label == "认定":
            form.get_by_label("认定结论").select_option(label="构成欺凌")
            form.get_by_label("严重程度").select_option(label="一般欺凌")
        form.get_by_label(f"{label}记录").fill(f"{label}：已按规定办理并记录在案。")
        form.get_by_test_id("save-step").click()
        expect(page.locator(".alert-success")).to_contain_text(f"已登记“{label}”")
    expect(page.get_by_test_id("status")).to_contain_text("已结案")
    expect(page.get_by_test_id("steps").locator("li")).to_have_count(6)
    page.screenshot(path="docs/screenshots/bullying-closed-desktop.png", full_page=True)

    # 3. The district sees the school in the counts, never the text; the report's page is 404.
    switch_user(page, base, "district.admin")
    page.set_viewport_size({"width": 390, "height": 844})
    open_menu("安全值守", "学生欺凌防治")
    expect(page.get_by_role("heading", name=re.compile("欺凌事件学期统计"))).to_be_visible()
    cards = page.get_by_test_id("stat-cards")
    expect(cards).to_contain_text(school.name)
    assert "饭卡" not in page.content() and "刘女士" not in page.content() and student.name not in page.content()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    page.screenshot(path="docs/screenshots/bullying-stats-phone.png", full_page=True)
    response = page.goto(f"{base}/bullying/{report.pk}/")
    assert response is not None and response.status == 404
