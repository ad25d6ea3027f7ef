"""Excel upload checks and safe exports shared by every ledger and roster."""

from __future__ import annotations

import datetime as dt
import io
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import IO, Any

import xlsxwriter
from django.conf import settings
from django.http import FileResponse

from dudao.core.errors import DomainError
from dudao.core.workbooks import XLSX_ZIP, Shape, safe_workbook, too_large, unreadable, zip_refusal
from dudao.core.zips import ZipRefused, open_zip

_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# Rows one worksheet can hold below its header row.
EXCEL_MAX_ROWS = 1_048_575


def check_export_size(count: int) -> None:
    if count > EXCEL_MAX_ROWS:
        raise DomainError(
            f"要导出的记录有 {count:,} 条，超过 Excel 单表 {EXCEL_MAX_ROWS:,} 行的上限，"
            "请缩小范围（如按区县或学校）分别导出",
            code="export_too_large",
        )


MAX_ERRORS = 200


@dataclass
class RowError:
    """One bad cell of an import, named the way a clerk finds it in Excel."""

    row: int  # 1-based Excel row number
    column: str  # Excel column letter
    title: str
    message: str

    def __str__(self) -> str:
        return f"第 {self.row} 行 {self.column} 列（{self.title}）：{self.message}"


class ImportRejected(DomainError):
    """An all-or-nothing import refused: nothing was written; `errors` lists what to fix."""

    def __init__(self, errors: list[RowError], total: int, *, code: str = "roster_invalid") -> None:
        more = f"，仅显示前 {MAX_ERRORS} 条" if len(errors) > MAX_ERRORS else ""
        super().__init__(f"导入失败，文件共有 {total} 处错误{more}，未导入任何数据。请修改后重新上传。", code=code)
        self.errors = errors[:MAX_ERRORS]


_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def safe_cell(value: Any) -> Any:
    """Neutralise spreadsheet formula injection: text starting with = + - @ is written as text."""
    if isinstance(value, str) and value.startswith(_FORMULA_PREFIXES):
        return "'" + value
    return value


def read_upload(upload: IO[bytes], *, name: str = "") -> bytes:
    """Read an uploaded spreadsheet, refusing oversized files and files that are not Excel.

    The type is decided by content (zip with an Excel workbook inside, or the OLE header
    of .xls), never by the file name.
    """
    limit = settings.DUDAO_UPLOAD_MAX_BYTES
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise DomainError(f"文件超过 {limit // (1024 * 1024)} MB 的上限，请拆分后分批导入", code="upload_too_large")
    if not data:
        raise DomainError("上传的文件是空的", code="upload_empty")
    if data.startswith(_OLE_MAGIC):
        return data
    if data.startswith(b"PK\x03\x04"):
        try:
            with open_zip(data, members=XLSX_ZIP.members) as archive:
                names = set(archive.namelist())
        except ZipRefused as exc:
            if exc.reason != "corrupt":
                raise zip_refusal(exc) from exc
            names = set()
        if "xl/workbook.xml" in names:
            return data
    raise DomainError(
        f"文件“{name or '上传文件'}”不是 Excel 表格（.xlsx/.xls），请使用下载的模板填写后上传",
        code="upload_not_excel",
    )


# Columns any import may use; every template has far fewer.
MAX_COLUMNS = 64


def read_rows(data: bytes, *, max_rows: int, max_columns: int = MAX_COLUMNS) -> list[list[Any]]:
    """All rows of the first sheet, values as python types (calamine: fast and tolerant).

    `max_rows` counts the rows below the header. A sheet reaching further, by rows or columns, is refused
    before calamine builds it (it builds the whole grid up to the last cell: see dudao.core.workbooks).
    """
    from python_calamine import CalamineWorkbook

    shape = Shape(rows=max_rows + 1, columns=max_columns)
    package = safe_workbook(data, shape)
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(package))
        sheet = workbook.get_sheet_by_index(0)
        rows = [list(row[:max_columns]) for row in sheet.to_python(skip_empty_area=False)]
    except Exception as exc:  # calamine raises several of its own types
        raise DomainError(f"无法读取该 Excel 文件：{exc}", code="upload_unreadable") from exc
    except BaseException as exc:  # a Rust panic surfaces as pyo3's PanicException, not an Exception
        if type(exc).__name__ != "PanicException":
            raise
        raise unreadable() from exc
    if len(rows) > shape.rows:  # the walk already bounds it; kept as the last word
        raise too_large(shape)
    return rows


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA: how a clerk names a column."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def template_xlsx(
    *,
    sheet_name: str,
    columns: Sequence[tuple[str, str, int]],
    choices: dict[int, list[str]] | None = None,
    rows: int = 5000,
) -> bytes:
    """An import template: one bold header per column with its hint as a comment, drop-down lists where the
    answers are fixed. No sample row: a clerk who keeps one would import it as data."""
    out = io.BytesIO()
    workbook = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = workbook.add_worksheet(sheet_name)
    bold = workbook.add_format({"bold": True, "bg_color": "#DDEBF7"})
    for col, (title, hint, width) in enumerate(columns):
        sheet.write_string(0, col, title, bold)
        if hint:
            sheet.write_comment(0, col, hint)
        sheet.set_column(col, col, width)
    for col, options in (choices or {}).items():
        sheet.data_validation(1, col, rows, col, {"validate": "list", "source": options})
    workbook.close()
    return out.getvalue()


