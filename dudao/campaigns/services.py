"""Running a campaign: create and edit it, the units involved and their 责任清单, and the objects attached to it.

Every function runs in one transaction, checks the acting role (`campaign.change` on the campaign's unit) and
writes an audit event with the state before and after.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction

from dudao.accounts.models import User
from dudao.audit.services import record_change, snapshot
from dudao.campaigns.components import component
from dudao.campaigns.models import Campaign, CampaignItem, CampaignStatus, CampaignUnit, KeyDate
from dudao.core import indicators
from dudao.core.errors import DomainError, Forbidden
from dudao.core.locking import bump, locked
from dudao.orgs.models import OrgUnit, RoleAssignment, UnitKind
from dudao.orgs.scoping import acting_assignment, can

RUNNING_KINDS = (UnitKind.BUREAU, UnitKind.DISTRICT)
INVOLVED_KINDS = (UnitKind.DISTRICT, UnitKind.SCHOOL)
CAMPAIGN_FIELDS = [
    "name",
    "summary",
    "start",
    "end",
    "status",
    "lead",
    "deputy",
    "office",
    "indicator_codes",
    "green_at",
    "yellow_at",
]
LINE_FIELDS = ["unit", "first_responsible", "deputy_responsible", "contact"]
MAX_KEY_DATES = 20
MAX_UNITS = 5000


@dataclass(frozen=True)
class KeyDateIn:
    name: str
    date: dt.date
    is_assessment: bool = False


@dataclass(frozen=True)
class ItemRef:
    """An object to attach: its kind (`ItemKind`) and id."""

    kind: str
    object_id: int


def belongs_to(person: User, unit: OrgUnit) -> bool:
    """A person belongs to a unit when their home unit is it or inside it, or they hold a role on it or below."""
    if person.unit_id is not None and person.unit is not None and person.unit.path.startswith(unit.path):
        return True
    return RoleAssignment.objects.filter(user=person, unit__path__under=unit.path).exists()


def _check_person(person: User | None, unit: OrgUnit, label: str) -> None:
    if person is None:
        return
    if not person.is_active:
        raise DomainError(f"{label}“{person.display_name}”的账号已停用", code="person_inactive")
    if not belongs_to(person, unit):
        raise DomainError(
            f"{label}“{person.display_name}”不是{unit.name}的人员，请选择本单位（或其下属单位）的人员",
            code="person_outside_unit",
        )


def _text(value: str, *, label: str, limit: int, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise DomainError(f"请填写{label}", code="required")
    if len(value) > limit:
        raise DomainError(f"{label}不能超过 {limit} 字", code="too_long")
    return value


def _check_fields(
    *,
    running: OrgUnit,
    start: dt.date | None,
    end: dt.date | None,
    lead: User | None,
    deputy: User | None,
    office: OrgUnit | None,
    indicator_codes: Sequence[str],
    green_at: int,
    yellow_at: int,
) -> list[str]:
    if start is None or end is None:
        raise DomainError("请填写开始日期和结束日期", code="period_required")
    if end < start:
        raise DomainError(f"结束日期（{end:%Y-%m-%d}）不能早于开始日期（{start:%Y-%m-%d}）", code="period_reversed")
    if (end - start).days > 3 * 366:
        raise DomainError("专项工作周期最长三年", code="period_too_long")
    _check_person(lead, running, "主要负责领导")
    _check_person(deputy, running, "分管领导")
    if office is not None and (office.kind != UnitKind.OFFICE or office.parent_path != running.path):
        raise DomainError(f"牵头科室须是{running.name}的科室", code="office_outside")
    codes = list(dict.fromkeys(c.strip() for c in indicator_codes if c.strip()))
    unknown = [c for c in codes if indicators.get(c) is None]
    if unknown:
        raise DomainError(f"没有这些监测指标：{'、'.join(unknown)[:100]}", code="indicator_unknown")
    if not 0 <= yellow_at <= green_at <= 100:
        raise DomainError("红黄绿灯线须满足 0 ≤ 黄灯线 ≤ 绿灯线 ≤ 100", code="thresholds_invalid")
    return codes


def _clean_key_dates(key_dates: Sequence[KeyDateIn], start: dt.date, end: dt.date) -> list[KeyDateIn]:
    if len(key_dates) > MAX_KEY_DATES:
        raise DomainError(f"关键节点最多 {MAX_KEY_DATES} 个", code="too_many_key_dates")
    clean = []
    for index, key in enumerate(key_dates, start=1):
        name = _text(key.name, label=f"第 {index} 个关键节点的名称", limit=60)
        if key.date is None:
            raise DomainError(f"请填写关键节点“{name}”的日期", code="key_date_required")
        if not start <= key.date <= end:
            raise DomainError(
                f"关键节点“{name}”（{key.date:%Y-%m-%d}）不在专项工作期间（{start:%Y-%m-%d} 至 {end:%Y-%m-%d}）内",
                code="key_date_outside",
            )
        clean.append(KeyDateIn(name=name, date=key.date, is_assessment=key.is_assessment))
    if sum(1 for k in clean if k.is_assessment) > 1:
        raise DomainError("考核验收日只能有一个", code="assessment_twice")
    return clean


def _check_units(running: OrgUnit, units: Iterable[OrgUnit]) -> list[OrgUnit]:
    clean = list({u.pk: u for u in units}.values())
    if len(clean) > MAX_UNITS:
        raise DomainError(f"一次最多加入 {MAX_UNITS} 个单位", code="too_many_units")
    for unit in clean:
        if unit.pk == running.pk or not unit.path.startswith(running.path):
            raise DomainError(f"“{unit.name}”不是{running.name}的下属单位", code="unit_outside")
        if unit.kind not in INVOLVED_KINDS:
            raise DomainError(f"“{unit.name}”不是区县教育局或学校，不能作为责任单位", code="unit_kind")
        if unit.is_closed:
            raise DomainError(f"“{unit.name}”已撤销", code="unit_closed")
    return clean


def _state(campaign: Campaign) -> dict[str, Any]:
    data = snapshot(campaign, CAMPAIGN_FIELDS)
    data["key_dates"] = [
        [k.name, k.date.isoformat(), k.is_assessment] for k in campaign.key_dates.order_by("date", "id")
    ]
    return data


def create_campaign(
    *,
    actor: User,
    name: str,
    start: dt.date,
    end: dt.date,
    summary: str = "",
    lead: User | None = None,
    deputy: User | None = None,
    office: OrgUnit | None = None,
    key_dates: Sequence[KeyDateIn] = (),
    units: Sequence[OrgUnit] = (),
    items: Sequence[ItemRef] = (),
    indicator_codes: Sequence[str] = (),
    green_at: int = 90,
    yellow_at: int = 60,
) -> Campaign:
    """A campaign run by the actor's unit (a bureau or a district bureau), with its key dates, the units it
    involves and the objects attached at creation."""
    if not can(actor, "campaign.change"):
        raise Forbidden("您当前的身份不能发起专项工作")
    acting = acting_assignment(actor)
    assert acting is not None  # `can` said yes
    running = acting.unit
    if running.kind not in RUNNING_KINDS:
        raise DomainError("专项工作须以教育局或区县教育局名义发起", code="unit_kind")
    name = _text(name, label="专项工作名称", limit=100)
    summary = _text(summary, label="工作目标", limit=2000, required=False)
    codes = _check_fields(
        running=running,
        start=start,
        end=end,
        lead=lead,
        deputy=deputy,
        office=office,
        indicator_codes=indicator_codes,
        green_at=green_at,
        yellow_at=yellow_at,
    )
    dates = _clean_key_dates(key_dates, start, end)
    involved = _check_units(running, units)
    with transaction.atomic():
        campaign = Campaign.objects.create(
            unit=running,
            name=name,
            summary=summary,
            start=start,
            end=end,
            lead=lead,
            deputy=deputy,
            office=office,
            indicator_codes=codes,
            green_at=green_at,
            yellow_at=yellow_at,
            created_by=actor,
        )
        KeyDate.objects.bulk_create(
            [KeyDate(campaign=campaign, name=k.name, date=k.date, is_assessment=k.is_assessment) for k in dates]
        )
        CampaignUnit.objects.bulk_create([CampaignUnit(campaign=campaign, unit=u) for u in involved])
        record_change(
            actor=actor,
            action="create",
            obj=campaign,
            unit_path=running.path,
            after={**_state(campaign), "units": [u.pk for u in involved]},
        )
        for ref in items:
            _attach(actor=actor, campaign=campaign, ref=ref)
    return campaign


def _may_change(actor: User, campaign: Campaign) -> None:
    if not can(actor, "campaign.change", campaign.unit):
        raise Forbidden("您当前的身份不能修改这项专项工作")


def update_campaign(
    *,
    actor: User,
    campaign: Campaign,
    version: int | None,
    name: str,
    start: dt.date,
    end: dt.date,
    summary: str = "",
    status: str = CampaignStatus.ACTIVE,
    lead: User | None = None,
    deputy: User | None = None,
    office: OrgUnit | None = None,
    key_dates: Sequence[KeyDateIn] | None = None,
    indicator_codes: Sequence[str] = (),
    green_at: int = 90,
    yellow_at: int = 60,
) -> Campaign:
    """Edit the campaign's fields (and replace its key dates when given); a stale `version` is refused (409)."""
    _may_change(actor, campaign)
    name = _text(name, label="专项工作名称", limit=100)
    summary = _text(summary, label="工作目标", limit=2000, required=False)
    if status not in CampaignStatus.values:
        raise DomainError("状态只能是筹备中、进行中或已结束", code="status_invalid")
    codes = _check_fields(
        running=campaign.unit,
        start=start,
        end=end,
        lead=lead,
        deputy=deputy,
        office=office,
        indicator_codes=indicator_codes,
        green_at=green_at,
        yellow_at=yellow_at,
    )
    if key_dates is None:
        kept = [KeyDateIn(k.name, k.date, k.is_assessment) for k in campaign.key_dates.all()]
        _clean_key_dates(kept, start, end)
        dates = None
    else:
        dates = _clean_key_dates(key_dates, start, end)
    with transaction.atomic():
        fresh = locked(Campaign.objects.select_related("unit"), campaign.pk, version)
        before = _state(fresh)
        fresh.name, fresh.summary, fresh.start, fresh.end, fresh.status = name, summary, start, end, status
        fresh.lead, fresh.deputy, fresh.office = lead, deputy, office
        fresh.indicator_codes, fresh.green_at, fresh.yellow_at = codes, green_at, yellow_at
        bump(fresh, CAMPAIGN_FIELDS)
        if dates is not None:
            fresh.key_dates.all().delete()
            KeyDate.objects.bulk_create(
                [KeyDate(campaign=fresh, name=k.name, date=k.date, is_assessment=k.is_assessment) for k in dates]
            )
        record_change(
            actor=actor, action="update", obj=fresh, unit_path=fresh.unit.path, before=before, after=_state(fresh)
        )
    return fresh


