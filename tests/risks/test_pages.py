"""Pages of the risk register: who may open what (200 / 403 / 404), the phone check form, import, bad input."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable

import pytest
import xlsxwriter
from django.test import Client

from dudao.accounts.models import User
from dudao.core.models import ImportKind, ImportRecord, ImportStatus
from dudao.rectification.models import RectificationItem
from dudao.risks.excel import TITLES
from dudao.risks.models import Grade, RiskCheck, RiskPoint
from tests.factories import City
from tests.inspections.factories import upload
from tests.risks.conftest import make_point

pytestmark = pytest.mark.django_db

SignIn = Callable[[User], Client]


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("bureau_leader", 200),
        ("bureau_staff", 200),
        ("inspector", 200),
        ("district_admin", 200),
        ("principal", 200),
        ("school_staff", 200),
        ("class_teacher", 403),
        ("doctor", 403),
        ("sysadmin", 403),
        ("auditor", 403),
    ],
)
def test_register_and_overview_by_role(city: City, signed_in: SignIn, point: RiskPoint, role: str, status: int) -> None:
    client = signed_in(city.user(role))
    assert client.get("/risks/").status_code == status
    assert client.get("/risks/overview/").status_code == status


def test_point_out_of_scope_is_404(city: City, signed_in: SignIn, point: RiskPoint) -> None:
    client = signed_in(city.user("district_admin_b"))
    assert client.get(f"/risks/{point.pk}/").status_code == 404
    assert client.get(f"/risks/{point.pk}/check/").status_code == 404


def test_register_lists_points_with_grade_words(city: City, signed_in: SignIn, point: RiskPoint) -> None:
    page = signed_in(city.user("district_admin")).get("/risks/").content.decode()
    assert "学校北侧临河护栏" in page
    assert "红 · 重大风险" in page


def test_overview_counts_red_points_per_school_and_drills_in(city: City, signed_in: SignIn, point: RiskPoint) -> None:
    make_point(city, place="化学实验室危化品柜", category="lab", grade=Grade.LARGE, frequency="weekly")
    client = signed_in(city.user("district_admin"))
    page = client.get("/risks/overview/").content.decode()
    assert "甲区第五中学" in page
    assert f"/risks/?unit={city.school_a.pk}&amp;grade=major" in page
    drilled = client.get(f"/risks/?unit={city.school_a.pk}&grade=large").content.decode()
    assert "化学实验室危化品柜" in drilled and "学校北侧临河护栏" not in drilled


def test_responsible_class_teacher_sees_mine_and_checks_by_phone(
    city: City, signed_in: SignIn, point: RiskPoint, today: dt.date
) -> None:
    client = signed_in(city.user("class_teacher"))
    assert "学校北侧临河护栏" in client.get("/risks/mine/").content.decode()
    assert client.get(f"/risks/{point.pk}/").status_code == 200
    photo, name = upload(2, "护栏.jpg")
    photo.name = name
    response = client.post(
        f"/risks/{point.pk}/check/",
        {
            "checked_on": today.isoformat(),
            "result": "hazard",
            "hazard_level": "general",
            "note": "护栏松动",
            "photo": photo,
        },
    )
    assert response.status_code == 302
    check = RiskCheck.objects.get()
    assert check.photo_id is not None
    item = RectificationItem.objects.get(pk=check.ledger_item_id or 0)
    detail = client.get(f"/risks/{point.pk}/").content.decode()
    assert f"/ledger/{item.pk}/" in detail


def test_check_form_offers_today_as_a_date_the_phone_understands(
    city: City, signed_in: SignIn, point: RiskPoint, today: dt.date
) -> None:
    page = signed_in(city.user("class_teacher")).get(f"/risks/{point.pk}/check/").content.decode()
    assert f'value="{today.isoformat()}"' in page


def test_doctor_may_not_check_someone_elses_point(city: City, signed_in: SignIn, point: RiskPoint) -> None:
    client = signed_in(city.user("doctor"))
    assert client.get(f"/risks/{point.pk}/check/").status_code == 404


def test_future_check_on_the_page_shows_the_message(
    city: City, signed_in: SignIn, point: RiskPoint, today: dt.date
) -> None:
    client = signed_in(city.user("class_teacher"))
    response = client.post(
        f"/risks/{point.pk}/check/",
        {"checked_on": (today + dt.timedelta(days=2)).isoformat(), "result": "normal"},
        follow=True,
    )
    assert "排查日期不能晚于今天" in response.content.decode()
    assert not RiskCheck.objects.exists()


def test_stale_edit_on_the_page_says_modified(city: City, signed_in: SignIn, point: RiskPoint) -> None:
    client = signed_in(city.user("principal"))
    form = {
        "category": "water",
        "place": "临河护栏",
        "description": "护栏低矮",
        "grade": "major",
        "measures": "加高护栏",
        "responsible": city.user("class_teacher").pk,
        "frequency": "daily",
        "version": 1,
    }
    assert client.post(f"/risks/{point.pk}/edit/", form).status_code == 302
    response = client.post(f"/risks/{point.pk}/edit/", {**form, "place": "旧版本"})
    assert response.status_code == 409
    assert "已被他人修改" in response.content.decode()
    point.refresh_from_db()
    assert point.place == "临河护栏"


def test_create_with_an_outside_responsible_person_names_the_problem(city: City, signed_in: SignIn) -> None:
    client = signed_in(city.user("principal"))
    response = client.post(
        "/risks/new/",
        {
            "unit": city.school_a.pk,
            "category": "building",
            "place": "老教学楼",
            "description": "建于1980年代，外墙瓷砖空鼓",
            "grade": "large",
            "measures": "外墙设防坠网；楼下划定隔离带",
            "responsible": city.user("district_admin_b").pk,
            "frequency": "weekly",
        },
        follow=True,
    )
    assert "不是甲区第五中学的在岗人员" in response.content.decode()
    assert not RiskPoint.objects.exists()


def test_district_admin_cannot_edit_a_schools_point(city: City, signed_in: SignIn, point: RiskPoint) -> None:
    assert signed_in(city.user("district_admin")).get(f"/risks/{point.pk}/edit/").status_code == 403


def sheet(rows: list[list[str]]) -> io.BytesIO:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    ws = book.add_worksheet()
    for c, title in enumerate(TITLES):
        ws.write_string(0, c, title)
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row):
            ws.write_string(r, c, value)
    book.close()
    buffer.seek(0)
    buffer.name = "风险点.xlsx"
    return buffer


def test_import_is_all_or_nothing_with_row_and_column(city: City, signed_in: SignIn) -> None:
    teacher = city.user("class_teacher").full_name
    good = ["消防", "图书馆", "图书堆放密集，电线老化", "一般", "每月检查灭火器", teacher, "每月"]
    bad_grade = ["用电", "配电房", "配电柜老化", "特大", "上锁", teacher, "每周"]
    bad_category = ["地震", "操场", "空旷", "低", "演练", teacher, "每学期"]
    client = signed_in(city.user("principal"))
    response = client.post("/risks/import/", {"unit": city.school_a.pk, "file": sheet([good, bad_grade, bad_category])})
    page = response.content.decode()
    assert "第 3 行 D 列（风险等级）" in page
    assert "第 4 行 A 列（风险类别）" in page
    assert not RiskPoint.objects.exists()
    response = client.post("/risks/import/", {"unit": city.school_a.pk, "file": sheet([good])})
    assert response.status_code == 302
    assert RiskPoint.objects.get().grade == Grade.GENERAL
    records = ImportRecord.objects.filter(kind=ImportKind.RISK_POINTS, unit_path=city.school_a.path)
    assert sorted(records.values_list("status", flat=True)) == [ImportStatus.FAILED, ImportStatus.SUCCEEDED]


def test_import_template_downloads(city: City, signed_in: SignIn) -> None:
    response = signed_in(city.user("principal")).get("/risks/import/template.xlsx")
    assert response.status_code == 200
    assert response.content[:2] == b"PK"
