"""调度会 API: task forces, meetings (with the review of the previous meeting), decisions and progress reports.

Lists are paged and scoped like the pages: a meeting is read by its organiser's subtree and by the units it gave a
decision to or called in; decisions are reported on by their owner unit (`meeting.task`)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Query, Router, Schema, Status

from dudao.accounts.models import User
from dudao.accounts.requests import AuthedRequest
from dudao.api.auth import require
from dudao.api.schemas import Id, Paged, PageParams
from dudao.campaigns.models import Campaign
from dudao.core.errors import DomainError
from dudao.core.pagination import paginate
from dudao.meetings import selectors, services
from dudao.meetings.models import Attendance, Decision, DecisionKind, Meeting, MemberDuty, TaskForce, TaskForceMember
from dudao.orgs.models import OrgUnit
from dudao.orgs.selectors import account_by_id, units_for

router = Router(tags=["调度会"])


def _person(pk: int | None, label: str) -> User | None:
    if pk is None:
        return None
    person = account_by_id(pk)
    if person is None:
        raise DomainError(f"找不到编号为 {pk} 的{label}", code="person_not_found")
    return person


def _unit(request: AuthedRequest, pk: int | None) -> OrgUnit | None:
    return None if pk is None else get_object_or_404(units_for(request.user), pk=pk)


def _campaign(request: AuthedRequest, pk: int | None) -> Campaign | None:
    if pk is None:
        return None
    return get_object_or_404(Campaign.objects.for_user(request.user, "read"), pk=pk)


# ---- task forces ----


class MemberOut(Schema):
    person: int
    person_name: str
    unit_name: str
    duty: MemberDuty
    duty_name: str


class TaskForceOut(Schema):
    id: int
    name: str
    unit: int
    unit_name: str
    campaign: int | None
    campaign_name: str
    duties: str
    lead: int | None
    lead_name: str
    is_dissolved: bool
    version: int


class TaskForceDetailOut(TaskForceOut):
    members: list[MemberOut]


def _task_force(t: TaskForce, detail: bool = False) -> TaskForceOut:
    members = list(t.members.select_related("person__unit")) if detail else getattr(t, "leads", [])
    lead = next((m for m in members if m.duty == MemberDuty.LEAD), None)
    fields = {
        "id": t.pk,
        "name": t.name,
        "unit": t.unit_id,
        "unit_name": t.unit.name,
        "campaign": t.campaign_id,
        "campaign_name": t.campaign.name if t.campaign else "",
        "duties": t.duties,
        "lead": lead.person_id if lead else None,
        "lead_name": lead.person.display_name if lead else "",
        "is_dissolved": t.is_dissolved,
        "version": t.version,
    }
    if not detail:
        return TaskForceOut(**fields)
    return TaskForceDetailOut(
        **fields,
        members=[
            MemberOut(
                person=m.person_id,
                person_name=m.person.display_name,
                unit_name=m.person.unit.name if m.person.unit else "",
                duty=MemberDuty(m.duty),
                duty_name=m.get_duty_display(),
            )
            for m in members
        ],
    )


@router.get("/meetings/task-forces", response=Paged[TaskForceOut])
def list_task_forces(request: AuthedRequest, paging: Query[PageParams]) -> dict[str, object]:
    """Task forces set up in scope or with a member in scope."""
    require(request, "meeting.read")
    leads = Prefetch("members", TaskForceMember.objects.filter(duty=MemberDuty.LEAD).select_related("person"), "leads")
    qs = selectors.task_forces_for(request.user).prefetch_related(leads).order_by("is_dissolved", "-created_at", "-id")
    page = paginate(qs, page=paging.page, page_size=paging.page_size)
    return {"items": [_task_force(t) for t in page.items], "count": page.count}


class MemberIn(Schema):
    person: Id
    duty: MemberDuty = MemberDuty.MEMBER


class TaskForceIn(Schema):
    name: str
    campaign: Id | None = None
    duties: str = ""
    members: list[MemberIn]


def _members(payload: TaskForceIn) -> list[services.MemberIn]:
    found: list[services.MemberIn] = []
    for m in payload.members:
        person = _person(m.person, "专班成员")
        assert person is not None
        found.append(services.MemberIn(person=person, duty=m.duty.value))
    return found


@router.post("/meetings/task-forces", response={201: TaskForceDetailOut})
def create_task_force(request: AuthedRequest, payload: TaskForceIn) -> Status[TaskForceOut]:
    """A task force of the acting unit: exactly one member with duty `lead` (组长)."""
    require(request, "meeting.change")
    task_force = services.create_task_force(
        actor=request.user,
        name=payload.name,
        campaign=_campaign(request, payload.campaign),
        duties=payload.duties,
        members=_members(payload),
        submit_key=request.headers.get("Idempotency-Key", ""),
    )
    return Status(201, _task_force(task_force, detail=True))


@router.get("/meetings/task-forces/{task_force_id}", response=TaskForceDetailOut)
def get_task_force(request: AuthedRequest, task_force_id: Id) -> TaskForceOut:
    require(request, "meeting.read")
    return _task_force(get_object_or_404(selectors.task_forces_for(request.user), pk=task_force_id), detail=True)


class TaskForceUpdateIn(TaskForceIn):
    version: int | None = None


@router.put("/meetings/task-forces/{task_force_id}", response=TaskForceDetailOut)
def update_task_force(request: AuthedRequest, task_force_id: Id, payload: TaskForceUpdateIn) -> TaskForceOut:
    """Replace name, campaign, duties and members; a stale `version` answers 409."""
    require(request, "meeting.change")
    task_force = get_object_or_404(selectors.task_forces_for(request.user, "change"), pk=task_force_id)
    updated = services.update_task_force(
        actor=request.user,
        task_force=task_force,
        name=payload.name,
        campaign=_campaign(request, payload.campaign),
        duties=payload.duties,
        members=_members(payload),
        version=payload.version,
    )
    return _task_force(updated, detail=True)


# ---- decisions ----


class DecisionOut(Schema):
    id: int
    meeting: int
    meeting_title: str
    position: int
    text: str
    owner_unit: int
    owner_unit_name: str
    owner_person: int | None
    owner_person_name: str
    deadline: dt.date
    kind: DecisionKind
    directive: int | None
    state: selectors.State
    state_name: str
    done_on: dt.date | None
    version: int


def _decision(d: Decision, on: dt.date | None = None) -> DecisionOut:
    state = selectors.decision_state(d, on)
    return DecisionOut(
        id=d.pk,
        meeting=d.meeting_id,
        meeting_title=d.meeting.title,
        position=d.position,
        text=d.text,
        owner_unit=d.owner_unit_id,
        owner_unit_name=d.owner_unit.name,
        owner_person=d.owner_person_id,
        owner_person_name=d.owner_person.display_name if d.owner_person else "",
        deadline=d.deadline,
        kind=DecisionKind(d.kind),
        directive=d.directive_id,
        state=state,
        state_name=state.label,
        done_on=selectors.done_date(d) if state.is_done else None,
        version=d.version,
    )


class NoteOut(Schema):
    id: int
    author: int
    author_name: str
    unit_name: str
    text: str
    marks_done: bool
    created_at: dt.datetime


class DecisionDetailOut(DecisionOut):
    notes: list[NoteOut]


def _decision_detail(d: Decision) -> DecisionDetailOut:
    notes = [
        NoteOut(
            id=n.pk,
            author=n.author_id,
            author_name=n.author.display_name,
            unit_name=n.unit.name,
            text=n.text,
            marks_done=n.marks_done,
            created_at=n.created_at,
        )
        for n in d.notes.select_related("author", "unit")
    ]
    return DecisionDetailOut(**_decision(d).dict(), notes=notes)


@router.get("/meetings/decisions", response=Paged[DecisionOut])
def list_decisions(
    request: AuthedRequest,
    paging: Query[PageParams],
    state: str = "",
    unit: Id | None = None,
    meeting: Id | None = None,
) -> dict[str, object]:
    """督办台账. `state`: done_on_time / done_late / pending / overdue / open (as of today); `unit`: owned by a unit
    inside it; `meeting`: of one meeting."""
    require(request, "meeting.read")
    if state and state not in selectors.STATE_FILTERS:
        raise DomainError("state 应为 done_on_time、done_late、pending、overdue 或 open", code="state_invalid")
    found = get_object_or_404(selectors.meetings_for(request.user), pk=meeting) if meeting else None
    qs = selectors.ledger(request.user, state=state, unit=_unit(request, unit), meeting=found)
    page = paginate(qs, page=paging.page, page_size=paging.page_size)
    today = timezone.localdate()
    return {"items": [_decision(d, today) for d in page.items], "count": page.count}


@router.get("/meetings/decisions/{decision_id}", response=DecisionDetailOut)
def get_decision(request: AuthedRequest, decision_id: Id) -> DecisionDetailOut:
    require(request, "meeting.read")
    return _decision_detail(get_object_or_404(selectors.decisions_of_visible_meetings(request.user), pk=decision_id))


class ProgressIn(Schema):
    text: str
    mark_done: bool = False
    done_on: dt.date | None = None
    version: int | None = None


@router.post("/meetings/decisions/{decision_id}/progress", response={201: DecisionDetailOut})
def report_progress(request: AuthedRequest, decision_id: Id, payload: ProgressIn) -> Status[DecisionDetailOut]:
    """The owner unit reports progress; `mark_done` closes the task on `done_on` (default today). A repeated
    `Idempotency-Key` answers the first report."""
    require(request, "meeting.task")
    decision = get_object_or_404(selectors.decisions_of_visible_meetings(request.user), pk=decision_id)
    services.report_progress(
        actor=request.user,
        decision=decision,
        text=payload.text,
        mark_done=payload.mark_done,
        done_on=payload.done_on,
        version=payload.version,
        submit_key=request.headers.get("Idempotency-Key", ""),
    )
    return Status(
        201, _decision_detail(get_object_or_404(selectors.decisions_of_visible_meetings(request.user), pk=decision_id))
    )


class ReopenIn(Schema):
    reason: str
    version: int | None = None


@router.post("/meetings/decisions/{decision_id}/reopen", response=DecisionDetailOut)
def reopen_decision(request: AuthedRequest, decision_id: Id, payload: ReopenIn) -> DecisionDetailOut:
    require(request, "meeting.change")
    decision = get_object_or_404(selectors.decisions_of_visible_meetings(request.user), pk=decision_id)
    services.reopen_decision(actor=request.user, decision=decision, reason=payload.reason, version=payload.version)
    return _decision_detail(get_object_or_404(selectors.decisions_of_visible_meetings(request.user), pk=decision_id))


# ---- meetings ----


class MeetingOut(Schema):
    id: int
    title: str
    unit: int
    unit_name: str
    starts_at: dt.datetime
    place: str
    chair: int
    chair_name: str
    task_force: int | None
    task_force_name: str
    campaign: int | None
    campaign_name: str
    version: int


class AttendeeOut(Schema):
    id: int
    person: int
    person_name: str
    unit_name: str
    attendance: Attendance
    attendance_name: str
    note: str


class ReviewOut(Schema):
    """督办: the previous meeting of the series, its decisions as of `on`, earlier decisions still open."""

    on: dt.date
    previous: int | None
    previous_title: str
    decisions: list[DecisionOut]
    carried: list[DecisionOut]


class MeetingDetailOut(MeetingOut):
    minutes: str
    attendees: list[AttendeeOut]
    decisions: list[DecisionOut]
    review: ReviewOut


def _meeting(m: Meeting) -> MeetingOut:
    return MeetingOut(
        id=m.pk,
        title=m.title,
        unit=m.unit_id,
        unit_name=m.unit.name,
        starts_at=m.starts_at,
        place=m.place,
        chair=m.chair_id,
        chair_name=m.chair.display_name,
        task_force=m.task_force_id,
        task_force_name=m.task_force.name if m.task_force else "",
        campaign=m.campaign_id,
        campaign_name=m.campaign.name if m.campaign else "",
        version=m.version,
    )


def _meeting_detail(request: AuthedRequest, meeting_id: int) -> MeetingDetailOut:
    m = get_object_or_404(selectors.meetings_for(request.user), pk=meeting_id)
    today = timezone.localdate()
    review = selectors.review(m, today)
    return MeetingDetailOut(
        **_meeting(m).dict(),
        minutes=m.minutes,
        attendees=[
            AttendeeOut(
                id=a.pk,
                person=a.person_id,
                person_name=a.person.display_name,
                unit_name=a.person.unit.name if a.person.unit else "",
                attendance=Attendance(a.attendance),
                attendance_name=a.get_attendance_display(),
                note=a.note,
            )
            for a in m.attendees.select_related("person__unit")
        ],
        decisions=[_decision(d, today) for d in selectors.with_rows(m.decisions.order_by("position"))],
        review=ReviewOut(
            on=review.on,
            previous=review.previous.pk if review.previous else None,
            previous_title=review.previous.title if review.previous else "",
            decisions=[_decision(r.decision, review.on) for r in review.rows],
            carried=[_decision(r.decision, review.on) for r in review.carried],
        ),
    )


@router.get("/meetings", response=Paged[MeetingOut])
def list_meetings(
    request: AuthedRequest,
    paging: Query[PageParams],
    task_force: Id | None = None,
    campaign: Id | None = None,
    unit: Id | None = None,
) -> dict[str, object]:
    """Meetings in scope, latest first. `unit`: convened by a unit inside it."""
    require(request, "meeting.read")
    qs = selectors.meetings_for(request.user)
    if task_force is not None:
        qs = qs.filter(task_force_id=task_force)
    if campaign is not None:
        qs = qs.filter(campaign_id=campaign)
    found = _unit(request, unit)
    if found is not None:
        qs = qs.filter(unit__path__under=found.path)
    page = paginate(qs.order_by("-starts_at", "-id"), page=paging.page, page_size=paging.page_size)
    return {"items": [_meeting(m) for m in page.items], "count": page.count}


class MeetingIn(Schema):
    title: str
    starts_at: dt.datetime
    place: str = ""
    chair: Id
    task_force: Id | None = None
    campaign: Id | None = None
    # Without attendees, a task force's members are listed as present.
    attendees: list[Id] | None = None


@router.post("/meetings", response={201: MeetingDetailOut})
def create_meeting(request: AuthedRequest, payload: MeetingIn) -> Status[MeetingDetailOut]:
    """Convene (record) a meeting of the acting unit. A repeated `Idempotency-Key` answers the first meeting."""
    require(request, "meeting.change")
    task_force = None
    if payload.task_force is not None:
        task_force = get_object_or_404(selectors.task_forces_for(request.user), pk=payload.task_force)
    attendees = None
    if payload.attendees is not None:
        attendees = [p for p in (_person(pk, "参会人员") for pk in payload.attendees) if p is not None]
    meeting = services.create_meeting(
        actor=request.user,
        title=payload.title,
        starts_at=payload.starts_at,
        place=payload.place,
        chair=_person(payload.chair, "主持人"),
        task_force=task_force,
        campaign=_campaign(request, payload.campaign),
        attendees=attendees,
        submit_key=request.headers.get("Idempotency-Key", ""),
    )
    return Status(201, _meeting_detail(request, meeting.pk))


@router.get("/meetings/{meeting_id}", response=MeetingDetailOut)
def get_meeting(request: AuthedRequest, meeting_id: Id) -> MeetingDetailOut:
    """One meeting with attendance, minutes, decisions and the review of the previous meeting's decisions."""
    require(request, "meeting.read")
    return _meeting_detail(request, meeting_id)


