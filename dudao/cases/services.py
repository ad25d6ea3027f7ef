"""一生一案 services: open, note, level and crisis, referral, review, close; break-glass; screening intake;
dropout register and suggestions; home visits; staffing; retention. Every read of a case is logged here too."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from decimal import Decimal, InvalidOperation
from typing import IO, Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from dudao.audit.services import Entry, append, record_access, record_change, snapshot
from dudao.cases.models import (
    DROPOUT_SETTLED,
    RISK_RANK,
    AlertKind,
    BreakGlassGrant,
    CaseAlert,
    CaseAttachment,
    CaseFile,
    CaseKind,
    CaseNote,
    CaseSource,
    CaseStatus,
    Certificate,
    CounsellingRoom,
    CounsellorProfile,
    CrisisStep,
    CrisisStepKind,
    DropoutReason,
    DropoutResult,
    DropoutSuggestion,
    Employment,
    HomeVisit,
    NoteKind,
    Referral,
    ReferralStatus,
    RiskLevel,
    ScreeningBatch,
    ScreeningResult,
    SuggestionStatus,
    VisitMode,
    term_of,
)
from dudao.cases.selectors import acting_school, class_teacher_of, counsellor_candidates, may_write
from dudao.core.errors import DomainError, Forbidden, check_version
from dudao.orgs.models import OrgUnit, Role, RoleAssignment, Student, StudentStatus
from dudao.orgs.roles import allows
from dudao.orgs.scoping import acting_assignment, can

# Only non-confidential fields enter the audit trail: the trail is read by auditors with no right to the content.
CASE_FIELDS = [
    "kind",
    "source",
    "risk_level",
    "status",
    "counsellor",
    "class_teacher",
    "next_review_on",
    "follow_up_days",
    "dropout_reason",
    "dropout_result",
    "out_since",
    "returned_on",
]
MAX_TEXT = 20_000
ATTACHMENT_TYPES = frozenset({"pdf", "jpeg", "png", "docx"})


# ----- reads --------------------------------------------------------------------------------------------------


def log_read(*, actor: Any, case: CaseFile, via: str, break_glass: bool = False) -> None:
    """One access event per read of a case (page, API, print, export)."""
    record_access(
        actor=actor,
        action=f"case_{via}",
        obj=case,
        unit_path=case.school.path,
        details={"via": via, "kind": case.kind, "break_glass": break_glass},
    )


def log_denied(*, actor: Any, case_id: int, via: str) -> None:
    """Someone asked for a case they may not see: answered 404, and written down (filed under the case's school
    when it exists, so the school's report shows attempts on its files)."""
    from dudao.audit.services import root_path

    school_path = CaseFile.objects.filter(pk=case_id).values_list("school__path", flat=True).first()
    append(
        actor=actor,
        entries=[
            Entry(
                action="case_denied",
                kind="access",
                object_type="cases.casefile",
                object_id=str(case_id)[:40],
                object_repr=f"个案 #{case_id}",
                unit_path=school_path or root_path(),
                changes={"via": via, "denied": True},
            )
        ],
    )


def log_list(*, actor: Any, cases: Iterable[CaseFile], via: str) -> None:
    """A list showing names: one event naming every case shown."""
    shown = list(cases)
    if not shown:
        return
    append(
        actor=actor,
        entries=[
            Entry(
                action=f"case_{via}",
                kind="access",
                obj=case,
                unit_path=case.school.path,
                changes={"via": via, "kind": case.kind},
            )
            for case in shown
        ],
    )


# ----- helpers ------------------------------------------------------------------------------------------------


def _text(value: str, label: str, *, required: bool = True, limit: int = MAX_TEXT) -> str:
    value = (value or "").strip()
    if required and not value:
        raise DomainError(f"请填写{label}", code="text_required")
    if len(value) > limit:
        raise DomainError(f"{label}不能超过 {limit} 字", code="text_too_long")
    return value


def _not_future(day: dt.date | None, label: str) -> None:
    if day is not None and day > timezone.localdate():
        raise DomainError(f"{label}不能晚于今天", code="date_in_future")


def _locked(case: CaseFile, version: int | None = None) -> CaseFile:
    fresh = (
        CaseFile.objects.select_for_update(of=("self",))
        .select_related("school", "student", "counsellor", "class_teacher")
        .get(pk=case.pk)
    )
    check_version(fresh, version)
    return fresh


def _save(case: CaseFile, fields: list[str]) -> None:
    case.version += 1
    case.updated_at = timezone.now()
    case.save(update_fields=[*fields, "version", "updated_at"])


def _require_writer(actor: Any, case: CaseFile) -> None:
    if not may_write(actor, case):
        raise Forbidden("只有个案的负责教师、班主任或本校校长可以修改个案")


def _require_open(case: CaseFile) -> None:
    if case.status != CaseStatus.OPEN:
        raise DomainError("个案已结案，不能再修改", code="case_closed", status=409)


def _principals(school: OrgUnit) -> list[Any]:
    from dudao.accounts.models import User

    ids = RoleAssignment.objects.filter(unit=school, role=Role.PRINCIPAL).values("user_id")
    return list(User.objects.filter(pk__in=ids, is_active=True))


def _alert(recipients: Iterable[Any], *, case: CaseFile, kind: str, text: str) -> int:
    seen: set[int] = set()
    alerts = []
    for user in recipients:
        if user is None or user.pk in seen:
            continue
        seen.add(user.pk)
        alerts.append(CaseAlert(recipient=user, case=case, kind=kind, text=text[:300]))
    CaseAlert.objects.bulk_create(alerts)
    return len(alerts)


def _check_assignee(user: Any, school: OrgUnit, label: str) -> None:
    if user is not None and not counsellor_candidates(school).filter(pk=user.pk).exists():
        raise DomainError(f"{label}须是本校的心理教师、班主任或校长", code="assignee_outside")


# ----- opening and following a case ---------------------------------------------------------------------------


def open_case(
    *,
    actor: Any,
    student: Student,
    kind: str,
    source: str,
    risk_level: str = RiskLevel.LEVEL3,
    counsellor: Any = None,
    class_teacher: Any = None,
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
    _not_future(out_since, "离校日期")
    if next_review_on is not None and next_review_on < timezone.localdate():
        raise DomainError("下次评估日期不能早于今天", code="review_in_past")
    plan = _text(plan, "干预方案", required=False)
    if counsellor is None and assignment.role == Role.COUNSELLOR:
        counsellor = actor
    if class_teacher is None:
        class_teacher = class_teacher_of(student)
    _check_assignee(counsellor, school, "负责教师")
    _check_assignee(class_teacher, school, "班主任")
    if risk_level == RiskLevel.CRISIS and guardian_contacted_at is None:
        raise DomainError("危机等级须记录已联系监护人的时间", code="guardian_contact_required")
    with transaction.atomic():
        Student.objects.select_for_update().filter(pk=student.pk).first()
        existing = CaseFile.objects.filter(student=student, kind=kind, status=CaseStatus.OPEN).first()
        if existing is not None:
            raise DomainError(
                f"该学生已有一份跟进中的{existing.get_kind_display()}个案（#{existing.pk}），请在原个案中继续跟进",
                code="case_exists",
                status=409,
            )
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
        record_change(actor=actor, action="case_open", obj=case, unit_path=school.path, after=snapshot(case, CASE_FIELDS))
        notify = [u for u in (counsellor, class_teacher) if u is not None and u.pk != actor.pk]
        _alert(notify, case=case, kind=AlertKind.ASSIGNED, text=f"您被指派为{case}的负责人")
        if risk_level == RiskLevel.CRISIS:
            _start_crisis(actor, case, guardian_contacted_at)
    return case


def add_note(
    *,
    actor: Any,
    case: CaseFile,
    text: str,
    kind: str = NoteKind.NOTE,
    occurred_on: dt.date | None = None,
    participants: str = "",
    outcome: str = "",
) -> CaseNote:
    """A follow-up, an interview, a 三线联动 contact (family/school/teacher) with its outcome, or a 劝返 visit."""
    if kind not in NoteKind.values or kind in (NoteKind.LEVEL, NoteKind.REVIEW):
        raise DomainError("记录类型不正确", code="bad_note_kind")
    text = _text(text, "记录内容")
    outcome = _text(outcome, "结果", required=False, limit=2000)
    participants = _text(participants, "参与人员", required=False, limit=200)
    occurred_on = occurred_on or timezone.localdate()
    _not_future(occurred_on, "记录日期")
    with transaction.atomic():
        case = _locked(case)
        _require_writer(actor, case)
        _require_open(case)
        note = CaseNote.objects.create(
            case=case,
            kind=kind,
            author=actor,
            occurred_on=occurred_on,
            participants=participants,
            text=text,
            outcome=outcome,
        )
        if kind in (NoteKind.NOTE, NoteKind.INTERVIEW, NoteKind.PERSUASION):
            case.next_review_on = max(
                case.next_review_on or occurred_on, occurred_on + dt.timedelta(days=case.follow_up_days)
            )
        _save(case, ["next_review_on"])
        record_change(
            actor=actor,
            action="case_note",
            obj=case,
            unit_path=case.school.path,
            after={"note": note.pk, "note_kind": kind, "occurred_on": occurred_on.isoformat(), "chars": len(text)},
        )
    return note


def _start_crisis(actor: Any, case: CaseFile, guardian_contacted_at: dt.datetime | None) -> None:
    now = timezone.now()
    case.guardian_contacted_at = guardian_contacted_at or now
    case.guardian_contacted_by = actor
    case.save(update_fields=["guardian_contacted_at", "guardian_contacted_by"])
    open_steps = set(CrisisStep.objects.filter(case=case, done_at__isnull=True).values_list("step", flat=True))
    CrisisStep.objects.bulk_create(
        [CrisisStep(case=case, step=step) for step in CrisisStepKind.values if step not in open_steps]
    )
    principals = [p for p in _principals(case.school) if p.pk != actor.pk]
    _alert(
        principals + [case.counsellor, case.class_teacher],
        case=case,
        kind=AlertKind.CRISIS,
        text=f"危机预警：{case.student.name}（{case}）已升为红色危机等级，请立即落实安全计划、监护人交接和转介",
    )
    record_change(
        actor=actor,
        action="case_crisis",
        obj=case,
        unit_path=case.school.path,
        after={"guardian_contacted_at": case.guardian_contacted_at, "guardian_contacted_by": actor.pk},
    )


def change_level(
    *,
    actor: Any,
    case: CaseFile,
    level: str,
    reason: str,
    version: int | None,
    guardian_contacted_at: dt.datetime | None = None,
) -> CaseFile:
    """Raise or lower the attention level. Raising to crisis notifies the principal at once, records the guardian
    contact and starts the crisis checklist."""
    if level not in RiskLevel.values:
        raise DomainError("请选择关注等级", code="bad_level")
    reason = _text(reason, "调整理由", limit=2000)
    if level == RiskLevel.CRISIS:
        if guardian_contacted_at is None:
            raise DomainError("升为危机等级须填写联系监护人的时间", code="guardian_contact_required")
        if guardian_contacted_at > timezone.now() + dt.timedelta(minutes=5):
            raise DomainError("联系监护人的时间不能晚于现在", code="date_in_future")
    with transaction.atomic():
        case = _locked(case, version)
        _require_writer(actor, case)
        _require_open(case)
        if case.kind != CaseKind.PSYCH and level == RiskLevel.CRISIS:
            raise DomainError("只有心理健康个案可以启动危机处置", code="crisis_psych_only")
        if level == case.risk_level:
            raise DomainError("等级未变化", code="level_unchanged")
        if case.risk_level == RiskLevel.CRISIS and CrisisStep.objects.filter(case=case, done_at__isnull=True).exists():
            raise DomainError("危机处置清单尚未完成，不能降低等级", code="crisis_steps_open", status=409)
        before = snapshot(case, CASE_FIELDS)
        previous = case.risk_level
        case.risk_level = level
        _save(case, ["risk_level"])
        CaseNote.objects.create(
            case=case,
            kind=NoteKind.LEVEL,
            author=actor,
            text=f"{RiskLevel(previous).label} → {RiskLevel(level).label}：{reason}",
        )
        record_change(
            actor=actor,
            action="case_level",
            obj=case,
            unit_path=case.school.path,
            before=before,
            after=snapshot(case, CASE_FIELDS),
        )
        if level == RiskLevel.CRISIS:
            _start_crisis(actor, case, guardian_contacted_at)
            case.refresh_from_db()
        elif RISK_RANK[RiskLevel(level)] > RISK_RANK[RiskLevel(previous)]:
            _alert(
                _principals(case.school),
                case=case,
                kind=AlertKind.ASSIGNED,
                text=f"{case}关注等级升为{RiskLevel(level).label}",
            )
    return case


def complete_crisis_step(*, actor: Any, case: CaseFile, step: str, note: str = "") -> CrisisStep:
    note = _text(note, "说明", required=False, limit=2000)
    with transaction.atomic():
        case = _locked(case)
        _require_writer(actor, case)
        row = CrisisStep.objects.select_for_update().filter(case=case, step=step, done_at__isnull=True).first()
        if row is None:
            raise DomainError("该步骤不存在或已完成", code="step_not_open", status=409)
        row.done_at = timezone.now()
        row.done_by = actor
        row.note = note
        row.save(update_fields=["done_at", "done_by", "note"])
        _save(case, [])
        record_change(
            actor=actor, action="crisis_step", obj=case, unit_path=case.school.path, after={"step": step, "done": True}
        )
    return row


def add_referral(
    *,
    actor: Any,
    case: CaseFile,
    institution: str,
    referred_on: dt.date,
    status: str = ReferralStatus.REFERRED,
    note: str = "",
) -> Referral:
    institution = _text(institution, "转介机构", limit=100)
    note = _text(note, "说明", required=False, limit=2000)
    if status not in ReferralStatus.values:
        raise DomainError("转介状态不正确", code="bad_referral_status")
    _not_future(referred_on, "转介日期")
    with transaction.atomic():
        case = _locked(case)
        _require_writer(actor, case)
        _require_open(case)
        referral = Referral.objects.create(
            case=case, institution=institution, referred_on=referred_on, status=status, note=note, created_by=actor
        )
        _save(case, [])
        record_change(
            actor=actor,
            action="case_referral",
            obj=case,
            unit_path=case.school.path,
            after={"referral": referral.pk, "institution": institution, "status": status},
        )
    return referral


def update_referral(*, actor: Any, referral: Referral, status: str, version: int | None) -> Referral:
    if status not in ReferralStatus.values:
        raise DomainError("转介状态不正确", code="bad_referral_status")
    with transaction.atomic():
        case = _locked(referral.case)
        _require_writer(actor, case)
        fresh = Referral.objects.select_for_update().get(pk=referral.pk)
        check_version(fresh, version)
        before = fresh.status
        fresh.status = status
        fresh.version += 1
        fresh.updated_at = timezone.now()
        fresh.save(update_fields=["status", "version", "updated_at"])
        record_change(
            actor=actor,
            action="case_referral",
            obj=case,
            unit_path=case.school.path,
            before={"referral": fresh.pk, "status": before},
            after={"referral": fresh.pk, "status": status},
        )
    return fresh


def review_case(
    *, actor: Any, case: CaseFile, text: str, next_review_on: dt.date, version: int | None
) -> CaseFile:
    """The scheduled review: what was found, and when to look again."""
    text = _text(text, "评估意见")
    if next_review_on <= timezone.localdate():
        raise DomainError("下次评估日期应晚于今天", code="review_in_past")
    with transaction.atomic():
        case = _locked(case, version)
        _require_writer(actor, case)
        _require_open(case)
        before = snapshot(case, CASE_FIELDS)
        CaseNote.objects.create(case=case, kind=NoteKind.REVIEW, author=actor, text=text)
        case.next_review_on = next_review_on
        _save(case, ["next_review_on"])
        record_change(
            actor=actor,
            action="case_review",
            obj=case,
            unit_path=case.school.path,
            before=before,
            after=snapshot(case, CASE_FIELDS),
        )
    return case


def update_dropout(
    *,
    actor: Any,
    case: CaseFile,
    version: int | None,
    result: str,
    reason: str = "",
    out_since: dt.date | None = None,
    returned_on: dt.date | None = None,
    teacher_contact: str = "",
    cadre_contact: str = "",
    township_contact: str = "",
    village_contact: str = "",
) -> CaseFile:
    """The register entry: reason, 区乡村三级联动 contacts, and the result of persuasion."""
    if result not in DropoutResult.values:
        raise DomainError("请选择劝返结果", code="bad_result")
    if reason and reason not in DropoutReason.values:
        raise DomainError("辍学原因不正确", code="bad_reason")
    _not_future(out_since, "离校日期")
    _not_future(returned_on, "返校/安置日期")
    if result in DROPOUT_SETTLED and returned_on is None:
        raise DomainError("请填写返校、送教上门或转学的日期", code="returned_on_required")
    contacts = [_text(c, "联系人", required=False, limit=80) for c in (teacher_contact, cadre_contact, township_contact, village_contact)]
    with transaction.atomic():
        case = _locked(case, version)
        _require_writer(actor, case)
        _require_open(case)
        if case.kind != CaseKind.DROPOUT:
            raise DomainError("只有控辍保学个案有劝返登记", code="not_dropout")
        if result == DropoutResult.TRANSFERRED and not case.attachments.exists():
            raise DomainError("转学须先上传转学证明（附件）", code="transfer_proof_required")
        before = snapshot(case, CASE_FIELDS)
        case.dropout_result = result
        case.dropout_reason = reason or case.dropout_reason
        case.out_since = out_since or case.out_since
        case.returned_on = returned_on if result in DROPOUT_SETTLED else None
        case.teacher_contact, case.cadre_contact, case.township_contact, case.village_contact = contacts
        _save(
            case,
            [
                "dropout_result",
                "dropout_reason",
                "out_since",
                "returned_on",
                "teacher_contact",
                "cadre_contact",
                "township_contact",
                "village_contact",
            ],
        )
        record_change(
            actor=actor,
            action="dropout_update",
            obj=case,
            unit_path=case.school.path,
            before=before,
            after=snapshot(case, CASE_FIELDS),
        )
    return case


def close_case(*, actor: Any, case: CaseFile, summary: str, version: int | None) -> CaseFile:
    summary = _text(summary, "结案小结")
    with transaction.atomic():
        case = _locked(case, version)
        _require_writer(actor, case)
        _require_open(case)
        if CrisisStep.objects.filter(case=case, done_at__isnull=True).exists():
            raise DomainError("危机处置清单还有未完成的步骤，不能结案", code="crisis_steps_open", status=409)
        if case.kind == CaseKind.DROPOUT and case.dropout_result not in DROPOUT_SETTLED:
            raise DomainError("学生尚未返校或妥善安置，不能结案", code="dropout_not_settled", status=409)
        before = snapshot(case, CASE_FIELDS)
        case.status = CaseStatus.CLOSED
        case.summary = summary
        case.closed_at = timezone.now()
        case.closed_by = actor
        _save(case, ["status", "summary", "closed_at", "closed_by"])
        record_change(
            actor=actor,
            action="case_close",
            obj=case,
            unit_path=case.school.path,
            before=before,
            after=snapshot(case, CASE_FIELDS),
        )
    return case


def add_attachment(*, actor: Any, case: CaseFile, upload: IO[bytes], name: str) -> CaseAttachment:
    from dudao.core.files import store_upload

    with transaction.atomic():
        case = _locked(case)
        _require_writer(actor, case)
        stored = store_upload(
            actor=actor,
            upload=upload,
            name=name,
            allowed=ATTACHMENT_TYPES,
            max_bytes=settings.DUDAO_CASE_ATTACHMENT_MAX_BYTES,
        )
        attachment = CaseAttachment.objects.create(case=case, file=stored, uploaded_by=actor)
        record_change(
            actor=actor, action="case_attachment", obj=case, unit_path=case.school.path, after={"file": stored.pk}
        )
    return attachment


def mark_alerts_read(*, actor: Any) -> int:
    return CaseAlert.objects.filter(recipient_id=actor.pk, read_at__isnull=True).update(read_at=timezone.now())


# ----- break-glass --------------------------------------------------------------------------------------------


def break_glass(*, actor: Any, case: CaseFile, reason: str) -> BreakGlassGrant:
    """Emergency access with a written reason: 24 h, owners and the security officer told, on the access report."""
    assignment = acting_assignment(actor)
    if assignment is None or not allows(assignment.role, "case.break_glass"):
        raise Forbidden("只有校长或个案督导专员可以申请紧急授权")
    reason = (reason or "").strip()
    if len(reason) < 10:
        raise DomainError("请写明紧急访问的理由（不少于 10 个字）", code="reason_required")
    if len(reason) > 500:
        raise DomainError("理由不能超过 500 字", code="text_too_long")
    from dudao.cases.selectors import break_glass_scope, cases_for

    with transaction.atomic():
        case = CaseFile.objects.select_related("school", "student", "counsellor", "class_teacher").get(pk=case.pk)
        if not break_glass_scope(actor).filter(pk=case.pk).exists():
            if cases_for(actor).filter(pk=case.pk).exists():
                raise DomainError("您已可以查看该个案，无需紧急授权", code="already_visible", status=409)
            raise Forbidden("该个案不在您可申请紧急授权的范围内")
        hours = settings.DUDAO_CASE_BREAK_GLASS_HOURS
        now = timezone.now()
        grant = BreakGlassGrant.objects.create(
            case=case,
            user=actor,
            role=assignment.role,
            reason=reason,
            granted_at=now,
            expires_at=now + dt.timedelta(hours=hours),
        )
        from dudao.accounts.models import User

        officers = User.objects.filter(
            is_active=True,
            pk__in=RoleAssignment.objects.filter(role=Role.SECURITY_OFFICER).values("user_id"),
        )
        officers = [
            u
            for u in officers
            if any(case.school.path.startswith(a.unit.path) for a in u.assignments.select_related("unit"))
        ]
        owners = [case.counsellor, case.class_teacher, *_principals(case.school)]
        _alert(
            [u for u in [*owners, *officers] if u is not None and u.pk != actor.pk],
            case=case,
            kind=AlertKind.BREAK_GLASS,
            text=f"{actor.display_name}对{case}使用了紧急授权（{hours} 小时）：{reason[:120]}",
        )
        record_access(
            actor=actor,
            action="break_glass",
            obj=case,
            unit_path=case.school.path,
            details={"grant": grant.pk, "reason": reason, "hours": hours, "role": assignment.role},
        )
    return grant


# ----- screening --------------------------------------------------------------------------------------------


SCREENING_COLUMNS = [
    ("学籍号", "必填，本校学生的学籍号", 22),
    ("姓名", "必填，与学籍一致", 10),
    ("总分", "必填，数字", 8),
    ("等级", "可选，如：无风险/轻度/中度/重度", 12),
    ("备注/作答摘要", "可选，加密保存", 40),
]


def import_screening(
    *, actor: Any, upload: IO[bytes], filename: str, name: str, threshold: Decimal
) -> ScreeningBatch:
    """All-or-nothing: every row must name a student of the school; results at or above the threshold become
    suggestions for a counsellor to accept or dismiss."""
    from dudao.core.excel import ImportRejected, RowError, column_letter, read_rows, read_upload

    school = acting_school(actor)
    assignment = acting_assignment(actor)
    if assignment is None or school is None or not allows(assignment.role, "screening.import"):
        raise Forbidden("只有心理教师或校长可以导入筛查结果")
    name = _text(name, "筛查名称", limit=100)
    rows = read_rows(read_upload(upload, name=filename))
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
        parsed.append((student, score.quantize(Decimal("0.1")), str(cells[3] or "").strip()[:20], str(cells[4] or "").strip()[:5000]))
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
    return batch


def _decide_scope(actor: Any, school_id: int) -> None:
    school = acting_school(actor)
    if school is None or school.pk != school_id:
        raise Forbidden("只能处理本校的建案建议")


def accept_screening(*, actor: Any, result: ScreeningResult, risk_level: str = RiskLevel.LEVEL3) -> CaseFile:
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


def dismiss_screening(*, actor: Any, result: ScreeningResult, reason: str) -> ScreeningResult:
    reason = _text(reason, "排除理由", limit=200)
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
            after={"result": fresh.pk, "student": fresh.student_id, "reason": reason},
        )
    return fresh


# ----- dropout suggestions from daily checks -------------------------------------------------------------------


StreakProvider = Callable[..., list[Any]]


def absence_provider() -> StreakProvider | None:
    """The health app's streaks of non-illness absence, when that app is installed."""
    from django.apps import apps

    if not apps.is_installed("dudao.health"):
        return None
    from dudao.health.selectors import absence_streaks  # type: ignore[import-not-found,unused-ignore]

    return absence_streaks  # type: ignore[no-any-return]


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
    known = set(
        DropoutSuggestion.objects.filter(student_id__in=student_ids).values_list("student_id", "first_date")
    )
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


def accept_dropout_suggestion(*, actor: Any, suggestion: DropoutSuggestion, reason: str = "") -> CaseFile:
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


def dismiss_dropout_suggestion(*, actor: Any, suggestion: DropoutSuggestion, reason: str) -> DropoutSuggestion:
    reason = _text(reason, "排除理由", limit=200)
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
            actor=actor, action="dropout_dismiss", obj=fresh, unit_path=fresh.school.path, after={"reason": reason}
        )
    return fresh


