"""Partner services. The bureau's or district's side (partners, contacts, tasks, campaigns) checks `partner.change`
on the keeping unit, runs in one transaction, uses optimistic locking on edits and is audited. The partner's side
(acknowledge, report) has no account: the link is the credential, the audit names the person the partner gave.

Double submits are idempotent: the same task sent twice within a short time returns the first one; a second
签收 keeps the first time; a second report updates the report (and its photos), never adds one."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import IO, Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from dudao.accounts.models import User
from dudao.audit.services import record_change, snapshot
from dudao.core.errors import DomainError, Forbidden
from dudao.core.files import IMAGE_TYPES, store_upload
from dudao.core.locking import bump, locked
from dudao.messaging.models import Category
from dudao.messaging.services import notify
from dudao.orgs.models import OrgUnit, UnitKind
from dudao.orgs.scoping import can
from dudao.partners import links, selectors
from dudao.partners.models import (
    CampaignStatus,
    JointCampaign,
    Partner,
    PartnerContact,
    PartnerKind,
    PartnerTask,
    TaskPhoto,
    TaskStatus,
)

PHOTO_MAX_BYTES = 10 * 1024 * 1024
MAX_PHOTOS = 6
# The same task (partner, title) sent again by the same person within this time is a double submit.
DOUBLE_SUBMIT_WINDOW = dt.timedelta(minutes=10)
PARTNER_FIELDS = ["name", "kind", "address", "note", "is_active"]
TASK_FIELDS = ["status", "due_on", "link_revoked_at", "resent_count", "review_note", "closed_at"]


def _check(actor: User, unit: OrgUnit) -> None:
    if not can(actor, "partner.change", unit):
        raise Forbidden("只有教育局科室人员或区县管理员可以维护部门协同事项")


def _text(value: str | None, *, label: str, limit: int, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise DomainError(f"请填写{label}", code="required")
    if len(value) > limit:
        raise DomainError(f"{label}不能超过 {limit} 字", code="too_long")
    return value


def _keeping_unit(unit: OrgUnit) -> None:
    if unit.kind not in (UnitKind.BUREAU, UnitKind.DISTRICT, UnitKind.OFFICE):
        raise DomainError("协作单位由教育局或区县教育局维护", code="partner_owner_invalid")


def _units_in(actor: User, units: Sequence[OrgUnit], owner: OrgUnit, *, label: str) -> list[OrgUnit]:
    for unit in units:
        if not unit.path.startswith(owner.path):
            raise DomainError(f"{unit.name}不在{owner.name}的管理范围内，不能作为{label}", code="unit_out_of_scope")
    return list(units)


# ----- partner units and contacts ---------------------------------------------------------------


@dataclass(frozen=True)
class PartnerIn:
    name: str
    kind: str
    address: str = ""
    note: str = ""
    is_active: bool = True
    covers: Sequence[OrgUnit] = field(default_factory=list)


def _partner_values(data: PartnerIn) -> dict[str, Any]:
    if data.kind not in PartnerKind.values:
        raise DomainError("请选择协作单位类别", code="partner_kind_invalid")
    return {
        "name": _text(data.name, label="单位名称", limit=80),
        "kind": data.kind,
        "address": _text(data.address, label="地址", limit=120, required=False),
        "note": _text(data.note, label="协作事项", limit=300, required=False),
        "is_active": data.is_active,
    }


def create_partner(*, actor: User, owner: OrgUnit, data: PartnerIn) -> Partner:
    _keeping_unit(owner)
    _check(actor, owner)
    values = _partner_values(data)
    covers = _units_in(actor, data.covers, owner, label="辖区单位")
    with transaction.atomic():
        if Partner.objects.filter(owner=owner, name=values["name"]).exists():
            raise DomainError(f"已登记名为“{values['name']}”的协作单位", code="partner_exists", status=409)
        partner = Partner.objects.create(owner=owner, **values)
        partner.covers.set(covers)
        record_change(
            actor=actor,
            action="create",
            obj=partner,
            unit_path=owner.path,
            after={**snapshot(partner, PARTNER_FIELDS), "covers": [u.name for u in covers]},
        )
    return partner


def update_partner(*, actor: User, partner: Partner, data: PartnerIn, version: int | None) -> Partner:
    _check(actor, partner.owner)
    values = _partner_values(data)
    covers = _units_in(actor, data.covers, partner.owner, label="辖区单位")
    with transaction.atomic():
        fresh = locked(Partner.objects, partner.pk, version)
        if Partner.objects.filter(owner_id=fresh.owner_id, name=values["name"]).exclude(pk=fresh.pk).exists():
            raise DomainError(f"已登记名为“{values['name']}”的协作单位", code="partner_exists", status=409)
        before = {**snapshot(fresh, PARTNER_FIELDS), "covers": sorted(u.name for u in fresh.covers.all())}
        for key, value in values.items():
            setattr(fresh, key, value)
        fresh.updated_at = timezone.now()
        bump(fresh, [*PARTNER_FIELDS, "updated_at"])
        fresh.covers.set(covers)
        record_change(
            actor=actor,
            action="update",
            obj=fresh,
            unit_path=partner.owner.path,
            before=before,
            after={**snapshot(fresh, PARTNER_FIELDS), "covers": sorted(u.name for u in covers)},
        )
    return fresh


def add_contact(*, actor: User, partner: Partner, name: str, post: str, phone: str) -> PartnerContact:
    _check(actor, partner.owner)
    phone = _text(phone, label="电话", limit=20)
    if not all(c.isdigit() or c in "-+ " for c in phone) or sum(c.isdigit() for c in phone) < 7:
        raise DomainError("电话号码格式不正确（手机号或带区号的固定电话）", code="phone_invalid")
    with transaction.atomic():
        contact = PartnerContact.objects.create(
            partner=partner,
            name=_text(name, label="联系人姓名", limit=40),
            post=_text(post, label="职务", limit=40, required=False),
            phone=phone,
        )
        record_change(
            actor=actor,
            action="add_contact",
            obj=partner,
            unit_path=partner.owner.path,
            after={"contact": f"{contact.name} {contact.post} {contact.phone}".strip()},
        )
    return contact


def remove_contact(*, actor: User, contact: PartnerContact) -> None:
    partner = contact.partner
    _check(actor, partner.owner)
    with transaction.atomic():
        record_change(
            actor=actor,
            action="remove_contact",
            obj=partner,
            unit_path=partner.owner.path,
            before={"contact": f"{contact.name} {contact.post} {contact.phone}".strip()},
        )
        contact.delete()


# ----- tasks ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TaskIn:
    title: str
    description: str
    due_on: dt.date
    location: str = ""
    school: OrgUnit | None = None
    hazard_id: int | None = None
    campaign: JointCampaign | None = None


def send_task(*, actor: User, partner: Partner, data: TaskIn) -> tuple[PartnerTask, bool]:
    """Send a task (or a ledger hazard) to a partner: a new signed link with a deadline. Returns (task, created);
    the same task sent again by the same person within DOUBLE_SUBMIT_WINDOW returns the first one."""
    _check(actor, partner.owner)
    if not partner.is_active:
        raise DomainError(f"{partner.name}已停止合作，不能再交办任务", code="partner_inactive")
    title = _text(data.title, label="事项", limit=100)
    description = _text(data.description, label="具体情况和要求", limit=1000)
    location = _text(data.location, label="地点", limit=120, required=False)
    if data.due_on < timezone.localdate():
        raise DomainError("办理时限不能早于今天", code="due_in_past")
    school = data.school
    if data.hazard_id is not None:
        hazard = selectors.hazard_for(actor, data.hazard_id)
        if hazard is None:
            raise DomainError("关联的隐患不存在或不在您的管理范围内", code="hazard_not_found", status=404)
        school = school or hazard.school
    if school is not None:
        if school.kind != UnitKind.SCHOOL:
            raise DomainError("涉及学校应选择一所学校", code="not_a_school")
        if not can(actor, "partner.change", school):
            raise DomainError(f"{school.name}不在您的管理范围内", code="unit_out_of_scope")
    campaign = data.campaign
    if campaign is not None:
        if campaign.status != CampaignStatus.ACTIVE:
            raise DomainError("该联合行动已结束，不能再交办问题", code="campaign_closed", status=409)
        if not campaign.partners.filter(pk=partner.pk).exists():
            raise DomainError(f"{partner.name}不是该联合行动的参与部门", code="partner_not_in_campaign")
        if school is not None and not campaign.schools.filter(pk=school.pk).exists():
            raise DomainError(f"{school.name}不是该联合行动的目标学校", code="school_not_in_campaign")
    with transaction.atomic():
        Partner.objects.select_for_update().get(pk=partner.pk)
        existing = PartnerTask.objects.filter(
            partner=partner,
            title=title,
            sent_by=actor,
            campaign=campaign,
            school=school,
            sent_at__gte=timezone.now() - DOUBLE_SUBMIT_WINDOW,
        ).first()
        if existing is not None:
            return existing, False
        task = PartnerTask.objects.create(
            owner=partner.owner,
            partner=partner,
            campaign=campaign,
            school=school,
            hazard_id=data.hazard_id,
            title=title,
            description=description,
            location=location,
            due_on=data.due_on,
            link_key=links.new_key(),
            sent_by=actor,
        )
        record_change(
            actor=actor,
            action="send",
            obj=task,
            unit_path=partner.owner.path,
            after={
                **snapshot(task, ["title", "description", "location", "due_on", "hazard_id"]),
                "partner": partner.name,
                "school": school.name if school else "",
            },
        )
    return task, True


def _task_change(actor: User, task: PartnerTask, version: int | None) -> tuple[PartnerTask, dict[str, Any]]:
    _check(actor, task.owner)
    fresh = locked(PartnerTask.objects, task.pk, version)
    return fresh, snapshot(fresh, TASK_FIELDS)


def _audit(actor: User | None, action: str, task: PartnerTask, before: dict[str, Any] | None) -> None:
    record_change(
        actor=actor,
        action=action,
        obj=task,
        unit_path=task.owner.path,
        before=before,
        after=snapshot(task, TASK_FIELDS),
    )


def revoke_link(*, actor: User, task: PartnerTask, version: int | None) -> PartnerTask:
    """The link stops working (404) at once; resending gives the partner a new one."""
    with transaction.atomic():
        fresh, before = _task_change(actor, task, version)
        if fresh.link_revoked_at is not None:
            return fresh
        fresh.link_revoked_at = timezone.now()
        bump(fresh, ["link_revoked_at"])
        _audit(actor, "revoke_link", fresh, before)
    return fresh


def resend_link(*, actor: User, task: PartnerTask, version: int | None, due_on: dt.date | None = None) -> PartnerTask:
    """A new link (every earlier one dies), optionally with a new deadline; the task keeps its 签收 and report."""
    with transaction.atomic():
        fresh, before = _task_change(actor, task, version)
        if fresh.status == TaskStatus.CLOSED:
            raise DomainError("任务已办结，无需重新发送", code="task_closed", status=409)
        if due_on is not None:
            if due_on < timezone.localdate():
                raise DomainError("办理时限不能早于今天", code="due_in_past")
            fresh.due_on = due_on
        fresh.link_key = links.new_key()
        fresh.link_revoked_at = None
        fresh.resent_count += 1
        bump(fresh, ["link_key", "link_revoked_at", "resent_count", "due_on"])
        _audit(actor, "resend_link", fresh, before)
    return fresh


def close_task(*, actor: User, task: PartnerTask, version: int | None, note: str = "") -> PartnerTask:
    """办结 after reviewing the partner's report; the link then shows the task as closed and takes no report."""
    with transaction.atomic():
        fresh, before = _task_change(actor, task, version)
        if fresh.status == TaskStatus.CLOSED:
            return fresh
        if fresh.status != TaskStatus.REPORTED:
            raise DomainError("协作单位尚未反馈办理情况，不能办结", code="task_not_reported", status=409)
        fresh.status = TaskStatus.CLOSED
        fresh.closed_at = timezone.now()
        fresh.closed_by = actor
        fresh.review_note = _text(note, label="审核意见", limit=300, required=False)
        bump(fresh, ["status", "closed_at", "closed_by", "review_note"])
        _audit(actor, "close", fresh, before)
    return fresh


