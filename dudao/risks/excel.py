"""Risk points from Excel: a unit lists its risk points in the template and imports them all or none."""

from __future__ import annotations

from collections.abc import Callable
from typing import IO, Any

from django.db.models import Q

from dudao.accounts.models import User
from dudao.core.errors import DomainError, Forbidden
from dudao.core.excel import ImportRejected, RowError, column_letter, read_rows, read_upload, template_xlsx
from dudao.core.imports import tracked_import
from dudao.core.models import ImportKind
from dudao.orgs.models import OrgUnit
from dudao.risks.models import Category, Frequency, Grade
from dudao.risks.services import PointData, create_points, manages, validate

COLUMNS = [
    ("风险类别", "建筑/校舍、用电、消防、涉水、食品、交通、人员密集、实验室危化品、周边环境", 14),
    ("风险点（部位/场所）", "如：学校北侧临河护栏", 24),
    ("风险描述", "可能发生什么事故、影响谁", 36),
    ("风险等级", "重大、较大、一般、低（也可填 红、橙、黄、蓝）", 10),
    ("管控措施", "工程、管理、教育、个体防护等措施", 40),
    ("责任人", "本单位人员的姓名；有重名时填登录账号", 12),
    ("排查频次", "每日、每周、每月、每学期", 10),
]
TITLES = [c[0] for c in COLUMNS]
MAX_ROWS = 500

CATEGORY_BY_LABEL = {label: value for value, label in Category.choices} | {"建筑": "building", "校舍": "building"}
GRADE_BY_LABEL: dict[str, str] = {}
for _value, _label in Grade.choices:
    GRADE_BY_LABEL[_label] = _value
    GRADE_BY_LABEL[_label.removesuffix("风险")] = _value
GRADE_BY_LABEL.update({"红": Grade.MAJOR, "橙": Grade.LARGE, "黄": Grade.GENERAL, "蓝": Grade.LOW})
FREQUENCY_BY_LABEL = {label: value for value, label in Frequency.choices}


def template_bytes() -> bytes:
    return template_xlsx(
        sheet_name="风险点",
        columns=COLUMNS,
        choices={
            0: list(Category.labels),
            3: ["重大", "较大", "一般", "低"],
            6: list(Frequency.labels),
        },
    )


def _people(unit: OrgUnit, keys: set[str]) -> tuple[dict[str, User], dict[str, list[User]]]:
    """The unit's people named in the file, by account and by name (only those)."""
    people = list(
        User.objects.filter(unit__path__under=unit.path, is_active=True)
        .filter(Q(username__in=keys) | Q(full_name__in=keys))
        .select_related("unit")
    )
    by_name: dict[str, list[User]] = {}
    for person in people:
        by_name.setdefault(person.full_name, []).append(person)
    return {p.username: p for p in people}, by_name


def parse(rows: list[list[Any]], unit: OrgUnit) -> tuple[list[PointData], list[RowError]]:
    errors: list[RowError] = []
    header = [str(c).strip() for c in (rows[0] if rows else [])]
    if header[: len(TITLES)] != TITLES:
        return [], [RowError(1, "A", "表头", "表头与模板不一致，请使用下载的模板")]
    body = [(n, r) for n, r in enumerate(rows[1:], start=2) if any(str(c).strip() for c in r)]
    if not body:
        return [], [RowError(2, "A", TITLES[0], "文件中没有风险点")]
    if len(body) > MAX_ROWS:
        return [], [RowError(MAX_ROWS + 2, "A", TITLES[0], f"一次最多导入 {MAX_ROWS} 个风险点")]
    by_username, by_name = _people(unit, {str(r[5]).strip() for _, r in body if len(r) > 5})

    def bad(row: int, col: int, message: str) -> None:
        errors.append(RowError(row, column_letter(col), TITLES[col], message))

    parsed: list[PointData] = []
    for row, cells in body:
        text = [str(c).strip() for c in [*cells, *[""] * (len(TITLES) - len(cells))]]
        category = CATEGORY_BY_LABEL.get(text[0])
        if category is None:
            bad(row, 0, f"“{text[0]}”不是风险类别，应为：{'、'.join(Category.labels)}" if text[0] else "请填写风险类别")
        grade = GRADE_BY_LABEL.get(text[3])
        if grade is None:
            bad(row, 3, f"“{text[3]}”不是风险等级，应为重大、较大、一般或低" if text[3] else "请填写风险等级")
        frequency = FREQUENCY_BY_LABEL.get(text[6])
        if frequency is None:
            bad(row, 6, f"“{text[6]}”不是排查频次，应为每日、每周、每月或每学期" if text[6] else "请填写排查频次")
        person = _person(text[5], row, by_username, by_name, bad)
        for col, limit in ((1, 100), (2, 500), (4, 2000)):
            if not text[col]:
                bad(row, col, f"请填写{TITLES[col]}")
            elif len(text[col]) > limit:
                bad(row, col, f"不能超过 {limit} 字")
        if category and grade and frequency and person and all(text[c] for c in (1, 2, 4)):
            data = PointData(category, text[1], text[2], grade, text[4], person, frequency)
            try:
                validate(unit, data)
            except DomainError as exc:
                bad(row, 0, exc.message)
                continue
            parsed.append(data)
    errors.sort(key=lambda e: (e.row, e.column))
    return parsed, errors


def _person(
    key: str,
    row: int,
    by_username: dict[str, User],
    by_name: dict[str, list[User]],
    bad: Callable[[int, int, str], None],
) -> User | None:
    person = by_username.get(key)
    if person is not None:
        return person
    matches = by_name.get(key, [])
    if len(matches) > 1:
        bad(row, 5, f"本单位有 {len(matches)} 人叫“{key}”，请改填登录账号")
    elif not matches:
        bad(row, 5, f"“{key}”不是本单位在岗人员" if key else "请填写责任人")
    else:
        return matches[0]
    return None


def import_points(*, actor: User, unit: OrgUnit, upload: IO[bytes], filename: str = "") -> int:
    """All or nothing: every row valid and saved (each audited), or nothing changes and each bad cell is named."""
    if not manages(actor, unit):
        raise Forbidden("只有本单位校长或学校管理员可以导入风险点")
    data = read_upload(upload, name=filename)
    with tracked_import(actor=actor, kind=ImportKind.RISK_POINTS, unit=unit, data=data, filename=filename) as outcome:
        rows = read_rows(data, max_rows=MAX_ROWS)
        parsed, errors = parse(rows, unit)
        if errors:
            raise ImportRejected(errors, len(errors), code="risk_import_invalid")
        created = len(create_points(actor=actor, unit=unit, rows=parsed))
        outcome.succeeded(f"新增风险点 {created} 个", created=created)
    return created