# ----- home visits --------------------------------------------------------------------------------------------


def record_home_visit(
    *,
    actor: Any,
    student: Student,
    visited_on: dt.date | None,
    mode: str = VisitMode.IN_PERSON,
    present: str = "",
    findings: str = "",
    follow_ups: str = "",
    planned_on: dt.date | None = None,
) -> HomeVisit:
    """A class teacher plans (no `visited_on`) or records a visit; recording completes the term's open plan."""
    if not can(actor, "homevisit.change", student.klass):
        raise Forbidden("只能为本人负责班级的学生登记家访")
    if mode not in VisitMode.values:
        raise DomainError("请选择家访方式", code="bad_mode")
    if visited_on is None and planned_on is None:
        raise DomainError("请填写家访日期或计划日期", code="date_required")
    _not_future(visited_on, "家访日期")
    if planned_on is not None and visited_on is None and planned_on < timezone.localdate():
        raise DomainError("计划日期不能早于今天", code="plan_in_past")
    present = _text(present, "在场人员", required=False, limit=200)
    findings = _text(findings, "家访情况", required=visited_on is not None)
    follow_ups = _text(follow_ups, "后续跟进", required=False)
    school = OrgUnit.objects.filter(kind="school", path__in=[student.klass.path[: n * 4] for n in range(1, student.klass.depth)]).first()
    if school is None:
        raise DomainError("学生所在学校不存在", code="no_school")
    term = term_of(visited_on or planned_on or timezone.localdate())
    with transaction.atomic():
        visit = (
            HomeVisit.objects.select_for_update()
            .filter(student=student, term=term, visited_on__isnull=True)
            .order_by("id")
            .first()
        )
        if visit is None:
            visit = HomeVisit(student=student, klass=student.klass, school=school, term=term)
        visit.teacher = actor
        visit.planned_on = planned_on or visit.planned_on
        visit.visited_on = visited_on
        visit.mode, visit.present, visit.findings, visit.follow_ups = mode, present, findings, follow_ups
        visit.save()
        record_change(
            actor=actor,
            action="home_visit" if visited_on else "home_visit_plan",
            obj=visit,
            unit_path=student.klass.path,
            after={"student": student.pk, "mode": mode, "visited_on": visited_on, "planned_on": visit.planned_on},
        )
    return visit


