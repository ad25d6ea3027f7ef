"""测评体系 services: build, edit (a used edition is never changed: edits start the next one), import, score."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction

from dudao.accounts.models import User
from dudao.audit.services import record_change, snapshot
from dudao.core.errors import DomainError, Forbidden
from dudao.core.excel import ImportRejected, RowError, column_letter, read_rows, read_upload, template_xlsx
from dudao.core.imports import tracked_import
from dudao.core.models import ImportKind
from dudao.inspections.models import (
    Answer,
    Framework,
    FrameworkVersion,
    Indicator,
    Inspection,
    Result,
    ScoringMethod,
    Section,
    Severity,
)
from dudao.orgs.models import OrgUnit, SchoolType
from dudao.orgs.scoping import can

INDICATOR_FIELDS = [
    "code",
    "text",
    "method",
    "max_score",
    "deduct_per",
    "weight",
    "evidence_required",
    "severity",
    "school_types",
]
MAX_INDICATORS = 500


def _require_change(actor: User, unit: OrgUnit) -> None:
    if not can(actor, "framework.change", unit):
        raise Forbidden("您没有维护测评体系的权限")


def create_framework(*, actor: User, unit: OrgUnit, name: str, description: str = "") -> Framework:
    _require_change(actor, unit)
    name = name.strip()
    if not name:
        raise DomainError("请填写测评体系名称", code="name_required")
    with transaction.atomic():
        if Framework.objects.filter(unit=unit, name=name).exists():
            raise DomainError(f"本单位已有名为“{name}”的测评体系", code="duplicate_name", status=409)
        framework = Framework.objects.create(name=name, unit=unit, description=description.strip(), created_by=actor)
        FrameworkVersion.objects.create(framework=framework, number=1, note="初版")
        record_change(
            actor=actor,
            action="create",
            obj=framework,
            unit_path=unit.path,
            after={"name": name, "description": framework.description},
        )
    return framework


def current_version(framework: Framework) -> FrameworkVersion:
    version = framework.versions.order_by("-number").first()
    assert version is not None, "a framework always has an edition"
    return version


def is_in_use(version: FrameworkVersion) -> bool:
    return Inspection.objects.filter(framework_version=version).exists()


def _editable_version(framework: Framework) -> tuple[FrameworkVersion, dict[int, int]]:
    """The edition to edit, and (when a used one was copied) old → new ids of sections and indicators."""
    version = current_version(framework)
    if not is_in_use(version):
        return version, {}
    copy = FrameworkVersion.objects.create(
        framework=framework, number=version.number + 1, note=f"由第 {version.number} 版修订"
    )
    id_map: dict[int, int] = {}
    sections = {}
    for section in version.sections.all():
        new = Section.objects.create(framework_version=copy, order=section.order, title=section.title)
        sections[section.pk] = new
        id_map[-section.pk] = -new.pk
    for indicator in Indicator.objects.filter(framework_version=version):
        old_id = indicator.pk
        indicator.pk = None
        indicator.framework_version = copy
        indicator.section = sections[indicator.section_id]
        indicator.save()
        id_map[old_id] = indicator.pk
    return copy, id_map


@dataclass
class IndicatorInput:
    section: str
    text: str
    code: str = ""
    method: str = ScoringMethod.PASS_FAIL
    max_score: Decimal = Decimal(1)
    deduct_per: Decimal = Decimal(0)
    weight: Decimal = Decimal(1)
    evidence_required: bool = False
    severity: str = Severity.GENERAL
    school_types: tuple[str, ...] = ()

    def problems(self) -> list[tuple[str, str]]:
        """(field, Chinese message) for every rule the input breaks."""
        found: list[tuple[str, str]] = []
        if not self.section.strip():
            found.append(("section", "请填写类别"))
        if not self.text.strip():
            found.append(("text", "请填写指标内容"))
        if len(self.text) > 300:
            found.append(("text", "指标内容不能超过 300 字"))
        if self.method not in ScoringMethod.values:
            found.append(("method", "评分方式应为：达标/不达标、每处扣分、0–N 分"))
        if self.max_score <= 0 or self.max_score > 1000:
            found.append(("max_score", "满分应在 0 到 1000 之间（不含 0）"))
        if self.method == ScoringMethod.DEDUCT and not (0 < self.deduct_per <= self.max_score):
            found.append(("deduct_per", "每处扣分应大于 0 且不超过满分"))
        if self.weight <= 0 or self.weight > 100:
            found.append(("weight", "权重应在 0 到 100 之间（不含 0）"))
        if self.severity not in Severity.values:
            found.append(("severity", "问题等级应为：一般、严重"))
        bad = [t for t in self.school_types if t not in SchoolType.values]
        if bad:
            found.append(("school_types", f"未知的学校类型：{'、'.join(bad)}"))
        return found


def save_indicator(
    *, actor: User, framework: Framework, data: IndicatorInput, indicator: Indicator | None = None
) -> Indicator:
    """Add an indicator, or change one of the current edition (copying the edition first if it is in use)."""
    _require_change(actor, framework.unit)
    problems = data.problems()
    if problems:
        raise DomainError(problems[0][1], code=f"invalid_{problems[0][0]}")
    with transaction.atomic():
        Framework.objects.select_for_update().get(pk=framework.pk)
        # Checked before copying: id_map only knows the current edition's indicators.
        if indicator is not None and indicator.framework_version_id != current_version(framework).pk:
            raise DomainError("只能修改当前版本的指标", code="stale_version", status=409)
        version, id_map = _editable_version(framework)
        section, _ = Section.objects.get_or_create(
            framework_version=version,
            title=data.section.strip(),
            defaults={"order": version.sections.count() + 1},
        )
        before = None
        if indicator is None:
            if Indicator.objects.filter(framework_version=version).count() >= MAX_INDICATORS:
                raise DomainError(f"一个测评体系最多 {MAX_INDICATORS} 项指标", code="too_many_indicators")
            target = Indicator(framework_version=version, order=section.indicators.count() + 1)
        else:
            target = Indicator.objects.get(pk=id_map.get(indicator.pk, indicator.pk), framework_version=version)
            before = snapshot(target, INDICATOR_FIELDS)
        target.section = section
        target.code = data.code.strip()
        target.text = data.text.strip()
        target.method = data.method
        target.max_score = data.max_score if data.method != ScoringMethod.PASS_FAIL else Decimal(1)
        target.deduct_per = data.deduct_per if data.method == ScoringMethod.DEDUCT else Decimal(0)
        target.weight = data.weight
        target.evidence_required = data.evidence_required
        target.severity = data.severity
        target.school_types = list(data.school_types)
        target.save()
        record_change(
            actor=actor,
            action="indicator_update" if before else "indicator_create",
            obj=framework,
            unit_path=framework.unit.path,
            before=before,
            after={"version": version.number, **snapshot(target, INDICATOR_FIELDS)},
        )
    return target


def delete_indicator(*, actor: User, framework: Framework, indicator: Indicator) -> None:
    _require_change(actor, framework.unit)
    with transaction.atomic():
        Framework.objects.select_for_update().get(pk=framework.pk)
        version, id_map = _editable_version(framework)
        target = Indicator.objects.filter(pk=id_map.get(indicator.pk, indicator.pk), framework_version=version).first()
        if target is None:
            raise DomainError("只能删除当前版本的指标", code="stale_version", status=409)
        before = snapshot(target, INDICATOR_FIELDS)
        section = target.section
        target.delete()
        if not section.indicators.exists():
            section.delete()
        record_change(
            actor=actor,
            action="indicator_delete",
            obj=framework,
            unit_path=framework.unit.path,
            before={"version": version.number, **before},
        )


# Excel layout of a framework: one row per indicator.
IMPORT_COLUMNS = [
    ("section", "类别", "如：校园环境"),
    ("code", "编号", "如：1.1"),
    ("text", "指标内容", "必填"),
    ("method", "评分方式", "达标 / 扣分 / 分值"),
    ("max_score", "满分", "达标方式可留空"),
    ("deduct_per", "每处扣分", "扣分方式必填"),
    ("weight", "权重", "默认 1"),
    ("evidence_required", "须拍照", "是 / 否"),
    ("severity", "问题等级", "一般 / 严重"),
    ("school_types", "适用学校类型", "留空为全部；多个用顿号分隔，如：小学、初中"),
]
METHOD_BY_LABEL = {
    "达标": ScoringMethod.PASS_FAIL,
    "达标/不达标": ScoringMethod.PASS_FAIL,
    "扣分": ScoringMethod.DEDUCT,
    "每处扣分": ScoringMethod.DEDUCT,
    "分值": ScoringMethod.SCALE,
    "0-N分": ScoringMethod.SCALE,
    "打分": ScoringMethod.SCALE,
    # The labels the app itself shows.
    **{str(method.label).replace(" ", ""): method for method in ScoringMethod},
}
SEVERITY_BY_LABEL = {"一般": Severity.GENERAL, "严重": Severity.SERIOUS, "": Severity.GENERAL}
SCHOOL_TYPE_BY_LABEL = {str(label): value for value, label in SchoolType.choices} | {"职校": SchoolType.VOCATIONAL}


def template_bytes() -> bytes:
    return template_xlsx(
        sheet_name="测评体系",
        columns=[(title, hint, 40 if key == "text" else 12) for key, title, hint in IMPORT_COLUMNS],
        choices={3: ["达标", "扣分", "分值"], 7: ["是", "否"], 8: ["一般", "严重"]},
        rows=MAX_INDICATORS,
    )


def _decimal(value: Any, default: Decimal) -> Decimal:
    if value is None or str(value).strip() == "":
        return default
    try:
        return Decimal(str(value).strip())
    except InvalidOperation as exc:
        raise ValueError("应为数字") from exc


Error = Callable[[str, str], None]  # (column key, message): records one error of the row


def _numbers(cells: dict[str, Any], text: dict[str, str], error: Error) -> dict[str, Decimal]:
    numbers: dict[str, Decimal] = {}
    for key, default in (("max_score", Decimal(1)), ("deduct_per", Decimal(0)), ("weight", Decimal(1))):
        try:
            numbers[key] = _decimal(cells[key], default)
        except ValueError:
            error(key, f"“{text[key]}”不是数字")
            numbers[key] = default
    return numbers


def _school_types(typed: str, error: Error) -> list[str]:
    types: list[str] = []
    if not typed or typed == "全部":
        return types
    for label in typed.replace("，", "、").replace(",", "、").split("、"):
        label = label.strip()
        if label and label not in SCHOOL_TYPE_BY_LABEL:
            error("school_types", f"未知的学校类型“{label}”")
        elif label:
            types.append(SCHOOL_TYPE_BY_LABEL[label])
    return types


def parse_rows(rows: list[list[Any]]) -> tuple[list[IndicatorInput], list[RowError]]:
    errors: list[RowError] = []
    if not rows:
        return [], [RowError(1, "A", "表头", "文件中没有数据")]
    header = [str(c or "").strip() for c in rows[0]]
    positions: dict[str, int] = {}
    for key, title, _ in IMPORT_COLUMNS:
        if title not in header:
            errors.append(RowError(1, column_letter(len(header)), title, f"缺少“{title}”列，请使用下载的模板"))
        else:
            positions[key] = header.index(title)
    if errors:
        return [], errors
    if len(rows) - 1 > MAX_INDICATORS:
        return [], [RowError(MAX_INDICATORS + 2, "A", "行数", f"一个测评体系最多 {MAX_INDICATORS} 项指标")]
    parsed: list[IndicatorInput] = []
    titles = {key: title for key, title, _ in IMPORT_COLUMNS}
    for row_no, row in enumerate(rows[1:], start=2):
        cells = {key: (row[i] if i < len(row) else None) for key, i in positions.items()}
        if all(v is None or str(v).strip() == "" for v in cells.values()):
            continue

        def error(key: str, message: str, row_no: int = row_no) -> None:
            errors.append(RowError(row_no, column_letter(positions[key]), titles[key], message))

        text = {k: str(v).strip() if v is not None else "" for k, v in cells.items()}
        method = METHOD_BY_LABEL.get(text["method"].replace(" ", "") or "达标")
        if method is None:
            error("method", f"“{text['method']}”不是有效的评分方式（达标 / 扣分 / 分值）")
            method = ScoringMethod.PASS_FAIL
        numbers = _numbers(cells, text, error)
        evidence = text["evidence_required"] in ("是", "Y", "y", "1", "√")
        if text["evidence_required"] not in ("", "是", "否", "Y", "N", "y", "n", "1", "0", "√", "×"):
            error("evidence_required", "应填“是”或“否”")
        severity = SEVERITY_BY_LABEL.get(text["severity"])
        if severity is None:
            error("severity", "应填“一般”或“严重”")
            severity = Severity.GENERAL
        types = _school_types(text["school_types"], error)
        item = IndicatorInput(
            section=text["section"],
            code=text["code"],
            text=text["text"],
            method=method,
            max_score=numbers["max_score"] if method != ScoringMethod.PASS_FAIL else Decimal(1),
            deduct_per=numbers["deduct_per"],
            weight=numbers["weight"],
            evidence_required=evidence,
            severity=severity,
            school_types=tuple(types),
        )
        for key, message in item.problems():
            error(key, message)
        parsed.append(item)
    if not parsed and not errors:
        errors.append(RowError(2, "A", "数据", "文件中没有指标"))
    return parsed, errors


def import_framework(*, actor: User, unit: OrgUnit, name: str, upload: Any) -> Framework:
    """All-or-nothing: a new framework, or the next edition of the one with that name in this unit."""
    _require_change(actor, unit)
    name = name.strip()
    if not name:
        raise DomainError("请填写测评体系名称", code="name_required")
    data = read_upload(upload)
    filename = str(getattr(upload, "name", "") or "")
    with tracked_import(actor=actor, kind=ImportKind.FRAMEWORK, unit=unit, data=data, filename=filename) as outcome:
        framework, version, count = _import_framework(actor=actor, unit=unit, name=name, data=data)
        outcome.succeeded(f"“{framework.name}”第 {version} 版，共 {count} 项指标", version=version, indicators=count)
    return framework


def _import_framework(*, actor: User, unit: OrgUnit, name: str, data: bytes) -> tuple[Framework, int, int]:
    items, errors = parse_rows(read_rows(data, max_rows=MAX_INDICATORS))
    if errors:
        raise ImportRejected(errors, len(errors), code="framework_invalid")
    with transaction.atomic():
        framework = Framework.objects.select_for_update().filter(unit=unit, name=name).first()
        if framework is None:
            framework = Framework.objects.create(name=name, unit=unit, created_by=actor)
            version = FrameworkVersion.objects.create(framework=framework, number=1, note="Excel 导入")
        else:
            latest = current_version(framework)
            version = FrameworkVersion.objects.create(framework=framework, number=latest.number + 1, note="Excel 导入")
        sections: dict[str, Section] = {}
        indicators = []
        for position, item in enumerate(items, start=1):
            title = item.section.strip()
            if title not in sections:
                sections[title] = Section.objects.create(
                    framework_version=version, order=len(sections) + 1, title=title
                )
            indicators.append(
                Indicator(
                    framework_version=version,
                    section=sections[title],
                    order=position,
                    code=item.code,
                    text=item.text,
                    method=item.method,
                    max_score=item.max_score,
                    deduct_per=item.deduct_per,
                    weight=item.weight,
                    evidence_required=item.evidence_required,
                    severity=item.severity,
                    school_types=list(item.school_types),
                )
            )
        Indicator.objects.bulk_create(indicators)
        record_change(
            actor=actor,
            action="import",
            obj=framework,
            unit_path=unit.path,
            after={"version": version.number, "sections": len(sections), "indicators": len(indicators)},
        )
    return framework, version.number, len(indicators)


def indicator_score(indicator: Indicator, answer: Answer | None) -> tuple[Decimal, Decimal] | None:
    """(score, maximum) of one answered indicator, both before weighting; None when not applicable."""
    if answer is None or answer.result == Result.NOT_APPLICABLE:
        return None
    full = indicator.max_score
    if indicator.method == ScoringMethod.PASS_FAIL:
        return (full if answer.result == Result.PASS else Decimal(0)), full
    if indicator.method == ScoringMethod.DEDUCT:
        return max(Decimal(0), full - indicator.deduct_per * answer.occurrences), full
    value = answer.value if answer.value is not None else (full if answer.result == Result.PASS else Decimal(0))
    return min(max(value, Decimal(0)), full), full


def is_failed(indicator: Indicator, answer: Answer | None) -> bool:
    """A problem is what the inspector marked 不达标; a 达标 with a partial 0–N score only lowers the total."""
    return answer is not None and answer.result == Result.FAIL


def total_score(indicators: list[Indicator], answers: dict[int, Answer]) -> tuple[Decimal, Decimal]:
    """Σ score × weight and its maximum, with N/A indicators left out of the maximum."""
    score = maximum = Decimal(0)
    for indicator in indicators:
        scored = indicator_score(indicator, answers.get(indicator.pk))
        if scored is None:
            continue
        score += scored[0] * indicator.weight
        maximum += scored[1] * indicator.weight
    return score, maximum
