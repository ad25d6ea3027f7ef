"""值班值守 API: rosters and shifts, who is on duty now, sign-ins, contingency plans, drills, leave requests."""

from __future__ import annotations

import datetime as dt

from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema, Status

from dudao.accounts.models import User
from dudao.accounts.requests import AuthedRequest
from dudao.api.auth import require
from dudao.api.schemas import Id, Paged, PageParams
from dudao.core.context import current
from dudao.core.errors import DomainError, Forbidden
from dudao.core.pagination import paginate
from dudao.duty import selectors, services
from dudao.duty.models import (
    ContingencyPlan,
    Drill,
    DutyRoster,
    DutyShift,
    DutySignIn,
    LeaveRequest,
    LeaveStatus,
    PlanType,
    ShiftRole,
)
from dudao.orgs.selectors import scope_root, units_for

router = Router(tags=["值班值守"])


class ShiftOut(Schema):
    id: int
    roster: int
    unit: int
    person: int
    person_name: str
    role: str
    role_name: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    phone: str
    signed_in_at: dt.datetime | None


def _shift(s: DutyShift | selectors.NowShift) -> ShiftOut:
    signin = s.signin_record
    return ShiftOut(
        id=s.pk,
        roster=s.roster_id,
        unit=s.unit_id,
        person=s.person.pk,
        person_name=s.person.display_name,
        role=s.role,
        role_name=s.get_role_display(),
        starts_at=s.starts_at,
        ends_at=s.ends_at,
        phone=s.phone,
        signed_in_at=signin.signed_at if signin else None,
    )


class RosterOut(Schema):
    id: int
    unit: int
    unit_name: str
    title: str
    starts_on: dt.date
    ends_on: dt.date
    status: str
    version: int


class RosterDetailOut(RosterOut):
    shifts: list[ShiftOut]
    days_without_leader: list[dt.date]
    overlaps: list[list[int]]


def _roster(r: DutyRoster) -> RosterOut:
    return RosterOut(
        id=r.pk,
        unit=r.unit_id,
        unit_name=r.unit.name,
        title=r.title,
        starts_on=r.starts_on,
        ends_on=r.ends_on,
        status=r.status,
        version=r.version,
    )


def _roster_detail(request: AuthedRequest, roster_id: int) -> RosterDetailOut:
    roster = get_object_or_404(selectors.rosters_for(request.user), pk=roster_id)
    shifts = list(roster.shifts.select_related("person", "signin"))
    flags = selectors.roster_flags(roster, shifts)
    return RosterDetailOut(
        **_roster(roster).dict(),
        shifts=[_shift(s) for s in shifts],
        days_without_leader=flags.days_without_leader,
        overlaps=[[a.pk, b.pk] for a, b in flags.overlaps],
    )


@router.get("/duty/rosters", response=Paged[RosterOut])
def list_rosters(request: AuthedRequest, paging: Query[PageParams], unit: Id | None = None) -> dict[str, object]:
    """Rosters in scope (drafts only for those who may plan them). `unit`: rosters of units inside it."""
    require(request, "duty.read")
    qs = selectors.rosters_for(request.user).order_by("-starts_on", "unit__path")
    if unit is not None:
        qs = qs.filter(unit__path__under=get_object_or_404(units_for(request.user), pk=unit).path)
    page = paginate(qs, page=paging.page, page_size=paging.page_size)
    return {"items": [_roster(r) for r in page.items], "count": page.count}


class RosterIn(Schema):
    unit: Id
    title: str
    starts_on: dt.date
    ends_on: dt.date


@router.post("/duty/rosters", response={201: RosterDetailOut})
def create_roster(request: AuthedRequest, payload: RosterIn) -> Status[RosterDetailOut]:
    require(request, "duty.change")
    unit = get_object_or_404(units_for(request.user), pk=payload.unit)
    roster = services.create_roster(
        actor=request.user, unit=unit, title=payload.title, starts_on=payload.starts_on, ends_on=payload.ends_on
    )
    return Status(201, _roster_detail(request, roster.pk))


@router.get("/duty/rosters/{roster_id}", response=RosterDetailOut)
def get_roster(request: AuthedRequest, roster_id: Id) -> RosterDetailOut:
    """One roster with its shifts, the days without a leader and overlapping shift pairs."""
    require(request, "duty.read")
    return _roster_detail(request, roster_id)