# ----- staffing -----------------------------------------------------------------------------------------------


def save_counsellor_profile(*, actor: Any, user: Any, school: OrgUnit, employment: str, certificate: str) -> CounsellorProfile:
    if not can(actor, "staffing.change", school):
        raise Forbidden("只有校长或学校管理员可以维护心理教师信息")
    if employment not in Employment.values:
        raise DomainError("请选择专职或兼职", code="bad_employment")
    if certificate not in Certificate.values:
        raise DomainError("证书等级不正确", code="bad_certificate")
    if not RoleAssignment.objects.filter(user=user, unit__path__under=school.path).exists() and user.unit_id != school.pk:
        raise DomainError("心理教师须是本校教职工", code="staff_outside")
    with transaction.atomic():
        profile, created = CounsellorProfile.objects.update_or_create(
            user=user, school=school, defaults={"employment": employment, "certificate": certificate, "updated_at": timezone.now()}
        )
        record_change(
            actor=actor,
            action="counsellor_profile",
            obj=profile,
            unit_path=school.path,
            after={"user": user.pk, "employment": employment, "certificate": certificate, "created": created},
        )
    return profile


def save_room(*, actor: Any, school: OrgUnit, name: str, area_m2: int, meets_standard: bool) -> CounsellingRoom:
    if not can(actor, "staffing.change", school):
        raise Forbidden("只有校长或学校管理员可以维护心理辅导室")
    name = _text(name, "辅导室名称", limit=60)
    if not 0 < area_m2 <= 2000:
        raise DomainError("面积应在 1–2000 平方米之间", code="bad_area")
    with transaction.atomic():
        room = CounsellingRoom.objects.create(school=school, name=name, area_m2=area_m2, meets_standard=meets_standard)
        record_change(
            actor=actor, action="counselling_room", obj=room, unit_path=school.path, after={"name": name, "area": area_m2}
        )
    return room


