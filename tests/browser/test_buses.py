"""校车 on a 390 px phone: the riding teacher opens today's pre-trip checks from the home page, taps through the
checklist of the morning trip (passed), then finds a worn tyre before the afternoon trip: the trip is blocked and
the principal is told. Nothing on the pages is wider than the phone."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from dudao.buses import services
from dudao.buses.models import PreTripCheck
from dudao.messaging.models import Message
from tests.factories import PASSWORD, build_city

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ITEMS = ("brakes", "tyres", "lights", "doors", "extinguisher", "first_aid", "seat_belts")


def fill_checklist(page: Page, *, failed: tuple[str, ...] = ()) -> None:
    for item in ITEMS:
        page.get_by_test_id(f"item_{item}-{'fail' if item in failed else 'ok'}").click()
    page.get_by_test_id("alcohol-pass").click()


def test_riding_teacher_checks_the_bus_on_a_phone(page: Page, live_server) -> None:
    city = build_city()
    principal = city.user("principal")
    today = timezone.localdate()
    far = today + dt.timedelta(days=300)
    vehicle = services.create_vehicle(
        actor=principal,
        school=city.school_a,
        data=services.VehicleData("湘A58301", 35, "县公共交通有限公司", far, far),
    )
    driver = services.create_driver(
        actor=principal,
        school=city.school_a,
        data=services.DriverData("刘建国", "13974101000", "A1", far, today - dt.timedelta(days=30)),
    )
    services.create_route(
        actor=principal,
        school=city.school_a,
        data=services.RouteData(
            name="1号线（李家村口方向）",
            morning_departure=dt.time(23, 58),  # not yet departed whatever the hour the test runs at
            afternoon_departure=dt.time(23, 59),
            vehicle=vehicle,
            driver=driver,
            attendant=city.user("class_teacher"),
            stops=services.parse_stops("06:42 李家村口\n07:18 学校"),
        ),
    )
    base = live_server.url
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("用户名").fill(city.user("class_teacher").username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{base}/")
    page.wait_for_load_state()

    page.get_by_role("link", name="今日校车出车前检查").first.click()
    page.wait_for_load_state()
    card = page.get_by_test_id("check-route")
    expect(card).to_contain_text("1号线（李家村口方向）")
    expect(card.get_by_test_id("trip-morning")).to_contain_text("待检查")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    card.click()
    page.wait_for_load_state()

    expect(page.get_by_label("早班（上学）")).to_be_checked()  # the first trip not yet checked is preselected
    fill_checklist(page)
    page.get_by_label("乘车学生人数（清点）").fill("18")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    submit = page.get_by_test_id("submit-check")
    assert (submit.bounding_box() or {"height": 0})["height"] >= 44
    submit.click()
    page.wait_for_load_state()
    expect(page.locator(".alert-success")).to_contain_text("检查合格，准予出车")
    expect(page.get_by_test_id("trip-morning")).to_contain_text("合格")

    page.get_by_test_id("check-route").click()
    page.wait_for_load_state()
    expect(page.get_by_label("午班（放学）")).to_be_checked()
    fill_checklist(page, failed=("tyres",))
    page.get_by_label("乘车学生人数（清点）").fill("17")
    page.get_by_label("说明（有不合格项时必填）").fill("左后轮胎面磨损到限，已联系换车")
    page.screenshot(path="docs/screenshots/buses-check-phone.png", full_page=True)
    page.get_by_test_id("submit-check").click()
    page.wait_for_load_state()
    expect(page.locator(".alert-success")).to_contain_text("已禁止出车并通知学校负责人")
    expect(page.get_by_test_id("trip-afternoon")).to_contain_text("不合格，禁止出车")

    checks = list(PreTripCheck.objects.order_by("checked_at"))
    assert [(c.trip, c.passed, c.head_count) for c in checks] == [("morning", True, 18), ("afternoon", False, 17)]
    assert checks[1].failed_items == ["tyres"]
    assert Message.objects.filter(recipient=principal, title__contains="湘A58301").exists()
