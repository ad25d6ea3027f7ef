"""The ledger in Excel: export in the customary 台账 layout; intake of findings handed over by outside inspections."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO, Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from dudao.accounts.models import User
from dudao.audit.services import Entry, append
from dudao.core.errors import DomainError, Forbidden
from dudao.core.excel import (
    ImportRejected,
    RowError,
    check_export_size,
    column_letter,
    read_rows,
    read_upload,
    template_xlsx,
)
from dudao.core.imports import tracked_import
from dudao.core.models import ImportKind
from dudao.orgs.models import OrgUnit, UnitKind
from dudao.orgs.scoping import can
from dudao.rectification.models import ItemStatus, RectificationItem
from dudao.rectification.services import create_items
from dudao.rectification.sources import finding_source

EXPORT_HEADERS = [
    "序号",
    "区县",
    "学校",
    "问题类别",
    "存在问题",
    "来源",
    "发现日期",
    "责任人",
    "职务",
    "整改措施",
    "整改时限",
    "整改进度(%)",
    "状态",
    "是否逾期",
    "销号日期",
]
EXPORT_WIDTHS = [6, 12, 22, 12, 40, 18, 11, 10, 14, 30, 11, 8, 9, 8, 11]


def export_title(unit_name: str, day: dt.date) -> str:
    return f"{unit_name}问题整改台账（截至{day:%Y年%m月%d日}）"


def export_rows(qs: QuerySet[RectificationItem], today: dt.date | None = None) -> Iterator[list[Any]]:
    """One row per item, read in chunks with only the columns the sheet needs (memory stays flat)."""
    today = today or timezone.localdate()
    tz = timezone.get_current_timezone()
    districts = dict(OrgUnit.objects.filter(kind=UnitKind.DISTRICT).values_list("path", "name"))
    width = OrgUnit.steplen * 2
    rows = qs.order_by("school__path", "due_date", "id").values_list(
        "school__path",
        "school__name",
        "category",
        "description",
        "finding__source",
        "created_at",
        "owner__full_name",
        "owner__title",
        "responsibility",
        "due_date",
        "progress",
        "status",
        "closed_at",
    )
    labels = dict(ItemStatus.choices)
    for number, row in enumerate(rows.iterator(chunk_size=2000), start=1):
        (path, school, category, text, source, created, owner, title, duty, due, progress, status, closed) = row
        yield [
            number,
            districts.get(path[:width], ""),
            school,
            category,
            text,
            source or "外部移交",
            created.astimezone(tz).date(),
            owner or "",
            title or "",
            duty,
            due,
            progress,
            labels.get(status, status),
            "是" if status != ItemStatus.CLOSED and due < today else "否",
            closed.astimezone(tz).date() if closed else None,
        ]


def export_count_check(qs: QuerySet[RectificationItem]) -> None:
    check_export_size(qs.count())


# Intake of findings handed over by an outside inspection (e.g. the province's 测评组 feedback sheet).
IMPORT_COLUMNS = [
    ("school", "学校", "学校全称或单位代码"),
    ("category", "问题类别", "如：校园环境"),
    ("description", "存在问题", "必填"),
    ("severity", "等级", "一般 / 严重，默认一般"),
    ("due_limit", "整改时限", "如 2026-12-10，不早于今天"),
    ("source", "来源", "如：省文明办实地测评反馈"),
]
MAX_ROWS = 5000


def template_bytes() -> bytes:
    return template_xlsx(
        sheet_name="问题清单",
        columns=[(title, hint, 40 if key == "description" else 16) for key, title, hint in IMPORT_COLUMNS],
        choices={3: ["一般", "严重"]},
        rows=MAX_ROWS,
    )


@dataclass
class ParsedFinding:
    row: int
    school: OrgUnit
    category: str
    description: str
    severity: str
    due_limit: dt.date
    source: str


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


Error = Callable[[str, str], None]  # (column key, message): records one error of the row


def _school(name: str, schools: dict[str, OrgUnit], ambiguous: frozenset[str], error: Error) -> OrgUnit | None:
    if not name:
        error("school", "请填写学校")
    elif name in ambiguous:
        error("school", f"有多所学校名为“{name}”，请改填单位代码")
    elif name not in schools:
        error("school", f"“{name}”不是您管理范围内的学校")
    else:
        return schools[name]
    return None


def _check_texts(text: dict[str, str], error: Error) -> None:
    if not text["description"]:
        error("description", "请填写存在问题")
    elif len(text["description"]) > 500:
        error("description", "不能超过 500 字")
    if len(text["category"]) > 100:
        error("category", "不能超过 100 字")


def _due(value: Any, typed: str, today: dt.date, error: Error) -> dt.date | None:
    due = _date(value)
    if due is None:
        error("due_limit", f"“{typed}”不是日期，如 2026-12-10" if typed else "请填写整改时限")
    elif due < today:
        error("due_limit", "整改时限不能早于今天")
    elif due > today + dt.timedelta(days=366):
        error("due_limit", "整改时限不能超过一年")
    return due


def parse(
    rows: list[list[Any]], *, schools: dict[str, OrgUnit], today: dt.date, ambiguous: frozenset[str] = frozenset()
) -> tuple[list[ParsedFinding], list[RowError]]:
    """`ambiguous`: names several schools in scope share (实验小学 in every district); those need the unit code."""
    errors: list[RowError] = []
    if not rows:
        return [], [RowError(1, "A", "表头", "文件中没有数据")]
    header = [str(c or "").strip() for c in rows[0]]
    positions: dict[str, int] = {}
    for key, title, _ in IMPORT_COLUMNS:
        if title in header:
            positions[key] = header.index(title)
        else:
            errors.append(RowError(1, column_letter(len(header)), title, f"缺少“{title}”列，请使用下载的模板"))
    if errors:
        return [], errors
    if len(rows) - 1 > MAX_ROWS:
        return [], [RowError(MAX_ROWS + 2, "A", "行数", f"一次最多导入 {MAX_ROWS} 行，请分批导入")]
    titles = {key: title for key, title, _ in IMPORT_COLUMNS}
    parsed: list[ParsedFinding] = []
    for row_no, row in enumerate(rows[1:], start=2):
        cells = {key: (row[i] if i < len(row) else None) for key, i in positions.items()}
        text = {k: str(v).strip() if v is not None else "" for k, v in cells.items()}
        if not any(text.values()):
            continue
        row_errors: list[RowError] = []

        def error(key: str, message: str, row_no: int = row_no, row_errors: list[RowError] = row_errors) -> None:
            row_errors.append(RowError(row_no, column_letter(positions[key]), titles[key], message))

        school = _school(text["school"], schools, ambiguous, error)
        _check_texts(text, error)
        severity = {"": "general", "一般": "general", "严重": "serious"}.get(text["severity"])
        if severity is None:
            error("severity", "应填“一般”或“严重”")
        due = _due(cells["due_limit"], text["due_limit"], today, error)
        errors.extend(row_errors)
        if not row_errors and school is not None and severity is not None and due is not None:
            parsed.append(
                ParsedFinding(
                    row_no, school, text["category"] or "其他", text["description"], severity, due, text["source"][:100]
                )
            )
    if not parsed and not errors:
        errors.append(RowError(2, "A", "数据", "文件中没有问题记录"))
    return parsed, errors


def import_findings(*, actor: User, unit: OrgUnit, upload: IO[bytes], filename: str = "") -> int:
    """All or nothing: each valid row becomes a finding and its ledger item; any bad row stops the whole file."""
    if not can(actor, "rectification.import", unit):
        raise Forbidden("您没有导入问题清单的权限")
    data = read_upload(upload, name=filename)
    with tracked_import(actor=actor, kind=ImportKind.FINDINGS, unit=unit, data=data, filename=filename) as outcome:
        count = _import_findings(actor=actor, unit=unit, data=data, filename=filename)
        outcome.succeeded(f"导入 {count} 条问题，已建立整改台账", findings=count)
    return count


def _import_findings(*, actor: User, unit: OrgUnit, data: bytes, filename: str) -> int:
    today = timezone.localdate()
    rows = read_rows(data, max_rows=MAX_ROWS)
    schools: dict[str, OrgUnit] = {}
    by_code: dict[str, OrgUnit] = {}
    ambiguous: set[str] = set()
    for school in OrgUnit.objects.filter(kind=UnitKind.SCHOOL, is_closed=False, path__under=unit.path):
        if school.name in schools:
            ambiguous.add(school.name)
        schools[school.name] = school
        if school.code:
            by_code[school.code] = school
    # A unit code always names one school, even when it looks like another school's name.
    ambiguous -= by_code.keys()
    schools |= by_code
    parsed, errors = parse(rows, schools=schools, today=today, ambiguous=frozenset(ambiguous))
    if errors:
        raise ImportRejected(errors, len(errors), code="findings_invalid")
    with transaction.atomic():
        findings = finding_source().record_handed_over(actor=actor, findings=parsed)
        # Handed-over findings come with their date already set: no default_due, due on the limit.
        items = create_items(actor=actor, findings=findings, audit=False)
        append(
            actor=actor,
            entries=[
                Entry(
                    action="import",
                    obj=item,
                    unit_path=p.school.path,
                    changes={
                        "after": {
                            "school": p.school.name,
                            "category": p.category,
                            "description": p.description,
                            "due_date": p.due_limit.isoformat(),
                            "source": p.source,
                            "file": filename,
                            "row": p.row,
                        }
                    },
                )
                for item, p in zip(items, parsed, strict=True)
            ],
        )
    if not items:
        raise DomainError("文件中没有问题记录", code="findings_empty")
    return len(items)