# ----- retention ----------------------------------------------------------------------------------------------


def archive_cases(*, now: dt.datetime | None = None) -> int:
    """Closed cases of students who have left the school system are archived (hidden from daily lists)."""
    now = now or timezone.now()
    with transaction.atomic():
        ids = list(
            CaseFile.objects.filter(status=CaseStatus.CLOSED, student__status=StudentStatus.LEFT).values_list(
                "pk", flat=True
            )
        )
        if ids:
            CaseFile.objects.filter(pk__in=ids).update(status=CaseStatus.ARCHIVED, archived_at=now, updated_at=now)
            append(
                actor=None,
                entries=[
                    Entry(
                        action="case_archive",
                        object_type="cases.casefile",
                        object_repr=f"{len(ids)} 份个案归档",
                        changes={"archived": len(ids)},
                    )
                ],
            )
    return len(ids)


def purge_cases(*, years: int | None = None, now: dt.datetime | None = None, batch: int = 500) -> dict[str, int]:
    """Delete archived cases older than the retention period; the audit record holds counts only."""
    years = settings.DUDAO_CASE_RETENTION_YEARS if years is None else years
    if years < 1:
        raise DomainError("保存年限至少 1 年", code="bad_years")
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=365 * years)
    counts = {"cases": 0, "notes": 0, "referrals": 0}
    while True:
        with transaction.atomic():
            ids = list(
                CaseFile.objects.filter(status=CaseStatus.ARCHIVED, archived_at__lt=cutoff)
                .order_by("pk")
                .values_list("pk", flat=True)[:batch]
            )
            if not ids:
                break
            counts["notes"] += CaseNote.objects.filter(case_id__in=ids).count()
            counts["referrals"] += Referral.objects.filter(case_id__in=ids).count()
            ScreeningResult.objects.filter(case_id__in=ids).update(case=None)
            DropoutSuggestion.objects.filter(case_id__in=ids).update(case=None)
            CaseFile.objects.filter(pk__in=ids).delete()
            counts["cases"] += len(ids)
    with transaction.atomic():
        append(
            actor=None,
            entries=[
                Entry(
                    action="case_purge",
                    object_type="cases.casefile",
                    object_repr=f"清除 {counts['cases']} 份超期归档个案",
                    changes={**counts, "years": years, "cutoff": cutoff.date().isoformat()},
                )
            ],
        )
    return counts


