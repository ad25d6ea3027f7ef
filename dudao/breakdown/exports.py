"""The breakdown table as Excel (xlsxwriter through dudao.core.excel) and Word (python-docx)."""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Sequence
from typing import Any

import xlsxwriter
from django.http import FileResponse, HttpResponse

from dudao.breakdown.parser import MODULES
from dudao.core.excel import safe_cell, xlsx_response

HEADERS = ["序号", "层次", "任务", "责任主体", "时限", "开始", "截止", "量化指标", "工作机制", "对应模块"]
WIDTHS = [6, 14, 50, 20, 16, 12, 12, 30, 20, 16]


# Characters XML 1.0 (and so Word) cannot hold; rows saved before they were refused may still carry them.
_XML_UNSAFE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _line(i: int, row: dict[str, Any]) -> list[Any]:
    deadline = row.get("deadline") or {}
    return [
        i,
        row.get("section", ""),
        row.get("task", ""),
        "、".join(row.get("responsible") or []),
        deadline.get("text", ""),
        deadline.get("start") or "",
        deadline.get("end") or "",
        "；".join(t.get("text", "") for t in row.get("targets") or []),
        "、".join(row.get("mechanisms") or []),
        MODULES.get(row.get("module", ""), row.get("module", "")),
    ]


def row_dict(row: Any) -> dict[str, Any]:
    """A saved Row in the command line's JSON shape."""
    return {
        "section": row.section,
        "task": row.task,
        "responsible": row.responsible,
        "deadline": {
            "text": row.deadline_text,
            "start": row.deadline_start.isoformat() if row.deadline_start else None,
            "end": row.deadline_end.isoformat() if row.deadline_end else None,
        },
        "targets": [{"text": t.get("text"), "number": t.get("number"), "unit": t.get("unit")} for t in row.targets],
        "mechanisms": row.mechanisms,
        "module": row.module,
        "source": {"start": row.source_start, "end": row.source_end},
    }


def lines(rows: Iterable[dict[str, Any]]) -> list[list[Any]]:
    return [_line(i, r) for i, r in enumerate(rows, 1)]


def rows_xlsx_bytes(rows: Sequence[dict[str, Any]], *, title: str) -> bytes:
    out = io.BytesIO()
    workbook = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    sheet = workbook.add_worksheet("任务分解表")
    bold = workbook.add_format({"bold": True, "bg_color": "#DDEBF7"})
    for col, (header, width) in enumerate(zip(HEADERS, WIDTHS, strict=True)):
        sheet.write_string(0, col, header, bold)
        sheet.set_column(col, col, width)
    for r, line in enumerate(lines(rows), 1):
        for c, value in enumerate(line):
            sheet.write(r, c, safe_cell(value))
    workbook.close()
    return out.getvalue()


def xlsx(rows: Sequence[dict[str, Any]], *, title: str) -> FileResponse:
    return xlsx_response(
        filename=f"{title[:40]}-任务分解表.xlsx",
        headers=HEADERS,
        rows=lines(rows),
        sheet_name="任务分解表",
        column_widths=WIDTHS,
        title=f"{title} 任务分解表",
        landscape=True,
    )


def docx(rows: Sequence[dict[str, Any]], *, title: str) -> HttpResponse:
    import docx as python_docx
    from docx.enum.section import WD_ORIENT
    from docx.shared import Pt

    document = python_docx.Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = section.page_height, section.page_width
    document.add_heading(_XML_UNSAFE.sub("", f"{title} 任务分解表"), level=1)
    headers = ["序号", "层次", "任务", "责任主体", "时限", "量化指标", "工作机制"]
    table = document.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    for cell, header in zip(table.rows[0].cells, headers, strict=True):
        cell.text = header
    for line in lines(rows):
        when = line[4] + (f"（{line[5] or '…'}至{line[6]}）" if line[6] else "")
        values = [str(line[0]), line[1], line[2], line[3], when, line[7], line[8]]
        for cell, value in zip(table.add_row().cells, values, strict=True):
            cell.text = _XML_UNSAFE.sub("", str(value))
            for paragraph in cell.paragraphs:
                for run in paragraph.runs:
                    run.font.size = Pt(9)
    out = io.BytesIO()
    document.save(out)
    response = HttpResponse(
        out.getvalue(), content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    from urllib.parse import quote

    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(title[:40] + '-任务分解表.docx')}"
    return response
