"""State changes of analyses: analyse a document, edit rows (fix, merge, split, delete), create draft directives.

One transaction each, permission checked on the locked fresh object, an audit event written inside.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from dudao.accounts.models import User
from dudao.audit.services import record_change
from dudao.breakdown import parser
from dudao.breakdown.models import Analysis, Row, RowKind
from dudao.core.errors import DomainError, Forbidden, StaleEditError, check_version
from dudao.core.locking import bump
from dudao.orgs.models import OrgUnit, UnitKind
from dudao.orgs.scoping import acting_assignment, can

MAX_TEXT_CHARS = 200_000
DUPLICATE_WINDOW = dt.timedelta(minutes=2)
# Org kinds whose names are matched as named responsible units (classes and grades would only add noise).
_NAMED_KINDS = [UnitKind.BUREAU, UnitKind.OFFICE, UnitKind.DISTRICT]


def calendar() -> parser.Calendar:
    """Term starts and holidays from settings (BREAKDOWN_CALENDAR), defaults 09-01, 02-20, 07-10..08-31."""
    conf = getattr(settings, "BREAKDOWN_CALENDAR", {}) or {}
    base = parser.Calendar()
    return parser.Calendar(
        autumn_term=tuple(conf.get("autumn_term", base.autumn_term)),
        spring_term=tuple(conf.get("spring_term", base.spring_term)),
        summer=conf.get("summer", base.summer),
        winter=conf.get("winter", base.winter),
        flood=conf.get("flood", base.flood),
    )


def _acting_unit(actor: User) -> OrgUnit:
    assignment = acting_assignment(actor)
    if assignment is None or not can(actor, "breakdown.change", assignment.unit):
        raise Forbidden("您没有执行此操作的权限")
    return assignment.unit


def unit_names(unit: OrgUnit) -> tuple[str, ...]:
    names: list[str] = []
    for name, short in OrgUnit.objects.filter(path__under=unit.path, kind__in=_NAMED_KINDS).values_list(
        "name", "short_name"
    )[:500]:
        names.extend(n for n in (name, short) if n and len(n) >= 3)
    return tuple(sorted(set(names), key=len, reverse=True))


def _row_fields(row: parser.Row) -> dict[str, Any]:
    d = row.deadline
    return {
        "section": row.section[:60],
        "task": row.task[:300],
        "responsible": row.responsible,
        "responsible_text": row.responsible_text,
        "deadline_text": (d.text if d else "")[:60],
        "deadline_start": d.start if d else None,
        "deadline_end": d.end if d else None,
        "recurrence": (d.recurrence if d else "")[:10],
        "targets": [{"text": t.text, "number": t.number, "unit": t.unit, "counted": t.counted} for t in row.targets],
        "mechanisms": row.mechanisms,
        "module": row.module,
        "needs_report": row.needs_report,
        "kind": row.kind,
        "damaged": row.damaged,
        "source_start": row.start,
        "source_end": row.end,
    }


def analyse(
    *,
    actor: User,
    doc_date: dt.date,
    text: str = "",
    data: bytes | None = None,
    filename: str = "",
    title: str = "",
) -> Analysis:
    """Read (an upload or pasted text), parse and save. Unreadable input is a DomainError and saves nothing."""
    unit = _acting_unit(actor)
    if not 2000 <= doc_date.year <= 2099:
        raise DomainError("发文日期应在 2000 年至 2099 年之间", code="date_invalid")
    warnings: list[str] = []
    encoding = "pasted"
    try:
        if data is not None:
            document = parser.read_document(data, filename)
            text, encoding, warnings = document.text, document.encoding, list(document.warnings)
        elif not (text or "").strip():
            raise parser.UnreadableInput("请粘贴讲话稿或通知的文字，或上传文件。", code="empty")
        elif parser.looks_garbled(text):
            raise parser.UnreadableInput(parser.reading.MOJIBAKE_MESSAGE, code="mojibake")
    except parser.UnreadableInput as exc:
        raise DomainError(exc.message, code=exc.code) from exc
    if len(text) > MAX_TEXT_CHARS:
        raise DomainError(f"文字太长（{len(text)} 字），最多 {MAX_TEXT_CHARS} 字。", code="too_long")
    result = parser.parse(text, doc_date=doc_date, calendar=calendar(), unit_names=unit_names(unit))
    if not result.text.strip():
        raise DomainError("清理网页杂项后没有剩下正文，请检查粘贴的内容。", code="empty")
    title = clean_text(title).strip() or _guess_title(result.text, filename)
    with transaction.atomic():
        # A double click (or a retried request) returns the analysis just made instead of a twin.
        twin = (
            Analysis.objects.select_for_update()
            .filter(
                created_by=actor,
                unit=unit,
                doc_date=doc_date,
                created_at__gte=timezone.now() - DUPLICATE_WINDOW,
                source_text=result.text,
            )
            .first()
        )
        if twin is not None:
            return twin
        analysis = Analysis.objects.create(
            title=title[:200],
            unit=unit,
            doc_date=doc_date,
            source_text=result.text,
            filename=filename[:200],
            encoding=encoding,
            warnings=warnings + result.warnings,
            created_by=actor,
        )
        Row.objects.bulk_create(
            [Row(analysis=analysis, position=i, **_row_fields(row)) for i, row in enumerate(result.rows, 1)]
        )
        record_change(
            actor=actor,
            action="create",
            obj=analysis,
            unit_path=unit.path,
            after={"title": analysis.title, "rows": len(result.rows), "doc_date": doc_date},
        )
    return analysis


def _guess_title(text: str, filename: str) -> str:
    first = text.strip().split("\n", 1)[0].strip()
    if first and len(first) <= 60:
        return first
    return filename or first[:40] or "未命名"


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(value: str) -> str:
    """Drop control characters (they break Word and Excel files and mean nothing in a task table)."""
    return _CONTROL.sub("", value or "")


def _lock_row(actor: User, row: Row, version: int | None) -> Row:
    locked = Row.objects.select_for_update().select_related("analysis__unit").filter(pk=row.pk).first()
    if locked is None:
        raise StaleEditError()  # merged or deleted by someone else since the page was read
    row = locked
    if not can(actor, "breakdown.change", row.analysis.unit):
        raise Forbidden("您没有执行此操作的权限")
    check_version(row, version)
    return row


_LIST_SPLIT = re.compile(r"[、，,；;\s]+")


def _parse_date(value: Any) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as exc:
        raise DomainError(f"日期“{value}”格式不正确，应为 YYYY-MM-DD", code="date_invalid") from exc


def _targets_from_words(words: list[str] | str) -> list[dict[str, Any]]:
    if isinstance(words, str):
        words = [w for w in re.split(r"[\n；;]+", words)]
    out: list[dict[str, Any]] = []
    for word in (w.strip() for w in words):
        if not word:
            continue
        found = parser.find_targets(parser.simplified(word))
        if found:
            t = found[0]
            out.append({"text": word[:100], "number": t.number, "unit": t.unit, "counted": t.counted})
        else:
            out.append({"text": word[:100], "number": None, "unit": None, "counted": ""})
    return out[:20]


def update_row(
    *,
    actor: User,
    row: Row,
    version: int | None,
    task: str,
    responsible: list[str] | str,
    deadline_text: str = "",
    deadline_start: Any = None,
    deadline_end: Any = None,
    module: str | None = None,
    targets: list[str] | str | None = None,
    mechanisms: list[str] | str | None = None,
) -> Row:
    """Fix a row's fields. Targets are given as their words (one per line or separated by ；) and re-read."""
    task = clean_text(task).strip()
    deadline_text = clean_text(deadline_text)
    if not task:
        raise DomainError("任务内容不能为空", code="task_required")
    if isinstance(responsible, str):
        responsible = [r for r in _LIST_SPLIT.split(responsible) if r]
    responsible = [clean_text(r).strip() for r in responsible if clean_text(r).strip()]
    start, end = _parse_date(deadline_start), _parse_date(deadline_end)
    if start and end and start > end:
        raise DomainError("开始日期不能晚于截止日期", code="deadline_order")
    if module is not None and module not in parser.MODULES:
        raise DomainError("对应模块不正确", code="module_invalid")
    with transaction.atomic():
        row = _lock_row(actor, row, version)
        before = {
            "task": row.task,
            "responsible": row.responsible,
            "start": row.deadline_start,
            "end": row.deadline_end,
        }
        row.task = task[:300]
        row.responsible = [r[:40] for r in responsible][:20]
        row.deadline_text = (deadline_text or "").strip()[:60]
        row.deadline_start, row.deadline_end = start, end
        if module is not None:
            row.module = module
        if targets is not None:
            row.targets = _targets_from_words(targets)
        if mechanisms is not None:
            if isinstance(mechanisms, str):
                mechanisms = [m for m in _LIST_SPLIT.split(mechanisms) if m]
            row.mechanisms = [m[:20] for m in mechanisms][:20]
        row.corrected = True
        row.version += 1
        row.save()
        record_change(
            actor=actor,
            action="update",
            obj=row,
            unit_path=row.analysis.unit.path,
            before=before,
            after={"task": row.task, "responsible": row.responsible, "start": start, "end": end},
        )
    return row


