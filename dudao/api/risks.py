"""双重预防 API: risk points and their checks, under /api/v1/safety/ (docs/双重预防.md)."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Query, Router, Schema, Status

from dudao.accounts.models import User
from dudao.accounts.requests import AuthedRequest
from dudao.api.auth import require
from dudao.api.schemas import Id, Paged, PageParams
from dudao.core.errors import DomainError
from dudao.core.pagination import paginate
from dudao.orgs.scoping import can
from dudao.orgs.selectors import units_for
from dudao.risks import selectors, services
from dudao.risks.models import CheckResult, RiskCheck, RiskPoint

router = Router(tags=["双重预防"])


class PointOut(Schema):
    id: int
    unit: int
    unit_name: str
    category: str
    category_name: str
    place: str
    description: str
    grade: str
    grade_name: str
    grade_colour: str
    measures: str
    responsible: int
    responsible_name: str
    frequency: str
    frequency_name: str
    last_checked_on: dt.date | None
    next_check_on: dt.date
    check_deadline: dt.date
    is_overdue: bool
    is_active: bool
    version: int


def _point(p: RiskPoint, today: dt.date) -> PointOut:
    return PointOut(
        id=p.pk,
        unit=p.unit_id,
        unit_name=p.unit.name,
        category=p.category,
        category_name=p.get_category_display(),
        place=p.place,
        description=p.description,
        grade=p.grade,
        grade_name=p.get_grade_display(),
        grade_colour=p.grade_colour,
        measures=p.measures,
        responsible=p.responsible_id,
        responsible_name=p.responsible.display_name,
        frequency=p.frequency,
        frequency_name=p.get_frequency_display(),
        last_checked_on=p.last_checked_on,
        next_check_on=p.next_check_on,
        check_deadline=p.check_deadline,
        is_overdue=p.is_overdue_on(today),
        is_active=p.is_active,
        version=p.version,
    )


class CheckOut(Schema):
    id: int
    point: int
    point_place: str
    checked_on: dt.date
    checked_by: int
    checked_by_name: str
    result: str
    result_name: str
    hazard_level: str
    note: str
    ledger_item: int | None


def _check(c: RiskCheck) -> CheckOut:
    return CheckOut(
        id=c.pk,
        point=c.point_id,
        point_place=c.point.place,
        checked_on=c.checked_on,
        checked_by=c.checked_by_id,
        checked_by_name=c.checked_by.display_name,
        result=c.result,
        result_name=c.get_result_display(),
        hazard_level=c.hazard_level,
        note=c.note,
        ledger_item=c.ledger_item_id,
    )


def _point_or_404(request: AuthedRequest, point_id: int) -> RiskPoint:
    """A point in the read scope, or one the user is responsible for; 403 for a role with neither permission."""
    if not can(request.user, "risk.check"):
        require(request, "risk.read")
    point = selectors.point_for(request.user, point_id)
    if point is None:
        raise Http404
    return point


@router.get("/safety/risk-points", response=Paged[PointOut])
def list_points(
    request: AuthedRequest,
    paging: Query[PageParams],
    unit: Id | None = None,
    grade: str = "",
    category: str = "",
    status: str = "",
) -> dict[str, object]:
    """Active risk points in scope, reddest first. `unit`: inside that unit; `grade`: major|large|general|low or
    high (red and orange); `status`: due|overdue."""
    require(request, "risk.read")
    qs: QuerySet[RiskPoint] = selectors.points_for(request.user).active()
    if unit is not None:
        qs = qs.filter(unit__path__under=get_object_or_404(units_for(request.user), pk=unit).path)
    qs = selectors.by_grade(selectors.filtered(qs, grade=grade, category=category, show=status))
    page = paginate(qs, page=paging.page, page_size=paging.page_size)
    today = timezone.localdate()
    return {"items": [_point(p, today) for p in page.items], "count": page.count}


class PointIn(Schema):
    unit: Id
    category: str
    place: str
    description: str
    grade: str
    measures: str
    responsible: Id
    frequency: str


class PointEditIn(Schema):
    category: str
    place: str
    description: str
    grade: str
    measures: str
    responsible: Id
    frequency: str
    version: int


def _data(payload: PointIn | PointEditIn) -> services.PointData:
    person = User.objects.select_related("unit").filter(pk=payload.responsible).first()
    if person is None:
        raise DomainError("责任人须是本单位在岗人员", code="responsible_outside_unit")
    return services.PointData(
        category=str(payload.category),
        place=payload.place,
        description=payload.description,
        grade=str(payload.grade),
        measures=payload.measures,
        responsible=person,
        frequency=str(payload.frequency),
    )


@router.post("/safety/risk-points", response={201: PointOut})
def create_point(request: AuthedRequest, payload: PointIn) -> Status[PointOut]:
    """Register a risk point. Refused: a responsible person not of the unit (400), a unit one may not manage (403)."""
    require(request, "risk.change")
    unit = get_object_or_404(units_for(request.user), pk=payload.unit)
    point = services.create_point(actor=request.user, unit=unit, data=_data(payload))
    return Status(201, _point(point, timezone.localdate()))


@router.get("/safety/risk-points/{point_id}", response=PointOut)
def get_point(request: AuthedRequest, point_id: Id) -> PointOut:
    return _point(_point_or_404(request, point_id), timezone.localdate())


@router.put("/safety/risk-points/{point_id}", response=PointOut)
def update_point(request: AuthedRequest, point_id: Id, payload: PointEditIn) -> PointOut:
    """Edit a point; a stale `version` answers 409 and changes nothing."""
    require(request, "risk.change")
    point = _point_or_404(request, point_id)
    fresh = services.update_point(actor=request.user, point=point, data=_data(payload), version=payload.version)
    return _point(fresh, timezone.localdate())


@router.get("/safety/risk-points/{point_id}/checks", response=Paged[CheckOut])
def list_checks(request: AuthedRequest, point_id: Id, paging: Query[PageParams]) -> dict[str, object]:
    point = _point_or_404(request, point_id)
    qs = point.checks.select_related("point", "checked_by").order_by("-checked_on", "-id")
    page = paginate(qs, page=paging.page, page_size=paging.page_size)
    return {"items": [_check(c) for c in page.items], "count": page.count}


class CheckIn(Schema):
    checked_on: dt.date
    result: str
    note: str = ""
    hazard_level: str = ""


@router.post("/safety/risk-points/{point_id}/checks", response={201: CheckOut})
def record_check(request: AuthedRequest, point_id: Id, payload: CheckIn) -> Status[CheckOut]:
    """Record a check (photos through the page). A hazard becomes a ledger item (`ledger_item`). Repeating the same
    check for the same day returns the first; a future date is refused (400)."""
    point = _point_or_404(request, point_id)
    check = services.record_check(
        actor=request.user,
        point=point,
        checked_on=payload.checked_on,
        result=payload.result,
        note=payload.note,
        hazard_level=payload.hazard_level,
    )
    return Status(201, _check(check))


@router.get("/safety/risk-checks", response=Paged[CheckOut])
def list_all_checks(
    request: AuthedRequest, paging: Query[PageParams], unit: Id | None = None, result: str = ""
) -> dict[str, object]:
    """Checks of every point in scope, newest first. `unit`: inside that unit; `result`: normal|hazard."""
    require(request, "risk.read")
    qs = selectors.checks_for(request.user).order_by("-checked_on", "-id")
    if unit is not None:
        qs = qs.filter(point__unit__path__under=get_object_or_404(units_for(request.user), pk=unit).path)
    if result in CheckResult.values:
        qs = qs.filter(result=result)
    page = paginate(qs, page=paging.page, page_size=paging.page_size)
    return {"items": [_check(c) for c in page.items], "count": page.count}
