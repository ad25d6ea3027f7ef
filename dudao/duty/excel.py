"""Rosters in Excel: units plan their holiday duty in a spreadsheet, import it all-or-nothing, export the result."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO, Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from dudao.accounts.models import User
from dudao.audit.services import Entry, append
from dudao.core.errors import Forbidden
from dudao.core.excel import ImportRejected, RowError, column_letter, read_rows, read_upload, safe_cell, template_xlsx
from dudao.core.imports import tracked_import
from dudao.core.models import ImportKind
from dudao.duty.models import DutyRoster, DutyShift, ShiftRole
from dudao.duty.services import MAX_SHIFT_HOURS, _bump, _locked_roster, local
from dudao.orgs.scoping import can

COLUMNS = [
    ("开始时间", "如 2026-07-01 08:00", 20),
    ("结束时间", "如 2026-07-02 08:00；必须晚于开始时间（夜班写次日日期）", 20),
    ("岗位", "带班领导 或 值班人员", 12),
    ("值班人", "本单位人员的姓名；有重名时填登录账号", 14),
    ("值班电话", "可不填，默认本人手机号", 16),
]
ROLE_BY_LABEL = {label: value for value, label in ShiftRole.choices}
EXPORT_HEADERS = ["日期", "岗位", "值班人", "职务", "值班电话", "开始时间", "结束时间", "签到时间"]
EXPORT_WIDTHS = [12, 10, 12, 14, 16, 18, 18, 18]
MAX_ROWS = 5000


def template_bytes() -> bytes:
    return template_xlsx(sheet_name="值班表", columns=COLUMNS, choices={2: list(ROLE_BY_LABEL)})


@dataclass
class ParsedShift:
    row: int
    starts_at: dt.datetime
    ends_at: dt.datetime
    role: str
    person: User
    phone: str


def _datetime(value: Any) -> dt.datetime | None:
    tz = timezone.get_current_timezone()
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=tz) if timezone.is_naive(value) else value
    if isinstance(value, str):
        text = value.strip().replace("/", "-").replace("T", " ")
        for pattern in ("%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"):
            try:
                return dt.datetime.strptime(text, pattern).replace(tzinfo=tz)
            except ValueError:
                continue
    return None


def _people_index(roster: DutyRoster, keys: set[str]) -> tuple[dict[str, User], dict[str, list[User]]]:
    """The unit's people named in the file, by account and by name (only those: a bureau has thousands)."""
    staff = list(
        User.objects.filter(unit__path__under=roster.unit.path, is_active=True).filter(
            Q(username__in=keys) | Q(full_name__in=keys)
        )
    )
    by_name: dict[str, list[User]] = {}
    for person in staff:
        by_name.setdefault(person.full_name, []).append(person)
    return {p.username: p for p in staff}, by_name


Bad = Callable[[int, int, str], None]  # (row, column index, message): records one error


def _times(cells: list[Any], row: int, roster: DutyRoster, bad: Bad) -> tuple[dt.datetime | None, dt.datetime | None]:
    starts_at, ends_at = _datetime(cells[0]), _datetime(cells[1])
    if starts_at is None:
        bad(row, 0, "请填写开始时间，格式如 2026-07-01 08:00")
    if ends_at is None:
        bad(row, 1, "请填写结束时间，格式如 2026-07-01 20:00")
    if starts_at and ends_at:
        if ends_at <= starts_at:
            bad(row, 1, "结束时间必须晚于开始时间（夜班请写次日日期）")
        elif ends_at - starts_at > dt.timedelta(hours=MAX_SHIFT_HOURS):
            bad(row, 1, f"一个班次最长 {MAX_SHIFT_HOURS} 小时")
        if not roster.starts_on <= local(starts_at).date() <= roster.ends_on:
            bad(row, 0, f"不在值班表日期范围内（{roster.starts_on:%m-%d} 至 {roster.ends_on:%m-%d}）")
    return starts_at, ends_at


def _person(key: str, row: int, by_username: dict[str, User], by_name: dict[str, list[User]], bad: Bad) -> User | None:
    person = by_username.get(key)
    if person is not None:
        return person
    matches = by_name.get(key, [])
    if len(matches) > 1:
        bad(row, 3, f"本单位有 {len(matches)} 人叫“{key}”，请改填登录账号")
    elif not matches:
        bad(row, 3, "不是本单位在岗人员" if key else "请填写值班人")
    else:
        return matches[0]
    return None


def _check_overlaps(parsed: list[ParsedShift], bad: Bad) -> None:
    """Two places at once: within the file, then against shifts already planned anywhere."""
    by_person: dict[int, list[ParsedShift]] = {}
    for shift in parsed:
        by_person.setdefault(shift.person.pk, []).append(shift)
    for own in by_person.values():
        own.sort(key=lambda s: s.starts_at)
        for earlier, later in itertools.pairwise(own):
            if later.starts_at < earlier.ends_at:
                bad(later.row, 3, f"与第 {earlier.row} 行同一人时间重叠，同一时间不能两处值班")
    if not parsed:
        return
    first, last = min(s.starts_at for s in parsed), max(s.ends_at for s in parsed)
    planned = DutyShift.objects.filter(person_id__in=by_person, starts_at__lt=last, ends_at__gt=first).select_related(
        "unit"
    )
    for existing in planned:
        for shift in by_person[existing.person_id]:
            if shift.starts_at < existing.ends_at and existing.starts_at < shift.ends_at:
                bad(
                    shift.row,
                    3,
                    f"{shift.person.display_name} 已在{existing.unit.name}值班"
                    f"（{local(existing.starts_at):%m-%d %H:%M}–{local(existing.ends_at):%m-%d %H:%M}）",
                )