def add_units(*, actor: User, campaign: Campaign, units: Sequence[OrgUnit]) -> list[CampaignUnit]:
    """Involve more units (a repeat of one already involved is ignored: double submits are harmless)."""
    _may_change(actor, campaign)
    involved = _check_units(campaign.unit, units)
    if not involved:
        raise DomainError("请选择要加入的单位", code="units_required")
    with transaction.atomic():
        present = set(CampaignUnit.objects.filter(campaign=campaign).values_list("unit_id", flat=True))
        new = [CampaignUnit(campaign=campaign, unit=u) for u in involved if u.pk not in present]
        CampaignUnit.objects.bulk_create(new)
        if new:
            record_change(
                actor=actor,
                action="add_units",
                obj=campaign,
                unit_path=campaign.unit.path,
                before={"units": sorted(present)},
                after={"units": sorted(present | {line.unit_id for line in new})},
            )
    return new


def remove_unit(*, actor: User, line: CampaignUnit) -> None:
    campaign = line.campaign
    _may_change(actor, campaign)
    with transaction.atomic():
        fresh = CampaignUnit.objects.select_for_update().filter(pk=line.pk).first()
        if fresh is None:
            return  # removed already: a repeated click changes nothing
        record_change(
            actor=actor,
            action="remove_unit",
            obj=campaign,
            unit_path=campaign.unit.path,
            before=snapshot(fresh, LINE_FIELDS),
        )
        fresh.delete()


