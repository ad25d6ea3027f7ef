"""返校筛查与停课 API: screening rounds with their counts, the 暂缓返校 list (names: the school's own people and the
health officer, every read access-logged), a class teacher's entry for a student (a second entry updates the
first), and suspensions (list, create, lift early)."""

from __future__ import annotations

import datetime as dt

from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema
from pydantic import Field

from dudao.accounts.requests import AuthedRequest
from dudao.api.auth import require
from dudao.api.schemas import Id, Paged, PageParams
from dudao.core.errors import DomainError
from dudao.core.pagination import paginate
from dudao.orgs.models import OrgUnit, Student, StudentStatus
from dudao.orgs.selectors import units_for
from dudao.orgs.web import acting_unit
from dudao.returns import selectors, services
from dudao.returns.models import ScreeningAnswer, ScreeningRound, Suspension

router = Router(tags=["返校筛查与停课"])


class RoundOut(Schema):
    id: int
    unit: int
    unit_name: str
    name: str
    return_on: dt.date
    risk_areas: list[str]
    lookback_days: int
    hold_days: int
    questions: list[str]
    status: str
    version: int


def _round(r: ScreeningRound) -> RoundOut:
    return RoundOut(
        id=r.pk,
        unit=r.unit_id,
        unit_name=r.unit.name,
        name=r.name,
        return_on=r.return_on,
        risk_areas=r.area_list,
        lookback_days=r.lookback_days,
        hold_days=r.hold_days,
        questions=list(r.questions),
        status=r.status,
        version=r.version,
    )


class CountsOut(Schema):
    unit: int
    unit_name: str
    enrolled: int
    answered: int
    pending: int
    held: int
    cleared: int
    staff: int
    staff_answered: int


class RoundDetailOut(RoundOut):
    totals: CountsOut
    rows: list[CountsOut]


def _counts(unit: OrgUnit, c: selectors.Counts) -> CountsOut:
    return CountsOut(
        unit=unit.pk,
        unit_name=unit.name,
        enrolled=c.enrolled,
        answered=c.answered,
        pending=c.pending,
        held=c.held_now,
        cleared=c.cleared,
        staff=c.staff,
        staff_answered=c.staff_answered,
    )


def _viewed(request: AuthedRequest, row: ScreeningRound, unit: int | None) -> OrgUnit:
    viewed = acting_unit(request) if unit is None else get_object_or_404(units_for(request.user), pk=unit)
    if row.unit.path.startswith(viewed.path):
        return row.unit
    if not viewed.path.startswith(row.unit.path):
        raise DomainError("该筛查不包括此单位", code="outside_round", status=404)
    return viewed


@router.get("/return-screenings", response=Paged[RoundOut])
def list_rounds(request: AuthedRequest, paging: Query[PageParams]) -> dict[str, object]:
    """Screening rounds covering the acting unit (its own, its district's) or opened inside it."""
    require(request, "returns.read")
    qs = selectors.rounds_at(request.user, acting_unit(request)).order_by("-return_on", "-id")
    page = paginate(qs, page=paging.page, page_size=paging.page_size)
    return {"items": [_round(r) for r in page.items], "count": page.count}


@router.get("/return-screenings/{round_id}", response=RoundDetailOut)
def get_round(request: AuthedRequest, round_id: Id, unit: Id | None = None) -> RoundDetailOut:
    """The round with its counts under `unit` (default: the round's unit or the acting unit inside it): one row per
    school (a district) or class (a school)."""
    require(request, "returns.read")
    row = get_object_or_404(selectors.rounds_for(request.user), pk=round_id)
    viewed = _viewed(request, row, unit)
    total, rows = selectors.round_counts(row, viewed)
    return RoundDetailOut(
        **_round(row).model_dump(),
        totals=_counts(viewed, total),
        rows=[_counts(r.unit, r.counts) for r in rows],
    )


class HeldOut(Schema):
    id: int
    kind: str
    name: str
    unit: int
    unit_name: str
    reasons: str
    expected_return: dt.date | None
    cleared_on: dt.date | None
    answered_by: str
    version: int


def _held(a: ScreeningAnswer) -> HeldOut:
    name = a.student.name if a.student is not None else (a.staff.display_name if a.staff is not None else "")
    return HeldOut(
        id=a.pk,
        kind="student" if a.student_id else "staff",
        name=name,
        unit=a.unit_id,
        unit_name=a.unit.name,
        reasons=a.hold_reasons,
        expected_return=a.expected_return,
        cleared_on=a.cleared_on,
        answered_by=a.answered_by,
        version=a.version,
    )


@router.get("/return-screenings/{round_id}/held", response=Paged[HeldOut])
def held_list(
    request: AuthedRequest, round_id: Id, paging: Query[PageParams], unit: Id | None = None
) -> dict[str, object]:
    """The 暂缓返校 list (not yet cleared first). Each read is written to the access log."""
    require(request, "returns.names")
    row = get_object_or_404(selectors.rounds_for(request.user), pk=round_id)
    viewed = _viewed(request, row, unit)
    page = paginate(selectors.held_list(request.user, row, viewed), page=paging.page, page_size=paging.page_size)
    services.log_list_access(actor=request.user, round=row, unit=viewed, shown=len(page.items), export=True)
    return {"items": [_held(a) for a in page.items], "count": page.count}


