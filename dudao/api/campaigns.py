"""专项工作: campaigns in scope, one campaign with its key dates, 责任清单 and attached objects, its summary (a line
per component, the indicators, a row per district or school with a light per component); creating a campaign,
filling a 责任清单 line and attaching objects."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Query, Router, Schema, Status
from pydantic import Field

from dudao.accounts.models import User
from dudao.api.auth import require
from dudao.api.schemas import Id, Paged, PageParams
from dudao.campaigns import selectors, services
from dudao.campaigns.models import Campaign, CampaignItem, CampaignStatus, CampaignUnit, ItemKind
from dudao.core.errors import DomainError
from dudao.core.pagination import paginate
from dudao.orgs.models import OrgUnit
from dudao.orgs.selectors import account_by_id, units_for


class AuthenticatedHttpRequest(HttpRequest):
    user: User


router = Router(tags=["专项工作"])


class PersonOut(Schema):
    id: int
    name: str
    title: str
    phone: str


def _person(user: User | None) -> PersonOut | None:
    if user is None:
        return None
    return PersonOut(id=user.pk, name=user.display_name, title=user.title, phone=user.phone)


class KeyDateOut(Schema):
    name: str
    date: dt.date
    is_assessment: bool
    days_left: int = Field(description="距今天数；已过为负数")


class CountdownOut(Schema):
    name: str
    date: dt.date
    days: int
    is_assessment: bool


class CampaignOut(Schema):
    id: int
    name: str
    summary: str
    unit: int
    unit_name: str
    start: dt.date
    end: dt.date
    status: str
    status_name: str
    lead: PersonOut | None
    deputy: PersonOut | None
    office: int | None
    office_name: str
    countdowns: list[CountdownOut]
    indicator_codes: list[str]
    green_at: int
    yellow_at: int
    version: int


def _campaign_out(campaign: Campaign) -> CampaignOut:
    today = timezone.localdate()
    return CampaignOut(
        id=campaign.pk,
        name=campaign.name,
        summary=campaign.summary,
        unit=campaign.unit_id,
        unit_name=campaign.unit.name,
        start=campaign.start,
        end=campaign.end,
        status=campaign.status,
        status_name=campaign.get_status_display(),
        lead=_person(campaign.lead),
        deputy=_person(campaign.deputy),
        office=campaign.office_id,
        office_name=campaign.office.name if campaign.office else "",
        countdowns=[
            CountdownOut(name=c.name, date=c.date, days=c.days, is_assessment=c.is_assessment)
            for c in selectors.countdowns(list(campaign.key_dates.all()), today)
        ],
        indicator_codes=list(campaign.indicator_codes),
        green_at=campaign.green_at,
        yellow_at=campaign.yellow_at,
        version=campaign.version,
    )


def _get(request: AuthenticatedHttpRequest, campaign_id: int) -> Campaign:
    require(request, "campaign.read")
    return get_object_or_404(selectors.campaign_list(request.user), pk=campaign_id)


def _unit(request: AuthenticatedHttpRequest, unit: int | None) -> OrgUnit | None:
    return get_object_or_404(units_for(request.user), pk=unit) if unit is not None else None


@router.get("/campaigns", response=Paged[CampaignOut])
def list_campaigns(
    request: AuthenticatedHttpRequest,
    paging: Query[PageParams],
    status: CampaignStatus | None = None,
    unit: Id | None = None,
    q: str = "",
) -> dict[str, object]:
    """Campaigns run inside the caller's scope, and campaigns run above it that involve a unit inside it (or above
    it); `unit`: run inside that unit's subtree, or involving a unit inside or above it."""
    require(request, "campaign.read")
    qs = selectors.campaign_list(
        request.user, status=status.value if status else "", q=q[:50], unit=_unit(request, unit)
    )
    page = paginate(qs, page=paging.page, page_size=paging.page_size)
    return {"items": [_campaign_out(c) for c in page.items], "count": page.count}


class LineOut(Schema):
    id: int
    unit: int
    unit_name: str
    first_responsible: PersonOut | None
    deputy_responsible: PersonOut | None
    contact: PersonOut | None
    version: int


