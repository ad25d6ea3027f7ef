"""免疫接种 in a real browser: the school doctor imports a file of doses (a bad file first: the row errors show and
nothing is saved), then sees the school's coverage rise and drills into the class; on a phone the class teacher
ticks the rest of the class."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
import xlsxwriter
from django.utils import timezone
from playwright.sync_api import Page, expect

from dudao.schoolhealth.excel import DOSE_COLUMNS
from dudao.schoolhealth.models import VaccinationRecord
from tests.factories import PASSWORD, build_city

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _file(tmp_path: Path, rows: list[list[object]], name: str) -> Path:
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = book.add_worksheet()
    table: list[list[object]] = [[c[0] for c in DOSE_COLUMNS], *rows]
    for r, row in enumerate(table):
        for c, value in enumerate(row):
            sheet.write(r, c, value)
    book.close()
    path = tmp_path / name
    path.write_bytes(out.getvalue())
    return path


def _sign_in(page: Page, base: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{base}/")


def test_doctor_imports_doses_and_sees_the_coverage(page: Page, live_server, tmp_path: Path) -> None:
    city = build_city()
    base = live_server.url
    pupils = city.students["a1"]
    day = (timezone.localdate() - dt.timedelta(days=3)).isoformat()
    _sign_in(page, base, city.user("doctor").username)
    page.goto(f"{base}/vaccination/?vaccine=flu")
    page.wait_for_load_state()
    summary = page.get_by_test_id("coverage-summary").locator("tr", has_text="流感")
    expect(summary).to_contain_text("尚无记录")

    # A file with one unknown student: refused whole, the bad row named.
    bad = [[p.student_no, p.name, "流感", 1, day, ""] for p in pupils[:2]] + [["G000", "某某", "流感", 1, day, ""]]
    page.get_by_label("接种记录 Excel").set_input_files(_file(tmp_path, bad, "bad.xlsx"))
    page.get_by_role("button", name="导入接种记录").click()
    errors = page.get_by_test_id("import-errors")
    expect(errors).to_contain_text("第 4 行")
    expect(errors).to_contain_text("不在您管理范围")
    assert not VaccinationRecord.objects.exists()

    # The corrected file: two of the school's five students now hold the influenza dose.
    page.get_by_label("接种记录 Excel").set_input_files(_file(tmp_path, bad[:2], "good.xlsx"))
    page.get_by_role("button", name="导入接种记录").click()
    expect(page.locator(".alert-success")).to_contain_text("已导入 2 条接种记录")
    page.goto(f"{base}/vaccination/?vaccine=flu")
    summary = page.get_by_test_id("coverage-summary").locator("tr", has_text="流感")
    expect(summary).to_contain_text("40.0%")
    rows = page.get_by_test_id("coverage-rows")
    expect(rows.locator("tr", has_text="七年级")).to_contain_text("40.0%")

    # On a phone the class teacher ticks the third student; the class reaches 100 %.
    page.set_viewport_size({"width": 390, "height": 844})
    _sign_in(page, base, city.user("class_teacher").username)
    page.goto(f"{base}/vaccination/units/{city.class_a1.pk}/tick/?vaccine=flu")
    page.wait_for_load_state()
    page.get_by_test_id("tick-list").locator("li", has_text=pupils[2].name).get_by_role("checkbox").check()
    page.get_by_label("接种日期").fill(day)
    page.get_by_role("button", name="登记所勾选人员").click()
    expect(page.locator(".alert-success")).to_contain_text("已登记 1 人")
    expect(page.get_by_test_id("coverage-summary").locator("tr", has_text="流感")).to_contain_text("100.0%")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
