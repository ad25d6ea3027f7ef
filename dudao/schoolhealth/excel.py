"""Excel templates and imports: doses (接种记录) and annual exams (学生体检), all or nothing, each bad cell named.

Students are matched by their full 学籍号 inside the importer's scope; a masked number (as printed on screen and in
exports, with *) is refused with a message saying so, and error messages show numbers masked.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from os.path import commonprefix
from typing import IO, Any

from django.db import transaction
from django.utils import timezone

from dudao.accounts.models import User
from dudao.audit.services import Entry, append
from dudao.core.errors import Forbidden
from dudao.core.excel import ImportRejected, RowError, column_letter, read_rows, read_upload, template_xlsx
from dudao.core.imports import tracked_import
from dudao.core.models import ImportKind
from dudao.orgs.models import OrgUnit, Student, StudentStatus
from dudao.orgs.scoping import acting_assignment, can, scope_root_path
from dudao.orgs.text import mask_student_no
from dudao.schoolhealth.models import HealthExam, TbResult
from dudao.schoolhealth.services import DoseInput, DoseRejected, check_doses, record_doses
from dudao.schoolhealth.vaccines import BY_NAME, VACCINES

MAX_ROWS = 20_000
DOSE_COLUMNS = [
    ("学籍号", "完整学籍号（G 开头），不能是带 * 的脱敏号", 24),
    ("姓名", "与名册一致，用于核对", 10),
    ("疫苗", "从下拉列表选择", 10),
    ("剂次", "1、2、3…；登记禁忌证时不填", 8),
    ("接种日期", "如 2026-09-15；登记禁忌证时不填", 14),
    ("禁忌证", "不能接种时写明原因（如：对鸡蛋严重过敏，有医院证明）", 30),
]
EXAM_COLUMNS = [
    ("学籍号", "完整学籍号（G 开头）", 24),
    ("姓名", "与名册一致，用于核对", 10),
    ("体检日期", "如 2026-10-12", 14),
    ("新生", "是/否：新生须做结核筛查", 8),
    ("结核筛查", "阴性/阳性/未筛查；非新生可不填", 12),
    ("左眼视力", "5 分记录，3.0–5.3", 10),
    ("右眼视力", "5 分记录，3.0–5.3", 10),
    ("近视", "是/否", 8),
    ("龋齿", "是/否", 8),
]
TB_BY_LABEL = {"阴性": TbResult.NEGATIVE, "阳性": TbResult.POSITIVE, "未筛查": TbResult.NOT_SCREENED}
YES_NO = {"是": True, "否": False, "": False}
VISION_MIN, VISION_MAX = Decimal("3.0"), Decimal("5.3")


def dose_template() -> bytes:
    return template_xlsx(sheet_name="接种记录", columns=DOSE_COLUMNS, choices={2: [v.name for v in VACCINES]})


def exam_template() -> bytes:
    return template_xlsx(
        sheet_name="学生体检",
        columns=EXAM_COLUMNS,
        choices={3: ["是", "否"], 4: list(TB_BY_LABEL), 7: ["是", "否"], 8: ["是", "否"]},
    )


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value if value is not None else "").strip()


def _date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = _text(value).replace("/", "-").replace(".", "-")
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _body(rows: list[list[Any]], columns: list[tuple[str, str, int]], what: str) -> list[tuple[int, list[Any]]]:
    titles = [c[0] for c in columns]
    header = [_text(c) for c in (rows[0] if rows else [])]
    if header[: len(titles)] != titles:
        raise ImportRejected([RowError(1, "A", "表头", "表头与模板不一致，请使用下载的模板")], 1, code=f"{what}_header")
    body = [
        (n, [*r, *[""] * (len(titles) - len(r))]) for n, r in enumerate(rows[1:], start=2) if any(_text(c) for c in r)
    ]
    if not body:
        raise ImportRejected([RowError(2, "A", titles[0], "文件中没有数据行")], 1, code=f"{what}_empty")
    return body


def _students(actor: User, permission: str, numbers: set[str]) -> dict[str, Student]:
    """The enrolled students named in the file inside the importer's scope (only those: a city has a million)."""
    root = scope_root_path(actor, permission)
    if root is None:
        raise Forbidden("您无权导入")
    found = Student.objects.filter(
        student_no__in=numbers, klass__path__under=root, status=StudentStatus.ENROLLED
    ).select_related("klass")
    return {s.student_no: s for s in found}


