"""Pages: role × page, scope (404), the year editor's bad input and stale forms, the Excel import."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import xlsxwriter

from dudao.calendars.models import CalendarEntry, EntryKind, Term
from dudao.core.models import ImportKind, ImportRecord, ImportStatus
from tests.calendars.conftest import build_year

pytestmark = pytest.mark.django_db
D = dt.date

READERS = [
    "bureau_leader",
    "bureau_staff",
    "inspector",
    "district_admin",
    "principal",
    "school_staff",
    "class_teacher",
    "counsellor",
    "doctor",
    "health_officer",
    "case_officer",
]
ADMINS = ["sysadmin", "security_officer", "auditor"]


@pytest.mark.parametrize("role", READERS + ADMINS)
def test_month_view_by_role(city, year, signed_in, role):
    response = signed_in(city.user(role)).get("/calendar/?month=2026-10")
    assert response.status_code == (403 if role in ADMINS else 200)
    if role not in ADMINS:
        text = response.content.decode()
        assert "国庆节" in text and 'data-kind="holiday"' in text


@pytest.mark.parametrize(
    ("role", "years", "local"),
    [
        ("bureau_leader", 200, 403),
        ("bureau_staff", 200, 403),
        ("inspector", 403, 403),
        ("district_admin", 403, 200),
        ("principal", 403, 200),
        ("school_staff", 403, 200),
        ("class_teacher", 403, 403),
        ("doctor", 403, 403),
        ("sysadmin", 403, 403),
    ],
)
def test_editor_pages_by_role(city, year, signed_in, role, years, local):
    client = signed_in(city.user(role))
    assert client.get("/calendar/years/").status_code == years
    assert client.get(f"/calendar/years/{year.pk}/").status_code == years
    assert client.get("/calendar/local/").status_code == local


def test_month_view_of_a_unit_out_of_scope_is_404(city, year, signed_in):
    client = signed_in(city.user("district_admin"))
    assert client.get(f"/calendar/?unit={city.school_a.pk}").status_code == 200
    assert client.get(f"/calendar/?unit={city.school_b.pk}").status_code == 404
    assert client.get("/calendar/?unit=abc").status_code == 404


def test_month_view_without_a_published_year_says_it_falls_back(city, signed_in):
    text = signed_in(city.user("principal")).get("/calendar/?month=2026-10").content.decode()
    assert "暂按周一至周五上课" in text


def test_phone_list_and_grid_show_the_same_days(city, year, signed_in):
    text = signed_in(city.user("class_teacher")).get("/calendar/?month=2026-10").content.decode()
    assert 'data-testid="month-list"' in text and "10月10日 周六" in text and "调休上课" in text


def test_year_editor_refuses_a_makeup_on_a_holiday(city, year, signed_in):
    client = signed_in(city.user("bureau_staff"))
    response = client.post(
        f"/calendar/years/{year.pk}/entries/",
        {
            "kind": EntryKind.MAKEUP,
            "name": "错误的调休",
            "starts_on": "2026-10-03",
            "ends_on": "2026-10-03",
            "version": year.version,
        },
        follow=True,
    )
    assert "一天不能既放假又上课" in response.content.decode()
    assert not CalendarEntry.objects.filter(name="错误的调休").exists()


def test_year_editor_stale_form_answers_409(city, year, signed_in):
    client = signed_in(city.user("bureau_staff"))
    response = client.post(
        f"/calendar/years/{year.pk}/entries/",
        {
            "kind": EntryKind.HOLIDAY,
            "name": "清明节",
            "starts_on": "2027-04-03",
            "ends_on": "2027-04-05",
            "version": year.version - 1,
        },
    )
    assert response.status_code == 409
    assert "已被他人修改" in response.content.decode()
    assert not CalendarEntry.objects.filter(name="清明节").exists()


def test_create_and_publish_a_year_through_the_pages(city, signed_in):
    client = signed_in(city.user("bureau_staff"))
    response = client.post(
        "/calendar/years/", {"name": "2026—2027学年", "starts_on": "2026-09-01", "ends_on": "2027-08-31"}
    )
    assert response.status_code == 302
    url = response["Location"]
    pk = int(url.rstrip("/").split("/")[-1])
    client.post(
        f"/calendar/years/{pk}/terms/",
        {"name": "第一学期", "starts_on": "2026-09-01", "ends_on": "2027-01-23", "version": 1},
    )
    response = client.post(f"/calendar/years/{pk}/publish/", {"version": 2}, follow=True)
    assert "校历已发布" in response.content.decode()


def _workbook(rows: list[list[object]]) -> io.BytesIO:
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = book.add_worksheet()
    table: list[list[object]] = [["类型", "名称", "开始日期", "结束日期"], *rows]
    for r, row in enumerate(table):
        for c, value in enumerate(row):
            sheet.write(r, c, value)
    book.close()
    out.seek(0)
    out.name = "校历.xlsx"
    return out


def test_template_downloads(city, signed_in):
    response = signed_in(city.user("bureau_staff")).get("/calendar/years/template.xlsx")
    assert response.status_code == 200
    assert response.content.startswith(b"PK")


def test_import_replaces_the_year(city, signed_in):
    year = build_year(city, publish=False)
    client = signed_in(city.user("bureau_staff"))
    upload = _workbook(
        [
            ["学期", "第一学期", "2026-09-01", "2027-01-22"],
            ["学期", "第二学期", "2027-02-22", "2027-07-09"],
            ["节假日", "国庆节", "2026-10-01", "2026-10-07"],
            ["调休上课日", "国庆调休上课", "2026-10-10", "2026-10-10"],
            ["寒暑假", "寒假", "2027-01-23", "2027-02-21"],
        ]
    )
    response = client.post(f"/calendar/years/{year.pk}/import/", {"file": upload, "version": year.version}, follow=True)
    assert "已从 Excel 导入" in response.content.decode()
    assert Term.objects.filter(year=year).count() == 2
    assert CalendarEntry.objects.filter(year=year).count() == 3
    record = ImportRecord.objects.get(kind=ImportKind.CALENDAR)
    assert (record.status, record.counts) == (ImportStatus.SUCCEEDED, {"terms": 2, "entries": 3})


def test_a_bad_import_names_rows_and_columns_and_changes_nothing(city, signed_in):
    year = build_year(city, publish=False)
    client = signed_in(city.user("bureau_staff"))
    upload = _workbook(
        [
            ["学期", "第一学期", "2026-09-01", "2027-01-22"],
            ["假日", "国庆节", "2026-10-01", "2026-10-07"],
            ["节假日", "元旦", "不是日期", "2027-01-03"],
        ]
    )
    response = client.post(f"/calendar/years/{year.pk}/import/", {"file": upload, "version": year.version})
    text = response.content.decode()
    assert response.status_code == 400
    assert "第 3 行 A 列（类型）" in text and "第 4 行 C 列（开始日期）" in text
    assert Term.objects.filter(year=year).count() == 2  # the year as it was
    assert CalendarEntry.objects.filter(year=year, name="国庆节").count() == 1
    assert ImportRecord.objects.get(kind=ImportKind.CALENDAR).status == ImportStatus.FAILED


def test_import_refuses_overlapping_terms_whole(city, signed_in):
    year = build_year(city, publish=False)
    client = signed_in(city.user("bureau_staff"))
    upload = _workbook(
        [
            ["学期", "第一学期", "2026-09-01", "2027-01-22"],
            ["学期", "第二学期", "2027-01-10", "2027-07-09"],
        ]
    )
    response = client.post(f"/calendar/years/{year.pk}/import/", {"file": upload, "version": year.version}, follow=True)
    assert "日期重叠" in response.content.decode()
    assert Term.objects.filter(year=year, starts_on=D(2027, 2, 22)).exists()


def test_local_days_page_adds_and_removes(city, year, signed_in):
    client = signed_in(city.user("principal"))
    response = client.post(
        "/calendar/local/",
        {
            "unit": city.school_a.pk,
            "kind": EntryKind.LOCAL_OFF,
            "name": "校运动会",
            "starts_on": "2026-10-22",
            "ends_on": "2026-10-23",
        },
        follow=True,
    )
    assert "已添加本地校历安排" in response.content.decode()
    entry = CalendarEntry.objects.get(name="校运动会")
    other = signed_in(city.user("district_admin_b"))
    assert other.post(f"/calendar/local/{entry.pk}/remove/", {"version": entry.version}).status_code == 404
    client = signed_in(city.user("principal"))
    client.post(f"/calendar/local/{entry.pk}/remove/", {"version": entry.version})
    assert not CalendarEntry.objects.filter(pk=entry.pk).exists()


def test_local_day_for_a_unit_out_of_scope_is_404(city, year, signed_in):
    client = signed_in(city.user("principal"))
    response = client.post(
        "/calendar/local/",
        {
            "unit": city.school_b.pk,
            "kind": EntryKind.LOCAL_OFF,
            "name": "运动会",
            "starts_on": "2026-10-22",
            "ends_on": "2026-10-22",
        },
    )
    assert response.status_code in (302, 404)
    assert not CalendarEntry.objects.filter(name="运动会").exists()
