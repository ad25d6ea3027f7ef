"""Student roster Excel: template, all-or-nothing import with a row/column report, export."""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING, Any

import xlsxwriter
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from dudao.audit.services import Entry, append, diff
from dudao.core.errors import DomainError, Forbidden
from dudao.core.excel import ImportRejected, RowError, column_letter, read_rows, read_upload
from dudao.core.imports import tracked_import
from dudao.core.models import ImportKind
from dudao.orgs import enrolment
from dudao.orgs.models import Gender, Guardian, GuardianRelation, OrgUnit, Student, StudentStatus, UnitKind
from dudao.orgs.scoping import can
from dudao.orgs.text import MOBILE_RE, is_valid_id_card, mask_id_card, mask_phone, mask_student_no

if TYPE_CHECKING:
    from dudao.accounts.models import User

GUARDIAN_SLOTS = 2
BASE_COLUMNS = [
    ("klass", "班级", True, "与系统中的班级名称一致，如：七年级（1）班"),
    ("name", "姓名", True, ""),
    ("gender", "性别", True, "男 / 女"),
    ("birth_date", "出生日期", True, "如 2012-09-01"),
    ("student_no", "学籍号", True, "全国学籍号，不可重复"),
    ("id_card_no", "身份证号", False, "18 位"),
    ("is_boarding", "是否住校", False, "是 / 否"),
    ("is_left_behind", "留守儿童", False, "是 / 否"),
    ("is_in_hardship", "困境儿童", False, "是 / 否"),
    ("is_disabled", "残疾儿童", False, "是 / 否"),
    ("is_migrant", "随迁子女", False, "是 / 否"),
]
GUARDIAN_COLUMNS = [("name", "姓名"), ("relation", "关系"), ("phone", "电话")]
FLAG_FIELDS = ["is_boarding", "is_left_behind", "is_in_hardship", "is_disabled", "is_migrant"]
STUDENT_FIELDS = ["klass", "name", "gender", "birth_date", "student_no", "id_card_no", *FLAG_FIELDS]
MAX_ROWS = 20000

RELATION_BY_LABEL = {label: value for value, label in GuardianRelation.choices}
RELATION_BY_LABEL.update(
    {
        "爸爸": "father",
        "妈妈": "mother",
        "爷爷": "grandfather",
        "奶奶": "grandmother",
        "外公": "m_grandfather",
        "外婆": "m_grandmother",
        "姥爷": "m_grandfather",
        "姥姥": "m_grandmother",
    }
)
GENDER_BY_LABEL = {"男": Gender.MALE, "女": Gender.FEMALE, "M": Gender.MALE, "F": Gender.FEMALE}
YES = {"是", "Y", "y", "1", "√", "TRUE", "true", "True"}
NO = {"否", "N", "n", "0", "", "FALSE", "false", "False", "×"}


def headers() -> list[str]:
    titles = [title for _, title, _, _ in BASE_COLUMNS]
    for slot in range(1, GUARDIAN_SLOTS + 1):
        titles += [f"监护人{slot}{title}" for _, title in GUARDIAN_COLUMNS]
    return titles


RosterImportError = ImportRejected


@dataclass
class ParsedStudent:
    row: int
    values: dict[str, Any]
    guardians: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class ImportResult:
    created: int
    updated: int
    unchanged: int

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