def return_task(*, actor: User, task: PartnerTask, version: int | None, note: str) -> PartnerTask:
    """退回: the report is not enough; the partner is asked (through the same link) to report again."""
    with transaction.atomic():
        fresh, before = _task_change(actor, task, version)
        if fresh.status != TaskStatus.REPORTED:
            raise DomainError("只有已反馈的任务可以退回", code="task_not_reported", status=409)
        fresh.review_note = _text(note, label="退回理由", limit=300)
        fresh.status = TaskStatus.ACKNOWLEDGED
        bump(fresh, ["status", "review_note"])
        _audit(actor, "return", fresh, before)
    return fresh


# ----- the partner's side (no account) -----------------------------------------------------------


def _tell_sender(task: PartnerTask, title: str, key: str) -> None:
    notify(
        [task.sent_by_id],
        category=Category.SYSTEM,
        title=title,
        body=f"{task.partner.name}：{task.title}",
        url=reverse("partners:task", args=[task.pk]),
        dedupe_key=f"partner-task:{task.pk}:{key}",
    )


def acknowledge(*, task: PartnerTask, name: str) -> tuple[PartnerTask, bool]:
    """签收: the time is recorded once; a second 签收 returns the first. The sender is notified."""
    who = _text(name, label="签收人姓名", limit=40)
    with transaction.atomic():
        fresh = PartnerTask.objects.select_for_update().select_related("partner", "owner").get(pk=task.pk)
        if fresh.acknowledged_at is not None:
            return fresh, False
        fresh.acknowledged_at = timezone.now()
        fresh.acknowledged_by = who
        if fresh.status == TaskStatus.SENT:
            fresh.status = TaskStatus.ACKNOWLEDGED
        fresh.version += 1
        fresh.save(update_fields=["acknowledged_at", "acknowledged_by", "status", "version"])
        record_change(
            actor=None,
            action="acknowledge",
            obj=fresh,
            unit_path=fresh.owner.path,
            after={"acknowledged_by": who, "partner": fresh.partner.name},
        )
        _tell_sender(fresh, f"{fresh.partner.name}已签收", "ack")
    return fresh, True


