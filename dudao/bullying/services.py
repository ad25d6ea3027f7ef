"""Changes to bullying reports: intake (a guardian's public link, a teacher, the school), the students involved,
the handling steps with their deadlines, the school's designated people, and the access events of every read.

Only non-confidential fields enter the audit trail (status, kind, dates, determination): the trail is read by
auditors with no right to the content; the description, the reporter and the steps' text stay encrypted."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from dudao.accounts.models import User
from dudao.audit.services import Entry, append, record_access, record_change, root_path, snapshot
from dudao.bullying import selectors
from dudao.bullying.models import (
    NEXT_STEP,
    Channel,
    Designation,
    Involvement,
    Kind,
    Report,
    Role,
    Severity,
    Status,
    Step,
    StepKind,
    term_of,
)
from dudao.core.errors import DomainError, Forbidden
from dudao.core.locking import bump, locked
from dudao.orgs.models import OrgUnit, RoleAssignment, UnitKind
from dudao.orgs.roles import allows
from dudao.orgs.scoping import acting_assignment, can

REPORT_FIELDS = ["school", "term", "channel", "kind", "occurred_on", "status", "due_on", "is_bullying", "severity"]
MAX_TEXT = 5000
# How far back an incident may be reported (a guardian who learns of it late still may).
MAX_AGE_DAYS = 365


def _text(value: str | None, label: str, *, required: bool = True, limit: int = MAX_TEXT, least: int = 0) -> str:
    value = (value or "").strip()
    if required and not value:
        raise DomainError(f"请填写{label}", code="required")
    if value and len(value) < least:
        raise DomainError(f"{label}请至少写 {least} 个字", code="too_short")
    if len(value) > limit:
        raise DomainError(f"{label}不能超过 {limit} 字", code="too_long")
    return value


@dataclass(frozen=True)
class ReportIn:
    kind: str
    occurred_on: dt.date
    place: str
    description: str
    reporter: str = ""


def _clean(data: ReportIn) -> dict[str, Any]:
    if data.kind not in Kind.values:
        raise DomainError("请选择欺凌类型", code="kind_invalid")
    today = timezone.localdate()
    if data.occurred_on > today:
        raise DomainError("发生日期不能晚于今天", code="date_in_future")
    if data.occurred_on < today - dt.timedelta(days=MAX_AGE_DAYS):
        raise DomainError("发生日期距今超过一年，请直接联系学校", code="date_too_old")
    return {
        "kind": data.kind,
        "occurred_on": data.occurred_on,
        "place": _text(data.place, "发生地点", limit=100),
        "description": _text(data.description, "事情经过", least=10),
        "reporter": _text(data.reporter, "报告人", required=False, limit=200),
    }


def _key(request_key: str) -> str | None:
    return (request_key or "").strip()[:64] or None


def _create(*, actor: User | None, school: OrgUnit, channel: str, values: dict[str, Any], key: str | None) -> Report:
    now = timezone.now()
    report = Report.objects.create(
        school=school,
        term=term_of(values["occurred_on"]),
        channel=channel,
        reported_by=actor,
        reported_at=now,
        due_on=selectors.due_after(school, timezone.localdate(), StepKind.ACCEPT),
        request_key=key,
        created_at=now,
        updated_at=now,
        **values,
    )
    record_change(
        actor=actor, action="report", obj=report, unit_path=school.path, after=snapshot(report, REPORT_FIELDS)
    )
    return report


def _once(key: str | None, create: Any) -> tuple[Report, bool]:
    """Run `create` unless a report with the same one-time key exists (a double tap, a resent form)."""
    if key is not None:
        existing = Report.objects.filter(request_key=key).first()
        if existing is not None:
            return existing, False
    try:
        with transaction.atomic():
            return create(), True
    except IntegrityError:
        existing = Report.objects.filter(request_key=key).first() if key else None
        if existing is None:
            raise
        return existing, False


def submit_public(*, school: OrgUnit, data: ReportIn, request_key: str = "") -> tuple[Report, bool]:
    """A guardian's report through the school's intake link (no account). The caller limits the rate per client
    address before calling. Returns (report, created)."""
    if school.kind != UnitKind.SCHOOL or school.is_closed:
        raise DomainError("该学校不接受报告", code="not_a_school")
    values = _clean(data)
    if not values["reporter"]:
        raise DomainError("请填写您的姓名、与学生的关系和联系电话，便于学校回访", code="reporter_required")
    key = _key(request_key)
    return _once(key, lambda: _create(actor=None, school=school, channel=Channel.GUARDIAN, values=values, key=key))


@dataclass(frozen=True)
class StudentIn:
    """A student of the school's roster: by id (the API), or by name and, where names repeat, class (the forms)."""

    role: str
    student_id: int | None = None
    name: str = ""
    klass_id: int | None = None