class ShiftIn(Schema):
    person: Id
    role: ShiftRole
    starts_at: dt.datetime
    ends_at: dt.datetime
    phone: str = ""
    version: int | None = None


@router.post("/duty/rosters/{roster_id}/shifts", response={201: ShiftOut})
def add_shift(request: AuthedRequest, roster_id: Id, payload: ShiftIn) -> Status[ShiftOut]:
    """Add a shift. Refused: ending before it starts (400), the person on duty elsewhere at the time (409)."""
    require(request, "duty.change")
    roster = get_object_or_404(selectors.rosters_for(request.user, "change"), pk=roster_id)
    person = User.objects.filter(pk=payload.person).first()
    if person is None:
        raise DomainError("值班人须是本单位在岗人员", code="person_outside_unit")
    shift = services.add_shift(
        actor=request.user,
        roster=roster,
        person=person,
        role=payload.role.value,
        starts_at=payload.starts_at,
        ends_at=payload.ends_at,
        phone=payload.phone,
        version=payload.version,
    )
    return Status(201, _shift(shift))


class VersionIn(Schema):
    version: int | None = None


@router.post("/duty/rosters/{roster_id}/publish", response=RosterDetailOut)
def publish_roster(request: AuthedRequest, roster_id: Id, payload: VersionIn) -> RosterDetailOut:
    require(request, "duty.change")
    roster = get_object_or_404(selectors.rosters_for(request.user, "change"), pk=roster_id)
    services.publish_roster(actor=request.user, roster=roster, version=payload.version)
    return _roster_detail(request, roster_id)


class AwayOut(Schema):
    person: int
    person_name: str
    destination: str
    ends_on: dt.date
    deputy: int
    deputy_name: str


class UnitDutyOut(Schema):
    unit: int
    unit_name: str
    kind: str
    leaders: list[ShiftOut]
    staff: list[ShiftOut]
    has_no_leader: bool
    is_uncovered: bool
    away: list[AwayOut]


@router.get("/duty/now", response=Paged[UnitDutyOut])
def on_duty_now(request: AuthedRequest, paging: Query[PageParams], unit: Id | None = None) -> dict[str, object]:
    """Who is on duty now in every bureau, district and school of the scope (or inside `unit`), with sign-in
    state, units without a leader, and who is away from the city with their deputy. Paged by unit, in tree order
    (a city has 1,500 units: one page of 50 is computed, not the whole city)."""
    require(request, "duty.read")
    inside = get_object_or_404(units_for(request.user), pk=unit) if unit is not None else scope_root(request.user)
    if inside is None:
        raise Forbidden("您当前的身份无权查看值班情况")
    page = paginate(selectors.roster_units(inside), page=paging.page, page_size=paging.page_size)
    rows = selectors.on_duty_now(request.user, unit=inside, only=[u.pk for u in page.items])
    items = [
        UnitDutyOut(
            unit=r.unit.pk,
            unit_name=r.unit.name,
            kind=r.unit.kind,
            leaders=[_shift(s) for s in r.leaders],
            staff=[_shift(s) for s in r.staff],
            has_no_leader=r.has_no_leader,
            is_uncovered=r.is_uncovered,
            away=[
                AwayOut(
                    person=a.applicant_id,
                    person_name=a.applicant.display_name,
                    destination=a.destination,
                    ends_on=a.ends_on,
                    deputy=a.deputy_id,
                    deputy_name=a.deputy.display_name,
                )
                for a in r.away
            ],
        )
        for r in rows
    ]
    return {"items": items, "count": page.count}


class SignInOut(Schema):
    id: int
    shift: int
    person: int
    signed_at: dt.datetime
    is_late: bool
    user_agent: str
    ip: str | None


def _signin(s: DutySignIn) -> SignInOut:
    return SignInOut(
        id=s.pk,
        shift=s.shift_id,
        person=s.person_id,
        signed_at=s.signed_at,
        is_late=s.is_late,
        user_agent=s.user_agent,
        ip=s.ip,
    )


@router.get("/duty/signins", response=Paged[SignInOut])
def list_signins(request: AuthedRequest, paging: Query[PageParams], unit: Id | None = None) -> dict[str, object]:
    require(request, "duty.read")
    qs = selectors.signins_for(request.user).order_by("-signed_at")
    if unit is not None:
        qs = qs.filter(shift__unit__path__under=get_object_or_404(units_for(request.user), pk=unit).path)
    page = paginate(qs, page=paging.page, page_size=paging.page_size)
    return {"items": [_signin(s) for s in page.items], "count": page.count}