def parse(rows: list[list[Any]], roster: DutyRoster) -> tuple[list[ParsedShift], list[RowError]]:
    errors: list[RowError] = []
    parsed: list[ParsedShift] = []
    titles = [c[0] for c in COLUMNS]
    header = [str(c).strip() for c in (rows[0] if rows else [])]
    if header[: len(titles)] != titles:
        return [], [RowError(1, "A", "表头", "表头与模板不一致，请使用下载的模板")]
    body = [(n, r) for n, r in enumerate(rows[1:], start=2) if any(str(c).strip() for c in r)]
    if not body:
        return [], [RowError(2, "A", "开始时间", "文件中没有班次")]
    if len(body) > MAX_ROWS:
        return [], [RowError(MAX_ROWS + 2, "A", "开始时间", f"一次最多导入 {MAX_ROWS} 个班次")]

    by_username, by_name = _people_index(roster, {str(r[3]).strip() for _, r in body if len(r) > 3})

    def bad(row: int, col: int, message: str) -> None:
        errors.append(RowError(row, column_letter(col), titles[col], message))

    for row, cells in body:
        cells = [*cells, *[""] * (len(titles) - len(cells))]
        starts_at, ends_at = _times(cells, row, roster, bad)
        role = ROLE_BY_LABEL.get(str(cells[2]).strip())
        if role is None:
            bad(row, 2, "请填“带班领导”或“值班人员”")
        person = _person(str(cells[3]).strip(), row, by_username, by_name, bad)
        phone = str(cells[4]).strip()
        if len(phone) > 20:
            bad(row, 4, "电话号码过长")
        if starts_at and ends_at and role and person and ends_at > starts_at:
            parsed.append(ParsedShift(row, starts_at, ends_at, role, person, phone or person.phone))
    _check_overlaps(parsed, bad)
    errors.sort(key=lambda e: (e.row, e.column))
    return parsed, errors


def import_shifts(*, actor: User, roster: DutyRoster, upload: IO[bytes], filename: str = "") -> int:
    """All or nothing: every row valid and written, or nothing changes and each bad cell is named."""
    if not can(actor, "duty.change", roster.unit):
        raise Forbidden("您无权编排该单位的值班表")
    data = read_upload(upload, name=filename)
    with tracked_import(actor=actor, kind=ImportKind.DUTY, unit=roster.unit, data=data, filename=filename) as outcome:
        count = _import_shifts(actor=actor, roster=roster, data=data, filename=filename)
        outcome.succeeded(f"导入 {count} 个班次（{roster.title}）", shifts=count)
    return count


def _import_shifts(*, actor: User, roster: DutyRoster, data: bytes, filename: str) -> int:
    rows = read_rows(data, max_rows=MAX_ROWS)
    with transaction.atomic():
        roster = _locked_roster(roster, None)
        parsed, errors = parse(rows, roster)
        if errors:
            raise ImportRejected(errors, len(errors), code="duty_import_invalid")
        # Lock the people named, then check again: no planner elsewhere can book them before the write.
        list(User.objects.select_for_update().filter(pk__in={p.person.pk for p in parsed}).values_list("pk"))
        parsed, errors = parse(rows, roster)
        if errors:
            raise ImportRejected(errors, len(errors), code="duty_import_invalid")
        created = DutyShift.objects.bulk_create(
            [
                DutyShift(
                    roster=roster,
                    unit=roster.unit,
                    person=p.person,
                    role=p.role,
                    starts_at=p.starts_at,
                    ends_at=p.ends_at,
                    phone=p.phone,
                )
                for p in parsed
            ]
        )
        _bump(roster)
        append(
            actor=actor,
            entries=[
                Entry(
                    action="import_shifts",
                    obj=roster,
                    unit_path=roster.unit.path,
                    changes={"after": {"file": filename[:100], "shifts": len(created)}},
                )
            ],
        )
    return len(created)


def export_rows(roster: DutyRoster) -> Iterator[list[Any]]:
    for shift in roster.shifts.select_related("person", "signin").order_by("starts_at", "role", "id"):
        signin = shift.signin_record
        yield [
            local(shift.starts_at).date(),
            shift.get_role_display(),
            safe_cell(shift.person.display_name),
            safe_cell(shift.person.title),
            safe_cell(shift.phone),
            local(shift.starts_at).replace(tzinfo=None),
            local(shift.ends_at).replace(tzinfo=None),
            local(signin.signed_at).replace(tzinfo=None) if signin else "",
        ]
