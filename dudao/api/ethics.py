"""师德师风 API: incidents (confidential: the list carries no facts, each detail read is an access event, a refused one
a denied event and 404), their steps, the one-vote veto per person, the yearly commitments with progress and
acknowledgement, commendations."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Query, Router, Schema, Status
from pydantic import Field

from dudao.accounts.requests import AuthedRequest
from dudao.api.auth import require
from dudao.api.schemas import Id, Paged, PageParams
from dudao.core.errors import DomainError
from dudao.core.pagination import paginate
from dudao.ethics import selectors, services
from dudao.ethics.models import Commendation, Commitment, Incident
from dudao.orgs.scoping import acting_assignment, scope_root_path
from dudao.orgs.selectors import units_for

router = Router(tags=["师德师风"])


def _under(request: AuthedRequest, unit: int | None) -> str | None:
    return None if unit is None else get_object_or_404(units_for(request.user), pk=unit).path


class IncidentOut(Schema):
    id: int
    teacher: int
    teacher_name: str
    school: int
    school_name: str
    source: str
    source_ref: str
    category: str
    category_name: str
    reported_on: dt.date
    status: str
    status_name: str
    finding: str
    found_on: dt.date | None
    measure: str
    measure_body: str
    measure_on: dt.date | None
    measure_ref: str
    is_veto: bool
    veto_from: dt.date | None
    veto_until: dt.date | None
    veto_active: bool = Field(description="今天是否在一票否决期内")
    closed_on: dt.date | None
    version: int


class IncidentDetailOut(IncidentOut):
    facts: str
    investigation: str


def _incident(i: Incident, today: dt.date) -> dict[str, object]:
    return {
        "id": i.pk,
        "teacher": i.teacher_id,
        "teacher_name": i.teacher.display_name,
        "school": i.school_id,
        "school_name": i.school.name,
        "source": i.source,
        "source_ref": i.source_ref,
        "category": i.category,
        "category_name": i.get_category_display(),
        "reported_on": i.reported_on,
        "status": i.status,
        "status_name": i.get_status_display(),
        "finding": i.finding,
        "found_on": i.found_on,
        "measure": i.measure,
        "measure_body": i.measure_body,
        "measure_on": i.measure_on,
        "measure_ref": i.measure_ref,
        "is_veto": i.is_veto,
        "veto_from": i.veto_from,
        "veto_until": i.veto_until,
        "veto_active": i.veto_active_on(today),
        "closed_on": i.closed_on,
        "version": i.version,
    }


def _detail(i: Incident) -> IncidentDetailOut:
    return IncidentDetailOut(
        **_incident(i, timezone.localdate()),  # type: ignore[arg-type]
        facts=i.facts,
        investigation=i.investigation,
    )


@router.get("/ethics/incidents", response=Paged[IncidentOut])
def list_incidents(
    request: AuthedRequest,
    paging: Query[PageParams],
    unit: Id | None = None,
    teacher: Id | None = None,
    status: str = "",
    veto: bool | None = None,
) -> dict[str, object]:
    """Incidents the caller may read (their own; their subtree's for the principal and upward), without the facts."""
    qs = selectors.incidents_for(request.user).order_by("-reported_on", "-id")
    path = _under(request, unit)
    if path is not None:
        qs = qs.filter(school__path__under=path)
    if teacher is not None:
        qs = qs.filter(teacher_id=teacher)
    if status:
        qs = qs.filter(status=status)
    if veto is not None:
        qs = qs.filter(is_veto=veto)
    page = paginate(qs, page=paging.page, page_size=paging.page_size)
    today = timezone.localdate()
    return {"items": [_incident(i, today) for i in page.items], "count": page.count}


def _visible(request: AuthedRequest, incident_id: int, via: str) -> Incident:
    incident = selectors.incident_for(request.user, incident_id)
    if incident is None:
        services.log_denied(actor=request.user, incident_id=incident_id, via=via)
        raise Http404
    return incident


@router.get("/ethics/incidents/{incident_id}", response=IncidentDetailOut)
def get_incident(request: AuthedRequest, incident_id: Id) -> IncidentDetailOut:
    """One incident with its facts and investigation; the read is an access event."""
    incident = _visible(request, incident_id, "api")
    services.log_read(actor=request.user, incident=incident, via="api")
    return _detail(incident)


class IncidentIn(Schema):
    teacher: Id = Field(description="教师的账号 id")
    source: str = Field(description="complaint 投诉 / inspection 督查发现 / report 举报 / media 媒体")
    category: str
    reported_on: dt.date
    facts: str
    source_ref: str = ""


@router.post("/ethics/incidents", response={200: IncidentDetailOut, 201: IncidentDetailOut})
def create_incident(request: AuthedRequest, payload: IncidentIn) -> Status[IncidentDetailOut]:
    """受理. With an `Idempotency-Key` header a resend answers 200 with the incident already made."""
    require(request, "ethics.handle")
    teacher = selectors.find_teacher_by_id(request.user, "ethics.handle", payload.teacher)
    if teacher is None:
        raise DomainError("在您的管辖范围内没有找到该教师", code="teacher_not_found", status=404)
    incident, created = services.register_incident(
        actor=request.user,
        teacher=teacher,
        data=services.IncidentIn(
            source=payload.source,
            category=payload.category,
            reported_on=payload.reported_on,
            facts=payload.facts,
            source_ref=payload.source_ref,
        ),
        request_key=request.headers.get("Idempotency-Key", ""),
    )
    return Status(201 if created else 200, _detail(incident))


class InvestigationIn(Schema):
    investigation: str
    version: int


@router.post("/ethics/incidents/{incident_id}/investigation", response=IncidentDetailOut)
def investigate(request: AuthedRequest, incident_id: Id, payload: InvestigationIn) -> IncidentDetailOut:
    incident = _visible(request, incident_id, "step")
    return _detail(
        services.record_investigation(
            actor=request.user, incident=incident, investigation=payload.investigation, version=payload.version
        )
    )


class DecisionIn(Schema):
    finding: str = Field(description="substantiated 成立 / unsubstantiated 不成立")
    found_on: dt.date
    version: int


@router.post("/ethics/incidents/{incident_id}/decision", response=IncidentDetailOut)
def decide(request: AuthedRequest, incident_id: Id, payload: DecisionIn) -> IncidentDetailOut:
    incident = _visible(request, incident_id, "step")
    return _detail(
        services.decide(
            actor=request.user,
            incident=incident,
            finding=payload.finding,
            found_on=payload.found_on,
            version=payload.version,
        )
    )


class MeasureIn(Schema):
    measure: str = Field(description="criticism 批评教育 / notice 通报批评 / no_honours 取消评优 / sanction 处分")
    body: str = Field(description="处理决定机关")
    decided_on: dt.date
    reference: str = ""
    is_veto: bool = False
    veto_from: dt.date | None = Field(None, description="不填为决定日期所在学年的 9 月 1 日")
    veto_until: dt.date | None = Field(None, description="不填为该学年的 8 月 31 日")
    version: int


@router.post("/ethics/incidents/{incident_id}/measure", response=IncidentDetailOut)
def impose_measure(request: AuthedRequest, incident_id: Id, payload: MeasureIn) -> IncidentDetailOut:
    incident = _visible(request, incident_id, "step")
    return _detail(
        services.impose_measure(
            actor=request.user,
            incident=incident,
            data=services.MeasureIn(
                measure=payload.measure,
                body=payload.body,
                decided_on=payload.decided_on,
                reference=payload.reference,
                is_veto=payload.is_veto,
                veto_from=payload.veto_from,
                veto_until=payload.veto_until,
            ),
            version=payload.version,
        )
    )


class VersionIn(Schema):
    version: int


@router.post("/ethics/incidents/{incident_id}/close", response=IncidentDetailOut)
def close_incident(request: AuthedRequest, incident_id: Id, payload: VersionIn) -> IncidentDetailOut:
    incident = _visible(request, incident_id, "step")
    return _detail(services.close(actor=request.user, incident=incident, version=payload.version))


class VetoOut(Schema):
    teacher: int
    vetoed: bool
    incident: int | None
    starts_on: dt.date | None
    ends_on: dt.date | None
    reason: str


@router.get("/ethics/vetoes", response=list[VetoOut])
def vetoes(request: AuthedRequest, staff: str, on: dt.date | None = None) -> list[VetoOut]:
    """Whether each person (`staff`: account ids, comma-separated, at most 500) is under a one-vote veto on `on`
    (default today), for 评优评先 and 职称; people outside the caller's `ethics.read` scope are not answered."""
    require(request, "ethics.read")
    try:
        ids = [int(part) for part in staff.split(",") if part.strip()]
    except ValueError as exc:
        raise DomainError("staff 应为逗号分隔的账号 id", code="staff_invalid") from exc
    if len(ids) > 500:
        raise DomainError("一次最多查询 500 人", code="too_many")
    root = scope_root_path(request.user, "ethics.read") or ""
    in_scope = list(selectors.staff_under(root).filter(pk__in=ids).values_list("pk", flat=True)) if root else []
    found = selectors.vetoed(in_scope, on or timezone.localdate())
    out = []
    for pk in in_scope:
        veto = found.get(pk)
        out.append(
            VetoOut(
                teacher=pk,
                vetoed=veto is not None,
                incident=veto.incident if veto else None,
                starts_on=veto.starts_on if veto else None,
                ends_on=veto.ends_on if veto else None,
                reason=veto.reason if veto else "",
            )
        )
    return out


# ----- commitments ------------------------------------------------------------------------------------


class CommitmentOut(Schema):
    id: int
    unit: int
    unit_name: str
    year: int
    title: str
    text: str
    due_on: dt.date | None
    published_at: dt.datetime
    acknowledged_at: dt.datetime | None = Field(None, description="调用者本人的签署时间（仅“我的承诺书”）")


def _commitment(c: Commitment, acknowledged_at: dt.datetime | None = None) -> CommitmentOut:
    return CommitmentOut(
        id=c.pk,
        unit=c.unit_id,
        unit_name=c.unit.name,
        year=c.year,
        title=c.title,
        text=c.text,
        due_on=c.due_on,
        published_at=c.published_at,
        acknowledged_at=acknowledged_at,
    )


@router.get("/ethics/commitments", response=Paged[CommitmentOut])
def list_commitments(request: AuthedRequest, paging: Query[PageParams]) -> dict[str, object]:
    """Commitments published above or inside the acting unit."""
    require(request, "ethics.commitments")
    assignment = acting_assignment(request.user)
    assert assignment is not None  # require() passed
    page = paginate(selectors.commitments_seen_from(assignment.unit), page=paging.page, page_size=paging.page_size)
    return {"items": [_commitment(c) for c in page.items], "count": page.count}


@router.get("/ethics/commitments/mine", response=CommitmentOut)
def my_commitment(request: AuthedRequest, year: int | None = None) -> CommitmentOut:
    """The commitment that applies to the caller this year (or `year`), with their acknowledgement time."""
    require(request, "ethics.acknowledge")
    commitment = selectors.commitment_of(request.user, year or timezone.localdate().year)
    if commitment is None:
        raise Http404
    ack = selectors.has_acknowledged(request.user, commitment)
    return _commitment(commitment, ack.acknowledged_at if ack else None)


class CommitmentIn(Schema):
    year: int
    title: str
    text: str
    due_on: dt.date | None = None


@router.post("/ethics/commitments", response={201: CommitmentOut})
def publish(request: AuthedRequest, payload: CommitmentIn) -> Status[CommitmentOut]:
    """Publish the year's commitment for the acting unit (a city or district bureau) and everything under it."""
    require(request, "ethics.publish")
    assignment = acting_assignment(request.user)
    assert assignment is not None
    commitment = services.publish_commitment(
        actor=request.user,
        unit=assignment.unit,
        data=services.CommitmentIn(year=payload.year, title=payload.title, text=payload.text, due_on=payload.due_on),
    )
    return Status(201, _commitment(commitment))


class AckOut(Schema):
    commitment: int
    acknowledged_at: dt.datetime
    created: bool


@router.post("/ethics/commitments/{commitment_id}/acknowledge", response={200: AckOut, 201: AckOut})
def acknowledge(request: AuthedRequest, commitment_id: Id) -> Status[AckOut]:
    """The caller acknowledges the commitment that applies to them; a second call answers 200, `created: false`."""
    require(request, "ethics.acknowledge")
    commitment = Commitment.objects.select_related("unit").filter(pk=commitment_id).first()
    if commitment is None:
        raise Http404
    applying = selectors.commitment_of(request.user, commitment.year)
    if applying is None or applying.pk != commitment.pk:
        raise Http404
    ack, created = services.acknowledge(actor=request.user, commitment=commitment)
    return Status(
        201 if created else 200, AckOut(commitment=commitment.pk, acknowledged_at=ack.acknowledged_at, created=created)
    )


class ProgressOut(Schema):
    unit: int
    unit_name: str
    staff: int
    acknowledged: int
    rate: float | None


@router.get("/ethics/commitments/{commitment_id}/progress", response=list[ProgressOut])
def progress(request: AuthedRequest, commitment_id: Id, unit: Id | None = None) -> list[ProgressOut]:
    """Staff and acknowledgements for the unit (default: the acting unit) and each of its districts or schools."""
    require(request, "ethics.commitments")
    commitment = selectors.commitment_for(request.user, commitment_id)
    if commitment is None:
        raise Http404
    assignment = acting_assignment(request.user)
    assert assignment is not None
    viewed = get_object_or_404(units_for(request.user), pk=unit) if unit is not None else assignment.unit
    children = [u for u in selectors.child_units(viewed) if u.pk != viewed.pk]
    rows = selectors.progress(commitment, [viewed, *children])
    return [
        ProgressOut(unit=r.unit.pk, unit_name=r.unit.name, staff=r.staff, acknowledged=r.acknowledged, rate=r.rate)
        for r in rows
    ]


class PersonOut(Schema):
    id: int
    name: str
    unit: int | None
    unit_name: str


@router.get("/ethics/commitments/{commitment_id}/pending", response=Paged[PersonOut])
def pending(
    request: AuthedRequest, commitment_id: Id, paging: Query[PageParams], unit: Id | None = None
) -> dict[str, object]:
    """Staff under the unit (default: the acting unit) who have not acknowledged the commitment."""
    require(request, "ethics.commitments")
    commitment = selectors.commitment_for(request.user, commitment_id)
    if commitment is None:
        raise Http404
    assignment = acting_assignment(request.user)
    assert assignment is not None
    viewed = get_object_or_404(units_for(request.user), pk=unit) if unit is not None else assignment.unit
    page = paginate(selectors.pending_people(commitment, viewed), page=paging.page, page_size=paging.page_size)
    return {
        "items": [
            PersonOut(id=p.pk, name=p.display_name, unit=p.unit_id, unit_name=p.unit.name if p.unit else "")
            for p in page.items
        ],
        "count": page.count,
    }


# ----- commendations ----------------------------------------------------------------------------------


class CommendationOut(Schema):
    id: int
    teacher: int
    teacher_name: str
    school: int
    school_name: str
    honour: str
    label: str
    level: str
    awarded_on: dt.date
    awarded_by: str


def _commendation(c: Commendation) -> CommendationOut:
    return CommendationOut(
        id=c.pk,
        teacher=c.teacher_id,
        teacher_name=c.teacher.display_name,
        school=c.school_id,
        school_name=c.school.name,
        honour=c.honour,
        label=c.label,
        level=c.level,
        awarded_on=c.awarded_on,
        awarded_by=c.awarded_by,
    )


@router.get("/ethics/commendations", response=Paged[CommendationOut])
def list_commendations(
    request: AuthedRequest, paging: Query[PageParams], unit: Id | None = None, teacher: Id | None = None
) -> dict[str, object]:
    qs = selectors.commendations_for(request.user).order_by("-awarded_on", "-id")
    path = _under(request, unit)
    if path is not None:
        qs = qs.filter(school__path__under=path)
    if teacher is not None:
        qs = qs.filter(Q(teacher_id=teacher))
    page = paginate(qs, page=paging.page, page_size=paging.page_size)
    return {"items": [_commendation(c) for c in page.items], "count": page.count}


class CommendationIn(Schema):
    teacher: Id
    honour: str
    level: str
    awarded_on: dt.date
    awarded_by: str
    name: str = ""


@router.post("/ethics/commendations", response={201: CommendationOut})
def create_commendation(request: AuthedRequest, payload: CommendationIn) -> Status[CommendationOut]:
    require(request, "ethics.commend")
    teacher = selectors.find_teacher_by_id(request.user, "ethics.commend", payload.teacher)
    if teacher is None:
        raise DomainError("在您的管辖范围内没有找到该教师", code="teacher_not_found", status=404)
    commendation = services.record_commendation(
        actor=request.user,
        teacher=teacher,
        data=services.CommendationIn(
            honour=payload.honour,
            level=payload.level,
            awarded_on=payload.awarded_on,
            awarded_by=payload.awarded_by,
            name=payload.name,
        ),
    )
    return Status(201, _commendation(commendation))
