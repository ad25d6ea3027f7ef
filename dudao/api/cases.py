"""一生一案: cases the caller may see (object-level), notes, the dropout register, home visits, aggregates.

Reading a case by id that one may not see answers 404 and is logged as a denied attempt; every read of a case's
content writes an access event."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Query, Router, Schema, Status

from dudao.accounts.requests import AuthedRequest
from dudao.api.auth import require
from dudao.api.schemas import Id, Paged, PageParams
from dudao.cases import school as school_records
from dudao.cases import selectors, services
from dudao.cases.models import CaseFile, CaseKind, CaseNote, CaseStatus, RiskLevel, VisitMode, term_of
from dudao.core import crypto
from dudao.core.pagination import paginate
from dudao.orgs.models import StudentStatus
from dudao.orgs.selectors import units_for

router = Router(tags=["一生一案"])


class CaseOut(Schema):
    id: int
    kind: str
    kind_name: str
    school: int
    school_name: str
    student: int
    student_name: str
    klass_name: str
    source: str
    risk_level: str
    risk_level_name: str
    status: str
    counsellor: int | None
    counsellor_name: str
    class_teacher: int | None
    class_teacher_name: str
    next_review_on: dt.date | None
    is_overdue: bool
    dropout_reason: str
    dropout_result: str
    days_out: int | None
    version: int


class NoteOut(Schema):
    id: int
    kind: str
    kind_name: str
    author: int | None
    author_name: str
    occurred_on: dt.date
    participants: str
    text: str
    outcome: str
    created_at: dt.datetime


class StepOut(Schema):
    step: str
    step_name: str
    done_at: dt.datetime | None


class CaseDetailOut(CaseOut):
    plan: str
    summary: str
    follow_up_days: int
    guardian_contacted_at: dt.datetime | None
    crisis_steps: list[StepOut]
    notes: list[NoteOut]


def _case(c: CaseFile) -> CaseOut:
    return CaseOut(
        id=c.pk,
        kind=c.kind,
        kind_name=c.get_kind_display(),
        school=c.school_id,
        school_name=c.school.name,
        student=c.student_id,
        student_name=c.student.name,
        klass_name=c.student.klass.name,
        source=c.source,
        risk_level=c.risk_level,
        risk_level_name=c.get_risk_level_display(),
        status=c.status,
        counsellor=c.counsellor_id,
        counsellor_name=c.counsellor.display_name if c.counsellor else "",
        class_teacher=c.class_teacher_id,
        class_teacher_name=c.class_teacher.display_name if c.class_teacher else "",
        next_review_on=c.next_review_on,
        is_overdue=c.is_overdue,
        dropout_reason=c.dropout_reason,
        dropout_result=c.dropout_result,
        days_out=c.days_out,
        version=c.version,
    )


def _note(n: CaseNote) -> NoteOut:
    return NoteOut(
        id=n.pk,
        kind=n.kind,
        kind_name=n.get_kind_display(),
        author=n.author_id,
        author_name=n.author.display_name if n.author else "",
        occurred_on=n.occurred_on,
        participants=n.participants,
        text=n.text,
        outcome=n.outcome,
        created_at=n.created_at,
    )


def _get(request: AuthedRequest, case_id: int, via: str) -> CaseFile:
    require(request, "case.read")
    case = selectors.with_rows(selectors.cases_for(request.user)).filter(pk=case_id).first()
    if case is None:
        services.log_denied(actor=request.user, case_id=case_id, via=via)
        raise Http404
    return case


@router.get("/cases", response=Paged[CaseOut])
def list_cases(
    request: AuthedRequest,
    paging: Query[PageParams],
    kind: CaseKind | None = None,
    status: CaseStatus | None = None,
    risk_level: RiskLevel | None = None,
    overdue: bool = False,
) -> dict[str, object]:
    """Only the cases the caller may see: their own (assigned counsellor or class teacher), their school's as
    principal, or under an active break-glass grant. Open cases unless `status` says otherwise."""
    require(request, "case.read")
    filters = selectors.CaseFilters(
        kind=kind.value if kind else "",
        status=status.value if status else CaseStatus.OPEN,
        level=risk_level.value if risk_level else "",
        overdue=overdue,
    )
    page = paginate(
        selectors.with_rows(selectors.case_list(request.user, filters)), page=paging.page, page_size=paging.page_size
    )
    services.log_list(actor=request.user, cases=page.items, via="api_list")
    return {"items": [_case(c) for c in page.items], "count": page.count}


@router.get("/cases/stats", response=dict[str, Any])
def case_stats(request: AuthedRequest, unit: Id | None = None) -> dict[str, Any]:
    """Aggregates for higher levels: open cases by unit, level and kind, overdue reviews, crisis count. No names.
    `unit`: a unit inside the caller's scope (default: the acting unit)."""
    require(request, "case.stats")
    target = get_object_or_404(units_for(request.user), pk=unit) if unit is not None else None
    root = selectors.stats_root(request.user, "case.stats", target)
    if root is None:
        raise Http404
    rows = selectors.case_stats(root)
    return {
        "unit": root.pk,
        "unit_name": root.name,
        "rows": [
            {
                "unit": r.unit_id,
                "unit_name": r.unit_name,
                "open": r.open,
                "by_level": r.by_level,
                "by_kind": r.by_kind,
                "overdue": r.overdue,
                "crisis": r.crisis,
            }
            for r in rows
        ],
        "open": sum(r.open for r in rows),
        "overdue": sum(r.overdue for r in rows),
    }


