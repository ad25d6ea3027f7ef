"""Intake of suggested cases: screening results (Excel, all-or-nothing) and dropout suggestions from absence
streaks of the daily checks. Counsellors accept (a case is opened) or dismiss with a reason."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import IO, Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from dudao.accounts.models import User
from dudao.audit.services import Entry, append, record_change
from dudao.cases.models import (
    CaseFile,
    CaseKind,
    CaseSource,
    CaseStatus,
    DropoutReason,
    DropoutSuggestion,
    RiskLevel,
    ScreeningBatch,
    ScreeningResult,
    SuggestionStatus,
)
from dudao.cases.selectors import acting_school
from dudao.cases.services import _decide_scope, clean_text, open_case
from dudao.core.errors import DomainError, Forbidden
from dudao.orgs.models import Student, StudentStatus
from dudao.orgs.roles import allows
from dudao.orgs.scoping import acting_assignment

# ----- screening --------------------------------------------------------------------------------------------


SCREENING_COLUMNS = [
    ("学籍号", "必填，本校学生的学籍号", 22),
    ("姓名", "必填，与学籍一致", 10),
    ("总分", "必填，数字", 8),
    ("等级", "可选，如：无风险/轻度/中度/重度", 12),
    ("备注/作答摘要", "可选，加密保存", 40),
]
# One school's students at most, like a roster.
MAX_SCREENING_ROWS = 20000


def import_screening(*, actor: User, upload: IO[bytes], filename: str, name: str, threshold: Decimal) -> ScreeningBatch:
    """All-or-nothing: every row must name a student of the school; results at or above the threshold become
    suggestions for a counsellor to accept or dismiss."""
    from dudao.core.excel import read_upload
    from dudao.core.imports import tracked_import
    from dudao.core.models import ImportKind

    school = acting_school(actor)
    assignment = acting_assignment(actor)
    if assignment is None or school is None or not allows(assignment.role, "screening.import"):
        raise Forbidden("只有心理教师或校长可以导入筛查结果")
    name = clean_text(name, "筛查名称", limit=100)
    data = read_upload(upload, name=filename)
    with tracked_import(actor=actor, kind=ImportKind.SCREENING, unit=school, data=data, filename=filename) as outcome:
        batch, rows, flagged = _import_screening(actor=actor, school=school, data=data, name=name, threshold=threshold)
        outcome.succeeded(f"导入 {rows} 人的结果，其中 {flagged} 人达到分数线", rows=rows, flagged=flagged)
    return batch


def _import_screening(
    *, actor: User, school: Any, data: bytes, name: str, threshold: Decimal
) -> tuple[ScreeningBatch, int, int]:
    from dudao.core.excel import ImportRejected, RowError, column_letter, read_rows

    rows = read_rows(data, max_rows=MAX_SCREENING_ROWS)
    if not rows or [str(c or "").strip() for c in rows[0][:3]] != ["学籍号", "姓名", "总分"]:
        raise DomainError("表头应为：学籍号、姓名、总分、等级、备注/作答摘要（请使用下载的模板）", code="bad_header")
    body = [r for r in rows[1:] if any(str(c or "").strip() for c in r)]
    if not body:
        raise DomainError("文件中没有数据行", code="upload_empty")
    numbers = [str(r[0] or "").strip() for r in body]
    students = {
        s.student_no: s
        for s in Student.objects.filter(
            student_no__in=numbers, klass__path__under=school.path, status=StudentStatus.ENROLLED
        )
    }
    errors: list[RowError] = []
    parsed: list[tuple[Student, Decimal, str, str]] = []
    seen: set[str] = set()
    for index, row in enumerate(rows[1:], start=2):
        if not any(str(c or "").strip() for c in row):
            continue
        cells = [*row, "", "", "", "", ""][:5]
        number, student_name, score_text = (str(c or "").strip() for c in cells[:3])
        student = students.get(number)
        if student is None:
            errors.append(RowError(index, column_letter(0), "学籍号", f"本校没有学籍号为“{number}”的在籍学生"))
            continue
        if number in seen:
            errors.append(RowError(index, column_letter(0), "学籍号", "同一学生出现了两次"))
        seen.add(number)
        if student_name and student_name != student.name:
            errors.append(RowError(index, column_letter(1), "姓名", f"与学籍姓名“{student.name}”不一致"))
        try:
            score = Decimal(score_text)
            if not score.is_finite() or score < 0 or score > 10000:
                raise InvalidOperation
        except InvalidOperation:
            errors.append(RowError(index, column_letter(2), "总分", "应为 0–10000 的数字"))
            continue
        parsed.append(
            (
                student,
                score.quantize(Decimal("0.1")),
                str(cells[3] or "").strip()[:20],
                str(cells[4] or "").strip()[:5000],
            )
        )
    if errors:
        raise ImportRejected(errors, len(errors), code="screening_invalid")
    with transaction.atomic():
        batch = ScreeningBatch.objects.create(school=school, name=name, threshold=threshold, uploaded_by=actor)
        results = [
            ScreeningResult(
                batch=batch,
                student=student,
                score=score,
                level=level,
                answers=answers,
                is_flagged=score >= threshold,
                status=SuggestionStatus.PENDING if score >= threshold else "",
            )
            for student, score, level, answers in parsed
        ]
        ScreeningResult.objects.bulk_create(results, batch_size=500)
        flagged = sum(1 for r in results if r.is_flagged)
        record_change(
            actor=actor,
            action="screening_import",
            obj=batch,
            unit_path=school.path,
            after={"name": name, "rows": len(results), "flagged": flagged, "threshold": str(threshold)},
        )
    return batch, len(results), flagged


def accept_screening(*, actor: User, result: ScreeningResult, risk_level: str = RiskLevel.LEVEL3) -> CaseFile:
    with transaction.atomic():
        fresh = ScreeningResult.objects.select_for_update().select_related("batch", "student__klass").get(pk=result.pk)
        _decide_scope(actor, fresh.batch.school_id)
        if fresh.status != SuggestionStatus.PENDING:
            raise DomainError("该建议已处理", code="suggestion_decided", status=409)
        case = open_case(
            actor=actor,
            student=fresh.student,
            kind=CaseKind.PSYCH,
            source=CaseSource.SCREENING,
            risk_level=risk_level,
            plan=f"来自筛查“{fresh.batch.name}”：总分 {fresh.score}，等级 {fresh.level or '—'}",
        )
        fresh.status, fresh.case, fresh.decided_by, fresh.decided_at = (
            SuggestionStatus.ACCEPTED,
            case,
            actor,
            timezone.now(),
        )
        fresh.save(update_fields=["status", "case", "decided_by", "decided_at"])
    return case


def dismiss_screening(*, actor: User, result: ScreeningResult, reason: str) -> ScreeningResult:
    reason = clean_text(reason, "排除理由", limit=200)
    with transaction.atomic():
        fresh = ScreeningResult.objects.select_for_update().select_related("batch").get(pk=result.pk)
        _decide_scope(actor, fresh.batch.school_id)
        if fresh.status != SuggestionStatus.PENDING:
            raise DomainError("该建议已处理", code="suggestion_decided", status=409)
        fresh.status, fresh.reason, fresh.decided_by, fresh.decided_at = (
            SuggestionStatus.DISMISSED,
            reason,
            actor,
            timezone.now(),
        )
        fresh.save(update_fields=["status", "reason", "decided_by", "decided_at"])
        record_change(
            actor=actor,
            action="screening_dismiss",
            obj=fresh.batch,
            unit_path=fresh.batch.school.path,
            after={"result": fresh.pk, "student": fresh.student_id, "reason_chars": len(reason)},
        )
    return fresh


# ----- dropout suggestions from daily checks -------------------------------------------------------------------


StreakProvider = Callable[..., list[Any]]


def absence_provider() -> StreakProvider | None:
    """The health app's streaks of non-illness absence, when that app is installed."""
    from django.apps import apps

    if not apps.is_installed("dudao.health"):
        return None
    from dudao.health.selectors import absence_streaks

    return absence_streaks


