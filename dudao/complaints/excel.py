"""12345 转办工单 in Excel: the template, and the import (all or nothing, errors by row and column)."""

from __future__ import annotations

from typing import Any

from dudao.accounts.models import User
from dudao.complaints.models import Category, Complaint, Kind
from dudao.complaints.services import intake
from dudao.core.errors import DomainError, Forbidden
from dudao.core.excel import ImportRejected, RowError, column_letter, read_rows, template_xlsx
from dudao.core.imports import tracked_import
from dudao.core.models import ImportKind
from dudao.orgs.scoping import can

COLUMNS = [
    ("12345 工单号", "12345 平台的工单编号，不能重复", 20),
    ("诉求类型", "投诉举报 或 意见建议", 12),
    ("问题类别", "从下拉列表选择", 18),
    ("标题", f"不超过 {intake.MAX_TITLE} 字", 30),
    ("具体内容", f"{intake.MIN_CONTENT}–{intake.MAX_CONTENT} 字", 60),
    ("涉及学校或单位", "可不填", 24),
    ("来电人姓名", "匿名来电不填", 12),
    ("联系电话", "匿名来电不填；填写姓名时必填", 16),
]
KIND_BY_LABEL = {label: value for value, label in Kind.choices}
CATEGORY_BY_LABEL = {label: value for value, label in Category.choices}
# The short names a 12345 export may use for the same categories.
CATEGORY_BY_LABEL.update({"恶意补课": "tutoring", "有偿家教": "tutoring", "师德": "ethics", "安全": "safety"})
CATEGORY_BY_LABEL.update({"食品": "food", "欺凌": "bullying"})
MAX_ROWS = 500


def template_bytes() -> bytes:
    return template_xlsx(
        sheet_name="12345转办工单",
        columns=COLUMNS,
        choices={1: list(Kind.labels), 2: list(Category.labels)},
        rows=MAX_ROWS,
    )


def _cell(cells: list[Any], index: int) -> str:
    value = cells[index] if index < len(cells) else None
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def parse(rows: list[list[Any]]) -> tuple[list[intake.Submission], list[RowError]]:
    errors: list[RowError] = []
    parsed: list[intake.Submission] = []
    seen: dict[str, int] = {}

    def bad(row: int, column: int, message: str) -> None:
        errors.append(RowError(row, column_letter(column), COLUMNS[column][0], message))

    numbers = {_cell(cells, 0) for cells in rows[1:]} - {""}
    existing = set(Complaint.objects.filter(external_no__in=numbers).values_list("external_no", flat=True))
    for offset, cells in enumerate(rows[1:], start=2):
        values = [_cell(cells, i) for i in range(len(COLUMNS))]
        if not any(values):
            continue
        number, kind, category, title, content, about, name, phone = values
        before = len(errors)
        if not number:
            bad(offset, 0, "请填写 12345 工单号")
        elif number in seen:
            bad(offset, 0, f"与第 {seen[number]} 行工单号重复")
        elif number in existing:
            bad(offset, 0, "该工单已导入过，不能重复导入")
        seen.setdefault(number, offset)
        if kind not in KIND_BY_LABEL:
            bad(offset, 1, "请填写“投诉举报”或“意见建议”")
        if category not in CATEGORY_BY_LABEL:
            bad(offset, 2, "不是可选的问题类别，请从下拉列表选择")
        submission = intake.Submission(
            kind=KIND_BY_LABEL.get(kind, ""),
            category=CATEGORY_BY_LABEL.get(category, ""),
            title=title,
            content=content,
            about=about,
            is_anonymous=not name and not phone,
            name=name,
            phone=phone,
            external_no=number,
        )
        if len(errors) == before:
            try:
                parsed.append(intake.clean(submission))
            except DomainError as exc:
                column = {
                    "title_required": 3,
                    "content_required": 4,
                    "about_too_long": 5,
                    "name_required": 6,
                    "phone_required": 7,
                    "phone_invalid": 7,
                }.get(exc.code, 0)
                bad(offset, column, exc.message)
    return parsed, errors


def import_tickets(*, actor: User, data: bytes, filename: str = "") -> list[Complaint]:
    """Every row created, or none (`ImportRejected` lists the bad cells)."""
    bureau = intake.clerk_bureau(actor)
    if not can(actor, "complaint.handle", bureau):
        raise Forbidden("只有教育局办公室的受理人员才能导入 12345 转办工单")
    with tracked_import(actor=actor, kind=ImportKind.COMPLAINTS, unit=bureau, data=data, filename=filename) as outcome:
        rows = read_rows(data, max_rows=MAX_ROWS, max_columns=len(COLUMNS) + 4)
        if not rows:
            raise DomainError("文件是空的：请使用模板填写后上传", code="import_empty")
        header = [_cell(rows[0], i) for i in range(len(COLUMNS))]
        if header != [c[0] for c in COLUMNS]:
            raise DomainError("表头与模板不一致：请下载最新模板填写", code="import_header")
        parsed, errors = parse(rows)
        if errors:
            raise ImportRejected(errors, len(errors), code="import_invalid")
        if not parsed:
            raise DomainError("文件中没有工单：请在表头下方逐行填写", code="import_empty")
        created = intake.record_forwarded(actor=actor, submissions=parsed)
        outcome.succeeded(f"登记 12345 转办工单 {len(created)} 件", created=len(created))
    return created