@router.get("/cases/{case_id}", response=CaseDetailOut)
def get_case(request: AuthedRequest, case_id: Id) -> CaseDetailOut:
    """One case with its notes (decrypted). Logged as a read; a case one may not see answers 404 and is logged
    as a denied attempt."""
    case = _get(request, case_id, "api")
    services.log_read(actor=request.user, case=case, via="api", break_glass=selectors.has_grant(request.user, case))
    # Each encrypted value opened on its own: one under a missing key reads "无法解密（密钥缺失）", not a 500.
    crypto.read_fields(case, *selectors.CASE_SECRETS)
    return CaseDetailOut(
        **_case(case).dict(),
        plan=case.plan,
        summary=case.summary,
        follow_up_days=case.follow_up_days,
        guardian_contacted_at=case.guardian_contacted_at,
        crisis_steps=[
            StepOut(step=s.step, step_name=s.get_step_display(), done_at=s.done_at) for s in case.crisis_steps.all()
        ],
        notes=[_note(n) for n in crypto.readable(case.notes.select_related("author"), *crypto.NOTE_SECRETS)],
    )


@router.get("/cases/{case_id}/notes", response=list[NoteOut])
def list_notes(request: AuthedRequest, case_id: Id) -> list[NoteOut]:
    case = _get(request, case_id, "api_notes")
    services.log_read(
        actor=request.user, case=case, via="api_notes", break_glass=selectors.has_grant(request.user, case)
    )
    return [_note(n) for n in crypto.readable(case.notes.select_related("author"), *crypto.NOTE_SECRETS)]


class NoteIn(Schema):
    text: str
    kind: str = "note"
    occurred_on: dt.date | None = None
    participants: str = ""
    outcome: str = ""


@router.post("/cases/{case_id}/notes", response={201: NoteOut})
def add_note(request: AuthedRequest, case_id: Id, payload: NoteIn) -> Status[NoteOut]:
    """Add a note (`{"text": "..."}`; optional `kind`: note, interview, family, school, teacher, persuasion)."""
    require(request, "case.change")
    case = _get(request, case_id, "api_write")
    note = services.add_note(
        actor=request.user,
        case=case,
        text=payload.text,
        kind=payload.kind,
        occurred_on=payload.occurred_on,
        participants=payload.participants,
        outcome=payload.outcome,
    )
    note.author = request.user
    return Status(201, _note(note))


class DropoutRow(Schema):
    case: int
    school: str
    reason: str
    result: str
    days_out: int | None
    cadre: str
    township: str


class DropoutOut(Schema):
    unit: int
    unit_name: str
    remaining: int
    by_unit: list[dict[str, Any]]
    by_reason: dict[str, int]
    settled: dict[str, int]
    remaining_cases: list[DropoutRow]
    named: list[CaseOut]


