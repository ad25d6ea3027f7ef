"""Exports of a directive's reports: one Excel workbook (one row per unit, each repeating table on its own
sheet) and one ZIP of all attachments. Both read through the user's scope and stream from a temporary file."""

from __future__ import annotations

import tempfile
import zipfile
from pathlib import PurePath
from typing import IO, Any

import xlsxwriter
from django.http import FileResponse
from django.utils import timezone

from dudao.accounts.models import User
from dudao.audit.services import record_access
from dudao.core.db_router import read_replica
from dudao.core.excel import check_export_size, safe_cell
from dudao.core.files import open_stored
from dudao.directives import selectors
from dudao.directives.models import Directive, FieldType, Period, Submission
from dudao.directives.schema import fields_of

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _cell(value: Any) -> Any:
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    if isinstance(value, int | float) or value is None:
        return value
    return safe_cell(str(value))


def _write(sheet: Any, row: int, values: list[Any], fmt: Any = None) -> None:
    for col, value in enumerate(values):
        value = _cell(value)
        if value is None:
            continue
        if isinstance(value, int | float):
            sheet.write_number(row, col, value)
        elif fmt is not None:
            sheet.write_string(row, col, value, fmt)
        else:
            sheet.write_string(row, col, value)


def _scoped(user: User, period: Period) -> Any:
    return selectors.submissions_for(user).filter(period=period).select_related("submitted_by").order_by("unit__path")


def submissions_xlsx(user: User, directive: Directive, period: Period) -> FileResponse:
    spool, count = _submissions_workbook(user, directive, period)
    record_access(
        actor=user,
        action="export",
        obj=directive,
        unit_path=directive.issuing_unit.path,
        details={"period": period.pk, "rows": count, "what": "submissions.xlsx"},
    )
    return FileResponse(
        spool, as_attachment=True, filename=f"报送汇总-{directive.pk}-{period.index + 1}.xlsx", content_type=XLSX
    )


@read_replica
def _submissions_workbook(user: User, directive: Directive, period: Period) -> tuple[IO[bytes], int]:
    """The workbook in a temporary file, and its number of reports: read from the replica when there is one."""
    submissions = _scoped(user, period)
    count = submissions.count()
    check_export_size(count)
    schema = directive.form_version.schema if directive.form_version else {"fields": []}
    fields = fields_of(schema)
    scalars = [f for f in fields if f["type"] != FieldType.TABLE]
    tables = [f for f in fields if f["type"] == FieldType.TABLE]
    spool = tempfile.TemporaryFile()  # noqa: SIM115 (closed by FileResponse)
    book = xlsxwriter.Workbook(spool, {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    bold = book.add_format({"bold": True, "bg_color": "#DDEBF7"})
    main = book.add_worksheet("报送汇总")
    header = ["单位", "状态", "是否逾期", "报送时间", "报送人", *[f["label"] for f in scalars]]
    _write(main, 0, header, bold)
    table_sheets = {}
    for index, table in enumerate(tables):
        sheet = book.add_worksheet(f"{index + 1}-{table['label']}"[:31].replace("/", "-"))
        # The unit's status beside every row, so totals of drafts and returned reports are not taken for final.
        _write(sheet, 0, ["单位", "状态", *[c["label"] for c in table["columns"]]], bold)
        table_sheets[table["key"]] = [sheet, 1]
    for row, submission in enumerate(submissions.iterator(chunk_size=500), start=1):
        values = submission.values
        submitted_at = (
            timezone.localtime(submission.submitted_at).strftime("%Y-%m-%d %H:%M") if submission.submitted_at else ""
        )
        _write(
            main,
            row,
            [
                submission.unit.name,
                submission.get_status_display(),
                submission.is_late,
                submitted_at,
                submission.submitted_by.display_name if submission.submitted_by else "",
                *[values.get(f["key"]) for f in scalars],
            ],
        )
        for table in tables:
            sheet, next_row = table_sheets[table["key"]]
            for line in values.get(table["key"]) or []:
                cells = [(line or {}).get(c["key"]) for c in table["columns"]]
                _write(sheet, next_row, [submission.unit.name, submission.get_status_display(), *cells])
                next_row += 1
            table_sheets[table["key"]][1] = next_row
    book.close()
    spool.seek(0)
    return spool, count


def attachments_zip(user: User, directive: Directive, period: Period) -> FileResponse:
    """Every attachment of the reports in scope, in one folder per unit."""
    spool = tempfile.TemporaryFile()  # noqa: SIM115 (closed by FileResponse)
    files = 0
    through = Submission.attachments.through
    links = (
        through.objects.filter(submission__in=_scoped(user, period))
        .select_related("submission__unit", "storedfile")
        .order_by("submission__unit__path", "storedfile_id")
    )
    with zipfile.ZipFile(spool, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        used: set[str] = set()
        for link in links.iterator(chunk_size=200):
            stored = link.storedfile
            folder = link.submission.unit.name.replace("/", "-")
            name = f"{folder}/{PurePath(stored.name).name}"
            if name in used:
                name = f"{folder}/{stored.pk}-{PurePath(stored.name).name}"
            used.add(name)
            info = zipfile.ZipInfo(name, date_time=timezone.localtime().timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            with open_stored(stored) as source, archive.open(info, "w") as target:
                while chunk := source.read(1024 * 1024):
                    target.write(chunk)
            files += 1
    spool.seek(0)
    record_access(
        actor=user,
        action="export",
        obj=directive,
        unit_path=directive.issuing_unit.path,
        details={"period": period.pk, "files": files, "what": "attachments.zip"},
    )
    return FileResponse(
        spool,
        as_attachment=True,
        filename=f"报送附件-{directive.pk}-{period.index + 1}.zip",
        content_type="application/zip",
    )