def _line_out(line: CampaignUnit) -> LineOut:
    return LineOut(
        id=line.pk,
        unit=line.unit_id,
        unit_name=line.unit.name,
        first_responsible=_person(line.first_responsible),
        deputy_responsible=_person(line.deputy_responsible),
        contact=_person(line.contact),
        version=line.version,
    )


class ItemOut(Schema):
    id: int
    kind: str
    kind_name: str
    object_id: int
    title: str
    added_at: dt.datetime


def _item_out(item: CampaignItem) -> ItemOut:
    return ItemOut(
        id=item.pk,
        kind=item.kind,
        kind_name=item.get_kind_display(),
        object_id=item.object_id,
        title=item.title,
        added_at=item.added_at,
    )


class CampaignDetailOut(CampaignOut):
    key_dates: list[KeyDateOut]
    units: list[LineOut] = Field(description="责任清单：查看者范围内的责任单位")
    items: list[ItemOut] = Field(description="查看者能看到的关联事项")


@router.get("/campaigns/{campaign_id}", response=CampaignDetailOut)
def get_campaign(request: AuthenticatedHttpRequest, campaign_id: Id) -> CampaignDetailOut:
    campaign = _get(request, campaign_id)
    today = timezone.localdate()
    top = selectors.viewer_top(request.user, campaign)
    lines = selectors.responsibility_lines(campaign, under=top if top.pk != campaign.unit_id else None)
    visible, _ = selectors.visible_items(request.user, campaign)
    return CampaignDetailOut(
        **_campaign_out(campaign).dict(),
        key_dates=[
            KeyDateOut(name=k.name, date=k.date, is_assessment=k.is_assessment, days_left=(k.date - today).days)
            for k in campaign.key_dates.all()
        ],
        units=[_line_out(line) for line in lines],
        items=[_item_out(i) for kind in ItemKind.values for i in visible.get(kind, [])],
    )


class CellOut(Schema):
    done: int
    total: int
    percent: float | None
    light: str = Field(description="green / yellow / red；none：无可统计事项")


class LineProgressOut(Schema):
    title: str
    url: str
    done: int
    total: int
    percent: float | None


class ComponentOut(Schema):
    kind: str
    kind_name: str
    measure: str = Field(description="统计口径，如“问题已销号”")
    progress: CellOut
    lines: list[LineProgressOut]


class FigureOut(Schema):
    code: str
    name: str
    measure: str
    value: float | None
    numerator: float | None
    denominator: float | None


class RowOut(Schema):
    unit: int
    unit_name: str
    unit_kind: str
    first_responsible: PersonOut | None
    contact: PersonOut | None
    cells: dict[str, CellOut] = Field(description="按事项类别（kind）")
    figures: dict[str, float | None] = Field(description="按监测指标代码")


class SummaryOut(Schema):
    campaign: int
    unit: int
    unit_name: str
    today: dt.date
    countdowns: list[CountdownOut]
    components: list[ComponentOut]
    indicators: list[FigureOut]
    rows: list[RowOut]
    hidden_items: int = Field(description="不在查看者范围内、未计入的关联事项数")


def _line_progress(line: Any) -> LineProgressOut:
    return LineProgressOut(title=line.title, url=line.url, done=line.done, total=line.total, percent=line.percent)


def _cell(c: selectors.Cell) -> CellOut:
    return CellOut(done=c.done, total=c.total, percent=c.percent, light=c.light)


