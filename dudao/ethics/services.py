"""Writes of 师德师风: incidents through their steps, the one-vote veto, the yearly commitment and its
acknowledgements, commendations. Each write checks the acting role on the teacher's school, runs in one transaction
and leaves an audit event (the encrypted facts never enter the trail: only that they changed); each read of an
incident's detail leaves an access event (`log_read`), each refused one a denied event (`log_denied`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from dudao.accounts.models import User
from dudao.audit.services import Entry, append, record_access, record_change, root_path, snapshot
from dudao.core.errors import DomainError, Forbidden
from dudao.core.locking import bump, locked
from dudao.ethics.models import (
    Acknowledgement,
    Category,
    Commendation,
    Commitment,
    Finding,
    Honour,
    Incident,
    IncidentStatus,
    Level,
    Measure,
    Source,
)
from dudao.ethics.selectors import SCHOOL_KINDS, commitment_of
from dudao.orgs.models import OrgUnit, UnitKind
from dudao.orgs.scoping import can
from dudao.orgs.services import school_of

FACTS_LIMIT = 5000
INCIDENT_FIELDS = [
    "source",
    "source_ref",
    "category",
    "reported_on",
    "status",
    "finding",
    "found_on",
    "measure",
    "measure_body",
    "measure_on",
    "measure_ref",
    "is_veto",
    "veto_from",
    "veto_until",
    "closed_on",
]
MEASURE_FIELDS = ["measure", "measure_body", "measure_on", "measure_ref", "is_veto", "veto_from", "veto_until"]
COMMENDATION_FIELDS = ["honour", "name", "level", "awarded_on", "awarded_by"]


def _text(value: str | None, *, label: str, limit: int, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise DomainError(f"请填写{label}", code="required")
    if len(value) > limit:
        raise DomainError(f"{label}不能超过 {limit} 字", code="too_long")
    return value


def _not_future(day: dt.date | None, *, label: str) -> dt.date:
    if day is None:
        raise DomainError(f"请填写{label}", code="required")
    today = timezone.localdate()
    if day > today:
        raise DomainError(f"{label}不能晚于今天（{today:%Y-%m-%d}）", code="date_in_future")
    return day


def school_year_of(day: dt.date) -> tuple[dt.date, dt.date]:
    """The school year (学年) containing `day`: 1 September to 31 August."""
    start = dt.date(day.year if day.month >= 9 else day.year - 1, 9, 1)
    return start, dt.date(start.year + 1, 8, 31)


def _school_of_teacher(teacher: User) -> OrgUnit:
    unit = teacher.unit
    if unit is None or unit.kind not in SCHOOL_KINDS:
        raise DomainError("只能为学校的教职工登记师德事件或表彰", code="not_school_staff")
    school = school_of(unit)
    if school is None:
        raise DomainError("没有找到该教师所在的学校", code="not_school_staff")
    return school


def _audit(actor: User, action: str, incident: Incident, before: dict[str, Any] | None, **extra: Any) -> None:
    after = {**snapshot(incident, INCIDENT_FIELDS), "teacher": incident.teacher_id, **extra}
    record_change(actor=actor, action=action, obj=incident, unit_path=incident.school.path, before=before, after=after)


# ----- access ---------------------------------------------------------------------------------------


def log_read(*, actor: User, incident: Incident, via: str) -> None:
    """One access event per read of an incident's detail (page or API)."""
    record_access(
        actor=actor,
        action=f"ethics_{via}",
        obj=incident,
        unit_path=incident.school.path,
        details={"via": via, "own": incident.teacher_id == actor.pk},
    )


def log_denied(*, actor: User, incident_id: int, via: str) -> None:
    """Someone asked for an incident they may not see: answered 404, and written down under its school."""
    path = Incident.objects.filter(pk=incident_id).values_list("school__path", flat=True).first()
    append(
        actor=actor,
        entries=[
            Entry(
                action="ethics_denied",
                kind="access",
                object_type="ethics.incident",
                object_id=str(incident_id)[:40],
                object_repr=f"师德事件 #{incident_id}",
                unit_path=path or root_path(),
                changes={"via": via, "denied": True},
            )
        ],
    )


