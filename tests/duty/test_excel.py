"""Rosters in Excel: template, all-or-nothing import with cell-level errors, export."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import xlsxwriter
from django.core.files.uploadedfile import SimpleUploadedFile
from python_calamine import CalamineWorkbook

from dudao.core.errors import Forbidden
from dudao.core.excel import ImportRejected
from dudao.duty import excel
from dudao.duty.models import DutyShift
from tests.duty.conftest import add, at

pytestmark = pytest.mark.django_db


def workbook(rows: list[list[object]]) -> io.BytesIO:
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = book.add_worksheet()
    header: list[object] = [c[0] for c in excel.COLUMNS]
    for r, row in enumerate([header, *rows]):
        for c, value in enumerate(row):
            sheet.write(r, c, value)
    book.close()
    out.seek(0)
    return out


def test_import_writes_every_row(city, roster, today):
    d = today.isoformat()
    n = (today + dt.timedelta(days=1)).isoformat()
    doctor, principal = city.user("doctor"), city.user("principal")
    rows = [
        [f"{d} 08:00", f"{n} 08:00", "带班领导", principal.full_name, ""],
        [f"{d} 08:00", f"{d} 20:00", "值班人员", doctor.username, "0791-1234567"],
        [f"{d} 20:00", f"{n} 08:00", "值班人员", doctor.full_name, ""],
    ]
    assert excel.import_shifts(actor=principal, roster=roster, upload=workbook(rows), filename="值班.xlsx") == 3
    shifts = list(DutyShift.objects.order_by("starts_at", "role"))
    assert [s.phone for s in shifts if s.person == doctor] == ["0791-1234567", doctor.phone]


def test_import_is_all_or_nothing_and_names_each_bad_cell(city, roster, today):
    add(city, roster, city.user("counsellor"), at(today, 8))
    d = today.isoformat()
    rows = [
        [f"{d} 20:00", f"{d} 08:00", "值班人员", city.user("doctor").full_name, ""],
        [f"{d} 08:00", f"{d} 20:00", "值班员", city.user("doctor").full_name, ""],
        [f"{d} 09:00", f"{d} 10:00", "值班人员", city.user("counsellor").full_name, ""],
        [f"{d} 09:00", f"{d} 10:00", "值班人员", "查无此人", ""],
        ["明天", f"{d} 10:00", "值班人员", city.user("doctor").full_name, ""],
    ]
    with pytest.raises(ImportRejected) as err:
        excel.import_shifts(actor=city.user("principal"), roster=roster, upload=workbook(rows))
    found = {(e.row, e.column) for e in err.value.errors}
    assert {(2, "B"), (3, "C"), (4, "D"), (5, "D"), (6, "A")} <= found
    assert DutyShift.objects.count() == 1


def test_import_refuses_another_units_roster(city, roster):
    with pytest.raises(Forbidden):
        excel.import_shifts(actor=city.user("district_admin_b"), roster=roster, upload=workbook([]))


def test_import_and_export_through_the_pages(city, signed_in, roster, today):
    client = signed_in(city.user("principal"))
    assert client.get("/duty/rosters/template.xlsx").status_code == 200
    d = today.isoformat()
    bad = SimpleUploadedFile("r.xlsx", workbook([[f"{d} 20:00", f"{d} 08:00", "值班人员", "x", ""]]).getvalue())
    page = client.post(f"/duty/rosters/{roster.pk}/import/", {"file": bad}).content.decode()
    assert "import-errors" in page and "结束时间必须晚于开始时间" in page
    good = workbook([[f"{d} 08:00", f"{d} 20:00", "值班人员", city.user("doctor").full_name, ""]]).getvalue()
    client.post(f"/duty/rosters/{roster.pk}/import/", {"file": SimpleUploadedFile("r.xlsx", good)})
    assert DutyShift.objects.count() == 1
    response = client.get(f"/duty/rosters/{roster.pk}/export.xlsx")
    assert response.status_code == 200
    rows = CalamineWorkbook.from_filelike(io.BytesIO(b"".join(response.streaming_content))).get_sheet_by_index(0)
    values = rows.to_python()
    assert values[1][:3] == excel.EXPORT_HEADERS[:3]
    assert values[2][2] == city.user("doctor").full_name
    assert signed_in(city.user("district_admin_b")).get(f"/duty/rosters/{roster.pk}/export.xlsx").status_code == 404