class SignInIn(Schema):
    shift: Id


@router.post("/duty/signins", response={201: SignInOut})
def sign_in(request: AuthedRequest, payload: SignInIn) -> Status[SignInOut]:
    """Sign in for one's own shift (403 for another person's); the device (User-Agent, IP) is recorded.
    Signing in again returns the first sign-in."""
    shift = DutyShift.objects.filter(pk=payload.shift, person_id=request.user.pk).first()
    if shift is None:
        shift = get_object_or_404(selectors.shifts_for(request.user), pk=payload.shift)
    signin = services.sign_in(
        actor=request.user, shift=shift, user_agent=request.headers.get("User-Agent", ""), ip=current().ip
    )
    return Status(201, _signin(signin))


class StepOut(Schema):
    position: int
    title: str
    detail: str
    responsible_role: str


class PlanOut(Schema):
    id: int
    unit: int
    unit_name: str
    plan_type: str
    plan_type_name: str
    title: str
    summary: str
    steps: list[StepOut]
    version: int


def _plan(p: ContingencyPlan) -> PlanOut:
    return PlanOut(
        id=p.pk,
        unit=p.unit_id,
        unit_name=p.unit.name,
        plan_type=p.plan_type,
        plan_type_name=p.get_plan_type_display(),
        title=p.title,
        summary=p.summary,
        steps=[
            StepOut(position=s.position, title=s.title, detail=s.detail, responsible_role=s.responsible_role)
            for s in p.steps.all()
        ],
        version=p.version,
    )


@router.get("/plans", response=Paged[PlanOut])
def list_plans(
    request: AuthedRequest, paging: Query[PageParams], unit: Id | None = None, plan_type: PlanType | None = None
) -> dict[str, object]:
    require(request, "plan.read")
    qs = selectors.plans_for(request.user).prefetch_related("steps").order_by("unit__path", "plan_type")
    if unit is not None:
        qs = qs.filter(unit__path__under=get_object_or_404(units_for(request.user), pk=unit).path)
    if plan_type is not None:
        qs = qs.filter(plan_type=plan_type.value)
    page = paginate(qs, page=paging.page, page_size=paging.page_size)
    return {"items": [_plan(p) for p in page.items], "count": page.count}


class StepIn(Schema):
    title: str
    responsible_role: str
    detail: str = ""


class PlanIn(Schema):
    unit: Id
    plan_type: PlanType
    title: str
    summary: str = ""
    steps: list[StepIn]
    version: int | None = None


@router.post("/plans", response=PlanOut)
def save_plan(request: AuthedRequest, payload: PlanIn) -> PlanOut:
    """Create or replace the unit's plan of this type (one per unit and type); steps name responsible roles."""
    require(request, "plan.change")
    unit = get_object_or_404(units_for(request.user), pk=payload.unit)
    plan = services.save_plan(
        actor=request.user,
        unit=unit,
        plan_type=payload.plan_type.value,
        title=payload.title,
        summary=payload.summary,
        steps=[services.StepIn(s.title, s.responsible_role, s.detail) for s in payload.steps],
        version=payload.version,
    )
    return _plan(ContingencyPlan.objects.select_related("unit").prefetch_related("steps").get(pk=plan.pk))


class DrillOut(Schema):
    id: int
    unit: int
    unit_name: str
    plan: int
    plan_type: str
    held_on: dt.date
    participants: int
    duration_minutes: int
    evaluation: str
    photos: list[int]


def _drill(d: Drill) -> DrillOut:
    return DrillOut(
        id=d.pk,
        unit=d.unit_id,
        unit_name=d.unit.name,
        plan=d.plan_id,
        plan_type=d.plan.plan_type,
        held_on=d.held_on,
        participants=d.participants,
        duration_minutes=d.duration_minutes,
        evaluation=d.evaluation,
        photos=[f.pk for f in d.photos.all()],
    )


