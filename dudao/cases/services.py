"""一生一案 services: open, note, level and crisis, referral, review, dropout register entry, close; break-glass;
alerts. Every read of a case is logged here too. Intake (screening, absence suggestions) is in `intake`, home
visits and staffing in `school`, retention and key rotation in `upkeep`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import IO, Any

from django.conf import settings
from django.db import IntegrityError, transaction
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
    CrisisStep,
    CrisisStepKind,
    DropoutReason,
    DropoutResult,
    NoteKind,
    Referral,
    ReferralStatus,
    RiskLevel,
)
from dudao.cases.selectors import acting_school, class_teacher_of, counsellor_candidates, may_write
from dudao.core.errors import DomainError, Forbidden, check_version
from dudao.orgs.models import OrgUnit, Role, RoleAssignment, Student
from dudao.orgs.roles import allows
from dudao.orgs.scoping import acting_assignment

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


def log_lookup(*, actor: Any, student_no: str, cases: Iterable[CaseFile]) -> None:
    """A break-glass lookup by 学籍号: one access event per school where files were found (the student number, masked
    by the audit trail, and the case ids, no content); a lookup that found nothing is written too, under the
    searcher's unit."""
    by_school: dict[str, list[int]] = {}
    for case in cases:
        by_school.setdefault(case.school.path, []).append(case.pk)
    if not by_school:
        assignment = acting_assignment(actor)
        by_school[assignment.unit.path if assignment is not None else ""] = []
    append(
        actor=actor,
        entries=[
            Entry(
                action="case_lookup",
                kind="access",
                object_type="cases.casefile",
                object_id=str(ids[0]) if len(ids) == 1 else "",
                object_repr=f"按学籍号查找个案（{len(ids)} 份）",
                unit_path=path,
                changes={"via": "break_glass_lookup", "student_no": student_no, "cases": ids},
            )
            for path, ids in by_school.items()
        ],
    )


def log_suggestions(*, actor: Any, unit_path: str, screening: Iterable[Any], dropout: Iterable[Any]) -> None:
    """The suggestions page names students with scores and absences: one access event per kind shown."""
    entries = []
    for object_type, rows in (("cases.screeningresult", list(screening)), ("cases.dropoutsuggestion", list(dropout))):
        if not rows:
            continue
        entries.append(
            Entry(
                action="suggestion_list",
                kind="access",
                object_type=object_type,
                object_repr=f"{len(rows)} 条建案建议",
                unit_path=unit_path,
                changes={"via": "suggestions", "ids": [r.pk for r in rows]},
            )
        )
    if entries:
        append(actor=actor, entries=entries)


def log_visits_read(*, actor: Any, visits: Iterable[Any], via: str) -> None:
    """Home-visit findings shown on a page or through the API: one access event per class, naming the visits."""
    by_class: dict[str, list[int]] = {}
    for visit in visits:
        if visit.findings or visit.follow_ups:
            by_class.setdefault(visit.klass.path, []).append(visit.pk)
    if not by_class:
        return
    append(
        actor=actor,
        entries=[
            Entry(
                action=f"visit_{via}",
                kind="access",
                object_type="cases.homevisit",
                object_repr=f"{len(ids)} 条家访记录",
                unit_path=path,
                changes={"visits": ids, "via": via},
            )
            for path, ids in by_class.items()
        ],
    )


# ----- helpers ------------------------------------------------------------------------------------------------


def clean_text(value: str, label: str, *, required: bool = True, limit: int = MAX_TEXT) -> str:
    value = (value or "").strip()
    if required and not value:
        raise DomainError(f"请填写{label}", code="text_required")
    if len(value) > limit:
        raise DomainError(f"{label}不能超过 {limit} 字", code="text_too_long")
    return value


def refuse_future(day: dt.date | None, label: str) -> None:
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
    text = clean_text(text, "记录内容")
    outcome = clean_text(outcome, "结果", required=False, limit=2000)
    participants = clean_text(participants, "参与人员", required=False, limit=200)
    occurred_on = occurred_on or timezone.localdate()
    refuse_future(occurred_on, "记录日期")
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
        [*principals, case.counsellor, case.class_teacher],
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
    reason = clean_text(reason, "调整理由", limit=2000)
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
    note = clean_text(note, "说明", required=False, limit=2000)
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
    institution = clean_text(institution, "转介机构", limit=100)
    note = clean_text(note, "说明", required=False, limit=2000)
    if status not in ReferralStatus.values:
        raise DomainError("转介状态不正确", code="bad_referral_status")
    refuse_future(referred_on, "转介日期")
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
            after={"referral": referral.pk, "institution_chars": len(institution), "status": status},
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


def review_case(*, actor: Any, case: CaseFile, text: str, next_review_on: dt.date, version: int | None) -> CaseFile:
    """The scheduled review: what was found, and when to look again."""
    text = clean_text(text, "评估意见")
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
    refuse_future(out_since, "离校日期")
    refuse_future(returned_on, "返校/安置日期")
    if result in DROPOUT_SETTLED and returned_on is None:
        raise DomainError("请填写返校、送教上门或转学的日期", code="returned_on_required")
    contacts = [
        clean_text(c, "联系人", required=False, limit=80)
        for c in (teacher_contact, cadre_contact, township_contact, village_contact)
    ]
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
    summary = clean_text(summary, "结案小结")
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
            details={"grant": grant.pk, "reason_chars": len(reason), "hours": hours, "role": assignment.role},
        )
    return grant


def _decide_scope(actor: Any, school_id: int) -> None:
    school = acting_school(actor)
    if school is None or school.pk != school_id:
        raise Forbidden("只能处理本校的建案建议")
