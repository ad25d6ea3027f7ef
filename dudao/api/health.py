"""晨午检 API: class checks (idempotent), illness absences with follow-up and clearance, alerts, rates."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Field, Query, Router, Schema

from dudao.accounts.requests import AuthedRequest
from dudao.api.auth import require
from dudao.api.schemas import Id, Paged, PageParams
from dudao.core.errors import DomainError
from dudao.core.pagination import paginate
from dudao.health import selectors, services
from dudao.health.models import AbsenceRecord, Alert, AlertStatus, DailyCheck, Disease, FollowUpStatus
from dudao.orgs.models import OrgUnit
from dudao.orgs.selectors import units_for

router = Router(tags=["晨午检与疫情预警"])
IDEMPOTENCY_HEADER = "Idempotency-Key"


class AbsenceIn(Schema):
    student: Id
    reason: Literal["illness", "other", "unwell"]
    symptoms: list[str] = Field(default_factory=list, max_length=9)
    temperature: float | None = None
    suspected: str = Field("", max_length=20, description="疑似病种代码（见 GET /health/diseases）")


class CheckIn(Schema):
    class_id: Id
    date: dt.date
    session: Literal["morning", "noon", "evening"]
    absences: list[AbsenceIn] = Field(default_factory=list, max_length=200)
    # The one-tap 全勤 of a phone app: refused (409) when the session already records absences, which an empty
    # `absences` list without it would correct away.
    all_present: bool = False


class CheckOut(Schema):
    id: int
    class_id: int
    class_name: str
    school: int
    date: dt.date
    session: str
    roster_size: int
    present: int
    illness_count: int
    other_count: int
    unwell_count: int
    early_returns: list[int]
    submitted_at: dt.datetime
    version: int


class CheckResultOut(CheckOut):
    created: bool
    changed: bool
    alerts: list[int]


def _check_fields(c: DailyCheck) -> dict[str, object]:
    return {
        "id": c.pk,
        "class_id": c.klass_id,
        "class_name": c.klass.name,
        "school": c.school_id,
        "date": c.date,
        "session": c.session,
        "roster_size": c.roster_size,
        "present": c.present,
        "illness_count": c.illness_count,
        "other_count": c.other_count,
        "unwell_count": c.unwell_count,
        "early_returns": list(c.early_returns),
        "submitted_at": c.submitted_at,
        "version": c.version,
    }


def _check(c: DailyCheck) -> CheckOut:
    return CheckOut.model_validate(_check_fields(c))


@router.post("/health/checks", response=CheckResultOut)
def submit_check(request: AuthedRequest, payload: CheckIn) -> dict[str, object]:
    """Submit one class's check. `absences: []` means 全勤. The same content again changes nothing; different
    content the same day is an audited correction. With an `Idempotency-Key` header the same key always answers
    the same check `id`. Rules 1–3 run at once; `alerts` lists alerts raised by this submission."""
    require(request, "health.check")
    klass = get_object_or_404(selectors.classes_for(request.user, include_closed=True), pk=payload.class_id)
    key = (request.headers.get(IDEMPOTENCY_HEADER) or "").strip()
    if len(key) > 100:
        raise DomainError(f"{IDEMPOTENCY_HEADER} 不能超过 100 个字符", code="idempotency_key_too_long")
    result = services.submit_check(
        actor=request.user,
        klass=klass,
        date=payload.date,
        session=payload.session,
        absences=[
            services.AbsenceInput(a.student, a.reason, tuple(a.symptoms), a.temperature, a.suspected)
            for a in payload.absences
        ],
        idempotency_key=key,
        all_present=payload.all_present,
    )
    check = result.check
    check.klass = klass if check.klass_id == klass.pk else check.klass
    # A plain dict: ninja validates it once against the response schema (no intermediate models).
    return {
        **_check_fields(check),
        "created": result.created,
        "changed": result.changed,
        "alerts": [a.pk for a in result.alerts],
    }


@router.get("/health/checks", response=Paged[CheckOut])
def list_checks(
    request: AuthedRequest,
    paging: Query[PageParams],
    school: Id | None = None,
    date: dt.date | None = None,
    session: Literal["morning", "noon", "evening"] | None = None,
) -> dict[str, object]:
    """Checks in scope; `school`: any unit (checks of classes inside it); `date` defaults to every day."""
    require(request, "health.read")
    rows = selectors.checks_for(request.user).select_related("klass")
    if school is not None:
        unit = get_object_or_404(units_for(request.user), pk=school)
        rows = rows.filter(klass__path__under=unit.path)
    if date is not None:
        rows = rows.filter(date=date)
    if session is not None:
        rows = rows.filter(session=session)
    page = paginate(rows.order_by("-date", "klass__path", "session"), page=paging.page, page_size=paging.page_size)
    return {"items": [_check(c) for c in page.items], "count": page.count}


class AbsenceOut(Schema):
    id: int
    check: int
    student: int
    student_name: str
    class_id: int
    class_name: str
    school: int
    date: dt.date
    reason: str
    symptoms: list[str]
    temperature: float | None
    suspected: str
    status: str
    status_name: str
    diagnosis: str
    diagnosis_name: str
    guardian_contacted: bool
    clinic: str
    onset_date: dt.date | None
    expected_return: dt.date | None
    note: str
    cleared_on: dt.date | None
    version: int


def _absence(a: AbsenceRecord) -> AbsenceOut:
    clearance = getattr(a, "clearance", None)
    return AbsenceOut(
        id=a.pk,
        check=a.check_record_id,
        student=a.student_id,
        student_name=a.student.name,
        class_id=a.klass_id,
        class_name=a.klass.name,
        school=a.school_id,
        date=a.date,
        reason=a.reason,
        symptoms=list(a.symptoms),
        temperature=float(a.temperature) if a.temperature is not None else None,
        suspected=a.suspected.code if a.suspected else "",
        status=a.status,
        status_name=a.get_status_display(),
        diagnosis=a.diagnosis.code if a.diagnosis else "",
        diagnosis_name=a.diagnosis.name if a.diagnosis else "",
        guardian_contacted=a.guardian_contacted,
        clinic=a.clinic,
        onset_date=a.onset_date,
        expected_return=a.expected_return,
        note=a.note,
        cleared_on=clearance.return_date if clearance else None,
        version=a.version,
    )


def _get_absence(request: AuthedRequest, absence_id: int) -> AbsenceRecord:
    require(request, "health.cases")
    return get_object_or_404(selectors.absences_for(request.user), pk=absence_id)


@router.get("/health/absences", response=Paged[AbsenceOut])
def list_absences(
    request: AuthedRequest,
    paging: Query[PageParams],
    school: Id | None = None,
    date: dt.date | None = None,
    reason: Literal["illness", "other", "unwell"] | None = None,
    status: FollowUpStatus | None = None,
    awaiting_clearance: bool = False,
) -> dict[str, object]:
    """Absences with students' names (the school's people and the health officer only). `status=pending` with
    today's `date` is the follow-up queue; `awaiting_clearance=true` lists students who need a 复课 clearance."""
    require(request, "health.cases")
    user = request.user
    rows = selectors.awaiting_clearance(user) if awaiting_clearance else selectors.absences_for(user)
    if school is not None:
        unit = get_object_or_404(units_for(user), pk=school)
        rows = rows.filter(klass__path__under=unit.path)
    if date is not None:
        rows = rows.filter(date=date)
    if reason is not None:
        rows = rows.filter(reason=reason)
    if status is not None:
        rows = rows.filter(status=status.value)
    page = paginate(rows.order_by("-date", "klass__path", "id"), page=paging.page, page_size=paging.page_size)
    return {"items": [_absence(a) for a in page.items], "count": page.count}


