"""教师档案 in Excel: a school's 人事 clerk fills the template and imports it all-or-nothing (every bad cell named by
row and column, nothing written); the export masks ID numbers and leaves an access event."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from dudao.accounts.models import User
from dudao.audit.services import Entry, append, record_access
from dudao.core.errors import DomainError, Forbidden
from dudao.core.excel import ImportRejected, RowError, column_letter, read_rows, read_upload, safe_cell, template_xlsx
from dudao.core.imports import tracked_import
from dudao.core.models import ImportKind
from dudao.orgs.models import OrgUnit
from dudao.orgs.scoping import can
from dudao.orgs.text import mask_id_card
from dudao.teachers import services
from dudao.teachers.models import (
    Certificate,
    CertificateKind,
    Employment,
    Gender,
    Post,
    Qualification,
    StaffProfile,
    Title,
)

MAX_ROWS = 3000
PSYCH_LABELS = {"A证": CertificateKind.PSYCH_A, "B证": CertificateKind.PSYCH_B, "C证": CertificateKind.PSYCH_C}
COLUMNS = [
    ("姓名", "本单位人员的姓名（须已有账户）", 10),
    ("登录账号", "有重名时填写，否则可不填", 14),
    ("身份证号", "18 位；性别和出生日期按身份证号填入", 22),
    ("岗位类别", "专任教师 / 管理人员 / 工勤人员 / 教辅人员", 12),
    ("用工形式", "在编 / 聘用 / 政府购买服务", 12),
    ("任教学科", "多个学科用顿号分隔，如 语文、道德与法治", 18),
    ("班主任", "是 / 否", 8),
    ("职称", "正高级教师 / 高级教师 / 一级教师 / 二级教师 / 三级教师 / 未定级", 12),
    ("职称取得时间", "如 2019-09-01", 14),
    ("教师资格", "如 小学教师资格；没有的填“无”", 20),
    ("教师资格证号", "", 20),
    ("参加工作时间", "如 2008-08-01", 14),
    ("心理健康教育证书", "A证 / B证 / C证 / 无", 14),
    ("证书编号", "心理健康教育证书的编号", 16),
]
TITLES = [c[0] for c in COLUMNS]


def _by_label(choices: Any) -> dict[str, str]:
    return {label: value for value, label in choices.choices}


POSTS, EMPLOYMENTS, TITLE_VALUES, QUALIFICATIONS = (
    _by_label(Post),
    _by_label(Employment),
    _by_label(Title),
    _by_label(Qualification),
)


def template_bytes() -> bytes:
    return template_xlsx(
        sheet_name="教师档案",
        columns=COLUMNS,
        choices={
            3: list(POSTS),
            4: list(EMPLOYMENTS),
            6: ["是", "否"],
            7: list(TITLE_VALUES),
            9: list(QUALIFICATIONS),
            12: [*PSYCH_LABELS, "无"],
        },
    )


def _date(value: Any) -> dt.date | None | str:
    """A cell's date, None when empty, or "bad"."""
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip().replace("/", "-").replace(".", "-")
    parts = text.split("-")
    if len(parts) in (2, 3) and all(part.isdigit() for part in parts):
        try:
            return dt.date(int(parts[0]), int(parts[1]), int(parts[2]) if len(parts) == 3 else 1)
        except ValueError:
            return "bad"
    return "bad"


@dataclass
class ParsedRow:
    row: int
    person: User
    values: dict[str, Any]
    psych_kind: str
    psych_no: str


def _people(unit: OrgUnit, keys: set[str]) -> tuple[dict[str, User], dict[str, list[User]]]:
    staff = list(User.objects.filter(unit__path__under=unit.path, is_active=True).filter(full_name__in=keys))
    staff += list(User.objects.filter(unit__path__under=unit.path, is_active=True, username__in=keys))
    by_name: dict[str, list[User]] = {}
    for person in {p.pk: p for p in staff}.values():
        by_name.setdefault(person.full_name, []).append(person)
    return {p.username: p for p in staff}, by_name


def _choice(table: dict[str, str], text: str, column: int, row: int, errors: list[RowError], *, default: str) -> str:
    if not text:
        return default
    if text not in table:
        errors.append(RowError(row, column_letter(column), TITLES[column], f"请填写：{' / '.join(table)}"))
        return default
    return table[text]