@router.get("/dropout-register", response=DropoutOut)
def dropout_register(request: AuthedRequest, unit: Id | None = None) -> DropoutOut:
    """控辍保学: the 动态清零 aggregates of the caller's scope (counts by unit and reason, each remaining case with
    its days out and responsible cadre, no student names) and, for the case's own people, the named entries."""
    named: list[CaseFile] = []
    from dudao.orgs.scoping import can

    if can(request.user, "case.read"):
        named = list(
            selectors.with_rows(selectors.cases_for(request.user).filter(kind=CaseKind.DROPOUT)).exclude(
                status=CaseStatus.ARCHIVED
            )[:500]
        )
        services.log_list(actor=request.user, cases=named, via="api_register")
    target = get_object_or_404(units_for(request.user), pk=unit) if unit is not None else None
    root = selectors.stats_root(request.user, "case.stats", target)
    if root is None and not named:
        require(request, "case.stats")
        raise Http404
    stats = selectors.dropout_stats(root) if root is not None else None
    return DropoutOut(
        unit=root.pk if root else 0,
        unit_name=root.name if root else "",
        remaining=len(stats.remaining) if stats else 0,
        by_unit=stats.by_unit if stats else [],
        by_reason=stats.by_reason if stats else {},
        settled=stats.settled if stats else {},
        remaining_cases=[DropoutRow(**r) for r in stats.remaining] if stats else [],
        named=[_case(c) for c in named],
    )


class VisitOut(Schema):
    id: int
    student: int
    student_name: str
    klass: int
    term: str
    teacher: int | None
    planned_on: dt.date | None
    visited_on: dt.date | None
    mode: str
    present: str
    findings: str
    follow_ups: str


class VisitIn(Schema):
    student: Id
    visited_on: dt.date | None = None
    planned_on: dt.date | None = None
    mode: VisitMode = VisitMode.IN_PERSON
    present: str = ""
    findings: str = ""
    follow_ups: str = ""


def _visit(v: Any) -> VisitOut:
    return VisitOut(
        id=v.pk,
        student=v.student_id,
        student_name=v.student.name,
        klass=v.klass_id,
        term=v.term,
        teacher=v.teacher_id,
        planned_on=v.planned_on,
        visited_on=v.visited_on,
        mode=v.mode,
        present=v.present,
        findings=v.findings,
        follow_ups=v.follow_ups,
    )


@router.get("/home-visits", response=Paged[VisitOut])
def list_visits(request: AuthedRequest, paging: Query[PageParams], term: str = "") -> dict[str, object]:
    """Home visits of the caller's classes (class teacher) or school (principal, school office) for a term
    (default: the current one, e.g. `2026秋`)."""
    require(request, "homevisit.read")
    qs = selectors.visits_for(request.user).filter(term=term or term_of(timezone.localdate()))
    page = paginate(
        qs.select_related("student", "klass").order_by("-visited_on", "id"),
        page=paging.page,
        page_size=paging.page_size,
    )
    services.log_visits_read(actor=request.user, visits=page.items, via="api")
    return {"items": [_visit(v) for v in page.items], "count": page.count}


@router.post("/home-visits", response={201: VisitOut})
def record_visit(request: AuthedRequest, payload: VisitIn) -> Status[VisitOut]:
    """Record a visit (`visited_on` with `findings`) or plan one (`planned_on` only)."""
    require(request, "homevisit.change")
    from dudao.orgs.models import Student

    student = (
        Student.objects.filter(pk=payload.student, status=StudentStatus.ENROLLED)
        .filter(pk__in=selectors.visit_students(request.user, term_of(timezone.localdate())).values("pk"))
        .select_related("klass")
        .first()
    )
    if student is None:
        raise Http404
    visit = school_records.record_home_visit(
        actor=request.user,
        student=student,
        visited_on=payload.visited_on,
        planned_on=payload.planned_on,
        mode=payload.mode.value,
        present=payload.present,
        findings=payload.findings,
        follow_ups=payload.follow_ups,
    )
    return Status(201, _visit(visit))
