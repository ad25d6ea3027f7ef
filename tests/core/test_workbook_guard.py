"""Spreadsheet bombs: tiny uploads that would make calamine allocate gigabytes (or abort the worker) are refused
before calamine sees them, in bounded memory, by every importer, with nothing written."""

from __future__ import annotations

import datetime as dt
import io
import struct
import tracemalloc
import zipfile
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
import python_calamine

from dudao.core.errors import DomainError
from dudao.core.excel import read_rows, read_upload
from dudao.core.workbooks import Shape, safe_workbook
from tests.factories import City
from tests.xlsx import biff_cells, header_row, raw_xlsx, text_cell, xls

PEAK_LIMIT = 50 * 1024 * 1024
AN_MILLION = header_row(["班级"]) + '<row r="1000000"><c r="AN1000000"><v>1</v></c></row>'


@pytest.fixture
def calamine_must_not_open(monkeypatch: pytest.MonkeyPatch) -> None:
    """Refused files must never reach calamine: there they cost gigabytes, or abort the process."""

    class Refuse:
        @staticmethod
        def from_filelike(*_: Any) -> None:
            raise AssertionError("calamine was handed a file that should have been refused")

    monkeypatch.setattr(python_calamine, "CalamineWorkbook", Refuse)


def refused(data: bytes, *, max_rows: int = 20000) -> tuple[DomainError, int]:
    """The refusal of `data` and the peak of Python memory spent reaching it."""
    tracemalloc.start()
    try:
        with pytest.raises(DomainError) as err:
            read_rows(data, max_rows=max_rows)
        return err.value, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize(
    "sheet_data, dimension",
    [
        (AN_MILLION, None),  # no dimension at all
        (AN_MILLION, "A1:B2"),  # a dimension that lies
        (header_row(["班级"]) + '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>', "A1:XFD1048576"),
        # Cells without a reference follow the row and the cell before, as calamine places them.
        (header_row(["班级"]) + '<row r="1000000"><c><v>1</v></c></row>', None),
        ("<row>" + "<c><v>1</v></c>" * 65 + "</row>", None),
    ],
    ids=["AN1000000", "lying-dimension", "XFD1048576", "row-without-cell-ref", "65-columns-without-refs"],
)
def test_a_sheet_reaching_past_the_limits_is_refused_before_calamine_builds_it(
    sheet_data: str, dimension: str | None, calamine_must_not_open: None
) -> None:
    data = raw_xlsx(sheet_data, dimension=dimension)
    assert len(data) < 2048
    error, peak = refused(data)
    assert error.code == "sheet_too_large"
    assert error.message == "表格过大：最多 20000 行、64 列，请删除多余的行列或分批导入"
    assert peak < PEAK_LIMIT


def test_the_limit_follows_the_importer() -> None:
    rows = "".join(f'<row r="{r}">{text_cell(f"A{r}", str(r))}</row>' for r in range(1, 7))
    assert len(read_rows(raw_xlsx(rows), max_rows=5)) == 6
    with pytest.raises(DomainError, match="最多 4 行") as err:
        read_rows(raw_xlsx(rows), max_rows=4)
    assert err.value.code == "sheet_too_large"


def test_a_plain_sheet_inside_the_limits_needs_no_element_walk(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every cell written `<c r="…">` and inside the shape: the quick look decides (the walk tripled a roster's
    read time); the same sheet one column too wide still goes to the walk and is refused."""
    from dudao.core import workbooks

    def no_walk(*args: object) -> None:
        raise AssertionError("the element walk ran")

    rows = "".join(f'<row r="{r}">{text_cell(f"A{r}", "x")}{text_cell(f"C{r}", "y")}</row>' for r in range(1, 7))
    monkeypatch.setattr(workbooks._CellWalk, "__init__", no_walk)
    safe_workbook(raw_xlsx(rows), Shape(rows=6, columns=3))
    monkeypatch.undo()
    with pytest.raises(DomainError) as exc:
        safe_workbook(raw_xlsx(rows), Shape(rows=6, columns=2))
    assert exc.value.code == "sheet_too_large"


def test_formatted_empty_cells_far_out_do_not_count() -> None:
    """Excel writes cells that only carry a format; calamine drops them, so they cost nothing."""
    far = '<row r="1048576"><c r="XFD1048576" s="1"/></row>'
    data = raw_xlsx(header_row(["班级"]) + far, dimension="A1:XFD1048576")
    assert read_rows(data, max_rows=10) == [["班级"]]


def test_repacked_workbook_reads_as_the_original() -> None:
    """What calamine reads after the check is the same sheet: strings, numbers, dates, booleans."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["班级", "日期", "数字", "是否"])
    sheet.append(["七年级（1）班", dt.date(2013, 5, 1), 12.5, True])
    buffer = io.BytesIO()
    book.save(buffer)
    original = buffer.getvalue()
    direct = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(original)).get_sheet_by_index(0)
    assert read_rows(original, max_rows=10) == [list(row) for row in direct.to_python(skip_empty_area=False)]