@router.get("/campaigns/{campaign_id}/summary", response=SummaryOut)
def campaign_summary(request: AuthenticatedHttpRequest, campaign_id: Id, unit: Id | None = None) -> SummaryOut:
    """The campaign page as data: for the caller's unit (or `unit` inside it) a line per component, the chosen
    indicators, and one row per district (city) or school (district) with a light per component."""
    campaign = _get(request, campaign_id)
    page = selectors.summary(request.user, campaign, _unit(request, unit))
    return SummaryOut(
        campaign=campaign.pk,
        unit=page.top.pk,
        unit_name=page.top.name,
        today=page.today,
        countdowns=[
            CountdownOut(name=c.name, date=c.date, days=c.days, is_assessment=c.is_assessment) for c in page.countdowns
        ],
        components=[
            ComponentOut(
                kind=k.kind,
                kind_name=k.label,
                measure=k.measure,
                progress=_cell(k.total),
                lines=[
                    LineProgressOut(
                        title=line.title, url=line.url, done=line.done, total=line.total, percent=line.percent
                    )
                    for line in k.lines
                ],
            )
            for k in page.kinds
        ],
        indicators=[
            FigureOut(
                code=i.code,
                name=i.name,
                measure=i.measure,
                value=v.value,
                numerator=v.numerator,
                denominator=v.denominator,
            )
            for i, v in page.indicators
        ],
        rows=[
            RowOut(
                unit=r.unit.pk,
                unit_name=r.unit.name,
                unit_kind=r.unit.kind,
                first_responsible=_person(r.line.first_responsible) if r.line else None,
                contact=_person(r.line.contact) if r.line else None,
                cells={kind: _cell(c) for kind, _, c in r.ordered},
                figures={code: v.value for code, v in r.figures.items()},
            )
            for r in page.rows
        ],
        hidden_items=page.hidden_items,
    )


class KeyDateIn(Schema):
    name: str
    date: dt.date
    is_assessment: bool = False


class ItemIn(Schema):
    kind: ItemKind
    object_id: Id


class CampaignIn(Schema):
    name: str
    summary: str = ""
    start: dt.date
    end: dt.date
    lead: Id | None = None
    deputy: Id | None = None
    office: Id | None = None
    key_dates: list[KeyDateIn] = []
    units: list[Id] = Field(default=[], description="责任单位（区县教育局或学校）")
    items: list[ItemIn] = Field(default=[], description="创建时关联的事项")
    indicator_codes: list[str] = []
    green_at: int = Field(90, ge=0, le=100)
    yellow_at: int = Field(60, ge=0, le=100)


def _account(pk: int | None) -> User | None:
    if pk is None:
        return None
    person = account_by_id(pk)
    if person is None:
        raise DomainError(f"人员（编号 {pk}）不存在", code="person_unknown")
    return person


@router.post("/campaigns", response={201: CampaignDetailOut})
def create_campaign(request: AuthenticatedHttpRequest, payload: CampaignIn) -> Status[Any]:
    """Create a campaign run by the caller's acting unit (a bureau or district bureau)."""
    require(request, "campaign.change")
    units = list(units_for(request.user).filter(pk__in=payload.units))
    if len(units) != len(set(payload.units)):
        raise DomainError("责任单位中有不存在或不在您管理范围内的单位", code="unit_outside")
    office = None
    if payload.office is not None:
        office = units_for(request.user).filter(pk=payload.office).first()
        if office is None:
            raise DomainError("牵头科室不存在或不在您的管理范围内", code="office_outside")
    campaign = services.create_campaign(
        actor=request.user,
        name=payload.name,
        summary=payload.summary,
        start=payload.start,
        end=payload.end,
        lead=_account(payload.lead),
        deputy=_account(payload.deputy),
        office=office,
        key_dates=[services.KeyDateIn(k.name, k.date, k.is_assessment) for k in payload.key_dates],
        units=units,
        items=[services.ItemRef(kind=i.kind.value, object_id=i.object_id) for i in payload.items],
        indicator_codes=payload.indicator_codes,
        green_at=payload.green_at,
        yellow_at=payload.yellow_at,
    )
    return Status(201, get_campaign(request, campaign.pk))


class CampaignUpdateIn(CampaignIn):
    status: CampaignStatus = CampaignStatus.ACTIVE
    key_dates: list[KeyDateIn] | None = Field(None, description="给出时整体替换关键节点；不给则保留")  # type: ignore[assignment]
    version: int | None = Field(None, description="乐观锁：读到的 version；已被他人修改返回 409")


