"""气象预警 API: warnings in scope, entering one (dudao proposes the affected schools), adjusting the schools,
dispatching once (`/{id}/dispatch`: a second call answers 200 with `dispatched_now: false` and changes nothing),
and acknowledgements by the hour."""

from __future__ import annotations

import datetime as dt

from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema, Status
from pydantic import Field

from dudao.accounts.requests import AuthedRequest
from dudao.api.auth import require
from dudao.api.schemas import Id, Paged, PageParams
from dudao.core.pagination import paginate
from dudao.warnings import rules, selectors, services
from dudao.warnings.models import WarningKind, WarningLevel, WarningStatus, WeatherWarning

router = Router(tags=["气象预警"])


class AffectedOut(Schema):
    school: int
    school_name: str
    matched_tags: str
    is_proposed: bool


class WarningOut(Schema):
    id: int
    kind: str
    kind_name: str
    level: str
    level_name: str
    title: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    area: list[int]
    issuer: str
    content: str
    status: str
    status_name: str
    unit: int
    unit_name: str
    directive: int | None
    dispatched_at: dt.datetime | None
    rosters_raised: int
    principals_notified: int
    ack_hours: int = Field(description="要求签收的时限（小时）")
    schools: list[AffectedOut]
    version: int


class WarningIn(Schema):
    kind: WarningKind
    level: WarningLevel
    starts_at: dt.datetime
    ends_at: dt.datetime
    area: list[Id] = Field(description="影响区域：区县或学校 id")
    issuer: str = ""
    content: str = ""


class SchoolsIn(Schema):
    schools: list[Id]
    version: int | None = None


class DispatchIn(Schema):
    version: int | None = None


class DispatchOut(Schema):
    warning: WarningOut
    dispatched_now: bool
    detail: str


class HourOut(Schema):
    label: str
    count: int
    cumulative: int


class AckOut(Schema):
    total: int
    acknowledged: int
    on_time: int
    deadline: dt.datetime | None
    hours: list[HourOut]
    missing: list[int]
    missing_names: list[str]


def _out(w: WeatherWarning) -> WarningOut:
    return WarningOut(
        id=w.pk,
        kind=w.kind,
        kind_name=w.get_kind_display(),
        level=w.level,
        level_name=w.get_level_display(),
        title=w.title,
        starts_at=w.starts_at,
        ends_at=w.ends_at,
        area=sorted(w.area.values_list("pk", flat=True)),
        issuer=w.issuer,
        content=w.content,
        status=w.status,
        status_name=w.get_status_display(),
        unit=w.unit_id,
        unit_name=w.unit.name,
        directive=w.directive_id,
        dispatched_at=w.dispatched_at,
        rosters_raised=w.rosters_raised,
        principals_notified=w.principals_notified,
        ack_hours=rules.ACK_HOURS[w.level],
        schools=[
            AffectedOut(
                school=a.school_id, school_name=a.school.name, matched_tags=a.matched_tags, is_proposed=a.is_proposed
            )
            for a in selectors.affected_for(w)
        ],
        version=w.version,
    )


def _warning(request: AuthedRequest, warning_id: int, action: str = "read") -> WeatherWarning:
    return get_object_or_404(selectors.warnings_for(request.user, action), pk=warning_id)


class WarningFilter(Schema):
    status: WarningStatus | None = None
    kind: WarningKind | None = None


@router.get("/warnings", response=Paged[WarningOut])
def list_warnings(
    request: AuthedRequest, paging: Query[PageParams], filters: Query[WarningFilter]
) -> dict[str, object]:
    """Warnings entered in the caller's subtree, newest first."""
    require(request, "warning.read")
    qs = selectors.warnings_for(request.user).order_by("-starts_at", "-id")
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    page = paginate(qs, page=paging.page, page_size=paging.page_size)
    return {"items": [_out(w) for w in page.items], "count": page.count}


@router.post("/warnings", response={201: WarningOut})
def create_warning(request: AuthedRequest, payload: WarningIn) -> Status[WarningOut]:
    """Enter a warning; `schools` in the answer are those dudao proposes (area ∩ the tags its type names)."""
    require(request, "warning.change")
    warning = services.create_warning(
        actor=request.user,
        data=services.WarningIn(
            kind=payload.kind,
            level=payload.level,
            starts_at=payload.starts_at,
            ends_at=payload.ends_at,
            area=payload.area,
            issuer=payload.issuer,
            content=payload.content,
        ),
    )
    return Status(201, _out(_warning(request, warning.pk)))


@router.get("/warnings/{warning_id}", response=WarningOut)
def get_warning(request: AuthedRequest, warning_id: Id) -> WarningOut:
    require(request, "warning.read")
    return _out(_warning(request, warning_id))


@router.put("/warnings/{warning_id}/schools", response=WarningOut)
def set_schools(request: AuthedRequest, warning_id: Id, payload: SchoolsIn) -> WarningOut:
    """The schools the warning goes to, exactly (before dispatch); `version` guards against a stale edit (409)."""
    require(request, "warning.change")
    warning = _warning(request, warning_id, "change")
    services.set_schools(actor=request.user, warning=warning, school_ids=payload.schools, version=payload.version)
    return _out(_warning(request, warning_id))


@router.post("/warnings/{warning_id}/dispatch", response=DispatchOut)
def dispatch(request: AuthedRequest, warning_id: Id, payload: DispatchIn | None = None) -> DispatchOut:
    """Dispatch once: a directive with 签收 to the schools, 加强值守 rosters for the period, principals notified.
    Dispatching again changes nothing and answers `dispatched_now: false`."""
    require(request, "warning.change")
    warning = _warning(request, warning_id, "change")
    outcome = services.dispatch_warning(
        actor=request.user, warning=warning, version=payload.version if payload else None
    )
    return DispatchOut(
        warning=_out(_warning(request, warning_id)), dispatched_now=outcome.is_new, detail=outcome.message
    )


@router.get("/warnings/{warning_id}/acknowledgements", response=AckOut)
def acknowledgements(request: AuthedRequest, warning_id: Id) -> AckOut:
    """签收 by the hour since dispatch and the schools that have not acknowledged."""
    require(request, "warning.read")
    acks = selectors.acknowledgements(request.user, _warning(request, warning_id))
    return AckOut(
        total=acks.total,
        acknowledged=acks.acknowledged,
        on_time=acks.on_time,
        deadline=acks.deadline,
        hours=[HourOut(label=h.label, count=h.count, cumulative=h.cumulative) for h in acks.hours],
        missing=[u.pk for u in acks.missing],
        missing_names=[u.name for u in acks.missing],
    )
