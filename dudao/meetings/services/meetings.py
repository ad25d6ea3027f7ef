"""调度会: convene (record) a meeting of a task force or campaign, edit it, write its minutes, keep attendance."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from django.db import transaction
from django.utils import timezone

from dudao.accounts.models import User
from dudao.audit.services import record_change, snapshot
from dudao.campaigns.models import Campaign
from dudao.core.errors import DomainError, Forbidden
from dudao.core.locking import bump, locked
from dudao.meetings.models import Attendance, Attendee, Meeting, TaskForce
from dudao.meetings.services._common import acting_unit, belongs_to, clean_key, clean_text, once
from dudao.orgs.models import OrgUnit
from dudao.orgs.scoping import can

BASICS = ["title", "starts_at", "place", "chair", "task_force", "campaign"]
# A meeting is recorded at most this long after it was held, and planned at most a year ahead.
MAX_DAYS_BACK, MAX_DAYS_AHEAD = 366, 366


def _check_time(starts_at: dt.datetime) -> dt.datetime:
    if timezone.is_naive(starts_at):
        starts_at = timezone.make_aware(starts_at)
    today = timezone.localdate()
    day = timezone.localtime(starts_at).date()
    if not today - dt.timedelta(days=MAX_DAYS_BACK) <= day <= today + dt.timedelta(days=MAX_DAYS_AHEAD):
        raise DomainError("会议时间应在前后一年之内，请检查年份", code="meeting_time_invalid")
    return starts_at


def _check_chair(unit: OrgUnit, chair: User | None) -> User:
    if chair is None:
        raise DomainError("请选择主持人", code="chair_required")
    if not belongs_to(chair, unit):
        raise DomainError(f"主持人{chair.display_name}不是召集单位及下属单位的在岗人员", code="chair_out_of_scope")
    return chair


def _series(
    actor: User, unit: OrgUnit, task_force: TaskForce | None, campaign: Campaign | None
) -> tuple[TaskForce | None, Campaign | None]:
    if task_force is not None:
        if not TaskForce.objects.for_user(actor, "change").filter(pk=task_force.pk, unit=unit).exists():
            raise DomainError("所选工作专班不是本单位组建的", code="task_force_out_of_scope")
        if task_force.is_dissolved:
            raise DomainError(f"工作专班“{task_force.name}”已撤销", code="task_force_dissolved")
        if campaign is None:
            campaign = task_force.campaign
        elif task_force.campaign_id is not None and task_force.campaign_id != campaign.pk:
            raise DomainError("所选工作专班属于另一项专项工作", code="campaign_mismatch")
    if campaign is not None and not Campaign.objects.for_user(actor, "read").filter(pk=campaign.pk).exists():
        raise DomainError("所选专项工作不存在或不在您的管理范围内", code="campaign_out_of_scope")
    return task_force, campaign


def _check_people(unit: OrgUnit, people: Sequence[User]) -> list[User]:
    clean: dict[int, User] = {}
    for person in people:
        if not belongs_to(person, unit):
            raise DomainError(f"{person.display_name}不是召集单位及下属单位的在岗人员", code="attendee_out_of_scope")
        clean.setdefault(person.pk, person)
    return list(clean.values())


def create_meeting(
    *,
    actor: User,
    title: str,
    starts_at: dt.datetime,
    chair: User | None,
    place: str = "",
    task_force: TaskForce | None = None,
    campaign: Campaign | None = None,
    attendees: Sequence[User] | None = None,
    submit_key: str = "",
) -> Meeting:
    """A meeting of the acting unit. Without attendees given, a task force's members are listed as present."""
    unit = acting_unit(actor)
    if not can(actor, "meeting.change", unit):
        raise Forbidden("您当前的身份不能召集调度会")
    title = clean_text(title, label="会议名称", limit=120)
    place = clean_text(place, label="会议地点", limit=100, required=False)
    starts_at = _check_time(starts_at)
    chair = _check_chair(unit, chair)
    task_force, campaign = _series(actor, unit, task_force, campaign)
    if attendees is None:
        attendees = [m.person for m in task_force.members.select_related("person")] if task_force else []
    people = _check_people(unit, [chair, *attendees])

    def create() -> Meeting:
        meeting = Meeting.objects.create(
            unit=unit,
            title=title,
            starts_at=starts_at,
            place=place,
            chair=chair,
            task_force=task_force,
            campaign=campaign,
            created_by=actor,
            submit_key=clean_key(submit_key),
        )
        Attendee.objects.bulk_create(Attendee(meeting=meeting, person=p) for p in people)
        record_change(
            actor=actor,
            action="create_meeting",
            obj=meeting,
            unit_path=unit.path,
            after={**snapshot(meeting, BASICS), "attendees": [p.pk for p in people]},
        )
        return meeting

    with transaction.atomic():
        return once(Meeting, clean_key(submit_key), create, created_by=actor)


def _locked_meeting(actor: User, meeting: Meeting, version: int | None) -> Meeting:
    fresh = locked(Meeting.objects.select_related("unit", "task_force"), meeting.pk, version)
    if not can(actor, "meeting.change", fresh.unit):
        raise Forbidden("您无权修改该调度会")
    return fresh


