"""学生欺凌防治 API (confidential): the school's reports for its principal and designated people, counts per school
and term for everyone above (`/bullying/stats`), never names or text above the school.

Reading a report one may not see answers 404 and is logged as a denied attempt; every read of a report's detail is
an access event. Writes take the report's `version` (409 when stale); `Idempotency-Key` makes a resent report
harmless."""

from __future__ import annotations

import datetime as dt

from django.http import Http404
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema, Status
from ninja.errors import HttpError
from pydantic import Field

from dudao.accounts.requests import AuthedRequest
from dudao.api.schemas import Id, Paged, PageParams
from dudao.bullying import selectors, services
from dudao.bullying.models import Involvement, Kind, Report, Role, Severity, Step, StepKind
from dudao.core.pagination import paginate
from dudao.orgs.scoping import can
from dudao.orgs.selectors import units_for

router = Router(tags=["学生欺凌防治"])


class ReportOut(Schema):
    id: int
    number: str
    school: int
    school_name: str
    term: str
    channel: str
    kind: str
    kind_name: str
    occurred_on: dt.date
    status: str
    status_name: str
    next_step: str | None
    due_on: dt.date | None
    is_overdue: bool
    is_bullying: bool | None
    severity: str
    version: int


def _report(r: Report) -> ReportOut:
    return ReportOut(
        id=r.pk,
        number=r.number,
        school=r.school_id,
        school_name=r.school.name,
        term=r.term,
        channel=r.channel,
        kind=r.kind,
        kind_name=r.get_kind_display(),
        occurred_on=r.occurred_on,
        status=r.status,
        status_name=r.get_status_display(),
        next_step=r.next_step,
        due_on=r.due_on,
        is_overdue=r.is_overdue,
        is_bullying=r.is_bullying,
        severity=r.severity,
        version=r.version,
    )


class StudentOut(Schema):
    id: int
    student: int
    student_name: str
    class_name: str
    role: str


class StepOut(Schema):
    id: int
    kind: str
    kind_name: str
    text: str
    due_on: dt.date | None
    done_on: dt.date
    was_late: bool
    done_by_name: str


class ReportDetailOut(ReportOut):
    place: str
    description: str
    reporter: str
    students: list[StudentOut]
    steps: list[StepOut]


def _student(i: Involvement) -> StudentOut:
    return StudentOut(
        id=i.pk, student=i.student_id, student_name=i.student.name, class_name=i.student.klass.name, role=i.role
    )


def _step(s: Step) -> StepOut:
    return StepOut(
        id=s.pk,
        kind=s.kind,
        kind_name=s.get_kind_display(),
        text=s.text,
        due_on=s.due_on,
        done_on=s.done_on,
        was_late=s.was_late,
        done_by_name=s.done_by.display_name if s.done_by else "",
    )


def _handler_only(request: AuthedRequest) -> None:
    if selectors.handled_school(request.user) is None:
        if can(request.user, "bullying.count"):
            raise HttpError(403, "上级单位只能查看统计数字：请使用 /api/v1/bullying/stats")
        raise HttpError(403, "只有本校校长和指定的防欺凌工作人员可以查看欺凌报告")


def _get(request: AuthedRequest, report_id: int) -> Report:
    report = selectors.reports_for(request.user).select_related("school").filter(pk=report_id).first()
    if report is None:
        services.log_denied(actor=request.user, report_id=report_id, via="api")
        raise Http404
    return report


def _detail(report: Report) -> ReportDetailOut:
    base = _report(report).model_dump()
    return ReportDetailOut(
        **base,
        place=report.place,
        description=report.description,
        reporter=report.reporter,
        students=[_student(i) for i in selectors.involvements_of([report])[report.pk]],
        steps=[_step(s) for s in selectors.steps_of(report)],
    )


@router.get("/bullying", response=Paged[ReportOut])
def list_reports(
    request: AuthedRequest, paging: Query[PageParams], status: str = "", overdue: bool = False
) -> dict[str, object]:
    """The school's reports (no text, no names) for its principal and designated people; `status`: a status or
    `open`; `overdue=true`: past the current step's deadline. Above the school: 403, see `/bullying/stats`."""
    _handler_only(request)
    qs = selectors.report_list(request.user, status=status or "all", overdue=overdue)
    page = paginate(qs, page=paging.page, page_size=paging.page_size)
    return {"items": [_report(r) for r in page.items], "count": page.count}


class SchoolCountOut(Schema):
    school: int
    school_name: str
    reported: int
    determined: int
    bullying: int
    serious: int
    closed: int
    overdue: int


