"""测评体系, 督查轮次, per-school checklists and findings.

Words in this API: a *round* (`/rounds`) is one 督查/测评轮次 over many schools; an *inspection*
(`/inspections`) is one school's checklist in a round (the `Target` model); a *finding* is a problem
that a submitted checklist (or an inspector) recorded.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db.models import Count, Max, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema, Status
from ninja.errors import HttpError
from pydantic import Field

from dudao.accounts.requests import AuthedRequest
from dudao.api.auth import require
from dudao.api.schemas import Id, Paged, PageParams
from dudao.core.errors import DomainError
from dudao.core.pagination import paginate
from dudao.inspections import services
from dudao.inspections.frameworks import current_version
from dudao.inspections.models import (
    Framework,
    Indicator,
    Inspection,
    InspectionKind,
    InspectionStatus,
    TargetStatus,
)
from dudao.inspections.selectors import frameworks_for, rounds_for, targets_for
from dudao.orgs.models import OrgUnit
from dudao.orgs.selectors import units_for

router = Router()

FRAMEWORKS, ROUNDS, CHECKLISTS, FINDINGS = ["测评体系"], ["督查轮次"], ["测评表（每校一份）"], ["问题"]

# Appended to the API description in main.py.
API_NOTE = (
    "\n\n督查接口用词：`/rounds` 是督查/测评轮次（一轮覆盖多所学校）；"
    "`/inspections` 是某一轮中某一所学校的测评表（逐项填写、拍照、提交）；"
    "`/findings` 是测评表提交后形成的问题；`/rectifications` 是问题对应的整改台账项。"
    "问题和整改项上的 `inspection` 字段指轮次编号，问题上的 `target` 字段指测评表编号。"
)


def _number(value: Decimal | None) -> float | None:
    return float(value) if value is not None else None


def _unit_in_scope(request: AuthedRequest, unit_id: int) -> OrgUnit:
    return get_object_or_404(units_for(request.user), pk=unit_id)


def _page_of_list(items: list[Any], paging: PageParams) -> dict[str, object]:
    start = (paging.page - 1) * paging.page_size
    return {"items": items[start : start + paging.page_size], "count": len(items)}


# ---------------------------------------------------------------- frameworks


class FrameworkOut(Schema):
    id: int
    name: str
    unit: int
    unit_name: str
    description: str
    version: int


class IndicatorOut(Schema):
    id: int
    code: str
    text: str
    method: str
    max_score: float
    deduct_per: float
    weight: float
    evidence_required: bool
    severity: str
    school_types: list[str]


class SectionOut(Schema):
    id: int
    title: str
    indicators: list[IndicatorOut]


class FrameworkDetailOut(FrameworkOut):
    framework_version: int
    sections: list[SectionOut]


def _indicator(indicator: Indicator) -> IndicatorOut:
    return IndicatorOut(
        id=indicator.pk,
        code=indicator.code,
        text=indicator.text,
        method=indicator.method,
        max_score=float(indicator.max_score),
        deduct_per=float(indicator.deduct_per),
        weight=float(indicator.weight),
        evidence_required=indicator.evidence_required,
        severity=indicator.severity,
        school_types=list(indicator.school_types),
    )


@router.get("/frameworks", response=Paged[FrameworkOut], tags=FRAMEWORKS)
def list_frameworks(request: AuthedRequest, paging: Query[PageParams]) -> dict[str, object]:
    """测评体系 the acting role may use; `version` is the number of the current edition."""
    require(request, "framework.read")
    qs = (
        frameworks_for(request.user)
        .select_related("unit")
        .annotate(current=Max("versions__number"))
        .order_by("name", "id")
    )
    page = paginate(qs, page=paging.page, page_size=paging.page_size)
    items = [
        FrameworkOut(
            id=f.pk,
            name=f.name,
            unit=f.unit_id,
            unit_name=f.unit.name,
            description=f.description,
            version=f.current or 1,
        )
        for f in page.items
    ]
    return {"items": items, "count": page.count}


@router.get("/frameworks/{framework_id}", response=FrameworkDetailOut, tags=FRAMEWORKS)
def get_framework(request: AuthedRequest, framework_id: int, version: Id | None = None) -> FrameworkDetailOut:
    """The current edition's sections and indicators; `?version=N` shows an earlier edition."""
    require(request, "framework.read")
    framework: Framework = get_object_or_404(frameworks_for(request.user).select_related("unit"), pk=framework_id)
    edition = current_version(framework) if version is None else get_object_or_404(framework.versions, number=version)
    indicators = Prefetch("indicators", queryset=Indicator.objects.order_by("order", "id"))
    sections = edition.sections.prefetch_related(indicators)
    return FrameworkDetailOut(
        id=framework.pk,
        name=framework.name,
        unit=framework.unit_id,
        unit_name=framework.unit.name,
        description=framework.description,
        version=edition.number,
        framework_version=edition.pk,
        sections=[
            SectionOut(id=s.pk, title=s.title, indicators=[_indicator(i) for i in s.indicators.all()]) for s in sections
        ],
    )


# ---------------------------------------------------------------- rounds


