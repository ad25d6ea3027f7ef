"""离市外出审批: campaign periods set by the bureau, and heads of units asking to leave the city during them."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from dudao.accounts.models import User
from dudao.audit.services import record_change, snapshot
from dudao.core.errors import DomainError, Forbidden, check_version
from dudao.core.locking import bump
from dudao.duty.models import DutyShift, LeaveCampaign, LeaveRequest, LeaveStatus
from dudao.duty.services._common import _acting_unit, _text, is_duty_staff, overlapping_shifts
from dudao.orgs.models import OrgUnit
from dudao.orgs.scoping import can


def _under(path: str, ancestor: OrgUnit) -> bool:
    return path.startswith(ancestor.path)


def set_campaign(*, actor: User, title: str, starts_on: dt.date, ends_on: dt.date) -> LeaveCampaign:
    """The bureau sets a campaign period during which heads of units need approval to leave the city."""
    if not can(actor, "leave.campaign"):
        raise Forbidden("只有教育局可以设置管控期")
    unit = _acting_unit(actor)
    title = _text(title, label="名称", limit=100)
    if starts_on is None or ends_on is None or ends_on < starts_on:
        raise DomainError("管控期结束日期不能早于开始日期", code="campaign_dates_reversed")
    with transaction.atomic():
        if LeaveCampaign.objects.filter(unit=unit, starts_on__lte=ends_on, ends_on__gte=starts_on).exists():
            raise DomainError("与已设置的管控期日期重叠", code="campaign_overlaps", status=409)
        campaign = LeaveCampaign.objects.create(
            unit=unit, title=title, starts_on=starts_on, ends_on=ends_on, created_by=actor
        )
        record_change(
            actor=actor,
            action="create",
            obj=campaign,
            unit_path=unit.path,
            after=snapshot(campaign, ["title", "starts_on", "ends_on"]),
        )
    return campaign


def campaign_for(unit: OrgUnit, day: dt.date) -> LeaveCampaign | None:
    """The campaign in force on `day`, or the next one, set by the unit or any unit above it."""
    ancestors = [unit.path[: n * unit.steplen] for n in range(1, unit.depth + 1)]
    return LeaveCampaign.objects.filter(unit__path__in=ancestors, ends_on__gte=day).order_by("starts_on").first()


def shifts_during(person_id: int, starts_on: dt.date, ends_on: dt.date) -> QuerySet[DutyShift]:
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(starts_on, dt.time.min, tzinfo=tz)
    end = dt.datetime.combine(ends_on + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    return overlapping_shifts(person_id, start, end)


def file_leave(
    *,
    actor: User,
    campaign: LeaveCampaign,
    starts_on: dt.date,
    ends_on: dt.date,
    destination: str,
    reason: str,
    deputy: User | None,
) -> LeaveRequest:
    """A head of unit asks to leave the city during the campaign. Own duty shifts in those dates do not refuse
    the request: they are counted on it as a warning and the approver decides."""
    if not can(actor, "leave.request"):
        raise Forbidden("您当前的身份不需要（也不能）提交离市外出申请")
    unit = _acting_unit(actor)
    destination = _text(destination, label="目的地", limit=100)
    reason = _text(reason, label="事由", limit=300)
    if starts_on is None or ends_on is None or ends_on < starts_on:
        raise DomainError("返回日期不能早于离开日期", code="leave_dates_reversed")
    if starts_on < timezone.localdate():
        raise DomainError("离开日期不能早于今天", code="leave_in_past")
    if not (campaign.starts_on <= ends_on and starts_on <= campaign.ends_on):
        raise DomainError(
            f"外出日期与管控期（{campaign.starts_on:%m-%d} 至 {campaign.ends_on:%m-%d}）不重叠，无需审批",
            code="leave_outside_campaign",
        )
    if not _under(unit.path, campaign.unit):
        raise DomainError("该管控期不适用于您的单位", code="campaign_out_of_scope")
    if deputy is None:
        raise DomainError("请选择代管负责人", code="deputy_required")
    if deputy.pk == actor.pk:
        raise DomainError("代管负责人不能是本人", code="deputy_is_self")
    if not is_duty_staff(deputy, unit):
        raise DomainError("代管负责人须是本单位在岗人员", code="deputy_outside_unit")
    with transaction.atomic():
        User.objects.select_for_update().get(pk=actor.pk)  # one request at a time per person
        duplicate = LeaveRequest.objects.filter(
            applicant=actor,
            status__in=(LeaveStatus.PENDING, LeaveStatus.APPROVED),
            starts_on__lte=ends_on,
            ends_on__gte=starts_on,
        ).first()
        if duplicate is not None:
            raise DomainError(
                f"您在 {duplicate.starts_on:%m-%d} 至 {duplicate.ends_on:%m-%d} 已有外出申请"
                f"（{duplicate.get_status_display()}）",
                code="leave_duplicate",
                status=409,
            )
        request = LeaveRequest.objects.create(
            campaign=campaign,
            applicant=actor,
            unit=unit,
            starts_on=starts_on,
            ends_on=ends_on,
            destination=destination,
            reason=reason,
            deputy=deputy,
            overlapping_shifts=shifts_during(actor.pk, starts_on, ends_on).count(),
        )
        record_change(
            actor=actor,
            action="file_leave",
            obj=request,
            unit_path=unit.path,
            after=snapshot(
                request, ["campaign", "starts_on", "ends_on", "destination", "reason", "deputy", "overlapping_shifts"]
            ),
        )
    return request


def decide_leave(
    *, actor: User, request: LeaveRequest, approve: bool, note: str = "", version: int | None = None
) -> LeaveRequest:
    note = _text(note, label="审批意见", limit=300, required=not approve)
    with transaction.atomic():
        fresh = LeaveRequest.objects.select_for_update(of=("self",)).select_related("unit").get(pk=request.pk)
        if not can(actor, "leave.approve", fresh.unit):
            raise Forbidden("只有局领导可以审批离市外出申请")
        if fresh.applicant_id == actor.pk:
            raise Forbidden("不能审批本人的申请")
        check_version(fresh, version)
        if fresh.status != LeaveStatus.PENDING:
            raise DomainError(f"该申请{fresh.get_status_display()}，不能再审批", code="illegal_transition", status=409)
        before = snapshot(fresh, ["status"])
        fresh.status = LeaveStatus.APPROVED if approve else LeaveStatus.REJECTED
        fresh.decided_by, fresh.decided_at, fresh.decision_note = actor, timezone.now(), note
        bump(fresh, ["status", "decided_by", "decided_at", "decision_note"])
        record_change(
            actor=actor,
            action="approve_leave" if approve else "reject_leave",
            obj=fresh,
            unit_path=fresh.unit.path,
            before=before,
            after={**snapshot(fresh, ["status"]), "note": note},
        )
    return fresh


def withdraw_leave(*, actor: User, request: LeaveRequest, version: int | None = None) -> LeaveRequest:
    """The applicant takes back a request not yet decided (wrong dates, trip cancelled) and may file a new one."""
    with transaction.atomic():
        fresh = LeaveRequest.objects.select_for_update(of=("self",)).select_related("unit").get(pk=request.pk)
        if fresh.applicant_id != actor.pk:
            raise Forbidden("只有申请人本人可以撤回申请")
        check_version(fresh, version)
        if fresh.status != LeaveStatus.PENDING:
            raise DomainError(f"该申请{fresh.get_status_display()}，不能撤回", code="illegal_transition", status=409)
        before = snapshot(fresh, ["status"])
        fresh.status = LeaveStatus.WITHDRAWN
        bump(fresh, ["status"])
        record_change(
            actor=actor,
            action="withdraw_leave",
            obj=fresh,
            unit_path=fresh.unit.path,
            before=before,
            after=snapshot(fresh, ["status"]),
        )
    return fresh