def suggest_dropouts(*, today: dt.date | None = None, provider: StreakProvider | None = None) -> int:
    """Turn absence streaks of ≥ N school days into register suggestions (idempotent per streak)."""
    provider = provider or absence_provider()
    if provider is None:
        return 0
    today = today or timezone.localdate()
    streaks = provider(school_ids=None, min_days=settings.DUDAO_DROPOUT_MIN_DAYS, until=today)
    if not streaks:
        return 0
    student_ids = {s.student_id for s in streaks}
    with_case = set(
        CaseFile.objects.filter(student_id__in=student_ids, kind=CaseKind.DROPOUT, status=CaseStatus.OPEN).values_list(
            "student_id", flat=True
        )
    )
    pending = set(
        DropoutSuggestion.objects.filter(student_id__in=student_ids, status=SuggestionStatus.PENDING).values_list(
            "student_id", flat=True
        )
    )
    known = set(DropoutSuggestion.objects.filter(student_id__in=student_ids).values_list("student_id", "first_date"))
    created = []
    for streak in streaks:
        if streak.days < settings.DUDAO_DROPOUT_MIN_DAYS:
            continue
        if streak.student_id in with_case or streak.student_id in pending:
            continue
        if (streak.student_id, streak.first_date) in known:
            continue
        pending.add(streak.student_id)
        created.append(
            DropoutSuggestion(
                school_id=streak.school_id,
                student_id=streak.student_id,
                days=streak.days,
                first_date=streak.first_date,
                last_date=streak.last_date,
            )
        )
    with transaction.atomic():
        DropoutSuggestion.objects.bulk_create(created, ignore_conflicts=True)
        if created:
            append(
                actor=None,
                entries=[
                    Entry(
                        action="dropout_suggest",
                        object_type="cases.dropoutsuggestion",
                        object_repr=f"{len(created)} 条辍学风险提示",
                        changes={"created": len(created), "min_days": settings.DUDAO_DROPOUT_MIN_DAYS},
                    )
                ],
            )
    return len(created)