def _student(number: str, name: str, students: dict[str, Student], bad: Any, row: int) -> Student | None:
    if not number:
        bad(row, 0, "请填写学籍号")
        return None
    if "*" in number:
        bad(row, 0, "学籍号是脱敏后的（含 *），请填写完整学籍号")
        return None
    student = students.get(number)
    if student is None:
        bad(row, 0, f"{mask_student_no(number)} 不在您管理范围的在籍学生名册中")
        return None
    if name and name != student.name:
        bad(row, 1, f"姓名与名册不符（名册为“{student.name}”）")
        return None
    return student


def _importer_unit(actor: User) -> OrgUnit:
    """The unit an import is recorded under (导入记录): the importer's acting unit."""
    assignment = acting_assignment(actor)
    if assignment is None:
        raise Forbidden("您没有可用的身份")
    return assignment.unit


def import_doses(*, actor: User, upload: IO[bytes], filename: str = "") -> int:
    """All or nothing: every row valid and recorded, or nothing changes and each bad cell is named."""
    if not can(actor, "schoolhealth.record"):
        raise Forbidden("您无权登记接种信息")
    data = read_upload(upload, name=filename)
    unit = _importer_unit(actor)
    with tracked_import(actor=actor, kind=ImportKind.VACCINATIONS, unit=unit, data=data, filename=filename) as outcome:
        count = _doses(actor, data, filename)
        outcome.succeeded(f"登记接种记录 {count} 条", created=count)
    return count


def _doses(actor: User, data: bytes, filename: str) -> int:
    rows = read_rows(data, max_rows=MAX_ROWS)
    titles = [c[0] for c in DOSE_COLUMNS]
    body = _body(rows, DOSE_COLUMNS, "vaccination_import")
    errors: list[RowError] = []

    def bad(row: int, col: int, message: str) -> None:
        errors.append(RowError(row, column_letter(col), titles[col], message))

    students = _students(actor, "schoolhealth.record", {_text(r[0]) for _, r in body})
    inputs: list[DoseInput] = []
    origin: list[int] = []
    for row, cells in body:
        student = _student(_text(cells[0]), _text(cells[1]), students, bad, row)
        vaccine = BY_NAME.get(_text(cells[2]))
        if vaccine is None:
            bad(row, 2, "不在疫苗目录中，请从下拉列表选择")
        raw_dose = _text(cells[3])
        dose: int | None = None
        if raw_dose:
            if raw_dose.isdigit():
                dose = int(raw_dose)
            else:
                bad(row, 3, "剂次应为数字 1、2、3…")
                continue
        date = _date(cells[4])
        if _text(cells[4]) and date is None:
            bad(row, 4, "日期格式应如 2026-09-15")
            continue
        if student is None or vaccine is None:
            continue
        if not can(actor, "schoolhealth.record", student.klass):
            bad(row, 0, "该学生不在您负责的班级")
            continue
        inputs.append(
            DoseInput(
                vaccine=vaccine.code, dose_number=dose, date=date, contraindication=_text(cells[5]), student=student
            )
        )
        origin.append(row)
    columns = {"vaccine": 2, "dose_number": 3, "date": 4, "contraindication": 5, "person": 0}
    problems, _ = check_doses(inputs)
    for problem in problems:
        bad(origin[problem.index], columns[problem.field], problem.message)
    # A repeat of a recorded dose is a double submit in a form, but a duplicate row in a file: say so.
    if errors:
        errors.sort(key=lambda e: (e.row, e.column))
        raise ImportRejected(errors, len(errors), code="vaccination_import_invalid")
    try:
        with transaction.atomic():
            created = record_doses(actor=actor, inputs=inputs, source=f"Excel 导入：{filename[:80]}")
    except DoseRejected as exc:  # someone recorded the same doses meanwhile
        raise ImportRejected(
            [
                RowError(origin[p.index], column_letter(columns[p.field]), titles[columns[p.field]], p.message)
                for p in exc.problems
            ],
            len(exc.problems),
            code="vaccination_import_invalid",
        ) from exc
    return len(created)


def _vision(value: Any, row: int, col: int, bad: Any) -> Decimal | None:
    text = _text(value)
    if not text:
        return None
    try:
        number = Decimal(text).quantize(Decimal("0.1"))
    except InvalidOperation:
        bad(row, col, "视力应为 5 分记录的数字，如 4.9")
        return None
    if not VISION_MIN <= number <= VISION_MAX:
        bad(row, col, "视力超出 5 分记录范围（3.0–5.3）；小数记录（如 1.0）请换算为 5 分记录")
        return None
    return number