@router.get("/health/absences/{absence_id}", response=AbsenceOut)
def get_absence(request: AuthedRequest, absence_id: int) -> AbsenceOut:
    return _absence(_get_absence(request, absence_id))


class FollowUpIn(Schema):
    diagnosis: str = Field("", max_length=20, description="病种代码；空 = 尚未诊断")
    guardian_contacted: bool
    clinic: str = Field("", max_length=100)
    onset_date: dt.date | None = None
    expected_return: dt.date | None = None
    note: str = Field("", max_length=300)
    version: int


def _disease(code: str) -> Disease | None:
    if not code:
        return None
    disease = Disease.objects.filter(code=code).first()
    if disease is None:
        raise DomainError(f"病种代码 “{code}” 不存在", code="disease_invalid")
    return disease


@router.post("/health/absences/{absence_id}/followup", response=AbsenceOut)
def followup(request: AuthedRequest, absence_id: int, payload: FollowUpIn) -> AbsenceOut:
    """追因 by the school doctor: guardian contacted, diagnosis, clinic, onset, expected return."""
    absence = _get_absence(request, absence_id)
    require(request, "health.followup")
    absence, _ = services.record_followup(
        actor=request.user,
        absence=absence,
        diagnosis=_disease(payload.diagnosis),
        guardian_contacted=payload.guardian_contacted,
        clinic=payload.clinic,
        onset_date=payload.onset_date,
        expected_return=payload.expected_return,
        note=payload.note,
        version=payload.version,
    )
    return _absence(get_object_or_404(selectors.absences_for(request.user), pk=absence.pk))