# ----- incidents ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IncidentIn:
    source: str
    category: str
    reported_on: dt.date
    facts: str
    source_ref: str = ""


def register_incident(*, actor: User, teacher: User, data: IncidentIn, request_key: str = "") -> tuple[Incident, bool]:
    """受理: a report about a teacher. A resend with the same `request_key` returns the incident already made
    (`created` False)."""
    school = _school_of_teacher(teacher)
    if not can(actor, "ethics.handle", school):
        raise Forbidden("只有该校校长或上级教育行政部门可以受理师德事件")
    if teacher.pk == actor.pk:
        raise Forbidden("不能受理反映本人的师德事件，请由上级办理")
    if data.source not in Source.values:
        raise DomainError("请选择事件来源", code="source_invalid")
    if data.category not in Category.values:
        raise DomainError("请选择问题类别", code="category_invalid")
    values = {
        "source": data.source,
        "category": data.category,
        "reported_on": _not_future(data.reported_on, label="受理日期"),
        "facts": _text(data.facts, label="反映的问题", limit=FACTS_LIMIT),
        "source_ref": _text(data.source_ref, label="来源编号", limit=40, required=False),
    }
    key = (request_key or "").strip()[:64] or None
    if key is not None:
        existing = Incident.objects.filter(request_key=key).select_related("school", "teacher").first()
        if existing is not None:
            return existing, False
    try:
        with transaction.atomic():
            incident = Incident.objects.create(
                school=school, teacher=teacher, created_by=actor, request_key=key, **values
            )
            _audit(actor, "create", incident, None, facts_changed=True)
    except IntegrityError:
        existing = Incident.objects.filter(request_key=key).select_related("school", "teacher").first()
        if key is None or existing is None:
            raise
        return existing, False
    return incident, True


def _fresh(actor: User, incident: Incident, version: int | None, *, decide: bool) -> Incident:
    permission = "ethics.decide" if decide else "ethics.handle"
    if incident.teacher_id == actor.pk:
        raise Forbidden("不能办理反映本人的师德事件")
    if not can(actor, permission, incident.school):
        raise Forbidden(
            "认定和处理由区县或市教育局办理" if decide else "只有该校校长或上级教育行政部门可以办理师德事件"
        )
    fresh = locked(Incident.objects.select_related("school", "teacher"), incident.pk, version)
    return fresh


def record_investigation(*, actor: User, incident: Incident, investigation: str, version: int | None) -> Incident:
    """调查: the findings of the inquiry (encrypted); may be added to until the incident is decided."""
    text = _text(investigation, label="调查情况", limit=FACTS_LIMIT)
    with transaction.atomic():
        fresh = _fresh(actor, incident, version, decide=False)
        if fresh.status not in (IncidentStatus.ACCEPTED, IncidentStatus.INVESTIGATING):
            raise DomainError("事件已认定，不能再修改调查情况", code="illegal_transition", status=409)
        before = snapshot(fresh, INCIDENT_FIELDS)
        fresh.investigation = text
        fresh.status = IncidentStatus.INVESTIGATING
        fresh.updated_at = timezone.now()
        bump(fresh, ["investigation", "status", "updated_at"])
        _audit(actor, "investigate", fresh, before, investigation_changed=True)
    return fresh


