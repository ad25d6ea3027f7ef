"""继续教育 in a real browser: the principal shows a training's sign-in QR on the venue screen, a teacher opens the
code's link on a phone, logs in and signs in (a second scan changes nothing); the principal opens 继续教育 from the
menu and sees the school's hours gap (who is short, by how many hours), also on a phone."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from dudao.accounts.models import User
from dudao.training.models import Attendance, TrainingEvent
from tests.browser.test_journey import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo_site(live_server):
    call_command("demo", "--scale", "small", verbosity=0)
    return live_server


def _running_event() -> TrainingEvent:
    principal = User.objects.get(username="school.principal")
    start = timezone.now().replace(microsecond=0) - dt.timedelta(minutes=5)
    return TrainingEvent.objects.create(
        organiser=principal.unit,
        title="课堂教学数字化转型培训",
        level="school",
        category="it",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=3),
        venue="学校录播教室",
        hours=Decimal("3"),
        year=timezone.localtime(start).year,
        created_by=principal,
    )


def test_teacher_signs_in_by_qr_on_a_phone(page: Page, browser: Browser, demo_site) -> None:
    base = demo_site.url
    event = _running_event()
    sign_in(page, base, "school.principal")
    page.goto(f"{base}/training/{event.pk}/")
    page.get_by_test_id("show-qr").click()
    expect(page.get_by_test_id("qr").locator("svg")).to_be_visible()
    expect(page.get_by_test_id("attended")).to_have_text("0")
    link = page.get_by_test_id("sign-link").get_attribute("href") or ""
    assert "/training/sign/" in link

    phone = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True)
    teacher = phone.new_page()
    teacher.goto(link)  # what the phone's camera opens: the login page first
    teacher.get_by_label("用户名").fill("school.teacher")
    teacher.get_by_label("密码").fill("dudao-demo")
    teacher.get_by_role("button", name="登录").click()
    expect(teacher.get_by_test_id("sign-in")).to_contain_text("课堂教学数字化转型培训")
    assert teacher.evaluate("document.documentElement.scrollWidth") <= 390
    teacher.screenshot(path="docs/screenshots/training-sign-in-phone.png", full_page=False)
    teacher.get_by_role("button", name="确认签到").click()
    expect(teacher.get_by_text("签到成功，获得 3.0 学时")).to_be_visible()
    expect(teacher.get_by_test_id("my-trainings")).to_contain_text("课堂教学数字化转型培训")
    teacher.screenshot(path="docs/screenshots/training-my-hours-phone.png", full_page=False)
    # The same code scanned again: nothing new.
    teacher.goto(link)
    expect(teacher.get_by_test_id("sign-in")).to_contain_text("您已于")
    teacher.get_by_role("link", name="我的培训学时").click()
    teacher.get_by_test_id("my-trainings").get_by_role("link", name="结业证书").first.click()
    expect(teacher.get_by_test_id("certificate")).to_contain_text("准予结业")
    phone.close()
    assert Attendance.objects.filter(event=event).count() == 1
    page.wait_for_timeout(100)
    page.reload()
    expect(page.get_by_test_id("attended")).to_have_text("1")
    page.screenshot(path="docs/screenshots/training-qr-screen.png", full_page=False)


def test_principal_sees_the_schools_hours_gap(page: Page, demo_site, open_menu) -> None:
    base = demo_site.url
    sign_in(page, base, "school.principal")
    open_menu("系统", "继续教育")
    expect(page.get_by_role("heading", name=re.compile("^继续教育"))).to_be_visible()
    expect(page.get_by_test_id("figures")).to_contain_text("学时达标")
    page.get_by_role("link", name="学时缺口").click()
    expect(page.get_by_role("heading", name=re.compile("继续教育学时$"))).to_be_visible()
    page.get_by_label("只看未达标的").check()
    page.get_by_role("button", name="筛选").click()
    rows = page.get_by_test_id("gap").locator("tbody tr")
    expect(rows.first).to_contain_text(re.compile(r"差 \d+(\.\d)? 学时"))
    page.screenshot(path="docs/screenshots/training-gap.png", full_page=False)

    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    page.wait_for_load_state()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    first = rows.first.bounding_box()
    assert first is not None and first["width"] > 300
    page.screenshot(path="docs/screenshots/training-gap-phone.png", full_page=False)
