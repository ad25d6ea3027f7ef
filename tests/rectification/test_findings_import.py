"""Findings handed over by an outside inspection, imported from Excel: all or nothing, errors by row and column."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.utils import timezone

from dudao.audit.models import AuditEvent
from dudao.core.errors import Forbidden
from dudao.core.excel import ImportRejected
from dudao.inspections.models import Finding
from dudao.rectification import excel
from dudao.rectification.models import ItemStatus, RectificationItem, StepKind
from tests.factories import City
from tests.inspections.factories import ledger_item
from tests.xlsx import workbook

pytestmark = pytest.mark.django_db

HEADER = [title for _, title, _ in excel.IMPORT_COLUMNS]


def day(offset: int) -> str:
    return (timezone.localdate() + dt.timedelta(days=offset)).isoformat()


def findings_file(rows: list[list[str]], header: list[str] | None = None) -> io.BytesIO:
    return workbook(rows, header=HEADER if header is None else header)


def good_rows(city: City) -> list[list[str]]:
    return [
        [city.school_a.name, "校园环境", "校门口车辆乱停放", "一般", day(10), "省文明办实地测评反馈"],
        [city.school_a2.name, "宣传氛围", "未张贴小学生守则", "严重", day(5), ""],
    ]


def run_import(city: City, rows: list[list[str]], actor=None, header=None) -> int:
    return excel.import_findings(
        actor=actor or city.user("district_admin"),
        unit=city.district_a,
        upload=findings_file(rows, header),
        filename="反馈.xlsx",
    )


def test_good_file_creates_findings_and_items(city: City) -> None:
    assert run_import(city, good_rows(city)) == 2
    items = {i.school_id: i for i in RectificationItem.objects.select_related("finding")}
    first = items[city.school_a.pk]
    assert (first.description, first.category, first.status) == ("校门口车辆乱停放", "校园环境", ItemStatus.OPEN)
    assert first.due_date == first.due_limit == timezone.localdate() + dt.timedelta(days=10)
    assert first.finding.source == "省文明办实地测评反馈"
    assert items[city.school_a2.pk].finding.severity == "serious"
    assert items[city.school_a2.pk].finding.source == "外部移交"
    assert first.steps.filter(kind=StepKind.CREATED).count() == 1


def test_good_file_writes_an_audit_event_per_item(city: City) -> None:
    run_import(city, good_rows(city))
    events = AuditEvent.objects.filter(action="import", object_type="rectification.rectificationitem")
    assert events.count() == 2
    rows = sorted(e.changes["after"]["row"] for e in events)
    assert rows == [2, 3]
    assert all(e.changes["after"]["file"] == "反馈.xlsx" for e in events)


def test_school_found_by_unit_code(city: City) -> None:
    city.school_a.code = "3601020001"
    city.school_a.save(update_fields=["code"])
    run_import(city, [["3601020001", "环境", "垃圾未分类", "", day(3), ""]])
    assert RectificationItem.objects.get().school == city.school_a


def assert_rejected(city: City, rows, expected: set[tuple[int, str]], header=None) -> None:
    existing = (Finding.objects.count(), RectificationItem.objects.count(), AuditEvent.objects.count())
    with pytest.raises(ImportRejected) as exc:
        run_import(city, rows, header=header)
    assert {(e.row, e.column) for e in exc.value.errors} == expected
    assert (Finding.objects.count(), RectificationItem.objects.count(), AuditEvent.objects.count()) == existing


def test_unknown_school_rejected_with_row_and_column(city: City) -> None:
    rows = [*good_rows(city), ["不存在的学校", "环境", "问题", "一般", day(3), ""]]
    assert_rejected(city, rows, {(4, "A")})


def test_school_outside_the_importers_district_rejected(city: City) -> None:
    rows = [*good_rows(city), [city.school_b.name, "环境", "问题", "一般", day(3), ""]]
    assert_rejected(city, rows, {(4, "A")})


def test_bad_date_rejected(city: City) -> None:
    rows = [good_rows(city)[0], [city.school_a.name, "环境", "问题", "一般", "下周五", ""]]
    assert_rejected(city, rows, {(3, "E")})


def test_date_in_the_past_rejected(city: City) -> None:
    rows = [[city.school_a.name, "环境", "问题", "一般", day(-1), ""], good_rows(city)[1]]
    assert_rejected(city, rows, {(2, "E")})


def test_missing_due_date_rejected(city: City) -> None:
    assert_rejected(city, [[city.school_a.name, "环境", "问题", "一般", "", ""]], {(2, "E")})


def test_bad_severity_and_empty_description_reported_together(city: City) -> None:
    assert_rejected(city, [[city.school_a.name, "环境", "", "特别严重", day(3), ""]], {(2, "C"), (2, "D")})


def test_missing_column_rejected_in_header_row(city: City) -> None:
    header = [h for h in HEADER if h != "整改时限"]
    rows = [[c for i, c in enumerate(r) if i != 4] for r in good_rows(city)]
    with pytest.raises(ImportRejected) as exc:
        run_import(city, rows, header=header)
    assert [(e.row, e.title) for e in exc.value.errors] == [(1, "整改时限")]
    assert not Finding.objects.exists()


def test_columns_in_another_order_are_read_by_title(city: City) -> None:
    header = list(reversed(HEADER))
    rows = [list(reversed([*r, "巡视反馈"])) for r in good_rows(city)]
    assert run_import(city, rows, header=header) == 2


def test_import_into_existing_ledger_adds_only_new_items(city: City) -> None:
    existing = ledger_item(city)
    run_import(city, good_rows(city))
    assert RectificationItem.objects.count() == 3
    existing.refresh_from_db()
    assert existing.version == 2


def test_empty_file_rejected(city: City) -> None:
    with pytest.raises(ImportRejected):
        run_import(city, [])


def test_school_cannot_import_findings(city: City) -> None:
    with pytest.raises(Forbidden):
        run_import(city, good_rows(city), actor=city.user("principal"))


def test_template_has_the_import_columns(city: City) -> None:
    from dudao.core.excel import read_rows

    assert read_rows(excel.template_bytes(), max_rows=excel.MAX_ROWS)[0] == HEADER


# --- export --------------------------------------------------------------------------------------


def test_export_rows_in_ledger_layout(city: City) -> None:
    item = ledger_item(city)
    RectificationItem.objects.filter(pk=item.pk).update(due_date=timezone.localdate() - dt.timedelta(days=1))
    rows = list(excel.export_rows(RectificationItem.objects.all()))
    assert len(rows) == 1 and len(rows[0]) == len(excel.EXPORT_HEADERS)
    row = dict(zip(excel.EXPORT_HEADERS, rows[0], strict=True))
    assert (row["区县"], row["责任单位"], row["问题来源"], row["责任人"]) == (
        "甲区教育局",
        city.school_a.name,
        "督查/检查",
        city.user("class_teacher").full_name,
    )
    assert (row["状态"], row["是否逾期"], row["销号日期"]) == ("待整改", "是", None)


def test_school_name_shared_by_two_districts_must_be_given_by_code(city: City) -> None:
    from tests.factories import unit

    twin = unit(city.district_b, city.school_a.name, "school", "五中", "complete")
    twin.code = "3601030005"
    twin.save(update_fields=["code"])
    rows = [[city.school_a.name, "环境", "问题", "一般", day(3), ""]]
    with pytest.raises(ImportRejected) as exc:
        excel.import_findings(
            actor=city.user("inspector"), unit=city.root, upload=findings_file(rows), filename="反馈.xlsx"
        )
    assert [(e.row, e.column) for e in exc.value.errors] == [(2, "A")]
    assert "单位代码" in exc.value.errors[0].message
    assert not Finding.objects.exists()
    excel.import_findings(
        actor=city.user("inspector"),
        unit=city.root,
        upload=findings_file([["3601030005", "环境", "问题", "一般", day(3), ""]]),
        filename="反馈.xlsx",
    )
    assert RectificationItem.objects.get().school == twin


def test_date_cells_are_read_as_dates(city: City) -> None:
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, HEADER)
    sheet.write_row(1, 0, [city.school_a.name, "环境", "垃圾未分类", "一般"])
    due = timezone.localdate() + dt.timedelta(days=6)
    sheet.write_datetime(1, 4, dt.datetime(due.year, due.month, due.day), book.add_format({"num_format": "yyyy-mm-dd"}))
    book.close()
    buffer.seek(0)
    excel.import_findings(actor=city.user("district_admin"), unit=city.district_a, upload=buffer, filename="a.xlsx")
    assert RectificationItem.objects.get().due_date == due


# --- any unit, any source ----------------------------------------------------------------------------


def test_district_bureau_and_office_rows_with_sources(city: City) -> None:
    city.office.code = "DD-01"
    city.office.save(update_fields=["code"])
    rows = [
        [city.district_a.name, "作风建设", "检查考核过多", "严重", day(20), "巡察反馈第 1 条", "巡视反馈"],
        ["DD-01", "财务", "合同未备案", "", day(20), "", "审计反馈"],
        [city.school_b.name, "食堂", "家长投诉饭菜凉", "", day(5), "12345 工单", "投诉举报"],
    ]
    count = excel.import_findings(
        actor=city.user("bureau_staff"), unit=city.root, upload=findings_file(rows), filename="巡察.xlsx"
    )
    assert count == 3
    got = {i.school_id: (i.source, i.source_ref) for i in RectificationItem.objects.all()}
    assert got == {
        city.district_a.pk: ("patrol", "巡察反馈第 1 条"),
        city.office.pk: ("audit", ""),
        city.school_b.pk: ("complaint", "12345 工单"),
    }


def test_unknown_source_and_self_check_rows_rejected_by_cell(city: City) -> None:
    rows = [
        [city.school_a.name, "环境", "问题一", "", day(3), "", "传闻"],
        [city.school_a.name, "环境", "问题二", "", day(3), "", "自查"],
    ]
    with pytest.raises(ImportRejected) as exc:
        run_import(city, rows)
    assert [(e.row, e.column) for e in exc.value.errors] == [(2, "G"), (3, "G")]
    assert "不是问题来源" in exc.value.errors[0].message and "自行登记" in exc.value.errors[1].message
    assert not RectificationItem.objects.exists() and not Finding.objects.exists()


def test_a_class_is_no_responsible_unit(city: City) -> None:
    with pytest.raises(ImportRejected) as exc:
        run_import(city, [[city.class_a1.name, "环境", "问题", "", day(3), "", ""]])
    assert (exc.value.errors[0].row, exc.value.errors[0].column) == (2, "A")
    assert "学校、区县教育局或科室" in exc.value.errors[0].message