def set_row_kind(*, actor: User, row: Row, version: int | None, kind: str) -> Row:
    """Mark a row as a task or as not a task (回顾/非任务). Nothing is learnt from it silently: the change is
    audited and `manage.py breakdown_corrections --export` turns corrected analyses into corpus annotations."""
    if kind not in RowKind.values:
        raise DomainError("类别不正确，应为任务、回顾或非任务", code="kind_invalid")
    with transaction.atomic():
        row = _lock_row(actor, row, None)
        if row.kind == kind:
            return row  # a double click, or someone else made the same change first: nothing to do
        check_version(row, version)
        if row.directive_id and kind != RowKind.TASK:
            raise DomainError("这一行已生成工作部署草稿，不能改为非任务", code="row_has_directive")
        before = row.kind
        row.kind = kind
        row.corrected = True
        bump(row, ["kind", "corrected"])
        record_change(
            actor=actor,
            action="set_kind",
            obj=row,
            unit_path=row.analysis.unit.path,
            before={"kind": before, "task": row.task},
            after={"kind": kind},
        )
    return row


def delete_row(*, actor: User, row: Row, version: int | None) -> None:
    with transaction.atomic():
        row = _lock_row(actor, row, version)
        if row.directive_id:
            raise DomainError("这一行已生成工作部署草稿，不能删除", code="row_has_directive")
        record_change(
            actor=actor, action="delete", obj=row, unit_path=row.analysis.unit.path, before={"task": row.task}
        )
        row.delete()


