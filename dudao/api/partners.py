"""部门协同 API: partner units (`/partners`), tasks sent to them through signed links (`/partners/tasks`: send,
revoke, resend, close) and joint campaigns with per-partner counts (`/partners/campaigns`)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Query, Router, Schema, Status
from pydantic import Field

from dudao.accounts.requests import AuthedRequest
from dudao.api.auth import require
from dudao.api.schemas import Id, Paged, PageParams
from dudao.core.errors import DomainError
from dudao.core.pagination import paginate
from dudao.orgs.models import OrgUnit, UnitKind
from dudao.orgs.scoping import acting_assignment, can
from dudao.orgs.selectors import units_for
from dudao.partners import links, selectors, services
from dudao.partners.models import JointCampaign, Partner, PartnerKind, PartnerTask, TaskStatus

router = Router(tags=["部门协同"])


class ContactOut(Schema):
    name: str
    post: str
    phone: str


class PartnerOut(Schema):
    id: int
    owner: int
    owner_name: str
    name: str
    kind: str
    kind_name: str
    address: str
    note: str
    is_active: bool
    contacts: list[ContactOut]
    covers: list[int]
    version: int


def _partner(p: Partner) -> PartnerOut:
    return PartnerOut(
        id=p.pk,
        owner=p.owner_id,
        owner_name=p.owner.name,
        name=p.name,
        kind=p.kind,
        kind_name=p.get_kind_display(),
        address=p.address,
        note=p.note,
        is_active=p.is_active,
        contacts=[ContactOut(name=c.name, post=c.post, phone=c.phone) for c in p.contacts.all()],
        covers=[u.pk for u in p.covers.all()],
        version=p.version,
    )


def _acting_unit(request: AuthedRequest) -> OrgUnit:
    assignment = acting_assignment(request.user)
    if assignment is None:
        raise DomainError("您没有可用的身份", code="forbidden", status=403)
    return assignment.unit


class TaskOut(Schema):
    id: int
    partner: int
    partner_name: str
    owner: int
    owner_name: str
    campaign: int | None
    school: int | None
    school_name: str
    hazard: int | None
    title: str
    description: str
    location: str
    due_on: dt.date
    status: str
    status_name: str
    is_overdue: bool
    link: str = Field("", description="协作单位的签名链接（仅交办单位可见；撤回后为空）")
    link_revoked_at: dt.datetime | None
    acknowledged_at: dt.datetime | None
    acknowledged_by: str
    reported_at: dt.datetime | None
    reported_by: str
    report: str
    report_count: int
    photo_count: int
    closed_at: dt.datetime | None
    review_note: str
    created: bool = Field(True, description="为 false 时表示刚刚已交办过相同任务，返回的是原任务（重复提交不会新增）")
    version: int


def _task(request: AuthedRequest, t: PartnerTask, created: bool = True) -> TaskOut:
    may_change = t.is_link_live and can(request.user, "partner.change", t.owner)
    return TaskOut(
        id=t.pk,
        partner=t.partner_id,
        partner_name=t.partner.name,
        owner=t.owner_id,
        owner_name=t.owner.name,
        campaign=t.campaign_id,
        school=t.school_id,
        school_name=t.school.name if t.school else "",
        hazard=t.hazard_id,
        title=t.title,
        description=t.description,
        location=t.location,
        due_on=t.due_on,
        status=t.status,
        status_name=t.get_status_display(),
        is_overdue=t.is_overdue(timezone.localdate()),
        link=request.build_absolute_uri(links.path_for(t.pk, t.link_key)) if may_change else "",
        link_revoked_at=t.link_revoked_at,
        acknowledged_at=t.acknowledged_at,
        acknowledged_by=t.acknowledged_by,
        reported_at=t.reported_at,
        reported_by=t.reported_by,
        report=t.report,
        report_count=t.report_count,
        photo_count=len(t.photos.all()),
        closed_at=t.closed_at,
        review_note=t.review_note,
        created=created,
        version=t.version,
    )


class TaskFilter(Schema):
    status: TaskStatus | None = None
    partner: Id | None = None
    campaign: Id | None = None
    overdue: bool = Field(False, description="只列逾期未反馈的任务")


@router.get("/partners/tasks", response=Paged[TaskOut])
def list_tasks(request: AuthedRequest, paging: Query[PageParams], filters: Query[TaskFilter]) -> dict[str, object]:
    """Tasks sent by units in scope, or about schools in scope (a school reads the tasks about itself)."""
    require(request, "partner.task_read")
    qs = selectors.tasks_for(request.user).prefetch_related("photos").order_by("-sent_at", "-id")
    if filters.status is not None:
        qs = qs.filter(status=filters.status)
    if filters.partner is not None:
        qs = qs.filter(partner_id=filters.partner)
    if filters.campaign is not None:
        qs = qs.filter(campaign_id=filters.campaign)
    if filters.overdue:
        qs = selectors.overdue(qs, timezone.localdate())
    page = paginate(qs, page=paging.page, page_size=paging.page_size)
    return {"items": [_task(request, t) for t in page.items], "count": page.count}


class TaskIn(Schema):
    partner: Id
    title: str
    description: str
    due_on: dt.date
    location: str = ""
    school: Id | None = None
    hazard: Id | None = Field(None, description="整改台账隐患编号")
    campaign: Id | None = None


@router.post("/partners/tasks", response={200: TaskOut, 201: TaskOut})
def send_task(request: AuthedRequest, payload: TaskIn) -> Status[TaskOut]:
    """Send a task to a partner; the answer carries the signed `link` to pass on. The same task sent again by the
    same person within ten minutes answers 200 with the first task and `created: false`."""
    require(request, "partner.change")
    partner = get_object_or_404(selectors.partners_for(request.user, "change"), pk=payload.partner)
    school = None
    if payload.school is not None:
        school = get_object_or_404(units_for(request.user), pk=payload.school, kind=UnitKind.SCHOOL)
    campaign = None
    if payload.campaign is not None:
        campaign = get_object_or_404(selectors.campaigns_for(request.user, "change"), pk=payload.campaign)
    task, created = services.send_task(
        actor=request.user,
        partner=partner,
        data=services.TaskIn(
            title=payload.title,
            description=payload.description,
            due_on=payload.due_on,
            location=payload.location,
            school=school,
            hazard_id=payload.hazard,
            campaign=campaign,
        ),
    )
    return Status(201 if created else 200, _task(request, task, created))


@router.get("/partners/tasks/{task_id}", response=TaskOut)
def get_task(request: AuthedRequest, task_id: Id) -> TaskOut:
    require(request, "partner.task_read")
    return _task(request, get_object_or_404(selectors.tasks_for(request.user), pk=task_id))


class TaskActionIn(Schema):
    version: int
    note: str = Field("", description="审核意见（办结时可填）")
    due_on: dt.date | None = Field(None, description="重新发送时可改办理时限")


def _changeable(request: AuthedRequest, task_id: int) -> PartnerTask:
    require(request, "partner.change")
    return get_object_or_404(selectors.tasks_to_change(request.user), pk=task_id)


@router.post("/partners/tasks/{task_id}/revoke", response=TaskOut)
def revoke(request: AuthedRequest, task_id: Id, payload: TaskActionIn) -> TaskOut:
    """The link answers 404 from now on."""
    task = services.revoke_link(actor=request.user, task=_changeable(request, task_id), version=payload.version)
    return _task(request, task)


@router.post("/partners/tasks/{task_id}/resend", response=TaskOut)
def resend(request: AuthedRequest, task_id: Id, payload: TaskActionIn) -> TaskOut:
    """A new link (earlier links die), optionally with a new `due_on`."""
    task = services.resend_link(
        actor=request.user, task=_changeable(request, task_id), version=payload.version, due_on=payload.due_on
    )
    return _task(request, task)


@router.post("/partners/tasks/{task_id}/close", response=TaskOut)
def close(request: AuthedRequest, task_id: Id, payload: TaskActionIn) -> TaskOut:
    """办结 a reported task after review (409 before the partner reported)."""
    task = services.close_task(
        actor=request.user, task=_changeable(request, task_id), version=payload.version, note=payload.note
    )
    return _task(request, task)


class StatsOut(Schema):
    partner: int
    partner_name: str
    sent: int
    acknowledged: int
    reported: int
    closed: int
    overdue: int


class CampaignOut(Schema):
    id: int
    owner: int
    owner_name: str
    title: str
    starts_on: dt.date
    ends_on: dt.date
    status: str
    schools: list[int]
    partners: list[StatsOut]


def _campaign(request: AuthedRequest, c: JointCampaign) -> CampaignOut:
    stats = selectors.stats_by_partner(selectors.tasks_for(request.user).filter(campaign=c), timezone.localdate())
    empty = selectors.PartnerStats()
    rows = []
    for p in c.partners.all():
        s = stats.get(p.pk, empty)
        rows.append(StatsOut(partner=p.pk, partner_name=p.name, **s.__dict__))
    return CampaignOut(
        id=c.pk,
        owner=c.owner_id,
        owner_name=c.owner.name,
        title=c.title,
        starts_on=c.starts_on,
        ends_on=c.ends_on,
        status=c.status,
        schools=[s.pk for s in c.schools.all()],
        partners=rows,
    )


@router.get("/partners/campaigns", response=Paged[CampaignOut])
def list_campaigns(request: AuthedRequest, paging: Query[PageParams]) -> dict[str, object]:
    """Joint campaigns in scope, each with per-partner counts: sent, acknowledged, reported, closed, overdue."""
    require(request, "partner.read")
    qs = selectors.campaigns_for(request.user).prefetch_related("partners", "schools")
    page = paginate(qs, page=paging.page, page_size=paging.page_size)
    return {"items": [_campaign(request, c) for c in page.items], "count": page.count}


class PartnerFilter(Schema):
    kind: PartnerKind | None = None
    unit: Id | None = Field(None, description="只列该单位（及其下级）维护的协作单位")


@router.get("/partners", response=Paged[PartnerOut])
def list_partners(
    request: AuthedRequest, paging: Query[PageParams], filters: Query[PartnerFilter]
) -> dict[str, object]:
    require(request, "partner.read")
    qs = selectors.partners_for(request.user).prefetch_related("contacts", "covers")
    if filters.kind is not None:
        qs = qs.filter(kind=filters.kind)
    if filters.unit is not None:
        unit = get_object_or_404(units_for(request.user), pk=filters.unit)
        qs = qs.filter(owner__path__startswith=unit.path)
    page = paginate(qs, page=paging.page, page_size=paging.page_size)
    return {"items": [_partner(p) for p in page.items], "count": page.count}


class PartnerIn(Schema):
    name: str
    kind: PartnerKind
    address: str = ""
    note: str = ""
    covers: list[Id] = Field([], description="辖区内学校（单位编号）")
    contacts: list[ContactOut] = []


@router.post("/partners", response={201: PartnerOut})
def create_partner(request: AuthedRequest, payload: PartnerIn) -> Status[PartnerOut]:
    """Register a partner kept by the acting unit (a bureau, office or district), with its contacts."""
    require(request, "partner.change")
    owner = _acting_unit(request)
    covers = list(units_for(request.user).filter(pk__in=payload.covers))
    if len(covers) != len(set(payload.covers)):
        raise DomainError("辖区单位中有不存在或不在您管理范围内的单位", code="unit_out_of_scope", status=404)
    with transaction.atomic():  # the partner and its contacts, or nothing
        partner = services.create_partner(
            actor=request.user,
            owner=owner,
            data=services.PartnerIn(
                name=payload.name, kind=payload.kind, address=payload.address, note=payload.note, covers=covers
            ),
        )
        for c in payload.contacts:
            services.add_contact(actor=request.user, partner=partner, name=c.name, post=c.post, phone=c.phone)
    return Status(201, _partner(get_object_or_404(selectors.partners_for(request.user), pk=partner.pk)))


@router.get("/partners/{partner_id}", response=PartnerOut)
def get_partner(request: AuthedRequest, partner_id: Id) -> PartnerOut:
    require(request, "partner.read")
    return _partner(get_object_or_404(selectors.partners_for(request.user), pk=partner_id))