def template_bytes(school: OrgUnit) -> bytes:
    """The import template with a header comment per column and the school's classes listed."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = workbook.add_worksheet("学生名册")
    required = workbook.add_format({"bold": True, "bg_color": "#FCE4D6"})
    optional = workbook.add_format({"bold": True, "bg_color": "#DDEBF7"})
    text = workbook.add_format({"num_format": "@"})
    classes = list(
        OrgUnit.objects.filter(path__under=school.path, kind=UnitKind.CLASS, is_closed=False)
        .order_by("path")
        .values_list("name", flat=True)
    )
    col = 0
    for _, title, is_required, hint in BASE_COLUMNS:
        sheet.write_string(0, col, title, required if is_required else optional)
        if hint:
            sheet.write_comment(0, col, ("必填。" if is_required else "选填。") + hint)
        sheet.set_column(col, col, 16 if title in {"学籍号", "身份证号", "班级"} else 10, text)
        col += 1
    for slot in range(1, GUARDIAN_SLOTS + 1):
        for _, title in GUARDIAN_COLUMNS:
            fmt = required if slot == 1 else optional
            sheet.write_string(0, col, f"监护人{slot}{title}", fmt)
            sheet.set_column(col, col, 13, text)
            col += 1
    sheet.write_comment(0, len(BASE_COLUMNS) + 2, "第一监护人电话必填，11 位手机号")
    sheet.freeze_panes(1, 0)
    lists = workbook.add_worksheet("班级列表")
    lists.write_string(0, 0, "本校班级")
    for index, name in enumerate(classes, start=1):
        lists.write_string(index, 0, name)
    if classes:
        sheet.data_validation(
            1, 0, MAX_ROWS, 0, {"validate": "list", "source": f"=班级列表!$A$2:$A${len(classes) + 1}"}
        )
    sheet.data_validation(1, 2, MAX_ROWS, 2, {"validate": "list", "source": ["男", "女"]})
    workbook.close()
    return buffer.getvalue()


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


_DATE_RE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")


def _date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = _text(value)
    match = _DATE_RE.match(text)
    if match is None and re.fullmatch(r"\d{8}", text):
        match = re.match(r"(\d{4})(\d{2})(\d{2})", text)
    if match is None:
        return None
    try:
        return dt.date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


def class_index(school: OrgUnit) -> dict[str, int | None]:
    """Open classes of a school by name; None marks a name used twice (e.g. on two campuses)."""
    index: dict[str, int | None] = {}
    for name, pk in OrgUnit.objects.filter(path__under=school.path, kind=UnitKind.CLASS, is_closed=False).values_list(
        "name", "id"
    ):
        index[name] = None if name in index else pk
    return index


@dataclass
class _Sheet:
    """The columns found in the header and the errors collected so far, for reading the rows one by one."""

    positions: dict[str, int]
    classes: dict[str, int | None]
    today: dt.date
    errors: list[RowError] = field(default_factory=list)
    seen_numbers: dict[str, int] = field(default_factory=dict)

    def cell(self, row: list[Any], title: str) -> Any:
        index = self.positions.get(title)
        return row[index] if index is not None and index < len(row) else None

    def text(self, row: list[Any], title: str) -> str:
        return _text(self.cell(row, title))

    def error(self, row_no: int, title: str, message: str) -> None:
        self.errors.append(RowError(row_no, column_letter(self.positions.get(title, 0)), title, message))


def _header_positions(header: list[str]) -> tuple[dict[str, int], list[RowError]]:
    positions: dict[str, int] = {}
    errors: list[RowError] = []
    optional = {t for _, t, req, _ in BASE_COLUMNS if not req}
    for title in headers():
        if title in header:
            positions[title] = header.index(title)
        elif not (title.startswith("监护人2") or title in optional):
            errors.append(RowError(1, column_letter(len(header)), title, f"缺少“{title}”列，请使用下载的模板"))
    return positions, errors


def _read_class(sheet: _Sheet, row: list[Any], row_no: int) -> int | None:
    name = sheet.text(row, "班级")
    if not name:
        sheet.error(row_no, "班级", "班级不能为空")
    elif name not in sheet.classes:
        sheet.error(row_no, "班级", f"本校没有名为“{name}”的班级")
    elif sheet.classes[name] is None:
        sheet.error(row_no, "班级", f"本校有多个名为“{name}”的班级（不同校区），无法确定，请联系管理员为班级改名")
    else:
        return sheet.classes[name]
    return None


def _read_person(sheet: _Sheet, row: list[Any], row_no: int) -> dict[str, Any]:
    """Name, gender, birth date, student number and ID number of one row."""
    name = sheet.text(row, "姓名")
    if not name:
        sheet.error(row_no, "姓名", "姓名不能为空")
    elif len(name) > 50:
        sheet.error(row_no, "姓名", "姓名过长")
    gender = GENDER_BY_LABEL.get(sheet.text(row, "性别"))
    if gender is None:
        sheet.error(row_no, "性别", "性别应填“男”或“女”")
    birth = _date(sheet.cell(row, "出生日期"))
    if birth is None:
        sheet.error(row_no, "出生日期", f"无法识别的日期“{sheet.text(row, '出生日期')}”，请填写如 2012-09-01")
    elif not (dt.date(sheet.today.year - 30, 1, 1) <= birth <= sheet.today):
        sheet.error(row_no, "出生日期", "出生日期不合理")
    number = _read_number(sheet, row, row_no)
    id_card = sheet.text(row, "身份证号").upper()
    if id_card and not is_valid_id_card(id_card):
        sheet.error(row_no, "身份证号", "身份证号格式或校验位不正确")
    return {"name": name, "gender": gender, "birth_date": birth, "student_no": number, "id_card_no": id_card}


def _read_number(sheet: _Sheet, row: list[Any], row_no: int) -> str:
    number = sheet.text(row, "学籍号").upper()
    if not number:
        sheet.error(row_no, "学籍号", "学籍号不能为空")
    elif not re.fullmatch(r"[A-Z0-9]{6,30}", number):
        sheet.error(row_no, "学籍号", "学籍号只能包含字母和数字（6–30 位）")
    elif number in sheet.seen_numbers:
        sheet.error(row_no, "学籍号", f"学籍号“{number}”与第 {sheet.seen_numbers[number]} 行重复")
    else:
        sheet.seen_numbers[number] = row_no
    return number


def _read_flags(sheet: _Sheet, row: list[Any], row_no: int) -> dict[str, bool]:
    flags: dict[str, bool] = {}
    for key, title, _, _ in BASE_COLUMNS:
        if key not in FLAG_FIELDS:
            continue
        raw = sheet.text(row, title)
        if raw in YES:
            flags[key] = True
        elif raw in NO:
            flags[key] = False
        else:
            sheet.error(row_no, title, "应填“是”或“否”")
    return flags


def _read_guardians(sheet: _Sheet, row: list[Any], row_no: int) -> list[dict[str, Any]]:
    guardians: list[dict[str, Any]] = []
    for slot in range(1, GUARDIAN_SLOTS + 1):
        name = sheet.text(row, f"监护人{slot}姓名")
        relation_label = sheet.text(row, f"监护人{slot}关系")
        phone = sheet.text(row, f"监护人{slot}电话").replace("-", "").replace(" ", "")
        if slot > 1 and not (name or relation_label or phone):
            continue
        if not name:
            sheet.error(row_no, f"监护人{slot}姓名", "监护人姓名不能为空")
        relation = RELATION_BY_LABEL.get(relation_label)
        if relation is None:
            sheet.error(
                row_no,
                f"监护人{slot}关系",
                f"无法识别的关系“{relation_label}”，可填：父亲、母亲、祖父、祖母、外祖父、外祖母、其他监护人",
            )
        if not phone:
            sheet.error(row_no, f"监护人{slot}电话", "缺少监护人电话")
        elif not MOBILE_RE.match(phone):
            sheet.error(row_no, f"监护人{slot}电话", f"“{phone}”不是 11 位手机号")
        guardians.append({"name": name, "relation": relation, "phone": phone, "is_primary": slot == 1})
    return guardians


def parse(rows: list[list[Any]], *, classes: dict[str, int | None]) -> tuple[list[ParsedStudent], list[RowError]]:
    """Validate every row; collect every error (row and column) instead of stopping at the first."""
    if not rows:
        return [], [RowError(1, "A", "表头", "文件中没有数据")]
    positions, header_errors = _header_positions([_text(cell) for cell in rows[0]])
    if header_errors:
        return [], header_errors
    body = rows[1:]
    if len(body) > MAX_ROWS:
        return [], [RowError(MAX_ROWS + 2, "A", "行数", f"一次最多导入 {MAX_ROWS} 行，请分批导入")]
    sheet = _Sheet(positions=positions, classes=classes, today=timezone.localdate())
    parsed: list[ParsedStudent] = []
    for offset, row in enumerate(body):
        row_no = offset + 2
        if all(_text(value) == "" for value in row):
            continue
        values: dict[str, Any] = {}
        klass = _read_class(sheet, row, row_no)
        if klass is not None:
            values["klass_id"] = klass
        values.update(_read_person(sheet, row, row_no))
        values.update(_read_flags(sheet, row, row_no))
        parsed.append(ParsedStudent(row=row_no, values=values, guardians=_read_guardians(sheet, row, row_no)))
    if not parsed and not sheet.errors:
        sheet.errors.append(RowError(2, "A", "数据", "文件中没有学生数据"))
    return parsed, sheet.errors


def _guardian_key(guardians: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [(g["name"], g["relation"], g["phone"], g["is_primary"]) for g in guardians]


def import_roster(*, actor: User, school: OrgUnit, upload: IO[bytes], filename: str = "") -> ImportResult:
    """All or nothing: either every row is valid and written, or nothing changes.

    Students are matched on 学籍号, so importing the same file twice updates, never duplicates.
    """
    if school.kind != UnitKind.SCHOOL or not can(actor, "student.change", school):
        raise Forbidden("您不能导入该校的学生名册")
    if school.is_closed:
        raise DomainError("该校已撤销，不能导入名册", code="unit_closed")
    data = read_upload(upload, name=filename)
    with tracked_import(actor=actor, kind=ImportKind.ROSTER, unit=school, data=data, filename=filename) as outcome:
        rows = read_rows(data, max_rows=MAX_ROWS)
        parsed, errors = parse(rows, classes=class_index(school))
        if errors:
            raise RosterImportError(errors, len(errors))
        numbers = [p.values["student_no"] for p in parsed]
        try:
            result = _write(actor=actor, school=school, parsed=parsed, numbers=numbers, filename=filename)
        except IntegrityError as exc:
            raise DomainError(
                "导入时有人同时录入了相同学籍号的学生，本次未导入任何数据，请稍后重新上传",
                code="import_conflict",
                status=409,
            ) from exc
        outcome.succeeded(
            f"新增 {result.created} 人，更新 {result.updated} 人，未变化 {result.unchanged} 人",
            created=result.created,
            updated=result.updated,
            unchanged=result.unchanged,
        )
    return result


def _write(
    *, actor: User, school: OrgUnit, parsed: list[ParsedStudent], numbers: list[str], filename: str
) -> ImportResult:
    with transaction.atomic():
        existing: dict[str, Student] = {}
        for start in range(0, len(numbers), 900):
            chunk = numbers[start : start + 900]
            for student in Student.objects.filter(student_no__in=chunk).select_related("klass"):
                existing[student.student_no] = student
        # A student enrolled elsewhere must be transferred out first; one who has left may be taken in.
        foreign = [
            p
            for p in parsed
            if p.values["student_no"] in existing
            and existing[p.values["student_no"]].status == StudentStatus.ENROLLED
            and not existing[p.values["student_no"]].klass.path.startswith(school.path)
        ]
        if foreign:
            title_col = column_letter(headers().index("学籍号"))
            raise RosterImportError(
                [RowError(p.row, title_col, "学籍号", "该学籍号已在其他学校登记，请先办理转学") for p in foreign],
                len(foreign),
            )
        current_guardians: dict[int, list[dict[str, Any]]] = {}
        existing_ids = [s.pk for s in existing.values()]
        for start in range(0, len(existing_ids), 900):
            for g in Guardian.objects.filter(student_id__in=existing_ids[start : start + 900]).order_by(
                "-is_primary", "id"
            ):
                current_guardians.setdefault(g.student_id, []).append(
                    {"name": g.name, "relation": g.relation, "phone": g.phone, "is_primary": g.is_primary}
                )
        now = timezone.now()
        to_create: list[Student] = []
        create_rows: list[ParsedStudent] = []
        to_update: list[Student] = []
        replace_guardians: list[tuple[Student, ParsedStudent]] = []
        entries: list[Entry] = []
        unchanged = 0
        update_fields = ["klass_id", "name", "gender", "birth_date", "id_card_no", "status", *FLAG_FIELDS]
        for item in parsed:
            values = item.values
            current = existing.get(values["student_no"])
            if current is None:
                to_create.append(Student(**values, created_at=now, updated_at=now))
                create_rows.append(item)
                continue
            before = {f: getattr(current, f) for f in update_fields}
            after = {f: values.get(f, False) if f in FLAG_FIELDS else values.get(f) for f in update_fields}
            after["status"] = StudentStatus.ENROLLED  # listed on the school's roster: enrolled
            guardians_changed = _guardian_key(current_guardians.get(current.pk, [])) != _guardian_key(item.guardians)
            if before == after and not guardians_changed:
                unchanged += 1
                continue
            for f, v in after.items():
                setattr(current, f, v)
            current.fill_initials()
            current.version += 1
            current.updated_at = now
            to_update.append(current)
            changes = diff({k: str(v) for k, v in before.items()}, {k: str(v) for k, v in after.items()})
            if guardians_changed:
                changes["guardians"] = ["（已更新）", f"{len(item.guardians)} 位监护人"]
                replace_guardians.append((current, item))
            entries.append(Entry(action="import_update", obj=current, unit_path=school.path, changes=changes))
        created = Student.objects.bulk_create(to_create, batch_size=1000)
        if to_update:
            Student.objects.bulk_update(
                to_update, [*update_fields, "name_initials", "version", "updated_at"], batch_size=1000
            )
        enrolment.invalidate()  # bulk writes send no signals
        if replace_guardians:
            ids = [s.pk for s, _ in replace_guardians]
            for start in range(0, len(ids), 900):
                Guardian.objects.filter(student_id__in=ids[start : start + 900]).delete()
        guardian_rows = [
            Guardian(student_id=student.pk, **g)
            for student, item in [*zip(created, create_rows, strict=True), *replace_guardians]
            for g in item.guardians
        ]
        Guardian.objects.bulk_create(guardian_rows, batch_size=2000)
        for student, item in zip(created, create_rows, strict=True):
            entries.append(
                Entry(
                    action="import_create",
                    obj=student,
                    unit_path=school.path,
                    changes={
                        "after": {
                            "student_no": student.student_no,
                            "name": student.name,
                            "klass": student.klass_id,
                            "guardians": len(item.guardians),
                        }
                    },
                )
            )
        entries.append(
            Entry(
                action="import_roster",
                object_type="orgs.orgunit",
                object_id=str(school.pk),
                object_repr=school.name,
                unit_path=school.path,
                changes={
                    "file": filename[:100],
                    "created": len(created),
                    "updated": len(to_update),
                    "unchanged": unchanged,
                },
            )
        )
        append(actor=actor, entries=entries)
    return ImportResult(created=len(created), updated=len(to_update), unchanged=unchanged)


GENDER_LABELS = dict(Gender.choices)
RELATION_LABELS = dict(GuardianRelation.choices)
STREAM_CHUNK = 2000


def stream_rows(
    students: QuerySet[Student], *, unmask_id: bool, unmask_phone: bool, chunk: int = STREAM_CHUNK
) -> Iterator[list[Any]]:
    """The roster export's rows (numbers masked unless the caller may and asked to see them; the 学籍号 carries
    the ID number, so it is revealed exactly when the ID number is), read in keyset chunks of plain values: a city's
    1.26 M students stream in flat memory without building a model instance per student or guardian, and no
    cursor stays open between chunks (the direct download and the 下载中心 job share it)."""
    values = students.order_by("id").values_list(
        "id", "klass__name", "name", "gender", "birth_date", "student_no", "id_card_no", *FLAG_FIELDS
    )
    last = 0
    while True:
        batch = list(values.filter(id__gt=last)[:chunk])
        if not batch:
            return
        last = batch[-1][0]
        guardians = _guardians_of([row[0] for row in batch])
        for sid, klass, name, gender, birth_date, student_no, id_card_no, *flags in batch:
            row: list[Any] = [
                klass,
                name,
                GENDER_LABELS.get(gender, gender),
                birth_date,
                student_no if unmask_id else mask_student_no(student_no),
                id_card_no if unmask_id else mask_id_card(id_card_no) if id_card_no else "",
                *flags,
            ]
            for g_name, relation, phone in guardians.get(sid, ())[:GUARDIAN_SLOTS]:
                row += [g_name, RELATION_LABELS.get(relation, relation), phone if unmask_phone else mask_phone(phone)]
            yield row


def _guardians_of(ids: list[int]) -> dict[int, list[tuple[str, str, str]]]:
    """Guardians of a chunk of students, primary first: by id range where the chunk is dense (a whole city or
    district), by id list where it is sparse."""
    qs = Guardian.objects.order_by("student_id", "-is_primary", "id").values_list(
        "student_id", "name", "relation", "phone"
    )
    wanted = set(ids)
    if ids[-1] - ids[0] < 4 * len(ids):
        found = qs.filter(student_id__gte=ids[0], student_id__lte=ids[-1])
    else:
        found = qs.filter(student_id__in=ids)
    out: dict[int, list[tuple[str, str, str]]] = {}
    for sid, name, relation, phone in found:
        if sid in wanted:
            out.setdefault(sid, []).append((name, relation, phone))
    return out