class MeetingUpdateIn(Schema):
    title: str
    starts_at: dt.datetime
    place: str = ""
    chair: Id
    minutes: str | None = None
    version: int | None = None


@router.put("/meetings/{meeting_id}", response=MeetingDetailOut)
def update_meeting(request: AuthedRequest, meeting_id: Id, payload: MeetingUpdateIn) -> MeetingDetailOut:
    """Edit the basics (and the minutes when given); a stale `version` answers 409."""
    require(request, "meeting.change")
    meeting = get_object_or_404(selectors.meetings_for(request.user, "change"), pk=meeting_id)
    meeting = services.update_meeting(
        actor=request.user,
        meeting=meeting,
        title=payload.title,
        starts_at=payload.starts_at,
        place=payload.place,
        chair=_person(payload.chair, "主持人"),
        version=payload.version,
    )
    if payload.minutes is not None:
        services.save_minutes(actor=request.user, meeting=meeting, minutes=payload.minutes, version=meeting.version)
    return _meeting_detail(request, meeting_id)


class AttendanceIn(Schema):
    person: Id
    attendance: Attendance = Attendance.PRESENT
    note: str = ""


class AttendanceListIn(Schema):
    attendees: list[AttendanceIn]
    version: int | None = None


@router.put("/meetings/{meeting_id}/attendance", response=MeetingDetailOut)
def record_attendance(request: AuthedRequest, meeting_id: Id, payload: AttendanceListIn) -> MeetingDetailOut:
    """Add the people not yet listed, then set 出席/请假/缺席 and a note for each one given."""
    require(request, "meeting.change")
    meeting = get_object_or_404(selectors.meetings_for(request.user, "change"), pk=meeting_id)
    people = [p for p in (_person(a.person, "参会人员") for a in payload.attendees) if p is not None]
    listed = set(meeting.attendees.values_list("person_id", flat=True))
    new = [p for p in people if p.pk not in listed]
    if new:
        services.add_attendees(actor=request.user, meeting=meeting, people=new)
        if payload.version is not None:
            payload.version += 1
    rows = dict(meeting.attendees.values_list("person_id", "pk"))
    marks = {rows[a.person]: (a.attendance.value, a.note) for a in payload.attendees if a.person in rows}
    services.record_attendance(actor=request.user, meeting=meeting, marks=marks, version=payload.version)
    return _meeting_detail(request, meeting_id)