class AnswerPayload(Schema):
    student: int
    travel_area: str = ""
    left_area_on: dt.date | None = None
    symptoms: list[str] = Field(default_factory=list)
    close_contact: bool = False
    contact_on: dt.date | None = None
    extra: dict[str, str] = Field(default_factory=dict)
    version: int | None = None


class AnswerOut(Schema):
    id: int
    student: int
    is_held: bool
    reasons: str
    expected_return: dt.date | None
    version: int


@router.post("/return-screenings/{round_id}/answers", response=AnswerOut)
def answer(request: AuthedRequest, round_id: Id, payload: AnswerPayload) -> AnswerOut:
    """The class teacher's (or school office's) entry for a student; a second entry updates the first (send the
    `version` read to refuse overwriting a newer answer)."""
    require(request, "returns.answer")
    row = get_object_or_404(selectors.rounds_for(request.user), pk=round_id)
    student = get_object_or_404(
        Student.objects.for_user(request.user).filter(status=StudentStatus.ENROLLED).select_related("klass"),
        pk=payload.student,
    )
    saved = services.answer_for_student(
        actor=request.user,
        round=row,
        student=student,
        data=services.AnswerIn(
            travel_area=payload.travel_area,
            left_area_on=payload.left_area_on,
            symptoms=tuple(payload.symptoms),
            close_contact=payload.close_contact,
            contact_on=payload.contact_on,
            extra=payload.extra,
        ),
        version=payload.version,
    )
    return AnswerOut(
        id=saved.pk,
        student=student.pk,
        is_held=saved.is_held,
        reasons=saved.hold_reasons,
        expected_return=saved.expected_return,
        version=saved.version,
    )


class SuspensionOut(Schema):
    id: int
    unit: int
    unit_name: str
    starts_on: dt.date
    ends_on: dt.date
    last_day: dt.date
    reason: str
    reference: str
    online_plan: str
    online_link: str
    teacher: str
    status: str
    lifted_on: dt.date | None
    version: int


def _suspension(s: Suspension) -> SuspensionOut:
    return SuspensionOut(
        id=s.pk,
        unit=s.unit_id,
        unit_name=s.unit.name,
        starts_on=s.starts_on,
        ends_on=s.ends_on,
        last_day=s.last_day,
        reason=s.reason,
        reference=s.reference,
        online_plan=s.online_plan,
        online_link=s.online_link,
        teacher=s.teacher,
        status=s.status,
        lifted_on=s.lifted_on,
        version=s.version,
    )


@router.get("/suspensions", response=Paged[SuspensionOut])
def list_suspensions(request: AuthedRequest, paging: Query[PageParams]) -> dict[str, object]:
    """Suspensions of units in scope and of the units above the acting one (a school's suspension reaches its
    classes' teachers)."""
    require(request, "returns.read")
    qs = selectors.suspensions_for(request.user).order_by("-starts_on", "-id")
    page = paginate(qs, page=paging.page, page_size=paging.page_size)
    return {"items": [_suspension(s) for s in page.items], "count": page.count}


class SuspensionPayload(Schema):
    unit: int
    starts_on: dt.date
    ends_on: dt.date
    reason: str
    reference: str = ""
    online_plan: str = ""
    online_link: str = ""
    teacher: str = ""
    teacher_phone: str = ""


@router.post("/suspensions", response=SuspensionOut)
def create_suspension(request: AuthedRequest, payload: SuspensionPayload) -> SuspensionOut:
    """停课 for a class, grade or school; the days become 停课 in its calendar. A range crossing terms is refused
    (400 `suspension_crosses_terms`); the same suspension posted twice answers the first."""
    require(request, "returns.suspend")
    unit = get_object_or_404(units_for(request.user), pk=payload.unit)
    row = services.suspend(
        actor=request.user,
        unit=unit,
        data=services.SuspensionIn(
            starts_on=payload.starts_on,
            ends_on=payload.ends_on,
            reason=payload.reason,
            reference=payload.reference,
            online_plan=payload.online_plan,
            online_link=payload.online_link,
            teacher=payload.teacher,
            teacher_phone=payload.teacher_phone,
        ),
    )
    return _suspension(row)


class LiftPayload(Schema):
    return_on: dt.date
    version: int | None = None


@router.post("/suspensions/{suspension_id}/lift", response=SuspensionOut)
def lift_suspension(request: AuthedRequest, suspension_id: Id, payload: LiftPayload) -> SuspensionOut:
    """提前复课 on `return_on`: the calendar keeps only the days before it."""
    require(request, "returns.suspend")
    row = get_object_or_404(selectors.suspensions_for(request.user), pk=suspension_id)
    return _suspension(
        services.lift(actor=request.user, suspension=row, return_on=payload.return_on, version=payload.version)
    )
