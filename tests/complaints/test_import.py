"""12345 转办工单 import: all or nothing, errors by row and column, no ticket twice, the office only."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from dudao.complaints import excel
from dudao.complaints.models import Complaint
from dudao.core.errors import Forbidden
from dudao.core.excel import ImportRejected
from dudao.core.models import ImportKind, ImportRecord, ImportStatus
from tests.factories import City
from tests.xlsx import workbook

pytestmark = pytest.mark.django_db

HEADER = [c[0] for c in excel.COLUMNS]


def row(number: str, **extra: str) -> list[Any]:
    values = {
        "kind": "投诉举报",
        "category": "乱收费",
        "title": "学校强制订购牛奶",
        "content": "学校要求学生统一订购牛奶，每月六十元，家长无法拒绝。",
        "about": "甲区实验小学",
        "name": "张先生",
        "phone": "13600001111",
        **extra,
    }
    return [
        number,
        values["kind"],
        values["category"],
        values["title"],
        values["content"],
        values["about"],
        values["name"],
        values["phone"],
    ]


def data(rows: list[list[Any]]) -> bytes:
    return workbook(rows, header=HEADER).getvalue()


def test_every_row_is_imported_as_a_forwarded_item(city: City) -> None:
    created = excel.import_tickets(
        actor=city.user("bureau_staff"), data=data([row("GD001"), row("GD002", name="", phone="")])
    )
    assert len(created) == 2
    assert {c.channel for c in created} == {"12345"}
    assert Complaint.objects.get(external_no="GD002").is_anonymous
    record = ImportRecord.objects.get(kind=ImportKind.COMPLAINTS)
    assert (record.status, record.counts) == (ImportStatus.SUCCEEDED, {"created": 2})


def test_one_bad_row_imports_nothing_and_names_row_and_column(city: City) -> None:
    rows = [row("GD001"), row("GD001"), row("GD003", category="天气"), row("GD004", phone="123")]
    with pytest.raises(ImportRejected) as exc:
        excel.import_tickets(actor=city.user("bureau_staff"), data=data(rows))
    messages = [str(e) for e in exc.value.errors]
    assert "第 3 行 A 列（12345 工单号）：与第 2 行工单号重复" in messages
    assert any(m.startswith("第 4 行 C 列") for m in messages)
    assert any(m.startswith("第 5 行 H 列") for m in messages)
    assert not Complaint.objects.exists()
    assert ImportRecord.objects.get(kind=ImportKind.COMPLAINTS).status == ImportStatus.FAILED


def test_a_ticket_is_never_imported_twice(city: City) -> None:
    excel.import_tickets(actor=city.user("bureau_staff"), data=data([row("GD001")]))
    with pytest.raises(ImportRejected):
        excel.import_tickets(actor=city.user("bureau_staff"), data=data([row("GD001")]))
    assert Complaint.objects.count() == 1


def test_only_the_office_imports(city: City) -> None:
    with pytest.raises(Forbidden):
        excel.import_tickets(actor=city.user("principal"), data=data([row("GD001")]))


def test_the_import_page_lists_the_errors(signed_in, city: City) -> None:
    client: Client = signed_in(city.user("bureau_staff"))
    upload = workbook([row("GD001", content="短")], header=HEADER)
    upload.name = "12345.xlsx"
    page = client.post("/complaints/import/", {"file": upload}).content.decode()
    assert "未导入任何数据" in page and "第 2 行 E 列" in page
    assert client.get("/complaints/import/template.xlsx").status_code == 200
