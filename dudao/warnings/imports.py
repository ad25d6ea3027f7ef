"""The weather service's warning file (Excel or CSV) entered in one go: all or nothing, each bad cell named.

Columns: 预警类型 | 预警级别 | 影响区域 | 生效时间 | 解除时间 | 发布单位 | 预警内容. 影响区域 names units of the
importer's subtree (区县 or 学校, full or short name, several separated by 、), or “全部” for the whole subtree.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from dudao.accounts.models import User
from dudao.core.errors import DomainError
from dudao.core.excel import ImportRejected, RowError, column_letter, read_rows, read_upload
from dudao.orgs.models import OrgUnit
from dudao.warnings import services
from dudao.warnings.models import WarningKind, WarningLevel, WarningSource, WeatherWarning

COLUMNS: tuple[tuple[str, str, int], ...] = (
    ("预警类型", "暴雨、台风、高温、寒潮、大风、雷电、冰雹、地质灾害、森林火险、暴雪、大雾、道路结冰", 12),
    ("预警级别", "蓝色、黄色、橙色、红色（也可写 蓝、黄、橙、红）", 10),
    ("影响区域", "区县或学校名称，多个用顿号分隔；“全部”表示本单位全部辖区", 30),
    ("生效时间", "如 2026-07-01 08:00", 18),
    ("解除时间", "如 2026-07-02 08:00", 18),
    ("发布单位", "如 市气象台", 14),
    ("预警内容", "", 50),
)
MAX_ROWS = 200
# Bytes read of an upload: one more than the limit, so that an oversized file is recognised.
MAX_BYTES = settings.DUDAO_UPLOAD_MAX_BYTES + 1
_KINDS = {label: value for value, label in WarningKind.choices}
_LEVELS = {label: value for value, label in WarningLevel.choices} | {
    label[0]: value for value, label in WarningLevel.choices
}
_SEPARATORS = ("、", "，", ",", ";", "；", "\n")
_FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y年%m月%d日%H时")


def template() -> bytes:
    from dudao.core.excel import template_xlsx

    return template_xlsx(
        sheet_name="气象预警",
        columns=COLUMNS,
        choices={0: list(_KINDS), 1: [label for _, label in WarningLevel.choices]},
        rows=MAX_ROWS,
    )


def _rows(data: bytes, name: str) -> list[list[Any]]:
    """Rows of an Excel workbook (checked like every upload) or of a CSV file (UTF-8 or GBK)."""
    if data.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        data = read_upload(io.BytesIO(data), name=name)
        return read_rows(data, max_rows=MAX_ROWS, max_columns=len(COLUMNS))
    if len(data) > settings.DUDAO_UPLOAD_MAX_BYTES:
        raise DomainError("文件过大", code="upload_too_large")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise DomainError(f"文件“{name}”既不是 Excel 表格，也不是 UTF-8 或 GBK 编码的 CSV", code="upload_unreadable")
    if "\x00" in text:
        raise DomainError(f"文件“{name}”不是 Excel 表格或 CSV 文件", code="upload_unreadable")
    rows = list(csv.reader(io.StringIO(text)))
    if len(rows) > MAX_ROWS + 1:
        raise DomainError(f"一次最多导入 {MAX_ROWS} 条预警", code="upload_too_large")
    return [list(r[: len(COLUMNS)]) for r in rows]


def _when(value: Any) -> dt.datetime | None:
    if isinstance(value, dt.datetime):
        return timezone.make_aware(value) if timezone.is_naive(value) else value
    text = str(value or "").strip()
    for fmt in _FORMATS:
        try:
            return timezone.make_aware(dt.datetime.strptime(text, fmt))  # noqa: DTZ007 (local time, made aware)
        except ValueError:
            continue
    return None


def _split(cell: Any) -> list[str]:
    text = str(cell or "").strip()
    for sep in _SEPARATORS[1:]:
        text = text.replace(sep, _SEPARATORS[0])
    return [p.strip() for p in text.split(_SEPARATORS[0]) if p.strip()]


def import_warnings(*, actor: User, data: bytes, filename: str = "") -> list[WeatherWarning]:
    """Enter every warning of the file, each with its proposed schools; nothing at all if any cell is wrong."""
    within = services._acting_unit(actor)
    rows = _rows(data, filename or "上传文件")
    if not rows or [str(c or "").strip() for c in rows[0]][:5] != [c[0] for c in COLUMNS[:5]]:
        raise DomainError(
            "表头应为“预警类型、预警级别、影响区域、生效时间、解除时间…”，请使用下载的模板", code="header"
        )
    names: dict[str, int] = {}
    for pk, name, short in OrgUnit.objects.filter(
        path__under=within.path, kind__in=services.AREA_KINDS, is_closed=False
    ).values_list("pk", "name", "short_name"):
        names.setdefault(name, pk)
        if short:
            names.setdefault(short, pk)
    errors: list[RowError] = []
    parsed: list[services.WarningIn] = []

    def bad(row: int, col: int, message: str) -> None:
        errors.append(RowError(row, column_letter(col), COLUMNS[col][0], message))

    for number, raw in enumerate(rows[1:], start=2):
        cells = [*raw, *[""] * len(COLUMNS)][: len(COLUMNS)]
        if not any(str(c or "").strip() for c in cells):
            continue
        kind = _KINDS.get(str(cells[0] or "").strip().removesuffix("预警"))
        if kind is None:
            bad(number, 0, f"没有预警类型“{cells[0]}”")
        level = _LEVELS.get(str(cells[1] or "").strip().removesuffix("预警"))
        if level is None:
            bad(number, 1, f"预警级别应为蓝色、黄色、橙色或红色，不是“{cells[1]}”")
        area_names = _split(cells[2])
        area: list[int] = []
        if not area_names:
            bad(number, 2, "请填写影响区域")
        elif area_names == ["全部"]:
            area = [within.pk]
        else:
            unknown = [n for n in area_names if n not in names]
            if unknown:
                bad(number, 2, f"找不到单位“{'、'.join(unknown)}”，或不在本单位管辖范围内")
            area = [names[n] for n in area_names if n in names]
        starts_at, ends_at = _when(cells[3]), _when(cells[4])
        if starts_at is None:
            bad(number, 3, "时间格式应为 2026-07-01 08:00")
        if ends_at is None:
            bad(number, 4, "时间格式应为 2026-07-01 08:00")
        elif starts_at is not None and ends_at <= starts_at:
            bad(number, 4, "解除时间应晚于生效时间")
        if kind and level and starts_at and ends_at and area:
            parsed.append(
                services.WarningIn(
                    kind=kind,
                    level=level,
                    starts_at=starts_at,
                    ends_at=ends_at,
                    area=area,
                    issuer=str(cells[5] or "").strip(),
                    content=str(cells[6] or "").strip(),
                )
            )
    if errors:
        raise ImportRejected(errors, len(errors), code="warning_import_invalid")
    if not parsed:
        raise DomainError("文件中没有预警数据", code="upload_empty")
    with transaction.atomic():
        return [services.create_warning(actor=actor, data=d, source=WarningSource.IMPORT) for d in parsed]