def _match_person(
    row: int,
    name: str,
    username: str,
    by_username: dict[str, User],
    by_name: dict[str, list[User]],
    errors: list[RowError],
) -> User | None:
    if username:
        person = by_username.get(username)
        if person is None:
            errors.append(RowError(row, "B", TITLES[1], "本单位没有这个登录账号"))
        return person
    matches = by_name.get(name, [])
    if len(matches) > 1:
        errors.append(RowError(row, "A", TITLES[0], f"本单位有 {len(matches)} 人叫“{name}”，请填写登录账号"))
    elif not matches:
        errors.append(RowError(row, "A", TITLES[0], "不是本单位在岗人员" if name else "请填写姓名"))
    else:
        return matches[0]
    return None


def parse(rows: list[list[Any]], unit: OrgUnit, today: dt.date) -> tuple[list[ParsedRow], list[RowError]]:
    errors: list[RowError] = []
    header = [str(c).strip() for c in (rows[0] if rows else [])]
    if header[: len(TITLES)] != TITLES:
        return [], [RowError(1, "A", "表头", "表头与模板不一致，请使用下载的模板")]
    body = [(n, r) for n, r in enumerate(rows[1:], start=2) if any(str(c).strip() for c in r)]
    if not body:
        return [], [RowError(2, "A", "姓名", "文件中没有人员")]
    if len(body) > MAX_ROWS:
        return [], [RowError(MAX_ROWS + 2, "A", "姓名", f"一次最多导入 {MAX_ROWS} 人")]
    keys = {str(r[i]).strip() for _, r in body for i in (0, 1) if len(r) > i and str(r[i]).strip()}
    by_username, by_name = _people(unit, keys)
    parsed: list[ParsedRow] = []
    seen: dict[int, int] = {}
    seen_ids: dict[str, int] = {}
    for row, cells in body:
        cells = [("" if c is None else c) for c in [*cells, *[""] * (len(TITLES) - len(cells))]]
        text = [str(c).strip() if not isinstance(c, dt.date) else c for c in cells]
        count = len(errors)
        person = _match_person(row, str(text[0]), str(text[1]), by_username, by_name, errors)
        if person is not None and person.pk in seen:
            errors.append(RowError(row, "A", TITLES[0], f"与第 {seen[person.pk]} 行是同一人"))
        values: dict[str, Any] = {"id_card_no": str(text[2]).upper()}
        if values["id_card_no"] and values["id_card_no"] in seen_ids:
            errors.append(RowError(row, "C", TITLES[2], f"与第 {seen_ids[values['id_card_no']]} 行身份证号相同"))
        values["post"] = _choice(POSTS, str(text[3]), 3, row, errors, default=Post.TEACHING)
        values["employment"] = _choice(EMPLOYMENTS, str(text[4]), 4, row, errors, default=Employment.ESTABLISHED)
        values["subjects"] = str(text[5])[:100]
        if str(text[6]) not in ("", "是", "否"):
            errors.append(RowError(row, "G", TITLES[6], "请填写“是”或“否”"))
        values["is_class_teacher"] = str(text[6]) == "是"
        values["title"] = _choice(TITLE_VALUES, str(text[7]), 7, row, errors, default=Title.NONE)
        qualification = _choice(QUALIFICATIONS, str(text[9]), 9, row, errors, default="")
        values["qualification"] = qualification
        values["qualification_no"] = str(text[10])[:30]
        for column, field in ((8, "title_date"), (11, "work_started_on")):
            value = _date(cells[column])
            if value == "bad":
                errors.append(RowError(row, column_letter(column), TITLES[column], "日期格式应如 2019-09-01"))
                value = None
            values[field] = value
        psych = str(text[12])
        psych_kind = ""
        if psych and psych != "无":
            if psych not in PSYCH_LABELS:
                errors.append(RowError(row, "M", TITLES[12], "请填写 A证、B证、C证 或 无"))
            else:
                psych_kind = PSYCH_LABELS[psych]
        if len(errors) == count:
            try:
                values = services.clean_profile(values, today=today)
            except DomainError as exc:
                column = {"bad_id_card": 2, "bad_birth_date": 2, "qualification_no_missing": 10}.get(exc.code, 11)
                if exc.code == "future_date" and "职称" in exc.message:
                    column = 8
                errors.append(RowError(row, column_letter(column), TITLES[column], exc.message))
        if person is not None:
            seen[person.pk] = row
            if values["id_card_no"]:
                seen_ids.setdefault(values["id_card_no"], row)
            if len(errors) == count:
                parsed.append(ParsedRow(row, person, values, psych_kind, str(text[13])[:40]))
    _check_ids_elsewhere(parsed, errors)
    errors.sort(key=lambda e: (e.row, e.column))
    return parsed, errors