class RoundOut(Schema):
    id: int
    name: str
    kind: str
    kind_name: str
    unit: int
    unit_name: str
    framework: int
    framework_name: str
    framework_version: int
    framework_version_number: int
    previous: int | None
    starts_on: dt.date
    ends_on: dt.date
    assessment_on: dt.date | None
    status: str
    status_name: str
    published_at: dt.datetime | None
    schools: int
    version: int


class TeamOut(Schema):
    id: int
    name: str
    leader: int | None
    leader_name: str
    schools: int


class RoundDetailOut(RoundOut):
    submitted: int
    teams: list[TeamOut]


class RoundIn(Schema):
    name: str = Field(max_length=100)
    kind: str
    unit: Id
    framework: Id | None = None
    schools: list[Id] = []
    starts_on: dt.date
    ends_on: dt.date
    assessment_on: dt.date | None = None
    previous: Id | None = None


def _with_counts(qs: QuerySet[Inspection]) -> QuerySet[Inspection]:
    return qs.select_related("unit", "framework_version__framework").annotate(school_count=Count("targets"))


def _round(inspection: Inspection) -> RoundOut:
    version = inspection.framework_version
    return RoundOut(
        id=inspection.pk,
        name=inspection.name,
        kind=inspection.kind,
        kind_name=inspection.get_kind_display(),
        unit=inspection.unit_id,
        unit_name=inspection.unit.name,
        framework=version.framework_id,
        framework_name=version.framework.name,
        framework_version=version.pk,
        framework_version_number=version.number,
        previous=inspection.previous_id,
        starts_on=inspection.starts_on,
        ends_on=inspection.ends_on,
        assessment_on=inspection.assessment_on,
        status=inspection.status,
        status_name=inspection.get_status_display(),
        published_at=inspection.published_at,
        schools=getattr(inspection, "school_count", 0),
        version=inspection.version,
    )


def _round_detail(request: AuthedRequest, round_id: int) -> RoundDetailOut:
    inspection = get_object_or_404(_with_counts(rounds_for(request.user)), pk=round_id)
    teams = inspection.teams.select_related("leader").annotate(school_count=Count("targets"))
    submitted = inspection.targets.filter(status=TargetStatus.SUBMITTED).count()
    return RoundDetailOut(
        **_round(inspection).dict(),
        submitted=submitted,
        teams=[
            TeamOut(
                id=t.pk,
                name=t.name,
                leader=t.leader_id,
                leader_name=t.leader.display_name if t.leader else "",
                schools=t.school_count,
            )
            for t in teams
        ],
    )


@router.get("/rounds", response=Paged[RoundOut], tags=ROUNDS)
def list_rounds(
    request: AuthedRequest,
    paging: Query[PageParams],
    kind: InspectionKind | None = None,
    status: InspectionStatus | None = None,
    unit: Id | None = None,
) -> dict[str, object]:
    """督查/测评轮次, newest first. `unit`: rounds organised inside that unit or inspecting schools inside it.

    Unannounced rounds (暗访) stay hidden from the schools they target until the results are published.
    """
    require(request, "inspection.read")
    qs = rounds_for(request.user)
    if kind is not None:
        qs = qs.filter(kind=kind)
    if status is not None:
        qs = qs.filter(status=status)
    if unit is not None:
        where = _unit_in_scope(request, unit)
        targeted = targets_for(request.user).filter(school__path__under=where.path).values("inspection_id")
        qs = qs.filter(Q(unit__path__under=where.path) | Q(pk__in=targeted))
    page = paginate(_with_counts(qs), page=paging.page, page_size=paging.page_size)
    return {"items": [_round(r) for r in page.items], "count": page.count}


@router.get("/rounds/{round_id}", response=RoundDetailOut, tags=ROUNDS)
def get_round(request: AuthedRequest, round_id: int) -> RoundDetailOut:
    require(request, "inspection.read")
    return _round_detail(request, round_id)


@router.post("/rounds", response={201: RoundDetailOut}, tags=ROUNDS)
def plan_round(request: AuthedRequest, payload: RoundIn) -> Status[RoundDetailOut]:
    """Plan a round over `schools` (ids). A 回头看 (`kind=revisit`) names the `previous` round; it uses that
    round's framework edition and, without `schools`, the schools with open findings."""
    require(request, "inspection.change")
    user = request.user
    unit = _unit_in_scope(request, payload.unit)
    previous = get_object_or_404(rounds_for(user), pk=payload.previous) if payload.previous is not None else None
    if payload.framework is not None:
        framework = get_object_or_404(frameworks_for(user), pk=payload.framework)
        version = current_version(framework)
    elif previous is not None:
        version = previous.framework_version
    else:
        raise DomainError("请选择测评体系", code="framework_required")
    wanted = list(dict.fromkeys(payload.schools))
    found = units_for(user).in_bulk(wanted)
    missing = [str(pk) for pk in wanted if pk not in found]
    if missing:
        raise HttpError(404, f"以下学校不存在或不在您的管理范围内：{'、'.join(missing[:10])}")
    inspection = services.plan_inspection(
        actor=user,
        unit=unit,
        name=payload.name,
        kind=payload.kind,
        framework_version=version,
        schools=[found[pk] for pk in wanted],
        starts_on=payload.starts_on,
        ends_on=payload.ends_on,
        assessment_on=payload.assessment_on,
        previous=previous,
    )
    return Status(201, _round_detail(request, inspection.pk))