def set_responsibility(
    *,
    actor: User,
    line: CampaignUnit,
    version: int | None,
    first_responsible: User | None,
    deputy_responsible: User | None,
    contact: User | None,
) -> CampaignUnit:
    """The unit's line of the 责任清单: each person must belong to the unit."""
    _may_change(actor, line.campaign)
    unit = line.unit
    _check_person(first_responsible, unit, "第一责任人")
    _check_person(deputy_responsible, unit, "分管负责人")
    _check_person(contact, unit, "具体联系人")
    with transaction.atomic():
        fresh = locked(CampaignUnit.objects.all(), line.pk, version)
        before = snapshot(fresh, LINE_FIELDS)
        fresh.first_responsible = first_responsible
        fresh.deputy_responsible = deputy_responsible
        fresh.contact = contact
        bump(fresh, ["first_responsible", "deputy_responsible", "contact"])
        record_change(
            actor=actor,
            action="set_responsibility",
            obj=line.campaign,
            unit_path=unit.path,
            before=before,
            after=snapshot(fresh, LINE_FIELDS),
        )
    return fresh


def _attach(*, actor: User, campaign: Campaign, ref: ItemRef) -> CampaignItem:
    found = component(ref.kind)
    if found is None:
        raise DomainError("不支持关联这类事项", code="kind_invalid")
    obj = found.scoped(actor).filter(pk=ref.object_id).first()
    if obj is None:
        raise DomainError(
            f"所选{found.kind.label}不存在或不在您的管理范围内，不能关联", code="item_outside", status=400
        )
    content_type = ContentType.objects.get_for_model(found.model)
    existing = CampaignItem.objects.filter(campaign=campaign, content_type=content_type, object_id=obj.pk).first()
    if existing is not None:
        return existing  # attached already: a double submit is harmless
    title = found.title(obj)[:200]
    try:
        with transaction.atomic():
            item = CampaignItem.objects.create(
                campaign=campaign,
                kind=found.kind,
                content_type=content_type,
                object_id=obj.pk,
                title=title,
                added_by=actor,
            )
    except IntegrityError:
        # Two submits raced; the other one attached it.
        return CampaignItem.objects.get(campaign=campaign, content_type=content_type, object_id=obj.pk)
    record_change(
        actor=actor,
        action="attach",
        obj=campaign,
        unit_path=campaign.unit.path,
        after={"kind": found.kind.value, "object_id": obj.pk, "title": title},
    )
    return item


def attach(*, actor: User, campaign: Campaign, kind: str, object_id: int) -> CampaignItem:
    """Attach a module object the actor can see (through the module's scoped selector) to the campaign."""
    _may_change(actor, campaign)
    with transaction.atomic():
        return _attach(actor=actor, campaign=campaign, ref=ItemRef(kind=kind, object_id=object_id))


def detach(*, actor: User, item: CampaignItem) -> None:
    campaign = item.campaign
    _may_change(actor, campaign)
    with transaction.atomic():
        fresh = CampaignItem.objects.select_for_update().filter(pk=item.pk).first()
        if fresh is None:
            return
        record_change(
            actor=actor,
            action="detach",
            obj=campaign,
            unit_path=campaign.unit.path,
            before={"kind": fresh.kind, "object_id": fresh.object_id, "title": fresh.title},
        )
        fresh.delete()