# ----- key rotation -------------------------------------------------------------------------------------------


def rotate_keys(*, batch: int = 200, progress: Callable[[str, int], None] | None = None) -> dict[str, int]:
    """Re-encrypt every value not under the current key, row by row in small transactions.

    Readers keep working throughout (old keys still decrypt); a stopped run resumes where it left off because
    rows already under the current key no longer match."""
    from django.db.models import F, TextField
    from django.db.models.functions import Cast

    from dudao.cases import crypto

    prefix = f"{crypto.current_key_id()}:"
    counts: dict[str, int] = {}
    for model in crypto_models():
        fields = [f for f in model._meta.concrete_fields if isinstance(f, crypto.EncryptedTextField)]
        raw = {f"raw_{f.name}": Cast(F(f.name), output_field=TextField()) for f in fields}
        stale = Q()
        for f in fields:
            stale |= ~Q(**{f"raw_{f.name}": ""}) & ~Q(**{f"raw_{f.name}__startswith": prefix})
        done = 0
        while True:
            with transaction.atomic():
                ids = list(model.objects.annotate(**raw).filter(stale).order_by("pk").values_list("pk", flat=True)[:batch])
                if not ids:
                    break
                for row in model.objects.select_for_update().filter(pk__in=ids):
                    row.save(update_fields=[f.name for f in fields])
                done += len(ids)
            if progress:
                progress(model._meta.label, done)
        counts[model._meta.label] = done
    with transaction.atomic():
        append(
            actor=None,
            entries=[
                Entry(
                    action="case_key_rotate",
                    object_type="cases.key",
                    object_repr=f"个案密钥轮换至 {prefix[:-1]}",
                    changes={"key_id": prefix[:-1], **counts},
                )
            ],
        )
    return counts


def crypto_models() -> list[Any]:
    from dudao.cases import crypto, models

    found = []
    for name in dir(models):
        model = getattr(models, name)
        if isinstance(model, type) and hasattr(model, "_meta") and model.__module__ == models.__name__:
            if any(isinstance(f, crypto.EncryptedTextField) for f in model._meta.concrete_fields):
                found.append(model)
    return sorted(found, key=lambda m: m._meta.label)


def is_stale_key(stored: str) -> bool:
    from dudao.cases import crypto

    return bool(stored) and not stored.startswith(f"{crypto.current_key_id()}:")