def file_report(
    *,
    actor: User,
    data: ReportIn,
    students: Sequence[StudentIn] = (),
    request_key: str = "",
) -> tuple[Report, bool]:
    """A teacher's or the school's report, filed at the acting school, with the roster students it names. The
    reporter is the actor (shown to the handling people only). Returns (report, created)."""
    assignment = acting_assignment(actor)
    school = selectors.acting_school(actor)
    if assignment is None or school is None or not allows(assignment.role, "bullying.report"):
        raise Forbidden("只有本校教职工可以报告欺凌事件")
    values = _clean(data)
    values["reporter"] = values["reporter"] or f"{actor.display_name}（{assignment.get_role_display()}）"
    channel = Channel.SCHOOL if selectors.handled_school(actor) is not None else Channel.TEACHER
    wanted = [(resolve_student(school, s), s.role) for s in students]
    key = _key(request_key)

    def create() -> Report:
        report = _create(actor=actor, school=school, channel=channel, values=values, key=key)
        for student_id, role in wanted:
            _involve(actor, report, student_id, role)
        return report

    return _once(key, create)


# ---- students ----


def _involve(actor: User, report: Report, student_id: int, role: str) -> Involvement:
    if role not in Role.values:
        raise DomainError("请选择学生的身份（被欺凌、实施欺凌或目击）", code="role_invalid")
    from dudao.orgs.models import Student

    student = Student.objects.filter(pk=student_id, klass__path__under=report.school.path).first()
    if student is None:
        raise DomainError("只能选择本校学籍名册中的学生", code="student_not_in_school")
    if Involvement.objects.filter(report=report, student=student).exists():
        raise DomainError(f"{student.name}已在涉及学生名单中", code="student_twice", status=409)
    row = Involvement.objects.create(report=report, student=student, role=role, added_by=actor)
    return row


def _require_handler(actor: User, report: Report) -> None:
    if not selectors.may_handle(actor, report):
        raise Forbidden("只有本校校长和指定的防欺凌工作人员可以处理欺凌报告")


def _require_open(report: Report) -> None:
    if report.status == Status.CLOSED:
        raise DomainError("该报告已结案，不能再修改", code="report_closed", status=409)


def resolve_student(school: OrgUnit, wanted: StudentIn) -> int:
    """The roster student meant: by id, or the one named so (in the class when given) at the school."""
    if wanted.student_id is not None:
        return wanted.student_id
    name = _text(wanted.name, "学生姓名", limit=50)
    found = selectors.find_students(school, name, wanted.klass_id)
    if not found:
        where = "该班" if wanted.klass_id else "本校"
        raise DomainError(f"{where}学籍名册中没有名为“{name}”的学生", code="student_not_found")
    if len(found) > 1:
        classes = "、".join(s.klass.name for s in found)
        raise DomainError(f"本校有 {len(found)} 名学生叫“{name}”（{classes}），请选择班级", code="student_ambiguous")
    return found[0].pk


def add_student(*, actor: User, report: Report, student: StudentIn, version: int | None) -> Involvement:
    _require_handler(actor, report)
    student_id = resolve_student(report.school, student)
    with transaction.atomic():
        fresh = locked(Report.objects.select_related("school"), report.pk, version)
        _require_open(fresh)
        row = _involve(actor, fresh, student_id, student.role)
        fresh.updated_at = timezone.now()
        bump(fresh, ["updated_at"])
        record_change(
            actor=actor,
            action="add_student",
            obj=fresh,
            unit_path=fresh.school.path,
            after={"student": row.student_id, "role": row.role},
        )
    return row


def remove_student(*, actor: User, report: Report, involvement_id: int, version: int | None) -> None:
    _require_handler(actor, report)
    with transaction.atomic():
        fresh = locked(Report.objects.select_related("school"), report.pk, version)
        _require_open(fresh)
        row = Involvement.objects.filter(report=fresh, pk=involvement_id).first()
        if row is None:
            raise DomainError("该学生已不在名单中，请刷新页面", code="student_gone", status=409)
        before = {"student": row.student_id, "role": row.role}
        row.delete()
        fresh.updated_at = timezone.now()
        bump(fresh, ["updated_at"])
        record_change(actor=actor, action="remove_student", obj=fresh, unit_path=fresh.school.path, before=before)


# ---- handling steps ----