def update_meeting(
    *,
    actor: User,
    meeting: Meeting,
    title: str,
    starts_at: dt.datetime,
    place: str,
    chair: User | None,
    version: int | None,
) -> Meeting:
    title = clean_text(title, label="会议名称", limit=120)
    place = clean_text(place, label="会议地点", limit=100, required=False)
    starts_at = _check_time(starts_at)
    with transaction.atomic():
        fresh = _locked_meeting(actor, meeting, version)
        chair = _check_chair(fresh.unit, chair)
        before = snapshot(fresh, BASICS)
        fresh.title, fresh.starts_at, fresh.place, fresh.chair = title, starts_at, place, chair
        fresh.updated_at = timezone.now()
        bump(fresh, ["title", "starts_at", "place", "chair", "updated_at"])
        if not fresh.attendees.filter(person=chair).exists():
            Attendee.objects.create(meeting=fresh, person=chair)
        record_change(
            actor=actor,
            action="update_meeting",
            obj=fresh,
            unit_path=fresh.unit.path,
            before=before,
            after=snapshot(fresh, BASICS),
        )
    return fresh


def save_minutes(*, actor: User, meeting: Meeting, minutes: str, version: int | None) -> Meeting:
    """会议纪要: the minutes' text (the decisions are kept as rows beside it)."""
    minutes = clean_text(minutes, label="会议纪要", limit=20000, required=False)
    with transaction.atomic():
        fresh = _locked_meeting(actor, meeting, version)
        if fresh.minutes == minutes:
            return fresh
        before = {"minutes": fresh.minutes}
        fresh.minutes = minutes
        fresh.updated_at = timezone.now()
        bump(fresh, ["minutes", "updated_at"])
        record_change(
            actor=actor,
            action="save_minutes",
            obj=fresh,
            unit_path=fresh.unit.path,
            before=before,
            after={"minutes": minutes},
        )
    return fresh


def add_attendees(*, actor: User, meeting: Meeting, people: Sequence[User]) -> int:
    """Add people to the attendance list (present by default); people already on it are left as they are."""
    if not people:
        raise DomainError("请选择要添加的参会人员", code="attendees_required")
    with transaction.atomic():
        fresh = _locked_meeting(actor, meeting, None)
        clean = _check_people(fresh.unit, people)
        listed = set(fresh.attendees.values_list("person_id", flat=True))
        new = [p for p in clean if p.pk not in listed]
        Attendee.objects.bulk_create(Attendee(meeting=fresh, person=p) for p in new)
        if new:
            fresh.updated_at = timezone.now()
            bump(fresh, ["updated_at"])
            record_change(
                actor=actor,
                action="add_attendees",
                obj=fresh,
                unit_path=fresh.unit.path,
                after={"attendees": [p.pk for p in new]},
            )
    return len(new)


def record_attendance(
    *, actor: User, meeting: Meeting, marks: Mapping[int, tuple[str, str]], version: int | None
) -> Meeting:
    """出席/请假/缺席 for the listed people: `marks` is {attendee id: (attendance, note)}; unlisted rows stay."""
    for attendance, note in marks.values():
        if attendance not in Attendance.values:
            raise DomainError("出席情况应为出席、请假或缺席", code="attendance_invalid")
        clean_text(note, label="出席情况备注", limit=100, required=False)
    with transaction.atomic():
        fresh = _locked_meeting(actor, meeting, version)
        rows = {a.pk: a for a in fresh.attendees.all()}
        unknown = set(marks) - set(rows)
        if unknown:
            raise DomainError("参会名单已被他人修改，请刷新页面后重试", code="stale_version", status=409)
        changed: dict[str, list[str]] = {}
        for pk, (attendance, note) in marks.items():
            row = rows[pk]
            note = note.strip()
            if (row.attendance, row.note) != (attendance, note):
                changed[str(row.person_id)] = [f"{row.attendance}/{row.note}", f"{attendance}/{note}"]
                row.attendance, row.note = attendance, note
                row.save(update_fields=["attendance", "note"])
        if changed:
            fresh.updated_at = timezone.now()
            bump(fresh, ["updated_at"])
            record_change(actor=actor, action="record_attendance", obj=fresh, unit_path=fresh.unit.path, after=changed)
    return fresh


def remove_attendee(*, actor: User, meeting: Meeting, attendee: Attendee) -> None:
    with transaction.atomic():
        fresh = _locked_meeting(actor, meeting, None)
        row = fresh.attendees.filter(pk=attendee.pk).first()
        if row is None:
            return
        if row.person_id == fresh.chair_id:
            raise DomainError("主持人不能移出参会名单", code="chair_required")
        row.delete()
        fresh.updated_at = timezone.now()
        bump(fresh, ["updated_at"])
        record_change(
            actor=actor,
            action="remove_attendee",
            obj=fresh,
            unit_path=fresh.unit.path,
            before={"attendee": row.person_id},
            after=None,
        )