@pytest.mark.parametrize(
    "sheet_data",
    [
        '<row r="1"><c r="A1"><c r="XFD1"><v>1</v></c></c></row>',  # a cell inside a cell
        '<c r="A1"><v>1</v></c>',  # a cell outside any row
        '<row r="1"><c r="A1:B2"><v>1</v></c></row>',  # not a cell reference
        '<row r="1"><c r="AAAAAAAAAAAAA1"><v>1</v></c></row>',  # a column that would wrap around in calamine
    ],
)
def test_a_sheet_built_to_mislead_is_refused(sheet_data: str, calamine_must_not_open: None) -> None:
    error, _ = refused(raw_xlsx(sheet_data))
    assert error.code == "upload_unreadable"


def test_entities_are_refused(calamine_must_not_open: None) -> None:
    sheet = (
        b'<?xml version="1.0"?><!DOCTYPE worksheet [<!ENTITY cell "<c r=\'XFD1\'><v>1</v></c>">]>'
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b'<sheetData><row r="1">&cell;</row></sheetData></worksheet>'
    )
    error, _ = refused(raw_xlsx("", sheet_xml=sheet))
    assert error.code == "upload_unreadable"


def test_shared_strings_that_unpack_to_a_flood_are_refused(calamine_must_not_open: None) -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(raw_xlsx(header_row(["a"])))) as source, zipfile.ZipFile(out, "w") as package:
        for info in source.infolist():
            package.writestr(info, source.read(info))
        flood = zipfile.ZipInfo("xl/sharedStrings.xml")
        flood.compress_type = zipfile.ZIP_DEFLATED
        with package.open(flood, "w") as member:
            member.write(b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">')
            chunk = b"<si><t>" + b"a" * 1000 + b"</t></si>"
            for _ in range(70 * 1024):  # 70 MB unpacked
                member.write(chunk)
            member.write(b"</sst>")
    data = out.getvalue()
    assert len(data) < 1024 * 1024
    error, peak = refused(data)
    assert error.code == "upload_too_large" and "64 MB" in error.message
    assert peak < PEAK_LIMIT


def test_shared_strings_that_claim_more_than_they_hold_are_refused(calamine_must_not_open: None) -> None:
    """calamine reserves room for `uniqueCount` strings up front: ten billion aborts the worker outright."""
    shared = (
        b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" uniqueCount="10000000000">'
        b"<si><t>a</t></si></sst>"
    )
    error, _ = refused(raw_xlsx('<row r="1"><c r="A1" t="s"><v>0</v></c></row>', shared_strings=shared))
    assert error.code == "upload_unreadable"


def test_a_zip_with_too_many_members_is_refused_before_its_directory_is_read() -> None:
    data = raw_xlsx(header_row(["a"]), extra={f"xl/media/{i}.bin": b"" for i in range(2100)})
    with pytest.raises(DomainError) as err:
        read_upload(io.BytesIO(data), name="many.xlsx")
    assert err.value.code == "upload_too_large"


# ----- .xls -------------------------------------------------------------------------------------------------


def test_an_xls_reads_through_its_rebuilt_container() -> None:
    data = xls(biff_cells([(0, 0, "班级"), (0, 1, "人数"), (1, 0, "七年级（1）班"), (1, 1, 45)]))
    assert read_rows(data, max_rows=10) == [["班级", "人数"], ["七年级（1）班", 45.0]]


def test_an_xls_cell_far_out_is_refused(calamine_must_not_open: None) -> None:
    error, peak = refused(xls(biff_cells([(0, 0, "班级"), (65535, 255, 1)])))
    assert error.code == "sheet_too_large" and peak < PEAK_LIMIT


def test_an_xls_is_checked_on_every_sheet_since_calamine_opens_them_all(calamine_must_not_open: None) -> None:
    error, _ = refused(xls(biff_cells([(0, 0, "班级")]), biff_cells([(0, 0, "x"), (60000, 200, 1)])))
    assert error.code == "sheet_too_large" and "第 2 个工作表" in error.message


def test_an_xls_run_of_numbers_past_the_columns_is_refused(calamine_must_not_open: None) -> None:
    run = struct.pack("<HH", 0, 0) + b"\0" * 6 * 70 + struct.pack("<H", 69)
    sheet = biff_cells([(0, 0, "a")])
    sheet = sheet[:-4] + struct.pack("<HH", 0x00BD, len(run)) + run + sheet[-4:]  # MulRk before EOF
    error, _ = refused(xls(sheet))
    assert error.code == "sheet_too_large"


def test_an_xls_declared_range_is_not_trusted() -> None:
    """calamine reserves the declared rows × columns up front; a lie is zeroed before it reads the file."""
    import olefile

    package = safe_workbook(xls(biff_cells([(0, 0, "a")], dimensions=(0, 0xFFFFFFFF, 0, 255))), Shape(11, 64))
    stream = olefile.OleFileIO(io.BytesIO(package)).openstream("Workbook").read()
    at = stream.index(struct.pack("<HH", 0x0200, 14))
    assert stream[at + 4 : at + 18] == bytes(14)
    assert read_rows(xls(biff_cells([(0, 0, "a")], dimensions=(0, 65536, 0, 256))), max_rows=10) == [["a"]]


def test_an_xls_container_that_loops_is_read_once_and_rebuilt() -> None:
    """A directory chain that points at itself sends calamine round until memory runs out."""
    data = bytearray(xls(biff_cells([(0, 0, "a")])))
    fat_sector, directory_sector = struct.unpack_from("<I", data, 76)[0], struct.unpack_from("<I", data, 48)[0]
    struct.pack_into("<I", data, (fat_sector + 1) * 4096 + 4 * directory_sector, directory_sector)
    tracemalloc.start()
    try:
        assert read_rows(bytes(data), max_rows=10) == [["a"]]
        assert tracemalloc.get_traced_memory()[1] < PEAK_LIMIT
    finally:
        tracemalloc.stop()


# ----- every importer ---------------------------------------------------------------------------------------


def _roster(city: City, upload: io.BytesIO) -> Any:
    from dudao.orgs.roster import import_roster

    return import_roster(actor=city.user("school_staff"), school=city.school_a, upload=upload, filename="名册.xlsx")


def _findings(city: City, upload: io.BytesIO) -> Any:
    from dudao.rectification.excel import import_findings

    return import_findings(actor=city.user("district_admin"), unit=city.district_a, upload=upload, filename="问题.xlsx")


def _duty(city: City, upload: io.BytesIO) -> Any:
    from django.utils import timezone

    from dudao.duty import services
    from dudao.duty.excel import import_shifts

    today = timezone.localdate()
    roster = services.create_roster(
        actor=city.user("principal"), unit=city.school_a, title="值班表", starts_on=today, ends_on=today
    )
    return import_shifts(actor=city.user("principal"), roster=roster, upload=upload, filename="值班.xlsx")


def _screening(city: City, upload: io.BytesIO) -> Any:
    from dudao.cases.intake import import_screening

    return import_screening(
        actor=city.user("counsellor"), upload=upload, filename="筛查.xlsx", name="秋季筛查", threshold=Decimal(60)
    )


def _framework(city: City, upload: io.BytesIO) -> Any:
    from dudao.inspections.frameworks import import_framework

    return import_framework(actor=city.user("bureau_staff"), unit=city.root, name="新体系", upload=upload)


IMPORTERS: dict[str, tuple[Callable[[City, io.BytesIO], Any], str]] = {
    "roster": (_roster, "orgs.Student"),
    "findings": (_findings, "inspections.Finding"),
    "duty": (_duty, "duty.DutyShift"),
    "screening": (_screening, "cases.ScreeningBatch"),
    "framework": (_framework, "inspections.Framework"),
}


@pytest.mark.parametrize("importer", sorted(IMPORTERS))
@pytest.mark.parametrize("bomb", ["AN1000000", "XFD1048576", "xls"])
def test_every_importer_refuses_a_bomb_and_writes_nothing(
    importer: str, bomb: str, city: City, calamine_must_not_open: None
) -> None:
    from django.apps import apps

    from dudao.audit.models import AuditEvent

    data = {
        "AN1000000": raw_xlsx(AN_MILLION),
        "XFD1048576": raw_xlsx('<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>', dimension="A1:A1"),
        "xls": xls(biff_cells([(0, 0, "学籍号"), (65535, 255, 1)])),
    }[bomb]
    run, model_name = IMPORTERS[importer]
    model = apps.get_model(model_name)
    before = (model.objects.count(), AuditEvent.objects.count())
    upload = io.BytesIO(data)
    tracemalloc.start()
    try:
        with pytest.raises(DomainError) as err:
            run(city, upload)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert err.value.code == "sheet_too_large"
    assert err.value.message.startswith("表格过大：最多 ")
    assert peak < PEAK_LIMIT
    if importer == "duty":
        before = (before[0], before[1] + 1)  # the roster made for the test, audited as it was created
    assert (model.objects.count(), AuditEvent.objects.count()) == before
