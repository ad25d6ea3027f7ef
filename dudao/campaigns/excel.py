"""The 责任清单 in Excel: download it filled with the campaign's units (and the people named so far), fill in
names, upload it back. All or nothing: every row valid and saved, or nothing changes and each bad cell is named."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import IO, Any

import xlsxwriter
from django.db import transaction
from django.db.models import Q

from dudao.accounts.models import User
from dudao.campaigns import services
from dudao.campaigns.models import Campaign, CampaignUnit
from dudao.core.errors import Forbidden
from dudao.core.excel import ImportRejected, RowError, column_letter, read_rows, read_upload, safe_cell
from dudao.orgs.scoping import can

COLUMNS = [
    ("责任单位", "不要修改：与系统中的单位名称一致", 30),
    ("第一责任人", "本单位人员的姓名；有重名时填登录账号；空着表示未指定", 16),
    ("分管负责人", "同上", 16),
    ("具体联系人", "同上", 16),
]
PEOPLE = ("first_responsible", "deputy_responsible", "contact")
MAX_ROWS = 5000


def template_bytes(campaign: Campaign) -> bytes:
    """The campaign's 责任清单 as a workbook: one row per unit, the people named so far."""
    out = io.BytesIO()
    workbook = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_formulas": False})
    sheet = workbook.add_worksheet("责任清单")
    bold = workbook.add_format({"bold": True, "bg_color": "#DDEBF7"})
    for col, (title, hint, width) in enumerate(COLUMNS):
        sheet.write_string(0, col, title, bold)
        sheet.write_comment(0, col, hint)
        sheet.set_column(col, col, width)
    lines = CampaignUnit.objects.filter(campaign=campaign).select_related("unit", *PEOPLE).order_by("unit__path")
    for row, line in enumerate(lines, start=1):
        sheet.write_string(row, 0, safe_cell(line.unit.name))
        for col, name in enumerate(PEOPLE, start=1):
            person = getattr(line, name)
            if person is not None:
                sheet.write_string(row, col, safe_cell(_key(person)))
    sheet.freeze_panes(1, 0)
    workbook.close()
    return out.getvalue()


def _key(person: User) -> str:
    return person.full_name or person.username


@dataclass
class ParsedLine:
    row: int
    line: CampaignUnit
    people: dict[str, User | None]


def parse(rows: list[list[Any]], campaign: Campaign) -> tuple[list[ParsedLine], list[RowError]]:
    titles = [c[0] for c in COLUMNS]
    header = [str(c).strip() for c in (rows[0] if rows else [])]
    if header[: len(titles)] != titles:
        return [], [RowError(1, "A", "表头", "表头与模板不一致，请使用下载的模板")]
    body = [(n, [str(c).strip() for c in r]) for n, r in enumerate(rows[1:], start=2) if any(str(c).strip() for c in r)]
    if not body:
        return [], [RowError(2, "A", "责任单位", "文件中没有责任单位")]
    errors: list[RowError] = []

    def bad(row: int, col: int, message: str) -> None:
        errors.append(RowError(row, column_letter(col), titles[col], message))

    lines = {
        line.unit.name: line
        for line in CampaignUnit.objects.filter(campaign=campaign).select_related("unit", "campaign__unit")
    }
    keys = {cell for _, cells in body for cell in cells[1:4] if cell}
    # Only the people named in the file (a city has thousands): by account and by name.
    named = list(User.objects.filter(is_active=True).filter(Q(username__in=keys) | Q(full_name__in=keys)))
    seen: dict[str, int] = {}
    parsed = []
    for row, cells in body:
        cells = [*cells, *[""] * (len(titles) - len(cells))]
        line = lines.get(cells[0])
        if line is None:
            bad(row, 0, f"“{cells[0][:30]}”不在本专项工作的责任清单中" if cells[0] else "请填写责任单位")
            continue
        if cells[0] in seen:
            bad(row, 0, f"与第 {seen[cells[0]]} 行是同一单位")
            continue
        seen[cells[0]] = row
        people: dict[str, User | None] = {}
        for col, field in enumerate(PEOPLE, start=1):
            people[field] = _person(cells[col], line, named, lambda message, c=col, r=row: bad(r, c, message))
        parsed.append(ParsedLine(row, line, people))
    errors.sort(key=lambda e: (e.row, e.column))
    return parsed, errors


def _person(key: str, line: CampaignUnit, named: list[User], bad: Any) -> User | None:
    if not key:
        return None
    by_account = [p for p in named if p.username == key]
    candidates = by_account or [p for p in named if p.full_name == key]
    members = [p for p in candidates if services.belongs_to(p, line.unit)]
    if len(members) > 1:
        bad(f"{line.unit.name}有 {len(members)} 人叫“{key}”，请改填登录账号")
    elif not members:
        bad(f"“{key}”不是{line.unit.name}的人员" if candidates else f"系统中没有叫“{key}”的在岗人员")
    else:
        return members[0]
    return None


def import_lines(*, actor: User, campaign: Campaign, upload: IO[bytes], filename: str = "") -> int:
    """Fill the 责任清单 from the workbook: every row valid, or nothing changes."""
    if not can(actor, "campaign.change", campaign.unit):
        raise Forbidden("您当前的身份不能修改这项专项工作")
    data = read_upload(upload, name=filename)
    rows = read_rows(data, max_rows=MAX_ROWS)
    parsed, errors = parse(rows, campaign)
    if errors:
        raise ImportRejected(errors, len(errors), code="responsibility_import_invalid")
    with transaction.atomic():
        for item in parsed:
            services.set_responsibility(actor=actor, line=item.line, version=None, **item.people)
    return len(parsed)