def accept_dropout_suggestion(*, actor: User, suggestion: DropoutSuggestion, reason: str = "") -> CaseFile:
    with transaction.atomic():
        fresh = DropoutSuggestion.objects.select_for_update().select_related("student__klass").get(pk=suggestion.pk)
        _decide_scope(actor, fresh.school_id)
        if fresh.status != SuggestionStatus.PENDING:
            raise DomainError("该提示已处理", code="suggestion_decided", status=409)
        case = open_case(
            actor=actor,
            student=fresh.student,
            kind=CaseKind.DROPOUT,
            source=CaseSource.ABSENCE,
            dropout_reason=reason or DropoutReason.OTHER,
            plan=f"连续缺勤 {fresh.days} 个上学日（{fresh.first_date:%m-%d}—{fresh.last_date:%m-%d}）",
        )
        fresh.status, fresh.case, fresh.decided_by, fresh.decided_at = (
            SuggestionStatus.ACCEPTED,
            case,
            actor,
            timezone.now(),
        )
        fresh.save(update_fields=["status", "case", "decided_by", "decided_at"])
    return case


def dismiss_dropout_suggestion(*, actor: User, suggestion: DropoutSuggestion, reason: str) -> DropoutSuggestion:
    reason = clean_text(reason, "排除理由", limit=200)
    assignment = acting_assignment(actor)
    if assignment is None or not allows(assignment.role, "case.change"):
        raise Forbidden("您当前的身份不能处理辍学风险提示")
    with transaction.atomic():
        fresh = DropoutSuggestion.objects.select_for_update().select_related("school").get(pk=suggestion.pk)
        _decide_scope(actor, fresh.school_id)
        if fresh.status != SuggestionStatus.PENDING:
            raise DomainError("该提示已处理", code="suggestion_decided", status=409)
        fresh.status, fresh.reason, fresh.decided_by, fresh.decided_at = (
            SuggestionStatus.DISMISSED,
            reason,
            actor,
            timezone.now(),
        )
        fresh.save(update_fields=["status", "reason", "decided_by", "decided_at"])
        record_change(
            actor=actor,
            action="dropout_dismiss",
            obj=fresh,
            unit_path=fresh.school.path,
            after={"suggestion": fresh.pk, "reason_chars": len(reason)},
        )
    return fresh