def decide(*, actor: User, incident: Incident, finding: str, found_on: dt.date | None, version: int | None) -> Incident:
    """认定: 成立 leads on to the measure; 不成立 closes the incident."""
    if finding not in Finding.values:
        raise DomainError("请选择认定结论（成立或不成立）", code="finding_invalid")
    day = _not_future(found_on, label="认定日期")
    with transaction.atomic():
        fresh = _fresh(actor, incident, version, decide=True)
        if fresh.status != IncidentStatus.INVESTIGATING:
            raise DomainError("请先登记调查情况，再作认定", code="illegal_transition", status=409)
        if day < fresh.reported_on:
            raise DomainError("认定日期不能早于受理日期", code="date_order")
        before = snapshot(fresh, INCIDENT_FIELDS)
        fresh.finding = finding
        fresh.found_on = day
        if finding == Finding.SUBSTANTIATED:
            fresh.status = IncidentStatus.DECIDED
        else:
            fresh.status = IncidentStatus.CLOSED
            fresh.closed_on = day
        fresh.updated_at = timezone.now()
        bump(fresh, ["finding", "found_on", "status", "closed_on", "updated_at"])
        _audit(actor, "decide", fresh, before)
    return fresh


@dataclass(frozen=True)
class MeasureIn:
    measure: str
    body: str
    decided_on: dt.date | None
    reference: str = ""
    is_veto: bool = False
    veto_from: dt.date | None = None
    veto_until: dt.date | None = None


def impose_measure(*, actor: User, incident: Incident, data: MeasureIn, version: int | None) -> Incident:
    """处理: the measure, the deciding body and date, and the one-vote veto with its period (the school year of the
    decision unless given)."""
    if data.measure not in Measure.values:
        raise DomainError("请选择处理方式", code="measure_invalid")
    body = _text(data.body, label="处理决定机关", limit=60)
    day = _not_future(data.decided_on, label="处理决定日期")
    reference = _text(data.reference, label="处理决定文号", limit=60, required=False)
    veto_from: dt.date | None = None
    veto_until: dt.date | None = None
    if data.is_veto:
        default_from, default_until = school_year_of(day)
        veto_from = data.veto_from or default_from
        veto_until = data.veto_until or default_until
        if veto_until < veto_from:
            raise DomainError("一票否决期的结束日期不能早于开始日期", code="veto_period")
        if (veto_until - veto_from).days > 366 * 5:
            raise DomainError("一票否决期不能超过五年", code="veto_period")
    with transaction.atomic():
        fresh = _fresh(actor, incident, version, decide=True)
        if fresh.status != IncidentStatus.DECIDED or fresh.finding != Finding.SUBSTANTIATED:
            raise DomainError("只有认定成立的事件才能作出处理", code="illegal_transition", status=409)
        if fresh.found_on is not None and day < fresh.found_on:
            raise DomainError("处理决定日期不能早于认定日期", code="date_order")
        before = snapshot(fresh, INCIDENT_FIELDS)
        fresh.measure = data.measure
        fresh.measure_body = body
        fresh.measure_on = day
        fresh.measure_ref = reference
        fresh.is_veto = data.is_veto
        fresh.veto_from = veto_from
        fresh.veto_until = veto_until
        fresh.status = IncidentStatus.HANDLED
        fresh.updated_at = timezone.now()
        bump(fresh, [*MEASURE_FIELDS, "status", "updated_at"])
        _audit(actor, "impose_measure", fresh, before)
    return fresh


def close(*, actor: User, incident: Incident, version: int | None) -> Incident:
    """办结: the measure was carried out. The veto stays in force for its period."""
    with transaction.atomic():
        fresh = _fresh(actor, incident, version, decide=False)
        if fresh.status != IncidentStatus.HANDLED:
            raise DomainError("只有已处理的事件才能办结", code="illegal_transition", status=409)
        before = snapshot(fresh, INCIDENT_FIELDS)
        fresh.status = IncidentStatus.CLOSED
        fresh.closed_on = timezone.localdate()
        fresh.updated_at = timezone.now()
        bump(fresh, ["status", "closed_on", "updated_at"])
        _audit(actor, "close", fresh, before)
    return fresh


# ----- the yearly commitment ----------------------------------------------------------------------------


@dataclass(frozen=True)
class CommitmentIn:
    year: int
    title: str
    text: str
    due_on: dt.date | None = None


