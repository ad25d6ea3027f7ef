from __future__ import annotations

import io
from typing import Any

import xlsxwriter

from dudao.orgs.roster import headers


def workbook(rows: list[list[Any]], header: list[str] | None = None) -> io.BytesIO:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_numbers": False})
    sheet = book.add_worksheet()
    for col, title in enumerate(header if header is not None else headers()):
        sheet.write_string(0, col, title)
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row):
            if value is not None:
                sheet.write_string(r, c, str(value))
    book.close()
    buffer.seek(0)
    buffer.name = "roster.xlsx"
    return buffer


def roster_row(
    klass: str,
    number: str,
    name: str = "王小明",
    *,
    birth: str = "2013-05-01",
    phone: str = "13800001111",
    gender: str = "男",
    relation: str = "母亲",
) -> list[Any]:
    return [klass, name, gender, birth, number, "", "否", "是", "否", "否", "否", "李芳", relation, phone]