class ClearanceIn(Schema):
    return_date: dt.date
    symptoms_ended_on: dt.date | None = None
    certificate_no: str = Field(..., max_length=100)
    version: int


@router.post("/health/absences/{absence_id}/clearance", response=AbsenceOut)
def clearance(request: AuthedRequest, absence_id: int, payload: ClearanceIn) -> AbsenceOut:
    """复课: refused with the rule's name when `return_date` is before the disease's minimum isolation period."""
    absence = _get_absence(request, absence_id)
    require(request, "health.followup")
    services.clear_return(
        actor=request.user,
        absence=absence,
        return_date=payload.return_date,
        symptoms_ended_on=payload.symptoms_ended_on,
        certificate_no=payload.certificate_no,
        version=payload.version,
    )
    return _absence(get_object_or_404(selectors.absences_for(request.user), pk=absence.pk))


class AlertOut(Schema):
    id: int
    school: int
    school_name: str
    class_id: int | None
    rule: str
    rule_name: str
    disease: str
    title: str
    evidence: dict[str, object]
    cases: list[int]
    on_date: dt.date
    status: str
    status_name: str
    is_immediate: bool
    created_at: dt.datetime
    report_due_at: dt.datetime
    escalated_at: dt.datetime | None
    acknowledged_at: dt.datetime | None
    reported_at: dt.datetime | None
    report_reference: str
    closed_at: dt.datetime | None
    summary: str
    version: int


def _alert(a: Alert, cases: list[int]) -> AlertOut:
    return AlertOut(
        id=a.pk,
        school=a.school_id,
        school_name=a.school.name,
        class_id=a.klass_id,
        rule=a.rule,
        rule_name=a.get_rule_display(),
        disease=a.disease.code if a.disease else "",
        title=a.title,
        evidence=a.evidence,
        cases=cases,
        on_date=a.on_date,
        status=a.status,
        status_name=a.get_status_display(),
        is_immediate=a.is_immediate,
        created_at=a.created_at,
        report_due_at=a.report_due_at,
        escalated_at=a.escalated_at,
        acknowledged_at=a.acknowledged_at,
        reported_at=a.reported_at,
        report_reference=a.report_reference,
        closed_at=a.closed_at,
        summary=a.summary,
        version=a.version,
    )


def _alert_out(request: AuthedRequest, alert: Alert) -> AlertOut:
    from dudao.orgs.scoping import can

    cases = list(alert.cases.values_list("pk", flat=True)) if can(request.user, "health.cases") else []
    return _alert(alert, cases)


def _get_alert(request: AuthedRequest, alert_id: int) -> Alert:
    require(request, "health.read")
    return get_object_or_404(selectors.alerts_for(request.user), pk=alert_id)


@router.get("/health/alerts", response=Paged[AlertOut])
def list_alerts(
    request: AuthedRequest,
    paging: Query[PageParams],
    unit: Id | None = None,
    status: AlertStatus | None = None,
    open: bool | None = None,
) -> dict[str, object]:
    """Alerts in scope, newest first. `cases` (absence ids) only for roles that see students' names."""
    require(request, "health.read")
    rows = selectors.alerts_for(request.user)
    if unit is not None:
        rows = rows.filter(school__path__under=get_object_or_404(units_for(request.user), pk=unit).path)
    if status is not None:
        rows = rows.filter(status=status.value)
    if open is True:
        rows = rows.unresolved()
    page = paginate(rows, page=paging.page, page_size=paging.page_size)
    return {"items": [_alert_out(request, a) for a in page.items], "count": page.count}


@router.get("/health/alerts/{alert_id}", response=AlertOut)
def get_alert(request: AuthedRequest, alert_id: int) -> AlertOut:
    return _alert_out(request, _get_alert(request, alert_id))


class VersionIn(Schema):
    version: int


class ReportIn(Schema):
    reference: str = Field(..., max_length=100, description="报告编号或疾控中心接报人")
    reported_at: dt.datetime | None = None
    version: int


class CloseIn(Schema):
    summary: str = Field(..., max_length=4000)
    version: int


