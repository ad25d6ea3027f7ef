"""Rosters and shifts: a unit plans who is on duty when, then publishes the roster."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from dudao.accounts.models import User
from dudao.audit.services import record_change, snapshot
from dudao.core.errors import DomainError, Forbidden
from dudao.core.locking import bump, locked
from dudao.duty.models import DutyRoster, DutyShift, DutySignIn, RosterStatus, ShiftRole
from dudao.duty.services._common import ROSTER_UNIT_KINDS, _text, is_duty_staff, local, overlapping_shifts
from dudao.orgs.models import OrgUnit
from dudao.orgs.scoping import can

MAX_ROSTER_DAYS = 200
MAX_SHIFT_HOURS = 48


def create_roster(*, actor: User, unit: OrgUnit, title: str, starts_on: dt.date, ends_on: dt.date) -> DutyRoster:
    """A unit starts planning its duty for a holiday or key period."""
    if not can(actor, "duty.change", unit):
        raise Forbidden("您无权为该单位编排值班表")
    if unit.kind not in ROSTER_UNIT_KINDS or unit.is_closed:
        raise DomainError("值班表只能为教育局、区县教育局或学校编排", code="roster_unit_kind")
    title = _text(title, label="值班表名称", limit=100)
    if ends_on < starts_on:
        raise DomainError("结束日期不能早于开始日期", code="roster_dates_reversed")
    if (ends_on - starts_on).days + 1 > MAX_ROSTER_DAYS:
        raise DomainError(f"一张值班表最长 {MAX_ROSTER_DAYS} 天，请分段编排", code="roster_too_long")
    with transaction.atomic():
        roster = DutyRoster.objects.create(
            unit=unit, title=title, starts_on=starts_on, ends_on=ends_on, created_by=actor
        )
        record_change(
            actor=actor,
            action="create",
            obj=roster,
            unit_path=unit.path,
            after=snapshot(roster, ["unit", "title", "starts_on", "ends_on"]),
        )
    return roster


def _locked_roster(roster: DutyRoster, version: int | None) -> DutyRoster:
    return locked(DutyRoster.objects.select_related("unit"), roster.pk, version)


def _bump(roster: DutyRoster) -> None:
    roster.updated_at = timezone.now()
    bump(roster, ["updated_at", "status", "published_at"])


def add_shift(
    *,
    actor: User,
    roster: DutyRoster,
    person: User | None,
    role: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    phone: str = "",
    version: int | None = None,
) -> DutyShift:
    """One person on duty for one period. Refused: a shift ending before it starts, outside the roster's dates,
    someone from another unit, or a person already on duty elsewhere at the same time (two places at once)."""
    if role not in ShiftRole.values:
        raise DomainError("请选择岗位（带班领导或值班人员）", code="shift_role_invalid")
    if person is None:
        raise DomainError("请选择值班人", code="person_required")
    if starts_at is None or ends_at is None:
        raise DomainError("请填写值班开始和结束时间", code="shift_time_required")
    # A time without a zone is Beijing time (what a clerk means when typing 08:00).
    starts_at, ends_at = (t if timezone.is_aware(t) else timezone.make_aware(t) for t in (starts_at, ends_at))
    if ends_at <= starts_at:
        raise DomainError("值班结束时间必须晚于开始时间", code="shift_ends_before_start")
    if ends_at - starts_at > dt.timedelta(hours=MAX_SHIFT_HOURS):
        raise DomainError(f"一个班次最长 {MAX_SHIFT_HOURS} 小时", code="shift_too_long")
    phone = _text(phone or getattr(person, "phone", ""), label="值班电话", limit=20, required=False)
    with transaction.atomic():
        roster = _locked_roster(roster, version)
        if not can(actor, "duty.change", roster.unit):
            raise Forbidden("您无权编排该单位的值班表")
        start_day = local(starts_at).date()
        if not roster.starts_on <= start_day <= roster.ends_on:
            raise DomainError(
                f"班次须在值班表的日期范围内（{roster.starts_on:%Y-%m-%d} 至 {roster.ends_on:%Y-%m-%d}）",
                code="shift_outside_roster",
            )
        # Lock the person so that two planners cannot put them in two places at once.
        person = User.objects.select_for_update().get(pk=person.pk)
        if not is_duty_staff(person, roster.unit):
            raise DomainError("值班人须是本单位在岗人员", code="person_outside_unit")
        clash = overlapping_shifts(person.pk, starts_at, ends_at).select_related("unit").first()
        if clash is not None:
            raise DomainError(
                f"{person.display_name} 在 {local(clash.starts_at):%m-%d %H:%M}–{local(clash.ends_at):%m-%d %H:%M}"
                f" 已在{clash.unit.name}值班，同一时间不能两处值班",
                code="shift_overlaps",
                status=409,
            )
        shift = DutyShift.objects.create(
            roster=roster,
            unit=roster.unit,
            person=person,
            role=role,
            starts_at=starts_at,
            ends_at=ends_at,
            phone=phone or person.phone,
        )
        _bump(roster)
        record_change(
            actor=actor,
            action="add_shift",
            obj=roster,
            unit_path=roster.unit.path,
            after={
                "shift": shift.pk,
                "person": person.pk,
                "role": role,
                "starts_at": starts_at.isoformat(),
                "ends_at": ends_at.isoformat(),
            },
        )
    return shift


def remove_shift(*, actor: User, shift: DutyShift, version: int | None = None) -> None:
    with transaction.atomic():
        roster = _locked_roster(shift.roster, version)
        if not can(actor, "duty.change", roster.unit):
            raise Forbidden("您无权编排该单位的值班表")
        fresh = DutyShift.objects.filter(pk=shift.pk, roster=roster).first()
        if fresh is None:
            raise DomainError("该班次已被删除", code="shift_missing", status=409)
        if DutySignIn.objects.filter(shift=fresh).exists():
            raise DomainError("该班次已签到，不能删除", code="shift_signed_in", status=409)
        if roster.status == RosterStatus.PUBLISHED and fresh.starts_at <= timezone.now():
            # A missed sign-in must stay visible to the head and the district, not vanish with its shift.
            raise DomainError("已发布值班表中已开始的班次不能删除", code="shift_started", status=409)
        before = {"shift": fresh.pk, "person": fresh.person_id, "starts_at": fresh.starts_at.isoformat()}
        fresh.delete()
        _bump(roster)
        record_change(actor=actor, action="remove_shift", obj=roster, unit_path=roster.unit.path, before=before)


def publish_roster(*, actor: User, roster: DutyRoster, version: int | None) -> DutyRoster:
    """Published rosters are seen by the unit and up the tree, and their people can sign in."""
    with transaction.atomic():
        roster = _locked_roster(roster, version)
        if not can(actor, "duty.change", roster.unit):
            raise Forbidden("您无权发布该单位的值班表")
        if roster.status == RosterStatus.PUBLISHED:
            return roster  # publishing twice changes nothing
        if not roster.shifts.exists():
            raise DomainError("值班表还没有任何班次，不能发布", code="roster_empty")
        roster.status = RosterStatus.PUBLISHED
        roster.published_at = timezone.now()
        _bump(roster)
        record_change(
            actor=actor,
            action="publish",
            obj=roster,
            unit_path=roster.unit.path,
            before={"status": RosterStatus.DRAFT},
            after={"status": RosterStatus.PUBLISHED},
        )
    return roster