def school_year_of(day: dt.date) -> int:
    """The school year a date falls in, named by the year it starts (1 September)."""
    return day.year if day.month >= 9 else day.year - 1


def import_exams(*, actor: User, upload: IO[bytes], filename: str = "") -> int:
    """All or nothing; a student examined again in the same school year has the year's record replaced."""
    if not can(actor, "schoolhealth.record"):
        raise Forbidden("您无权导入体检结果")
    data = read_upload(upload, name=filename)
    unit = _importer_unit(actor)
    with tracked_import(actor=actor, kind=ImportKind.HEALTH_EXAMS, unit=unit, data=data, filename=filename) as outcome:
        count = _exams(actor, data, filename)
        outcome.succeeded(f"导入体检结果 {count} 条", created=count)
    return count


def _exams(actor: User, data: bytes, filename: str) -> int:
    rows = read_rows(data, max_rows=MAX_ROWS)
    titles = [c[0] for c in EXAM_COLUMNS]
    body = _body(rows, EXAM_COLUMNS, "exam_import")
    errors: list[RowError] = []

    def bad(row: int, col: int, message: str) -> None:
        errors.append(RowError(row, column_letter(col), titles[col], message))

    students = _students(actor, "schoolhealth.record", {_text(r[0]) for _, r in body})
    today = timezone.localdate()
    parsed: dict[tuple[int, int], HealthExam] = {}
    for row, cells in body:
        student = _student(_text(cells[0]), _text(cells[1]), students, bad, row)
        day = _date(cells[2])
        if day is None:
            bad(row, 2, "请填写体检日期，格式如 2026-10-12")
        elif day > today:
            bad(row, 2, "体检日期不能晚于今天")
        elif student and day < student.birth_date:
            bad(row, 2, "体检日期早于出生日期")
        flags = []
        for col in (3, 7, 8):
            answer = YES_NO.get(_text(cells[col]))
            if answer is None:
                bad(row, col, "请填“是”或“否”")
            flags.append(bool(answer))
        is_new, myopic, caries = flags
        tb_text = _text(cells[4])
        tb = TB_BY_LABEL.get(tb_text, "") if tb_text else ""
        if tb_text and not tb:
            bad(row, 4, "请填“阴性”“阳性”或“未筛查”")
        if is_new and not tb:
            bad(row, 4, "新生须填写结核筛查结果（未做请填“未筛查”）")
        left, right = _vision(cells[5], row, 5, bad), _vision(cells[6], row, 6, bad)
        if student is None or day is None:
            continue
        if not can(actor, "schoolhealth.record", student.klass):
            bad(row, 0, "该学生不在您负责的班级")
            continue
        key = (student.pk, school_year_of(day))
        if key in parsed:
            bad(row, 0, "同一学生同一学年在文件中出现两次")
            continue
        parsed[key] = HealthExam(
            student=student,
            klass=student.klass,
            school_year=key[1],
            exam_date=day,
            is_new_student=is_new,
            tb_result=tb,
            vision_left=left,
            vision_right=right,
            is_myopic=myopic,
            has_caries=caries,
            recorded_by=actor,
        )
    if errors:
        errors.sort(key=lambda e: (e.row, e.column))
        raise ImportRejected(errors, len(errors), code="exam_import_invalid")
    with transaction.atomic():
        years = {year for _, year in parsed}
        earlier = HealthExam.objects.filter(student_id__in={pk for pk, _ in parsed}, school_year__in=years)
        replaced = [
            pk
            for pk, student, year in earlier.values_list("pk", "student_id", "school_year")
            if (student, year) in parsed
        ]
        replaced_count = len(replaced)
        HealthExam.objects.filter(pk__in=replaced).delete()
        HealthExam.objects.bulk_create(parsed.values(), batch_size=2000)
        common = _common_path([e.klass for e in parsed.values()])
        append(
            actor=actor,
            entries=[
                Entry(
                    action="import_health_exams",
                    object_type="schoolhealth.healthexam",
                    object_repr=f"Excel 导入：{len(parsed)} 名学生体检结果",
                    unit_path=common,
                    changes={"after": {"file": filename[:100], "exams": len(parsed), "replaced": replaced_count}},
                )
            ],
        )
    return len(parsed)


def _common_path(units: list[OrgUnit]) -> str:
    common = commonprefix([u.path for u in units])
    return common[: len(common) - len(common) % 4]
