"""The ledger in Excel: export in the customary 台账 layout; intake of problems for any unit and from any source
(findings handed over by outside inspections, 巡视/审计反馈, complaints …)."""

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
from dudao.rectification.models import ItemSource, ItemStatus, RectificationItem
from dudao.rectification.rules import RESPONSIBLE_KINDS
from dudao.rectification.services import create_items
from dudao.rectification.sources import finding_source

EXPORT_HEADERS = [
    "序号",
    "区县",
    "责任单位",
    "问题类别",
    "存在问题",
    "问题来源",
    "来源说明",
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
EXPORT_WIDTHS = [6, 12, 22, 12, 40, 10, 18, 11, 10, 14, 30, 11, 8, 9, 8, 11]


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
        "source",
        "source_ref",
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
    sources = dict(ItemSource.choices)
    for number, row in enumerate(rows.iterator(chunk_size=2000), start=1):
        (
            path,
            school,
            category,
            text,
            source,
            ref,
            found_by,
            created,
            owner,
            title,
            duty,
            due,
            progress,
            status,
            closed,
        ) = row
        yield [
            number,
            districts.get(path[:width], ""),
            school,
            category,
            text,
            sources.get(source, source),
            ref or found_by or "",
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


# Intake of problems for any unit from any source but 自查 (a school records its own 自查 problems itself): the
# province's 测评组 feedback sheet, 巡视组/审计 feedback, complaints … One template for all.
IMPORT_COLUMNS = [
    ("school", "责任单位", "学校、区县教育局或科室的全称，或单位代码"),
    ("category", "问题类别", "如：校园环境"),
    ("description", "存在问题", "必填"),
    ("severity", "等级", "一般 / 严重，默认一般"),
    ("due_limit", "整改时限", "如 2026-12-10，不早于今天"),
    ("source_ref", "来源说明", "如：省文明办实地测评反馈、巡视组反馈意见第 3 条、督办单编号"),
    ("source", "问题来源", "从下拉列表选择，默认督查/检查"),
]
# Titles of the first template (学校 … 来源), still read: files kept from before work as they are.
HEADER_ALIASES = {"school": ("学校",), "source_ref": ("来源",)}
OPTIONAL_COLUMNS = frozenset({"source", "source_ref"})
IMPORTABLE_SOURCES = [(value, label) for value, label in ItemSource.choices if value != ItemSource.SELF_CHECK]
MAX_ROWS = 5000


def template_bytes() -> bytes:
    return template_xlsx(
        sheet_name="问题清单",
        columns=[(title, hint, 40 if key == "description" else 16) for key, title, hint in IMPORT_COLUMNS],
        choices={3: ["一般", "严重"], 6: [label for _, label in IMPORTABLE_SOURCES]},
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
    source: str  # the finding's free text: the reference, else the source's label (empty reads 外部移交)
    kind: str = ItemSource.INSPECTION
    reference: str = ""


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
        error("school", "请填写责任单位")
    elif name in ambiguous:
        error("school", f"有多个单位名为“{name}”，请改填单位代码")
    elif name not in schools:
        error("school", f"“{name}”不是您管理范围内的学校、区县教育局或科室")
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


def _source(typed: str, error: Error) -> str | None:
    by_label = {label: value for value, label in ItemSource.choices}
    by_label |= {"督查": ItemSource.INSPECTION, "检查": ItemSource.INSPECTION, "": ItemSource.INSPECTION}
    if typed == ItemSource.SELF_CHECK.label:
        error("source", "自查问题由学校在台账中自行登记，不能导入")
        return None
    if typed not in by_label:
        error("source", f"“{typed}”不是问题来源，请从下拉列表选择")
        return None
    return by_label[typed]


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
        found = [t for t in (title, *HEADER_ALIASES.get(key, ())) if t in header]
        if found:
            positions[key] = header.index(found[0])
        elif key not in OPTIONAL_COLUMNS:
            errors.append(RowError(1, column_letter(len(header)), title, f"缺少“{title}”列，请使用下载的模板"))
    if errors:
        return [], errors
    if len(rows) - 1 > MAX_ROWS:
        return [], [RowError(MAX_ROWS + 2, "A", "行数", f"一次最多导入 {MAX_ROWS} 行，请分批导入")]
    titles = {key: title for key, title, _ in IMPORT_COLUMNS}
    parsed: list[ParsedFinding] = []
    for row_no, row in enumerate(rows[1:], start=2):
        cells = {key: (row[i] if i < len(row) else None) for key, i in positions.items()}
        cells.setdefault("source", None)
        cells.setdefault("source_ref", None)
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
        kind = _source(text["source"], error)
        if len(text["source_ref"]) > 100:
            error("source_ref", "不能超过 100 字")
        errors.extend(row_errors)
        if not row_errors and school is not None and severity is not None and due is not None and kind is not None:
            reference = text["source_ref"]
            parsed.append(
                ParsedFinding(
                    row_no,
                    school,
                    text["category"] or "其他",
                    text["description"],
                    severity,
                    due,
                    source=reference or ("" if kind == ItemSource.INSPECTION else ItemSource(kind).label),
                    kind=kind,
                    reference=reference,
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
    responsible = OrgUnit.objects.filter(kind__in=RESPONSIBLE_KINDS, is_closed=False, path__under=unit.path)
    for school in responsible.order_by("path"):
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
        items = create_items(
            actor=actor, findings=findings, audit=False, sources=[(p.kind, p.reference) for p in parsed]
        )
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
                            "source": p.kind,
                            "source_ref": p.reference,
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