def merge_rows(*, actor: User, rows: list[Row], versions: dict[int, int | None]) -> Row:
    """Merge rows of one analysis into the first: one span from the first start to the last end, fields re-read."""
    if len(rows) < 2:
        raise DomainError("请至少选择两行再合并", code="merge_too_few")
    with transaction.atomic():
        locked = [_lock_row(actor, r, versions.get(r.pk)) for r in sorted(rows, key=lambda r: (r.position, r.pk))]
        if len({r.analysis_id for r in locked}) != 1:
            raise DomainError("只能合并同一份分解表中的行", code="merge_mixed")
        if any(r.directive_id for r in locked):
            raise DomainError("已生成工作部署草稿的行不能合并", code="row_has_directive")
        first, analysis = locked[0], locked[0].analysis
        between = Row.objects.filter(
            analysis=analysis, position__gt=first.position, position__lt=locked[-1].position
        ).exclude(pk__in=[r.pk for r in locked])
        if between.exists():
            # One span from the first to the last would swallow the rows in between.
            raise DomainError("只能合并相邻的行，请先选中连续的几行", code="merge_not_adjacent")
        start, end = min(r.source_start for r in locked), max(r.source_end for r in locked)
        parsed = parser.row_for_span(
            analysis.source_text,
            start,
            end,
            section=first.section,
            doc_date=analysis.doc_date,
            calendar=calendar(),
            unit_names=unit_names(analysis.unit),
        )
        fields = _row_fields(parsed)
        fields["task"] = "；".join(r.task for r in locked)[:300]
        fields["responsible"] = list(dict.fromkeys(n for r in locked for n in r.responsible))
        # A task merged with a review sentence is still a task; rows that were all review stay review.
        fields["kind"] = RowKind.TASK if any(r.kind == RowKind.TASK for r in locked) else first.kind
        fields["damaged"] = any(r.damaged for r in locked)
        fields["corrected"] = True
        for key, value in fields.items():
            setattr(first, key, value)
        first.version += 1
        first.save()
        for other in locked[1:]:
            other.delete()
        record_change(
            actor=actor,
            action="merge",
            obj=first,
            unit_path=analysis.unit.path,
            after={"merged": [r.pk for r in locked], "task": first.task},
        )
    return first


