"""校历 Excel: the year's template and its import (terms and bureau days, all or nothing, errors by row and column)."""

from __future__ import annotations

import datetime as dt
from typing import IO, Any

from dudao.accounts.models import User
from dudao.calendars import services
from dudao.calendars.models import EntryKind, SchoolYear
from dudao.core.errors import DomainError, Forbidden
from dudao.core.excel import ImportRejected, RowError, column_letter, read_rows, read_upload, template_xlsx
from dudao.core.imports import tracked_import
from dudao.core.models import ImportKind
from dudao.orgs.scoping import can

TERM = "学期"
KIND_BY_LABEL: dict[str, str] = {
    TERM: "term",
    "节假日": EntryKind.HOLIDAY,
    "寒暑假": EntryKind.BREAK,
    "调休上课日": EntryKind.MAKEUP,
    "考试周": EntryKind.EXAM,
}
COLUMNS: list[tuple[str, str, int]] = [
    ("类型", "学期 / 节假日 / 寒暑假 / 调休上课日 / 考试周", 14),
    ("名称", "如：第一学期、国庆节、国庆调休上课、期末考试", 24),
    ("开始日期", "如 2026-10-01", 14),
    ("结束日期", "如 2026-10-08；只有一天时与开始日期相同", 14),
]
MAX_ROWS = 500


def template() -> bytes:
    return template_xlsx(sheet_name="校历", columns=COLUMNS, choices={0: list(KIND_BY_LABEL)}, rows=MAX_ROWS)


def _date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value or "").strip().replace("/", "-").replace(".", "-")
    for fmt in ("%Y-%m-%d", "%Y年%m月%d日"):
        try:
            return dt.datetime.strptime(text, fmt).date()  # noqa: DTZ007 (a calendar date read from a cell: no time)
        except ValueError:
            continue
    return None


def parse(data: bytes) -> tuple[list[services.TermIn], list[services.EntryIn]]:
    rows = read_rows(data, max_rows=MAX_ROWS, max_columns=len(COLUMNS) + 4)
    if not rows or [str(c or "").strip() for c in rows[0][: len(COLUMNS)]] != [c[0] for c in COLUMNS]:
        raise DomainError("表头不对：请使用本页下载的校历模板（类型、名称、开始日期、结束日期）", code="header_invalid")
    errors: list[RowError] = []
    terms: list[services.TermIn] = []
    entries: list[services.EntryIn] = []
    for number, row in enumerate(rows[1:], start=2):
        cells = [*row, None, None, None, None][:4]
        if all(str(c or "").strip() == "" for c in cells):
            continue
        before = len(errors)

        def error(col: int, message: str, number: int = number) -> None:
            errors.append(RowError(number, column_letter(col), COLUMNS[col][0], message))

        kind = KIND_BY_LABEL.get(str(cells[0] or "").strip())
        if kind is None:
            error(0, "类型应为：" + "、".join(KIND_BY_LABEL))
        name = str(cells[1] or "").strip()
        if not name:
            error(1, "请填写名称")
        elif len(name) > 40:
            error(1, "名称不能超过 40 字")
        start, end = _date(cells[2]), _date(cells[3])
        if start is None:
            error(2, "不是日期（如 2026-10-01）")
        if end is None:
            error(3, "不是日期（如 2026-10-08）")
        if start and end and end < start:
            error(3, "结束日期早于开始日期")
        if len(errors) > before or kind is None or start is None or end is None:
            continue
        if kind == "term":
            terms.append(services.TermIn(name, start, end))
        else:
            entries.append(services.EntryIn(kind, name, start, end))
    if errors:
        raise ImportRejected(errors, len(errors), code="calendar_invalid")
    if not terms:
        raise DomainError("文件中没有学期：请至少填写一行类型为“学期”的记录", code="calendar_without_terms")
    return terms, entries


def import_year(*, actor: User, year: SchoolYear, upload: IO[bytes], name: str, version: int | None) -> SchoolYear:
    """Replace the year's terms and days with the file's, or change nothing."""
    if not can(actor, "calendar.publish", year.unit):
        raise Forbidden("您无权编辑该单位的校历")
    data = read_upload(upload, name=name)
    with tracked_import(actor=actor, kind=ImportKind.CALENDAR, unit=year.unit, data=data, filename=name) as outcome:
        terms, entries = parse(data)
        year = services.replace_contents(actor=actor, year=year, terms=terms, entries=entries, version=version)
        outcome.succeeded(f"导入 {len(terms)} 个学期、{len(entries)} 条日程", terms=len(terms), entries=len(entries))
    return year
