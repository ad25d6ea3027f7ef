from __future__ import annotations

import io
import struct
import zipfile
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


# ----- crafted files: what a spreadsheet program would never write, built byte by byte -----------------------

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def raw_xlsx(
    sheet_data: str,
    *,
    dimension: str | None = None,
    shared_strings: bytes | None = None,
    sheet_xml: bytes | None = None,
    extra: dict[str, bytes] | None = None,
) -> bytes:
    """A tiny .xlsx whose sheet XML is written by hand: `sheet_data` goes inside <sheetData>."""
    content_types = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/></Types>'
    )
    rels = "http://schemas.openxmlformats.org/package/2006/relationships"
    doc = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    root_rels = (
        f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{rels}">'
        f'<Relationship Id="rId1" Type="{doc}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
    )
    book = (
        f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{_MAIN}" xmlns:r="{doc}">'
        '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
    )
    book_rels = (
        f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{rels}">'
        f'<Relationship Id="rId1" Type="{doc}/worksheet" Target="worksheets/sheet1.xml"/>'
        f'<Relationship Id="rId2" Type="{doc}/sharedStrings" Target="sharedStrings.xml"/></Relationships>'
    )
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    sheet = (
        sheet_xml
        or (
            f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{_MAIN}">{dim}'
            f"<sheetData>{sheet_data}</sheetData></worksheet>"
        ).encode()
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as package:
        package.writestr("[Content_Types].xml", content_types)
        package.writestr("_rels/.rels", root_rels)
        package.writestr("xl/workbook.xml", book)
        package.writestr("xl/_rels/workbook.xml.rels", book_rels)
        package.writestr("xl/worksheets/sheet1.xml", sheet)
        if shared_strings is not None:
            package.writestr("xl/sharedStrings.xml", shared_strings)
        for name, content in (extra or {}).items():
            package.writestr(name, content)
    return out.getvalue()


def text_cell(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def header_row(titles: list[str]) -> str:
    """Row 1 with the given titles, as inline strings."""
    from dudao.core.excel import column_letter

    cells = "".join(text_cell(f"{column_letter(i)}1", title) for i, title in enumerate(titles))
    return f'<row r="1">{cells}</row>'


def _record(kind: int, data: bytes) -> bytes:
    return struct.pack("<HH", kind, len(data)) + data


def _bof(sheet_type: int) -> bytes:
    return _record(0x0809, struct.pack("<HHHHII", 0x0600, sheet_type, 0x0DBB, 0x07CC, 0, 6))


def biff_cells(cells: list[tuple[int, int, Any]], *, dimensions: tuple[int, int, int, int] = (0, 1, 0, 1)) -> bytes:
    """Records of one worksheet: numbers and texts at (row, column), 0-based, as Excel 97–2003 writes them."""
    body = _bof(0x0010) + _record(0x0200, struct.pack("<IIHHH", *dimensions, 0))
    for row, column, value in cells:
        if isinstance(value, str):
            text = value.encode("utf-16-le")
            body += _record(0x0204, struct.pack("<HHHHB", row, column, 0, len(value), 1) + text)
        else:
            body += _record(0x0203, struct.pack("<HHHd", row, column, 0, float(value)))
    return body + _record(0x000A, b"")


def xls(*sheets: bytes) -> bytes:
    """An .xls (BIFF8 in a compound file) holding the given worksheets' records."""
    from dudao.core.workbooks import compound_file

    def globals_(offsets: list[int]) -> bytes:
        bound = b"".join(
            _record(0x0085, struct.pack("<IBBBB", offset, 0, 0, 2, 0) + f"S{i + 1}".encode())
            for i, offset in enumerate(offsets)
        )
        return _bof(0x0005) + bound + _record(0x000A, b"")

    size = len(globals_([0] * len(sheets)))
    offsets = []
    for sheet in sheets:
        offsets.append(size)
        size += len(sheet)
    return compound_file(globals_(offsets) + b"".join(sheets))