def publish_commitment(*, actor: User, unit: OrgUnit, data: CommitmentIn) -> Commitment:
    """The bureau (or a district bureau) publishes the year's 师德承诺书 for every staff member of its subtree."""
    if unit.kind not in (UnitKind.BUREAU, UnitKind.DISTRICT):
        raise DomainError("承诺书由市或区县教育局发布", code="not_a_bureau")
    if not can(actor, "ethics.publish", unit):
        raise Forbidden("只有教育局领导或科室人员可以发布师德承诺书")
    today = timezone.localdate()
    if not today.year - 1 <= data.year <= today.year + 1:
        raise DomainError(f"年度应在 {today.year - 1} 至 {today.year + 1} 之间", code="bad_year")
    if data.due_on is not None and data.due_on < today:
        raise DomainError("签署截止日期不能早于今天", code="due_in_past")
    values = {
        "title": _text(data.title, label="标题", limit=80),
        "text": _text(data.text, label="承诺内容", limit=10000),
    }
    with transaction.atomic():
        if Commitment.objects.filter(unit=unit, year=data.year).exists():
            raise DomainError(f"{unit.name}已发布 {data.year} 年度的师德承诺书", code="commitment_exists", status=409)
        commitment = Commitment.objects.create(
            unit=unit, year=data.year, due_on=data.due_on, published_by=actor, **values
        )
        record_change(
            actor=actor,
            action="publish",
            obj=commitment,
            unit_path=unit.path,
            after=snapshot(commitment, ["year", "title", "due_on"]),
        )
    return commitment


def acknowledge(*, actor: User, commitment: Commitment) -> tuple[Acknowledgement, bool]:
    """The person acknowledges the commitment that applies to them; a second tap returns the first acknowledgement."""
    if not can(actor, "ethics.acknowledge"):
        raise Forbidden("您当前的身份无需签署师德承诺书")
    applying = commitment_of(actor, commitment.year)
    if applying is None or applying.pk != commitment.pk:
        raise DomainError("这份承诺书不适用于您所在的单位", code="not_applicable")
    existing = Acknowledgement.objects.filter(commitment=commitment, user=actor).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            ack = Acknowledgement.objects.create(commitment=commitment, user=actor)
            record_change(
                actor=actor,
                action="acknowledge",
                obj=commitment,
                unit_path=actor.unit.path if actor.unit else commitment.unit.path,
                after={"acknowledged_by": actor.pk, "year": commitment.year},
            )
    except IntegrityError:
        return Acknowledgement.objects.get(commitment=commitment, user=actor), False
    return ack, True


# ----- commendations ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CommendationIn:
    honour: str
    level: str
    awarded_on: dt.date | None
    awarded_by: str
    name: str = ""


def record_commendation(*, actor: User, teacher: User, data: CommendationIn) -> Commendation:
    school = _school_of_teacher(teacher)
    if not can(actor, "ethics.commend", school):
        raise Forbidden("只有该校校长或上级教育行政部门可以登记表彰")
    if data.honour not in Honour.values:
        raise DomainError("请选择荣誉称号", code="honour_invalid")
    if data.level not in Level.values:
        raise DomainError("请选择表彰级别", code="level_invalid")
    name = _text(data.name, label="称号全称", limit=60, required=data.honour == Honour.OTHER)
    awarded_on = _not_future(data.awarded_on, label="授予日期")
    values: dict[str, Any] = {
        "honour": data.honour,
        "name": name,
        "level": data.level,
        "awarded_on": awarded_on,
        "awarded_by": _text(data.awarded_by, label="授予机关", limit=60),
    }
    with transaction.atomic():
        if Commendation.objects.filter(
            teacher=teacher, honour=data.honour, level=data.level, awarded_on=awarded_on
        ).exists():
            raise DomainError("该表彰已登记过", code="commendation_exists", status=409)
        commendation = Commendation.objects.create(school=school, teacher=teacher, created_by=actor, **values)
        record_change(
            actor=actor,
            action="create",
            obj=commendation,
            unit_path=school.path,
            after={**snapshot(commendation, COMMENDATION_FIELDS), "teacher": teacher.pk},
        )
    return commendation
