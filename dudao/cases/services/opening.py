"""Opening a case: its choices and dates checked, assignees from the school, one open case per kind and student."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone

from dudao.accounts.models import User
from dudao.audit.services import record_access, record_change, snapshot
from dudao.cases.models import (
    AlertKind,
    CaseFile,
    CaseKind,
    CaseSource,
    CaseStatus,
    DropoutReason,
    DropoutResult,
    RiskLevel,
)
from dudao.cases.selectors import acting_school, class_teacher_of, counsellor_candidates
from dudao.cases.services._common import CASE_FIELDS, _alert, clean_text, refuse_future
from dudao.cases.services.crisis import _start_crisis
from dudao.core.errors import DomainError, Forbidden
from dudao.orgs.models import OrgUnit, Student
from dudao.orgs.roles import Role, allows
from dudao.orgs.scoping import acting_assignment


def _check_assignee(user: User | None, school: OrgUnit, label: str) -> None:
    if user is not None and not counsellor_candidates(school).filter(pk=user.pk).exists():
        raise DomainError(f"{label}须是本校的心理教师、班主任或校长", code="assignee_outside")


def _check_case_fields(
    *,
    kind: str,
    source: str,
    risk_level: str,
    dropout_reason: str,
    follow_up_days: int,
    out_since: dt.date | None,
    next_review_on: dt.date | None,
    guardian_contacted_at: dt.datetime | None,
) -> None:
    """The choices and dates of a new case, each refused with its own message."""
    if kind not in CaseKind.values:
        raise DomainError("个案类型不正确", code="bad_kind")
    if source not in CaseSource.values:
        raise DomainError("请选择个案来源", code="bad_source")
    if risk_level not in RiskLevel.values:
        raise DomainError("请选择关注等级", code="bad_level")
    if kind == CaseKind.DROPOUT and dropout_reason and dropout_reason not in DropoutReason.values:
        raise DomainError("辍学原因不正确", code="bad_reason")
    if not 1 <= int(follow_up_days) <= 365:
        raise DomainError("随访间隔应在 1–365 天之间", code="bad_follow_up")
    refuse_future(out_since, "离校日期")
    if next_review_on is not None and next_review_on < timezone.localdate():
        raise DomainError("下次评估日期不能早于今天", code="review_in_past")
    if risk_level == RiskLevel.CRISIS and guardian_contacted_at is None:
        raise DomainError("危机等级须记录已联系监护人的时间", code="guardian_contact_required")


def open_case(
    *,
    actor: User,
    student: Student,
    kind: str,
    source: str,
    risk_level: str = RiskLevel.LEVEL3,
    counsellor: User | None = None,
    class_teacher: User | None = None,
    plan: str = "",
    next_review_on: dt.date | None = None,
    follow_up_days: int = 14,
    dropout_reason: str = "",
    out_since: dt.date | None = None,
    guardian_contacted_at: dt.datetime | None = None,
) -> CaseFile:
    """A counsellor or principal opens a case for a student of their school."""
    school = acting_school(actor)
    assignment = acting_assignment(actor)
    if assignment is None or not allows(assignment.role, "case.open") or school is None:
        raise Forbidden("只有心理教师或校长可以建立个案")
    if not student.klass.path.startswith(school.path):
        raise DomainError("只能为本校学生建立个案", code="student_outside")
    _check_case_fields(
        kind=kind,
        source=source,
        risk_level=risk_level,
        dropout_reason=dropout_reason,
        follow_up_days=follow_up_days,
        out_since=out_since,
        next_review_on=next_review_on,
        guardian_contacted_at=guardian_contacted_at,
    )
    plan = clean_text(plan, "干预方案", required=False)
    if counsellor is None and assignment.role == Role.COUNSELLOR:
        counsellor = actor
    if class_teacher is None:
        class_teacher = class_teacher_of(student)
    _check_assignee(counsellor, school, "负责教师")
    _check_assignee(class_teacher, school, "班主任")
    existing = CaseFile.objects.filter(student=student, kind=kind, status=CaseStatus.OPEN).select_related("school")
    found = existing.defer("plan", "summary").first()
    if found is not None:
        # Pointing to the existing case tells the caller it exists: that is a read of it, written down.
        record_access(
            actor=actor,
            action="case_exists",
            obj=found,
            unit_path=found.school.path,
            details={"via": "open_case", "kind": found.kind},
        )
        raise DomainError(
            f"该学生已有一份跟进中的{found.get_kind_display()}个案（#{found.pk}），请在原个案中继续跟进",
            code="case_exists",
            status=409,
        )
    with transaction.atomic():
        Student.objects.select_for_update().filter(pk=student.pk).first()
        if existing.exists():  # opened meanwhile
            raise DomainError("该学生已有一份跟进中的同类个案", code="case_exists", status=409)
        case = CaseFile(
            kind=kind,
            school=school,
            student=student,
            source=source,
            risk_level=risk_level,
            counsellor=counsellor,
            class_teacher=class_teacher,
            opened_by=actor,
            plan=plan,
            follow_up_days=follow_up_days,
            next_review_on=next_review_on or timezone.localdate() + dt.timedelta(days=int(follow_up_days)),
            dropout_reason=dropout_reason if kind == CaseKind.DROPOUT else "",
            dropout_result=DropoutResult.OUT if kind == CaseKind.DROPOUT and out_since else "",
            out_since=out_since if kind == CaseKind.DROPOUT else None,
        )
        if kind == CaseKind.DROPOUT and not case.dropout_result:
            case.dropout_result = DropoutResult.AT_RISK
        try:
            with transaction.atomic():
                case.save()
        except IntegrityError as exc:  # a concurrent opening won the race
            raise DomainError("该学生已有一份跟进中的同类个案", code="case_exists", status=409) from exc
        record_change(
            actor=actor, action="case_open", obj=case, unit_path=school.path, after=snapshot(case, CASE_FIELDS)
        )
        notify = [u for u in (counsellor, class_teacher) if u is not None and u.pk != actor.pk]
        _alert(notify, case=case, kind=AlertKind.ASSIGNED, text=f"您被指派为{case}的负责人")
        if risk_level == RiskLevel.CRISIS:
            _start_crisis(actor, case, guardian_contacted_at)
    return case
