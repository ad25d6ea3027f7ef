"""Per-school checklists (`/inspections`: one school's 测评表 in a round) and the findings they record."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ObjectDoesNotExist
from django.shortcuts import get_object_or_404
from ninja import File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field

from dudao.accounts.requests import AuthedRequest
from dudao.api.auth import require
from dudao.api.inspections import CHECKLISTS, FINDINGS, _number, _page_of_list, _unit_in_scope
from dudao.api.schemas import Id, Paged, PageParams
from dudao.core.pagination import paginate
from dudao.inspections import services
from dudao.inspections.frameworks import indicator_score
from dudao.inspections.models import (
    Finding,
    Target,
    TargetStatus,
)
from dudao.inspections.selectors import findings_for, targets_for

router = Router()


# ---------------------------------------------------------------- per-school checklists


class TargetOut(Schema):
    id: int
    round: int
    round_name: str
    kind: str
    kind_name: str
    school: int
    school_name: str
    team: int | None
    team_name: str
    status: str
    status_name: str
    score: float | None
    max_score: float | None
    submitted_at: dt.datetime | None
    version: int


class TargetDetailOut(TargetOut):
    round_status: str
    starts_on: dt.date
    ends_on: dt.date
    framework: int
    framework_version: int
    framework_version_number: int
    indicators: int
    answered: int
    photos: int
    findings: int


def _target(target: Target) -> TargetOut:
    inspection = target.inspection
    return TargetOut(
        id=target.pk,
        round=inspection.pk,
        round_name=inspection.name,
        kind=inspection.kind,
        kind_name=inspection.get_kind_display(),
        school=target.school_id,
        school_name=target.school.name,
        team=target.team_id,
        team_name=target.team.name if target.team else "",
        status=target.status,
        status_name=target.get_status_display(),
        score=_number(target.score),
        max_score=_number(target.max_score),
        submitted_at=target.submitted_at,
        version=target.version,
    )


def _get_target(request: AuthedRequest, target_id: int) -> Target:
    require(request, "inspection.read")
    return get_object_or_404(targets_for(request.user), pk=target_id)


@router.get("/inspections", response=Paged[TargetOut], tags=CHECKLISTS)
def list_inspections(
    request: AuthedRequest,
    paging: Query[PageParams],
    round: Id | None = None,
    school: Id | None = None,
    status: TargetStatus | None = None,
) -> dict[str, object]:
    """Per-school checklists (one school in one round). `school` takes any unit: checklists of schools inside it."""
    require(request, "inspection.read")
    qs = targets_for(request.user).order_by("-inspection__starts_on", "-inspection_id", "school__path")
    if round is not None:
        qs = qs.filter(inspection_id=round)
    if school is not None:
        qs = qs.filter(school__path__under=_unit_in_scope(request, school).path)
    if status is not None:
        qs = qs.filter(status=status)
    page = paginate(qs, page=paging.page, page_size=paging.page_size)
    return {"items": [_target(t) for t in page.items], "count": page.count}


@router.get("/inspections/{target_id}", response=TargetDetailOut, tags=CHECKLISTS)
def get_inspection(request: AuthedRequest, target_id: int) -> TargetDetailOut:
    target = _get_target(request, target_id)
    indicators, answers = services.checklist(target)
    version = target.inspection.framework_version
    return TargetDetailOut(
        **_target(target).dict(),
        round_status=target.inspection.status,
        starts_on=target.inspection.starts_on,
        ends_on=target.inspection.ends_on,
        framework=version.framework_id,
        framework_version=version.pk,
        framework_version_number=version.number,
        indicators=len(indicators),
        answered=sum(1 for i in indicators if i.pk in answers and answers[i.pk].result),
        photos=target.photos.count(),
        findings=target.findings.count(),
    )


class AnswerOut(Schema):
    indicator: int
    section: str
    code: str
    text: str
    method: str
    max_score: float
    weight: float
    evidence_required: bool
    result: str
    occurrences: int
    value: float | None
    note: str
    score: float | None
    updated_at: dt.datetime | None
    previous_finding: int | None
    photos: list[int]


@router.get("/inspections/{target_id}/answers", response=Paged[AnswerOut], tags=CHECKLISTS)
def list_answers(request: AuthedRequest, target_id: int, paging: Query[PageParams]) -> dict[str, object]:
    """The checklist: every indicator that applies to the school, with the answer so far (`result` "" = not yet).

    `photos` are photo ids of this checklist (give them to `POST …/findings`)."""
    target = _get_target(request, target_id)
    indicators, answers = services.checklist(target)
    photos: dict[int | None, list[int]] = {}
    for indicator_id, photo_id in target.photos.order_by("id").values_list("indicator_id", "id"):
        photos.setdefault(indicator_id, []).append(photo_id)
    rows = []
    for indicator in indicators:
        answer = answers.get(indicator.pk)
        scored = indicator_score(indicator, answer) if answer and answer.result else None
        rows.append(
            AnswerOut(
                indicator=indicator.pk,
                section=indicator.section.title,
                code=indicator.code,
                text=indicator.text,
                method=indicator.method,
                max_score=float(indicator.max_score),
                weight=float(indicator.weight),
                evidence_required=indicator.evidence_required,
                result=answer.result if answer else "",
                occurrences=answer.occurrences if answer else 0,
                value=_number(answer.value) if answer else None,
                note=answer.note if answer else "",
                score=float(scored[0]) if scored else None,
                updated_at=answer.updated_at if answer else None,
                previous_finding=answer.previous_finding_id if answer else None,
                photos=photos.get(indicator.pk, []),
            )
        )
    return _page_of_list(rows, paging)


class AnswerIn(Schema):
    indicator: Id
    result: str
    occurrences: int | None = Field(None, ge=0, le=10**6)
    value: float | None = Field(None, allow_inf_nan=False)
    note: str = ""


class AnswerSavedOut(Schema):
    indicator: int
    result: str
    occurrences: int
    value: float | None
    note: str
    updated_at: dt.datetime
    status: str


@router.post("/inspections/{target_id}/answers", response=AnswerSavedOut, tags=CHECKLISTS)
def save_answer(request: AuthedRequest, target_id: int, payload: AnswerIn) -> AnswerSavedOut:
    """Save one indicator's answer (`result`: pass, fail or na); saving again replaces it.

    Deduct indicators take `occurrences` when failed; scale indicators take `value` (0 to the maximum)."""
    target = _get_target(request, target_id)
    answer = services.save_answer(
        actor=request.user,
        target=target,
        indicator_id=payload.indicator,
        result=payload.result,
        occurrences=payload.occurrences,
        value=payload.value,
        note=payload.note,
    )
    return AnswerSavedOut(
        indicator=answer.indicator_id,
        result=answer.result,
        occurrences=answer.occurrences,
        value=_number(answer.value),
        note=answer.note,
        updated_at=answer.updated_at,
        status=target.status,
    )


class PhotoOut(Schema):
    id: int
    file: int
    indicator: int | None
    latitude: float | None
    longitude: float | None
    taken_at: dt.datetime | None
    width: int | None
    height: int | None


@router.post("/inspections/{target_id}/photos", response={201: PhotoOut}, tags=CHECKLISTS)
def add_photo(
    request: AuthedRequest,
    target_id: int,
    file: File[UploadedFile],
    indicator: Form[Id | None] = None,
    latitude: Form[float | None] = None,
    longitude: Form[float | None] = None,
) -> Status[PhotoOut]:
    """Upload one photo (multipart: `file`; optional `indicator`, and the phone's `latitude`/`longitude`).

    JPEG, PNG or WebP up to 15 MB; stored without EXIF except capture time and GPS."""
    target = _get_target(request, target_id)
    photo = services.add_photo(
        actor=request.user,
        target=target,
        indicator_id=indicator,
        upload=file,
        name=file.name or "",
        latitude=latitude,
        longitude=longitude,
    )
    stored = photo.file
    out = PhotoOut(
        id=photo.pk,
        file=stored.pk,
        indicator=photo.indicator_id,
        latitude=photo.latitude if photo.latitude is not None else stored.latitude,
        longitude=photo.longitude if photo.longitude is not None else stored.longitude,
        taken_at=stored.taken_at,
        width=stored.width,
        height=stored.height,
    )
    return Status(201, out)


class FindingIn(Schema):
    category: str = ""
    description: str
    severity: str = "general"
    photos: list[Id] = []


class FindingOut(Schema):
    id: int
    school: int
    school_name: str
    inspection: int | None
    inspection_name: str
    target: int | None
    indicator: int | None
    category: str
    description: str
    severity: str
    severity_name: str
    due_limit: dt.date
    source: str
    photo_files: list[int]
    item: int | None
    created_at: dt.datetime


def _item_id(finding: Finding) -> int | None:
    try:
        return int(finding.item.pk)
    except ObjectDoesNotExist:
        return None


def _finding(finding: Finding) -> FindingOut:
    return FindingOut(
        id=finding.pk,
        school=finding.school_id,
        school_name=finding.school.name,
        inspection=finding.inspection_id,
        inspection_name=finding.inspection.name if finding.inspection else "",
        target=finding.target_id,
        indicator=finding.indicator_id,
        category=finding.category,
        description=finding.description,
        severity=finding.severity,
        severity_name=finding.get_severity_display(),
        due_limit=finding.due_limit,
        source=finding.source,
        photo_files=[p.pk for p in finding.photos.all()],
        item=_item_id(finding),
        created_at=finding.created_at,
    )


@router.post("/inspections/{target_id}/findings", response={201: FindingOut}, tags=CHECKLISTS)
def add_finding(request: AuthedRequest, target_id: int, payload: FindingIn) -> Status[FindingOut]:
    """A problem not on the checklist (`severity`: general or serious; `photos`: photo ids of this checklist).

    Before submission it waits for the checklist; after submission it goes to the ledger at once."""
    target = _get_target(request, target_id)
    finding = services.add_finding(
        actor=request.user,
        target=target,
        category=payload.category,
        description=payload.description,
        severity=payload.severity,
        photo_ids=payload.photos,
    )
    return Status(201, _finding(finding))


class SubmitIn(Schema):
    version: int | None = None


class SubmitOut(TargetOut):
    findings: int


@router.post("/inspections/{target_id}/submit", response=SubmitOut, tags=CHECKLISTS)
def submit_inspection(request: AuthedRequest, target_id: int, payload: SubmitIn) -> SubmitOut:
    """Score the checklist and turn every failed indicator into a finding; `findings` counts those created
    (with the extra findings added before). Every applicable indicator must be answered first."""
    target = _get_target(request, target_id)
    findings = services.submit_target(actor=request.user, target=target, version=payload.version)
    fresh = get_object_or_404(targets_for(request.user), pk=target.pk)
    return SubmitOut(**_target(fresh).dict(), findings=len(findings))


# ---------------------------------------------------------------- findings


@router.get("/findings", response=Paged[FindingOut], tags=FINDINGS)
def list_findings(
    request: AuthedRequest,
    paging: Query[PageParams],
    school: Id | None = None,
    inspection: Id | None = None,
    category: str = "",
) -> dict[str, object]:
    """Problems found, newest first. `school`: any unit (schools inside it); `inspection`: a round id."""
    require(request, "inspection.read")
    qs = findings_for(request.user).select_related("item").prefetch_related("photos")
    if school is not None:
        qs = qs.filter(school__path__under=_unit_in_scope(request, school).path)
    if inspection is not None:
        qs = qs.filter(inspection_id=inspection)
    if category.strip():
        qs = qs.filter(category=category.strip())
    page = paginate(qs, page=paging.page, page_size=paging.page_size)
    return {"items": [_finding(f) for f in page.items], "count": page.count}


@router.get("/findings/{finding_id}", response=FindingOut, tags=FINDINGS)
def get_finding(request: AuthedRequest, finding_id: int) -> FindingOut:
    require(request, "inspection.read")
    qs = findings_for(request.user).select_related("item").prefetch_related("photos")
    return _finding(get_object_or_404(qs, pk=finding_id))