def report(*, task: PartnerTask, name: str, text: str, photos: Sequence[IO[bytes]] = ()) -> PartnerTask:
    """反馈办理情况 with photos (checked by content). Reporting again through the same link updates the report;
    new photos replace the earlier ones, none keeps them. A closed task takes no report."""
    who = _text(name, label="反馈人姓名", limit=40)
    body = _text(text, label="办理情况", limit=2000)
    if len(photos) > MAX_PHOTOS:
        raise DomainError(f"照片最多 {MAX_PHOTOS} 张", code="too_many_photos")
    with transaction.atomic():
        fresh = PartnerTask.objects.select_for_update().select_related("partner", "owner").get(pk=task.pk)
        if fresh.status == TaskStatus.CLOSED:
            raise DomainError("该任务已办结，不能再修改反馈", code="task_closed", status=409)
        stored = [store_upload(actor=None, upload=p, allowed=IMAGE_TYPES, max_bytes=PHOTO_MAX_BYTES) for p in photos]
        now = timezone.now()
        if fresh.acknowledged_at is None:
            fresh.acknowledged_at, fresh.acknowledged_by = now, who
        fresh.status = TaskStatus.REPORTED
        fresh.reported_at = now
        fresh.reported_by = who
        fresh.report = body
        fresh.report_count += 1
        fresh.version += 1
        fresh.save(
            update_fields=[
                "acknowledged_at",
                "acknowledged_by",
                "status",
                "reported_at",
                "reported_by",
                "report",
                "report_count",
                "version",
            ]
        )
        if stored:
            TaskPhoto.objects.filter(task=fresh).delete()
            TaskPhoto.objects.bulk_create([TaskPhoto(task=fresh, file=s) for s in stored])
        record_change(
            actor=None,
            action="report",
            obj=fresh,
            unit_path=fresh.owner.path,
            after={"reported_by": who, "report": body, "photos": [s.pk for s in stored], "times": fresh.report_count},
        )
        again = "更新了" if fresh.report_count > 1 else "已"
        _tell_sender(fresh, f"{fresh.partner.name}{again}反馈办理情况", f"report:{fresh.report_count}")
    return fresh