@router.get("/drills", response=Paged[DrillOut])
def list_drills(
    request: AuthedRequest,
    paging: Query[PageParams],
    unit: Id | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> dict[str, object]:
    require(request, "drill.read")
    qs = selectors.drills_for(request.user).prefetch_related("photos").order_by("-held_on", "id")
    if unit is not None:
        qs = qs.filter(unit__path__under=get_object_or_404(units_for(request.user), pk=unit).path)
    if since is not None:
        qs = qs.filter(held_on__gte=since)
    if until is not None:
        qs = qs.filter(held_on__lte=until)
    page = paginate(qs, page=paging.page, page_size=paging.page_size)
    return {"items": [_drill(d) for d in page.items], "count": page.count}


class DrillIn(Schema):
    plan: Id
    held_on: dt.date
    participants: int
    duration_minutes: int
    evaluation: str = ""


@router.post("/drills", response={201: DrillOut})
def record_drill(request: AuthedRequest, payload: DrillIn) -> Status[DrillOut]:
    """Record a drill held on a plan (JSON; photos are uploaded on the plan's page)."""
    require(request, "drill.change")
    plan = get_object_or_404(selectors.plans_for(request.user), pk=payload.plan)
    drill = services.record_drill(
        actor=request.user,
        plan=plan,
        held_on=payload.held_on,
        participants=payload.participants,
        duration_minutes=payload.duration_minutes,
        evaluation=payload.evaluation,
    )
    return Status(201, _drill(Drill.objects.select_related("unit", "plan").get(pk=drill.pk)))


class LeaveOut(Schema):
    id: int
    applicant: int
    applicant_name: str
    unit: int
    unit_name: str
    starts_on: dt.date
    ends_on: dt.date
    destination: str
    reason: str
    deputy: int
    deputy_name: str
    overlapping_shifts: int
    status: str
    status_name: str
    decision_note: str
    version: int


def _leave(r: LeaveRequest) -> LeaveOut:
    return LeaveOut(
        id=r.pk,
        applicant=r.applicant_id,
        applicant_name=r.applicant.display_name,
        unit=r.unit_id,
        unit_name=r.unit.name,
        starts_on=r.starts_on,
        ends_on=r.ends_on,
        destination=r.destination,
        reason=r.reason,
        deputy=r.deputy_id,
        deputy_name=r.deputy.display_name,
        overlapping_shifts=r.overlapping_shifts,
        status=r.status,
        status_name=r.get_status_display(),
        decision_note=r.decision_note,
        version=r.version,
    )


@router.get("/leave-requests", response=Paged[LeaveOut])
def list_leave(
    request: AuthedRequest, paging: Query[PageParams], status: LeaveStatus | None = None
) -> dict[str, object]:
    require(request, "leave.read")
    qs = selectors.leave_requests_for(request.user)
    if status is not None:
        qs = qs.filter(status=status.value)
    page = paginate(qs, page=paging.page, page_size=paging.page_size)
    return {"items": [_leave(r) for r in page.items], "count": page.count}


class LeaveIn(Schema):
    starts_on: dt.date
    ends_on: dt.date
    destination: str
    reason: str
    deputy: Id


@router.post("/leave-requests", response={201: LeaveOut})
def file_leave(request: AuthedRequest, payload: LeaveIn) -> Status[LeaveOut]:
    """File a leave-the-city request in the campaign period in force. `overlapping_shifts` > 0 warns that the
    applicant is on duty in those dates; the approver decides."""
    require(request, "leave.request")
    from dudao.orgs.scoping import acting_assignment

    unit = acting_assignment(request.user).unit  # type: ignore[union-attr]
    campaign = services.campaign_for(unit, payload.starts_on)
    if campaign is None:
        raise DomainError("当前没有管控期，无需审批", code="no_campaign")
    deputy = User.objects.filter(pk=payload.deputy).first()
    filed = services.file_leave(
        actor=request.user,
        campaign=campaign,
        starts_on=payload.starts_on,
        ends_on=payload.ends_on,
        destination=payload.destination,
        reason=payload.reason,
        deputy=deputy,
    )
    return Status(201, _leave(selectors.leave_requests_for(request.user).get(pk=filed.pk)))


class DecisionIn(Schema):
    approve: bool
    note: str = ""
    version: int | None = None


@router.post("/leave-requests/{request_id}/decide", response=LeaveOut)
def decide_leave(request: AuthedRequest, request_id: Id, payload: DecisionIn) -> LeaveOut:
    require(request, "leave.approve")
    item = get_object_or_404(selectors.leave_requests_for(request.user), pk=request_id)
    services.decide_leave(
        actor=request.user, request=item, approve=payload.approve, note=payload.note, version=payload.version
    )
    return _leave(selectors.leave_requests_for(request.user).get(pk=request_id))