class StatsOut(Schema):
    unit: int
    term: str
    items: list[SchoolCountOut]
    count: int


@router.get("/bullying/stats", response=StatsOut)
def report_stats(request: AuthedRequest, unit: Id | None = None, term: str = "") -> StatsOut:
    """Counts per school of a term (default: the current one) under `unit` (default: the caller's unit): reported,
    determined, found to be bullying, serious, closed, overdue. No names, no text."""
    if not any(can(request.user, p) for p in ("bullying.count", "bullying.handle")):
        raise HttpError(403, "您当前的身份无权查看欺凌事件统计")
    target = get_object_or_404(units_for(request.user), pk=unit) if unit is not None else None
    root = selectors.stats_root(request.user, target)
    if root is None:
        if target is None:  # a school's staff not designated for bullying work
            raise HttpError(403, "您当前的身份无权查看欺凌事件统计")
        raise Http404
    term = term or selectors.current_term()
    rows = selectors.school_stats(root, term)
    return StatsOut(
        unit=root.pk,
        term=term,
        items=[
            SchoolCountOut(
                school=r.school_id,
                school_name=r.school_name,
                reported=r.reported,
                determined=r.determined,
                bullying=r.bullying,
                serious=r.serious,
                closed=r.closed,
                overdue=r.overdue,
            )
            for r in rows
        ],
        count=len(rows),
    )


@router.get("/bullying/{report_id}", response=ReportDetailOut)
def get_report(request: AuthedRequest, report_id: Id) -> ReportDetailOut:
    """One report with its students and steps (decrypted). Logged as a read; a report one may not see answers 404
    and is logged as a denied attempt."""
    _handler_only(request)
    report = _get(request, report_id)
    services.log_read(actor=request.user, report=report, via="api")
    return _detail(report)


class StudentIn(Schema):
    student: Id
    role: Role


class ReportIn(Schema):
    kind: Kind
    occurred_on: dt.date
    place: str
    description: str = Field(description="事情经过（至少 10 个字）")
    students: list[StudentIn] = Field(default_factory=list, description="本校学籍名册中的学生及其身份")


@router.post("/bullying", response={200: ReportOut, 201: ReportOut})
def file_report(request: AuthedRequest, payload: ReportIn) -> Status[ReportOut]:
    """A teacher's or the school's report at the caller's school. The same `Idempotency-Key` twice answers the first
    report with 200."""
    if not can(request.user, "bullying.report"):
        raise HttpError(403, "只有学校教职工可以报告欺凌事件")
    report, created = services.file_report(
        actor=request.user,
        data=services.ReportIn(
            kind=payload.kind, occurred_on=payload.occurred_on, place=payload.place, description=payload.description
        ),
        students=[services.StudentIn(role=s.role, student_id=s.student) for s in payload.students],
        request_key=request.headers.get("Idempotency-Key", ""),
    )
    report = Report.objects.select_related("school").get(pk=report.pk)
    return Status(201 if created else 200, _report(report))


class StepIn(Schema):
    kind: StepKind
    text: str
    version: int
    done_on: dt.date | None = None
    is_bullying: bool | None = Field(None, description="认定环节必填")
    severity: Severity | None = Field(None, description="认定为欺凌时必填：general 一般 / serious 严重")


@router.post("/bullying/{report_id}/steps", response={201: ReportDetailOut})
def record_step(request: AuthedRequest, report_id: Id, payload: StepIn) -> Status[ReportDetailOut]:
    """Record the step now due; 409 when another step is due or `version` is stale."""
    _handler_only(request)
    report = _get(request, report_id)
    services.record_step(
        actor=request.user,
        report=report,
        kind=payload.kind,
        text=payload.text,
        version=payload.version,
        done_on=payload.done_on,
        is_bullying=payload.is_bullying,
        severity=payload.severity or "",
    )
    fresh = Report.objects.select_related("school").get(pk=report.pk)
    services.log_read(actor=request.user, report=fresh, via="api")
    return Status(201, _detail(fresh))


class InvolveIn(Schema):
    student: Id
    role: Role
    version: int


@router.post("/bullying/{report_id}/students", response={201: StudentOut})
def add_student(request: AuthedRequest, report_id: Id, payload: InvolveIn) -> Status[StudentOut]:
    _handler_only(request)
    report = _get(request, report_id)
    row = services.add_student(
        actor=request.user,
        report=report,
        student=services.StudentIn(role=payload.role, student_id=payload.student),
        version=payload.version,
    )
    row = Involvement.objects.select_related("student__klass").get(pk=row.pk)
    return Status(201, _student(row))