# ----- joint campaigns ---------------------------------------------------------------------------


@dataclass(frozen=True)
class CampaignIn:
    title: str
    starts_on: dt.date
    ends_on: dt.date
    description: str = ""
    partners: Sequence[Partner] = field(default_factory=list)
    schools: Sequence[OrgUnit] = field(default_factory=list)


def create_campaign(*, actor: User, owner: OrgUnit, data: CampaignIn) -> JointCampaign:
    _keeping_unit(owner)
    _check(actor, owner)
    title = _text(data.title, label="行动名称", limit=100)
    if data.ends_on < data.starts_on:
        raise DomainError("结束日期不能早于开始日期", code="campaign_dates_invalid")
    if not data.partners:
        raise DomainError("请至少选择一个参与部门", code="campaign_no_partners")
    if not data.schools:
        raise DomainError("请至少选择一所目标学校", code="campaign_no_schools")
    for partner in data.partners:
        if not can(actor, "partner.read", partner.owner):
            raise DomainError(f"{partner.name}不在您的协作单位名单中", code="partner_out_of_scope")
    schools = _units_in(actor, data.schools, owner, label="目标学校")
    if any(s.kind != UnitKind.SCHOOL for s in schools):
        raise DomainError("目标学校只能选择学校", code="not_a_school")
    with transaction.atomic():
        campaign = JointCampaign.objects.create(
            owner=owner,
            title=title,
            description=_text(data.description, label="工作内容", limit=1000, required=False),
            starts_on=data.starts_on,
            ends_on=data.ends_on,
            created_by=actor,
        )
        campaign.partners.set(data.partners)
        campaign.schools.set(schools)
        record_change(
            actor=actor,
            action="create",
            obj=campaign,
            unit_path=owner.path,
            after={
                **snapshot(campaign, ["title", "starts_on", "ends_on"]),
                "partners": [p.name for p in data.partners],
                "schools": [s.name for s in schools],
            },
        )
    return campaign


def close_campaign(*, actor: User, campaign: JointCampaign, version: int | None) -> JointCampaign:
    """结束 a campaign once every problem sent to a partner is closed."""
    _check(actor, campaign.owner)
    with transaction.atomic():
        fresh = locked(JointCampaign.objects, campaign.pk, version)
        if fresh.status == CampaignStatus.CLOSED:
            return fresh
        still_open = fresh.tasks.exclude(status=TaskStatus.CLOSED).count()
        if still_open:
            raise DomainError(
                f"还有 {still_open} 个问题未办结，全部办结后才能结束行动", code="campaign_tasks_open", status=409
            )
        fresh.status = CampaignStatus.CLOSED
        fresh.closed_at = timezone.now()
        bump(fresh, ["status", "closed_at"])
        record_change(
            actor=actor,
            action="close",
            obj=fresh,
            unit_path=campaign.owner.path,
            before={"status": CampaignStatus.ACTIVE},
            after={"status": CampaignStatus.CLOSED},
        )
    return fresh
