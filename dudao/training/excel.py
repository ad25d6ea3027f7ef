"""Attendance of one training by Excel (e.g. a paper sign-in sheet typed up, or a platform's export): all or
nothing, every bad cell named by row and column; hours may not exceed the event's credited hours."""

from __future__ import annotations

from decimal import Decimal
from typing import IO, Any

from django.db import transaction

from dudao.accounts.models import User
from dudao.audit.services import Entry, append
from dudao.core.errors import DomainError, Forbidden
from dudao.core.excel import ImportRejected, RowError, read_rows, read_upload, template_xlsx
from dudao.orgs.scoping import can
from dudao.training.models import Attendance, Enrolment, Method, TrainingEvent
from dudao.training.services import parse_hours

MAX_ROWS = 3000
COLUMNS = [
    ("姓名", "主办单位范围内在岗人员的姓名", 10),
    ("登录账号", "有重名时填写，否则可不填", 14),
    ("学时", "不填按本次培训的认定学时；不能超过认定学时", 8),
]
TITLES = [c[0] for c in COLUMNS]


def template_bytes() -> bytes:
    return template_xlsx(sheet_name="培训签到", columns=COLUMNS, choices={})


def parse(rows: list[list[Any]], event: TrainingEvent) -> tuple[list[tuple[User, Decimal]], list[RowError]]:
    errors: list[RowError] = []
    header = [str(c).strip() for c in (rows[0] if rows else [])]
    if header[: len(TITLES)] != TITLES:
        return [], [RowError(1, "A", "表头", "表头与模板不一致，请使用下载的模板")]
    body = [(n, r) for n, r in enumerate(rows[1:], start=2) if any(str(c or "").strip() for c in r)]
    if not body:
        return [], [RowError(2, "A", "姓名", "文件中没有人员")]
    if len(body) > MAX_ROWS:
        return [], [RowError(MAX_ROWS + 2, "A", "姓名", f"一次最多导入 {MAX_ROWS} 人")]
    keys = {str(r[i] or "").strip() for _, r in body for i in (0, 1) if len(r) > i and str(r[i] or "").strip()}
    staff = User.objects.filter(unit__path__under=event.organiser.path, is_active=True)
    people = list(staff.filter(full_name__in=keys)) + list(staff.filter(username__in=keys))
    by_username = {p.username: p for p in people}
    by_name: dict[str, list[User]] = {}
    for one in {p.pk: p for p in people}.values():
        by_name.setdefault(one.full_name, []).append(one)
    parsed: list[tuple[User, Decimal]] = []
    seen: dict[int, int] = {}
    for row, cells in body:
        text = [str(c if c is not None else "").strip() for c in [*cells, "", "", ""][:3]]
        name, username, raw_hours = text
        person: User | None = None
        if username:
            person = by_username.get(username)
            if person is None:
                errors.append(RowError(row, "B", TITLES[1], "主办单位范围内没有这个登录账号"))
        else:
            matches = by_name.get(name, [])
            if len(matches) > 1:
                errors.append(RowError(row, "A", TITLES[0], f"有 {len(matches)} 人叫“{name}”，请填写登录账号"))
            elif not matches:
                errors.append(RowError(row, "A", TITLES[0], "不是主办单位范围内的在岗人员" if name else "请填写姓名"))
            else:
                person = matches[0]
        hours = event.hours
        if raw_hours:
            try:
                hours = parse_hours(raw_hours)
            except DomainError as exc:
                errors.append(RowError(row, "C", TITLES[2], exc.message))
            else:
                if hours > event.hours:
                    errors.append(RowError(row, "C", TITLES[2], f"学时 {hours} 超过本次培训的认定学时 {event.hours}"))
        if person is not None:
            if person.pk in seen:
                errors.append(RowError(row, "A", TITLES[0], f"与第 {seen[person.pk]} 行是同一人"))
            seen.setdefault(person.pk, row)
            parsed.append((person, hours))
    errors.sort(key=lambda e: (e.row, e.column))
    return parsed, errors


def import_attendance(*, actor: User, event: TrainingEvent, upload: IO[bytes], filename: str = "") -> tuple[int, int]:
    """(added, already there): every row valid and written, or nothing changes. Those already credited (e.g. by
    QR) keep their record."""
    if not can(actor, "training.organise", event.organiser):
        raise Forbidden("只有主办单位的管理人员可以导入签到")
    rows = read_rows(read_upload(upload, name=filename), max_rows=MAX_ROWS)
    parsed, errors = parse(rows, event)
    if errors:
        raise ImportRejected(errors, len(errors), code="training_import_invalid")
    with transaction.atomic():
        TrainingEvent.objects.select_for_update().filter(pk=event.pk).first()
        existing = set(
            Attendance.objects.filter(event=event, user__in=[p for p, _ in parsed]).values_list("user_id", flat=True)
        )
        new = [
            Attendance(event=event, user=p, year=event.year, hours=h, method=Method.IMPORT, recorded_by=actor)
            for p, h in parsed
            if p.pk not in existing
        ]
        Attendance.objects.bulk_create(new)
        Enrolment.objects.bulk_create(
            [Enrolment(event=event, user=a.user, enrolled_by=actor) for a in new], ignore_conflicts=True
        )
        append(
            actor=actor,
            entries=[
                Entry(
                    action="import_training_attendance",
                    obj=event,
                    unit_path=event.organiser.path,
                    changes={"after": {"file": filename[:100], "added": len(new), "kept": len(existing)}},
                )
            ],
        )
    return len(new), len(existing)