def record_step(
    *,
    actor: User,
    report: Report,
    kind: str,
    text: str,
    version: int | None,
    done_on: dt.date | None = None,
    is_bullying: bool | None = None,
    severity: str = "",
) -> Step:
    """Record the step now due (受理 → 调查 → 认定 → 处置措施 → 跟踪回访 → 结案) and set the next deadline. A report
    found not to be bullying goes from 认定 straight to 结案. Steps are done in order, each once; a form built before
    another person's step is stale (409)."""
    _require_handler(actor, report)
    today = timezone.localdate()
    done_on = done_on or today
    if done_on > today:
        raise DomainError("完成日期不能晚于今天", code="date_in_future")
    with transaction.atomic():
        fresh = locked(Report.objects.select_related("school"), report.pk, version)
        _require_open(fresh)
        expected = fresh.next_step
        if kind != expected:
            label = StepKind(kind).label if kind in StepKind.values else kind
            raise DomainError(
                f"当前应进行“{fresh.next_step_label}”环节，不能登记“{label}”", code="step_out_of_order", status=409
            )
        if done_on < timezone.localtime(fresh.reported_at).date():
            raise DomainError("完成日期不能早于报告日期", code="date_before_report")
        body = _text(text, f"{StepKind(kind).label}记录", least=4)
        before = snapshot(fresh, REPORT_FIELDS)
        _, next_status = NEXT_STEP[fresh.status]
        if kind == StepKind.DETERMINE:
            if is_bullying is None:
                raise DomainError("请选择是否认定为欺凌", code="determination_required")
            if is_bullying and severity not in Severity.values:
                raise DomainError("认定为欺凌的，请选择一般欺凌或严重欺凌", code="severity_required")
            fresh.is_bullying = is_bullying
            fresh.severity = severity if is_bullying else ""
            if not is_bullying:
                next_status = Status.FOLLOWED  # not bullying: no measures or follow-up, the report goes to 结案
        if kind == StepKind.MEASURES and not fresh.involvements.filter(role=Role.VICTIM).exists():
            raise DomainError("请先在涉及学生中登记被欺凌学生", code="victim_missing")
        step = Step.objects.create(
            report=fresh, kind=kind, text=body, due_on=fresh.due_on, done_on=done_on, done_by=actor
        )
        fresh.status = next_status
        if next_status == Status.CLOSED:
            fresh.due_on = None
            fresh.closed_at = timezone.now()
        else:
            following = NEXT_STEP[next_status][0]
            fresh.due_on = selectors.due_after(fresh.school, done_on, following)
        fresh.updated_at = timezone.now()
        bump(fresh, ["status", "due_on", "is_bullying", "severity", "closed_at", "updated_at"])
        record_change(
            actor=actor,
            action=f"step_{kind}",
            obj=fresh,
            unit_path=fresh.school.path,
            before=before,
            after={**snapshot(fresh, REPORT_FIELDS), "step": kind, "done_on": done_on.isoformat()},
        )
    return step


# ---- designated people ----


def _principal_school(actor: User, school: OrgUnit) -> None:
    if not can(actor, "bullying.designate", school) or selectors.handled_school(actor) != school:
        raise Forbidden("只有本校校长可以指定防欺凌工作人员")


def designate(*, actor: User, school: OrgUnit, user: User, duty: str = "") -> Designation:
    _principal_school(actor, school)
    if not selectors.designatable_users(school).filter(pk=user.pk).exists():
        raise DomainError("只能指定在本校担任学校管理员/德育主任或心理教师的人员", code="user_not_eligible")
    duty = _text(duty, "职责", required=False, limit=40)
    with transaction.atomic():
        existing = Designation.objects.filter(school=school, user=user).first()
        if existing is not None:
            return existing
        row = Designation.objects.create(school=school, user=user, duty=duty, designated_by=actor)
        record_change(
            actor=actor,
            action="designate",
            obj=row,
            unit_path=school.path,
            after={"user": user.pk, "name": user.display_name, "duty": duty},
        )
    return row


def undesignate(*, actor: User, school: OrgUnit, designation_id: int) -> None:
    _principal_school(actor, school)
    with transaction.atomic():
        row = Designation.objects.select_related("user").filter(school=school, pk=designation_id).first()
        if row is None:
            return  # already removed: a second click changes nothing
        before = {"user": row.user_id, "name": row.user.display_name, "duty": row.duty}
        record_change(actor=actor, action="undesignate", obj=row, unit_path=school.path, before=before)
        row.delete()


def principals_of(school: OrgUnit) -> list[User]:
    ids = RoleAssignment.objects.filter(unit=school, role="principal").values("user_id")
    return list(User.objects.filter(pk__in=ids, is_active=True))


# ---- access events ----


def log_read(*, actor: User, report: Report, via: str) -> None:
    """One access event per read of a report's detail (page, API)."""
    record_access(
        actor=actor,
        action=f"bullying_{via}",
        obj=report,
        unit_path=report.school.path,
        details={"via": via, "status": report.status},
    )


def log_list(*, actor: User, reports: Iterable[Report], via: str) -> None:
    """A list naming reports: one event per report shown."""
    shown = list(reports)
    if not shown:
        return
    append(
        actor=actor,
        entries=[
            Entry(
                action=f"bullying_{via}",
                kind="access",
                obj=r,
                unit_path=r.school.path,
                changes={"via": via},
            )
            for r in shown
        ],
    )


def log_denied(*, actor: User, report_id: int, via: str) -> None:
    """Someone asked for a report they may not see: answered 404 and written down under the report's school."""
    school_path = Report.objects.filter(pk=report_id).values_list("school__path", flat=True).first()
    append(
        actor=actor,
        entries=[
            Entry(
                action="bullying_denied",
                kind="access",
                object_type="bullying.report",
                object_id=str(report_id)[:40],
                object_repr=f"欺凌报告 #{report_id}",
                unit_path=school_path or root_path(),
                changes={"via": via, "denied": True},
            )
        ],
    )