class DecisionIn(Schema):
    text: str
    owner_unit: Id
    owner_person: Id | None = None
    deadline: dt.date
    kind: DecisionKind = DecisionKind.TASK


@router.post("/meetings/{meeting_id}/decisions", response={201: DecisionDetailOut})
def add_decision(request: AuthedRequest, meeting_id: Id, payload: DecisionIn) -> Status[DecisionDetailOut]:
    """A decision of the meeting. Refused: a deadline in the past, an owner outside the organiser's subtree, a
    person outside the owner unit. `kind=directive` also creates a draft directive for the owner unit."""
    require(request, "meeting.change")
    meeting = get_object_or_404(selectors.meetings_for(request.user, "change"), pk=meeting_id)
    owner_unit = get_object_or_404(units_for(request.user), pk=payload.owner_unit)
    decision = services.add_decision(
        actor=request.user,
        meeting=meeting,
        text=payload.text,
        owner_unit=owner_unit,
        owner_person=_person(payload.owner_person, "责任人"),
        deadline=payload.deadline,
        kind=payload.kind.value,
        submit_key=request.headers.get("Idempotency-Key", ""),
    )
    return Status(
        201, _decision_detail(get_object_or_404(selectors.decisions_of_visible_meetings(request.user), pk=decision.pk))
    )