def split_row(*, actor: User, row: Row, version: int | None, at: int) -> tuple[Row, Row]:
    """Split a row's source span at `at` (an offset inside it); both halves have their fields re-read."""
    with transaction.atomic():
        row = _lock_row(actor, row, version)
        if row.directive_id:
            raise DomainError("已生成工作部署草稿的行不能拆分", code="row_has_directive")
        if not row.source_start < at < row.source_end:
            raise DomainError("拆分位置应在这一行的原文之内", code="split_outside")
        analysis = row.analysis
        halves = []
        for start, end in ((row.source_start, at), (at, row.source_end)):
            if not analysis.source_text[start:end].strip():
                raise DomainError("拆分后有一部分没有文字", code="split_empty")
            halves.append(
                parser.row_for_span(
                    analysis.source_text,
                    start,
                    end,
                    section=row.section,
                    doc_date=analysis.doc_date,
                    calendar=calendar(),
                    unit_names=unit_names(analysis.unit),
                )
            )
        Row.objects.filter(analysis=analysis, position__gt=row.position).update(position=F("position") + 1)
        kept = {"kind": row.kind, "damaged": row.damaged, "corrected": True}  # both halves keep what the row was
        for key, value in {**_row_fields(halves[0]), **kept}.items():
            setattr(row, key, value)
        row.section = row.section or halves[0].section
        row.version += 1
        row.save()
        second = Row.objects.create(analysis=analysis, position=row.position + 1, **{**_row_fields(halves[1]), **kept})
        second.section = row.section
        second.save(update_fields=["section"])
        record_change(
            actor=actor, action="split", obj=row, unit_path=analysis.unit.path, after={"new_row": second.pk, "at": at}
        )
    return row, second


# ----- draft directives -------------------------------------------------------------------------

_KIND_OF = {"学校": UnitKind.SCHOOL, "校长": UnitKind.SCHOOL, "区县教育局": UnitKind.DISTRICT}


def _targets_for(row: Row, issuer: OrgUnit) -> dict[str, Any]:
    from dudao.directives.services import resolve_targets

    named = list(
        OrgUnit.objects.filter(path__under=issuer.path, is_closed=False, kind__in=[UnitKind.DISTRICT, UnitKind.SCHOOL])
        .exclude(pk=issuer.pk)
        .filter(name__in=row.responsible)
        .values_list("pk", flat=True)
    )
    candidates: list[dict[str, Any]] = []
    if named:
        candidates.append({"mode": "list", "units": named})
    for name in row.responsible:
        if name in _KIND_OF:
            candidates.append({"mode": "kind", "kind": _KIND_OF[name]})
    candidates.append({"mode": "subtree"})
    for spec in candidates:
        try:
            resolve_targets(issuer=issuer, spec=spec)
        except DomainError:
            continue
        return spec
    raise DomainError("本单位下没有可以下发的单位", code="targets_empty")


def suggested_form(row: Row) -> dict[str, Any] | None:
    """A report form where the task says 报/报送/上报: a repeating table for a 名单, else one number per target."""
    if not row.needs_report:
        return None
    fields: list[dict[str, Any]] = []
    if "名单" in row.task or "名单" in row.deadline_text:
        label = re.search(r"([\u4e00-\u9fff]{1,8}名单)", row.task)
        fields.append(
            {
                "key": "roster",
                "label": label.group(1) if label else "名单",
                "type": "table",
                "columns": [
                    {"key": "name", "label": "名称", "type": "text", "required": True},
                    {"key": "unit_name", "label": "所在单位", "type": "text"},
                    {"key": "contact", "label": "负责人", "type": "text"},
                    {"key": "phone", "label": "联系电话", "type": "text"},
                ],
            }
        )
    for i, target in enumerate(row.targets, 1):
        if target.get("number") is None:
            continue
        unit = target.get("unit") or ""
        fields.append(
            {
                "key": f"target_{i}",
                "label": (target.get("counted") or target.get("text") or f"指标{i}")[:40],
                "type": "decimal" if unit == "%" else "integer",
                "min": 0,
                "unit": unit,
                "help": f"要求：{target.get('text', '')}"[:200],
            }
        )
    fields.append({"key": "summary", "label": "落实情况说明", "type": "textarea"})
    return {"fields": fields}