@router.put("/campaigns/{campaign_id}", response=CampaignDetailOut)
def update_campaign(request: AuthenticatedHttpRequest, campaign_id: Id, payload: CampaignUpdateIn) -> CampaignDetailOut:
    """Edit a campaign's fields (units and items have their own endpoints)."""
    require(request, "campaign.change")
    campaign = _get(request, campaign_id)
    office = None
    if payload.office is not None:
        office = units_for(request.user).filter(pk=payload.office).first()
        if office is None:
            raise DomainError("牵头科室不存在或不在您的管理范围内", code="office_outside")
    services.update_campaign(
        actor=request.user,
        campaign=campaign,
        version=payload.version,
        name=payload.name,
        summary=payload.summary,
        start=payload.start,
        end=payload.end,
        status=payload.status.value,
        lead=_account(payload.lead),
        deputy=_account(payload.deputy),
        office=office,
        key_dates=None
        if payload.key_dates is None
        else [services.KeyDateIn(k.name, k.date, k.is_assessment) for k in payload.key_dates],
        indicator_codes=payload.indicator_codes,
        green_at=payload.green_at,
        yellow_at=payload.yellow_at,
    )
    return get_campaign(request, campaign_id)


class UnitsIn(Schema):
    units: list[Id] = Field(description="要加入的责任单位（区县教育局或学校）")


@router.post("/campaigns/{campaign_id}/units", response={201: list[LineOut]})
def add_units(request: AuthenticatedHttpRequest, campaign_id: Id, payload: UnitsIn) -> Status[Any]:
    """Involve more units; those already involved are left as they are (the answer lists the new lines)."""
    require(request, "campaign.change")
    campaign = _get(request, campaign_id)
    units = list(units_for(request.user).filter(pk__in=payload.units))
    if len(units) != len(set(payload.units)):
        raise DomainError("责任单位中有不存在或不在您管理范围内的单位", code="unit_outside")
    new = services.add_units(actor=request.user, campaign=campaign, units=units)
    lines = selectors.responsibility_lines(campaign).filter(pk__in=[line.pk for line in new])
    return Status(201, [_line_out(line) for line in lines])


class ResponsibilityIn(Schema):
    first_responsible: Id | None = None
    deputy_responsible: Id | None = None
    contact: Id | None = None
    version: int | None = Field(None, description="乐观锁：读到的 version；已被他人修改返回 409")


@router.put("/campaigns/{campaign_id}/units/{unit_id}", response=LineOut)
def set_responsibility(
    request: AuthenticatedHttpRequest, campaign_id: Id, unit_id: Id, payload: ResponsibilityIn
) -> LineOut:
    """Fill one unit's line of the 责任清单; each person must belong to the unit."""
    require(request, "campaign.change")
    campaign = _get(request, campaign_id)
    line = get_object_or_404(selectors.responsibility_lines(campaign), unit_id=unit_id)
    fresh = services.set_responsibility(
        actor=request.user,
        line=line,
        version=payload.version,
        first_responsible=_account(payload.first_responsible),
        deputy_responsible=_account(payload.deputy_responsible),
        contact=_account(payload.contact),
    )
    return _line_out(selectors.responsibility_lines(campaign).get(pk=fresh.pk))


@router.post("/campaigns/{campaign_id}/items", response={201: ItemOut})
def attach_item(request: AuthenticatedHttpRequest, campaign_id: Id, payload: ItemIn) -> Status[Any]:
    """Attach an object the caller can see in its module (a repeat returns the existing link)."""
    require(request, "campaign.change")
    campaign = _get(request, campaign_id)
    item = services.attach(actor=request.user, campaign=campaign, kind=payload.kind.value, object_id=payload.object_id)
    return Status(201, _item_out(item))


@router.delete("/campaigns/{campaign_id}/items/{item_id}", response={204: None})
def detach_item(request: AuthenticatedHttpRequest, campaign_id: Id, item_id: Id) -> Status[None]:
    require(request, "campaign.change")
    campaign = _get(request, campaign_id)
    item = get_object_or_404(selectors.items_of(campaign), pk=item_id)
    services.detach(actor=request.user, item=item)
    return Status(204, None)