def _check_ids_elsewhere(parsed: list[ParsedRow], errors: list[RowError]) -> None:
    numbers = {p.values["id_card_no"]: p for p in parsed if p.values["id_card_no"]}
    taken = StaffProfile.objects.filter(id_card_no__in=numbers).values_list("id_card_no", "user_id")
    for number, user_id in taken:
        row = numbers[number]
        if row.person.pk != user_id:
            errors.append(RowError(row.row, "C", TITLES[2], "该身份证号已登记在另一人员的档案中"))


def import_profiles(*, actor: User, unit: OrgUnit, upload: IO[bytes], filename: str = "") -> int:
    """All or nothing: every row valid and written, or nothing changes and each bad cell is named."""
    if not can(actor, "teacher.change", unit):
        raise Forbidden("您无权导入该单位的教师档案")
    data = read_upload(upload, name=filename)
    kind = ImportKind.STAFF_PROFILES
    with tracked_import(actor=actor, kind=kind, unit=unit, data=data, filename=filename) as outcome:
        count = _import(actor=actor, unit=unit, data=data, filename=filename)
        outcome.succeeded(f"导入 {count} 人的档案（{unit.name}）", profiles=count)
    return count


def _import(*, actor: User, unit: OrgUnit, data: bytes, filename: str) -> int:
    rows = read_rows(data, max_rows=MAX_ROWS)
    today = timezone.localdate()
    parsed, errors = parse(rows, unit, today)
    if errors:
        raise ImportRejected(errors, len(errors), code="staff_import_invalid")
    try:
        with transaction.atomic():
            existing = {
                p.user_id: p
                for p in StaffProfile.objects.select_for_update().filter(user__in=[r.person for r in parsed])
            }
            for item in parsed:
                profile = existing.get(item.person.pk) or StaffProfile(user=item.person)
                for name, value in item.values.items():
                    setattr(profile, name, value)
                profile.updated_at = timezone.now()
                if profile.pk:
                    profile.version += 1
                profile.save()
                if item.psych_kind and not Certificate.objects.filter(profile=profile, kind=item.psych_kind).exists():
                    Certificate.objects.create(profile=profile, kind=item.psych_kind, number=item.psych_no)
            append(
                actor=actor,
                entries=[
                    Entry(
                        action="import_staff_profiles",
                        obj=unit,
                        unit_path=unit.path,
                        changes={"after": {"file": filename[:100], "profiles": len(parsed)}},
                    )
                ],
            )
    except IntegrityError:
        raise DomainError(
            "有身份证号与其他人员的档案重复，未导入任何数据", code="duplicate_id_card", status=409
        ) from None
    return len(parsed)


EXPORT_HEADERS = [
    "单位",
    "姓名",
    "身份证号",
    "性别",
    "出生日期",
    "岗位类别",
    "用工形式",
    "任教学科",
    "班主任",
    "职称",
    "职称取得时间",
    "教师资格",
    "参加工作时间",
    "证书",
]
EXPORT_WIDTHS = [24, 10, 22, 6, 12, 10, 12, 18, 8, 12, 14, 22, 14, 40]


def export_rows(*, actor: User, people: Any, unit_path: str) -> Iterator[list[Any]]:
    """Rows of the list as filtered, ID numbers masked; the export itself is an access event."""
    record_access(
        actor=actor,
        action="export_staff_profiles",
        obj=None,
        unit_path=unit_path,
        details={"object_type": "teachers.staffprofile", "object_repr": "教师档案", "rows": people.count()},
    )
    certificates: dict[int, list[str]] = {}
    for certificate in Certificate.objects.filter(profile__user__in=people.values("pk")).select_related("profile"):
        certificates.setdefault(certificate.profile.user_id, []).append(certificate.label)
    for person in people.iterator(chunk_size=1000):
        profile: StaffProfile | None = getattr(person, "staff_profile", None)
        yield [
            safe_cell(person.unit.name if person.unit else ""),
            safe_cell(person.display_name),
            mask_id_card(profile.id_card_no) if profile and profile.id_card_no else "",
            Gender(profile.gender).label if profile and profile.gender else "",
            profile.birth_date if profile and profile.birth_date else "",
            profile.get_post_display() if profile else "",
            profile.get_employment_display() if profile else "",
            safe_cell(profile.subjects) if profile else "",
            ("是" if profile.is_class_teacher else "否") if profile else "",
            profile.get_title_display() if profile else "",
            profile.title_date if profile and profile.title_date else "",
            profile.get_qualification_display() if profile and profile.qualification else "",
            profile.work_started_on if profile and profile.work_started_on else "",
            "、".join(certificates.get(person.pk, [])),
        ]