def _partners_line(row: Row) -> str:
    """Departments outside the education tree (公安, 城管 …) cannot receive a directive: they are named in the body
    as partners, to be reached outside the system."""
    partners = [name for name in row.responsible if name in parser.OUTSIDE_KINDS]
    return f"协同部门（系统外，请另行函告）：{'、'.join(partners)}" if partners else ""


def _local_deadline(day: dt.date) -> dt.datetime:
    from dudao.directives.services import LOCAL

    return dt.datetime.combine(day, dt.time(17, 0), tzinfo=LOCAL)


def create_drafts(*, actor: User, analysis: Analysis, row_ids: list[int]) -> list[Row]:
    """One DRAFT directive per chosen row (rows that already have one are left alone: idempotent)."""
    from dudao.directives import services as directive_services

    if not can(actor, "directive.change"):
        raise Forbidden("您的身份不能创建工作部署")
    if not row_ids:
        raise DomainError("请先勾选要生成工作部署的行", code="rows_required")
    created: list[Row] = []
    with transaction.atomic():
        analysis = Analysis.objects.select_for_update().select_related("unit").get(pk=analysis.pk)
        if not can(actor, "breakdown.change", analysis.unit):
            raise Forbidden("您没有执行此操作的权限")
        issuer = _acting_unit(actor)
        if issuer.pk != analysis.unit_id:
            # A draft is issued by the unit whose analysis it is; a higher unit reading a district's table
            # must not send the district's tasks city-wide in its own name.
            raise DomainError(f"这份分解表属于{analysis.unit.name}，请由该单位生成工作部署草稿", code="wrong_issuer")
        rows = list(
            Row.objects.select_for_update()
            .filter(analysis=analysis, pk__in=row_ids, directive__isnull=True)
            .order_by("position")
        )
        if rows and all(r.kind != RowKind.TASK for r in rows):
            raise DomainError(
                "所选的行都是回顾或非任务，不生成工作部署草稿；如确属任务，请先把类别改为“任务”", code="rows_not_tasks"
            )
        rows = [r for r in rows if r.kind == RowKind.TASK]
        for row in rows:
            form_version = None
            schema = suggested_form(row)
            if schema is not None:
                form = directive_services.create_form(
                    actor=actor, name=f"{row.task[:40]}（报送表）", description=row.task, schema=schema
                )
                form_version = directive_services.publish_form(actor=actor, form=form)
            day = row.deadline_end or row.deadline_start or (analysis.doc_date + dt.timedelta(days=7))
            body = "\n".join(
                part
                for part in (
                    analysis.source_text[row.source_start : row.source_end],
                    f"时限：{row.deadline_text}" if row.deadline_text else "",
                    "量化指标：" + "；".join(t.get("text", "") for t in row.targets) if row.targets else "",
                    "工作机制：" + "、".join(row.mechanisms) if row.mechanisms else "",
                    _partners_line(row),
                    f"来源：{analysis.title}",
                )
                if part
            )
            directive = directive_services.create_directive(
                actor=actor,
                title=row.task[:200],
                body=body,
                deadline=_local_deadline(day),
                targets=_targets_for(row, issuer),
                form_version=form_version,
                issue=False,
            )
            row.directive = directive
            bump(row, ["directive"])
            created.append(row)
        if created:
            record_change(
                actor=actor,
                action="create_drafts",
                obj=analysis,
                unit_path=analysis.unit.path,
                after={"rows": [r.pk for r in created], "directives": [r.directive_id for r in created]},
            )
    return created