def xlsx_response(
    *,
    filename: str,
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
    sheet_name: str = "Sheet1",
    column_widths: Sequence[int] | None = None,
    title: str = "",
    landscape: bool = False,
) -> FileResponse:
    """Write rows to a temporary .xlsx in constant memory and stream it back (layout: `write_xlsx`)."""
    spool = tempfile.TemporaryFile()  # noqa: SIM115 (closed by FileResponse)
    try:
        write_xlsx(
            spool,
            headers=headers,
            rows=rows,
            sheet_name=sheet_name,
            column_widths=column_widths,
            title=title,
            landscape=landscape,
        )
    except BaseException:
        spool.close()
        raise
    spool.seek(0)
    return FileResponse(
        spool,
        as_attachment=True,
        filename=filename,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


def write_xlsx(
    target: IO[bytes],
    *,
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
    sheet_name: str = "Sheet1",
    column_widths: Sequence[int] | None = None,
    title: str = "",
    landscape: bool = False,
    on_rows: Callable[[int], None] | None = None,
    every: int = 5000,
    split_sheets: bool = False,
) -> int:
    """Write rows to `target` as an .xlsx in constant memory; returns the number of data rows.

    With `title`, the sheet reads like a printed ledger: a title line above the header, the header frozen and
    filterable, long text wrapped, and (with `landscape`) A4 landscape pages that repeat the header.
    `on_rows(n)` is called after every `every` rows (a background export's progress). Past Excel's row limit the
    rows are refused (`check_export_size`), or with `split_sheets` continue on further sheets (“学生名册（2）”),
    each with its header: a background export of a whole city's roster."""
    workbook = xlsxwriter.Workbook(
        target, {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    )
    sheet = workbook.add_worksheet(sheet_name)
    bold = workbook.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True})
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
    datetime_format = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    wrap = workbook.add_format({"text_wrap": True, "valign": "top"})
    header_row = 1 if title else 0
    widths = [column_widths[c] if column_widths and c < len(column_widths) else 14 for c in range(len(headers))]
    if title:
        heading = workbook.add_format({"bold": True, "font_size": 14, "align": "center"})
        sheet.merge_range(0, 0, 0, max(0, len(headers) - 1), title, heading)
    for col, heading in enumerate(headers):
        sheet.write_string(header_row, col, heading, bold)
        # Long-text columns wrap so a printed ledger shows the whole problem and measure.
        sheet.set_column(col, col, widths[col], wrap if widths[col] >= 25 else None)
    if title:
        sheet.freeze_panes(header_row + 1, 0)
        sheet.repeat_rows(header_row)
    if landscape:
        sheet.set_landscape()
        sheet.set_paper(9)  # A4
        sheet.fit_to_pages(1, 0)
    last = header_row
    written = 0
    sheets = 1
    row_index = header_row
    for row in rows:
        row_index += 1
        written += 1
        if row_index > EXCEL_MAX_ROWS:
            if not split_sheets:
                check_export_size(row_index)
            sheets += 1
            sheet = workbook.add_worksheet(f"{sheet_name}（{sheets}）")
            for col, heading in enumerate(headers):
                sheet.write_string(0, col, heading, bold)
                sheet.set_column(col, col, widths[col], wrap if widths[col] >= 25 else None)
            header_row, row_index = 0, 1
        last = row_index
        if on_rows is not None and written % every == 0:
            on_rows(written)
        for col, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, dt.datetime):
                sheet.write_datetime(row_index, col, value.replace(tzinfo=None), datetime_format)
            elif isinstance(value, dt.date):
                sheet.write_datetime(row_index, col, dt.datetime.combine(value, dt.time()), date_format)
            elif isinstance(value, bool):
                sheet.write_string(row_index, col, "是" if value else "否")
            elif isinstance(value, int | float):
                sheet.write_number(row_index, col, value)
            else:
                sheet.write_string(row_index, col, str(safe_cell(str(value))))
    if title:
        sheet.autofilter(header_row, 0, last, max(0, len(headers) - 1))
    workbook.close()
    return written