class MeasureIn(Schema):
    kind: Literal["isolation", "disinfection", "suspension", "other"]
    starts_on: dt.date
    ends_on: dt.date | None = None
    note: str = Field("", max_length=300)
    version: int


@router.post("/health/alerts/{alert_id}/acknowledge", response=AlertOut)
def acknowledge(request: AuthedRequest, alert_id: int, payload: VersionIn) -> AlertOut:
    alert = services.acknowledge_alert(actor=request.user, alert=_get_alert(request, alert_id), version=payload.version)
    return _alert_out(request, _get_alert(request, alert.pk))


@router.post("/health/alerts/{alert_id}/report", response=AlertOut)
def report(request: AuthedRequest, alert_id: int, payload: ReportIn) -> AlertOut:
    """Record the report to the CDC: time (default now) and reference. `report_due_at` is 2 h after the alert
    for (suspected) notifiable diseases ("立即"), 24 h otherwise."""
    alert = services.report_alert(
        actor=request.user,
        alert=_get_alert(request, alert_id),
        reported_at=payload.reported_at,
        reference=payload.reference,
        version=payload.version,
    )
    return _alert_out(request, _get_alert(request, alert.pk))


@router.post("/health/alerts/{alert_id}/measures", response=AlertOut)
def measure(request: AuthedRequest, alert_id: int, payload: MeasureIn) -> AlertOut:
    alert = _get_alert(request, alert_id)
    services.add_measure(
        actor=request.user,
        alert=alert,
        kind=payload.kind,
        starts_on=payload.starts_on,
        ends_on=payload.ends_on,
        note=payload.note,
        version=payload.version,
    )
    return _alert_out(request, _get_alert(request, alert.pk))


@router.post("/health/alerts/{alert_id}/close", response=AlertOut)
def close(request: AuthedRequest, alert_id: int, payload: CloseIn) -> AlertOut:
    alert = services.close_alert(
        actor=request.user, alert=_get_alert(request, alert_id), summary=payload.summary, version=payload.version
    )
    return _alert_out(request, _get_alert(request, alert.pk))


class RateOut(Schema):
    date: dt.date
    classes_checked: int
    roster: int
    illness: int
    other: int
    illness_rate: float = Field(..., description="因病缺勤率（%）")
    attendance_rate: float = Field(..., description="出勤率（%）")


class RatesOut(Schema):
    unit: int
    unit_name: str
    items: list[RateOut]


class RatesQuery(Schema):
    unit: Id | None = None
    from_: dt.date | None = Field(None, alias="from")
    to: dt.date | None = None


@router.get("/health/rates", response=RatesOut)
def rates(request: AuthedRequest, params: Query[RatesQuery]) -> RatesOut:
    """Daily morning-check figures of a unit's subtree (default: the acting unit), from `from` to `to`
    (default: the last 30 days; at most 366 days)."""
    require(request, "health.read")
    scope = units_for(request.user)
    target = get_object_or_404(scope, pk=params.unit) if params.unit is not None else _acting_unit(request)
    end = params.to or timezone.localdate()
    start = params.from_ or end - dt.timedelta(days=29)
    if start > end:
        raise DomainError("起始日期不能晚于结束日期", code="bad_range")
    if (end - start).days > 366:
        raise DomainError("时间范围不能超过一年", code="range_too_long")
    return RatesOut(
        unit=target.pk,
        unit_name=target.name,
        items=[
            RateOut(
                date=f.date,
                classes_checked=f.classes_checked,
                roster=f.roster,
                illness=f.illness,
                other=f.other,
                illness_rate=f.illness_pct,
                attendance_rate=f.attendance_pct,
            )
            for f in selectors.daily_rates(request.user, target, start, end)
        ],
    )


def _acting_unit(request: AuthedRequest) -> OrgUnit:
    from dudao.orgs.scoping import acting_assignment

    assignment = acting_assignment(request.user)
    if assignment is None:
        raise DomainError("当前身份没有所属单位", code="no_unit")
    return assignment.unit


class DiseaseOut(Schema):
    code: str
    name: str
    is_notifiable: bool
    needs_clearance: bool
    min_days: int
    symptom_free_hours: int
    rule_text: str


@router.get("/health/diseases", response=list[DiseaseOut])
def diseases(request: AuthedRequest) -> list[DiseaseOut]:
    """The disease list with codes and the isolation-period table."""
    require(request, "health.read")
    return [DiseaseOut.from_orm(d) for d in Disease.objects.all()]
