"""维修改造项目 API: list (by status, overdue, unit), the budget per status, one project, file a project, edit it
(with `version`), and move it on (`/transition`: 备案, 开工, 完工, 验收; photos through `/photos`)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import File, Form, Query, Router, Schema, Status, UploadedFile
from pydantic import Field

from dudao.accounts.requests import AuthedRequest
from dudao.api.auth import require
from dudao.api.schemas import Id, Paged, PageParams
from dudao.core.pagination import paginate
from dudao.orgs.models import UnitKind
from dudao.orgs.selectors import units_for
from dudao.orgs.web import acting_unit
from dudao.projects import selectors, services
from dudao.projects.models import Funding, PhotoStage, Project, ProjectKind, ProjectStatus
from dudao.projects.rules import SIMPLE_PROCEDURE_FLAG, needs_filing

router = Router(tags=["维修改造项目"])


class ProjectOut(Schema):
    id: int
    school: int
    school_name: str
    title: str
    kind: str
    kind_name: str
    estimate: Decimal
    funding: str
    funding_name: str
    description: str
    status: str
    status_name: str
    needs_filing: bool = Field(description="预算达到备案标准（默认 1 万元），须备案/审批后方可开工")
    flag: str = Field(description="低于备案标准时为“未达备案标准，可简易程序”")
    filing_number: str
    filed_on: dt.date | None
    deadline: dt.date | None
    deadline_note: str
    is_overdue: bool
    hazard_item: int | None
    hazard_title: str
    started_on: dt.date | None
    completed_on: dt.date | None
    accepted_on: dt.date | None
    version: int


def _out(p: Project, hazards: dict[int, selectors.Hazard], today: dt.date) -> ProjectOut:
    hazard = hazards.get(p.hazard_item_id or 0)
    return ProjectOut(
        id=p.pk,
        school=p.school_id,
        school_name=p.school.name,
        title=p.title,
        kind=p.kind,
        kind_name=p.get_kind_display(),
        estimate=p.estimate,
        funding=p.funding,
        funding_name=p.get_funding_display(),
        description=p.description,
        status=p.status,
        status_name=p.get_status_display(),
        needs_filing=needs_filing(p.estimate),
        flag="" if needs_filing(p.estimate) else SIMPLE_PROCEDURE_FLAG,
        filing_number=p.filing_number,
        filed_on=p.filed_on,
        deadline=p.deadline,
        deadline_note=p.deadline_note,
        is_overdue=p.is_overdue_on(today),
        hazard_item=p.hazard_item_id,
        hazard_title=hazard.title if hazard else "",
        started_on=p.started_on,
        completed_on=p.completed_on,
        accepted_on=p.accepted_on,
        version=p.version,
    )


def _one(request: AuthedRequest, p: Project) -> ProjectOut:
    hazards = selectors.hazards_of(request.user, [p.hazard_item_id] if p.hazard_item_id else [])
    return _out(p, hazards, timezone.localdate())


class ProjectFilter(Schema):
    unit: Id | None = None
    status: ProjectStatus | None = None
    overdue: bool = False


@router.get("/projects", response=Paged[ProjectOut])
def list_projects(
    request: AuthedRequest, paging: Query[PageParams], filters: Query[ProjectFilter]
) -> dict[str, object]:
    """Projects in scope by deadline; `status`, `overdue=true` (past the deadline and not finished), `unit`."""
    require(request, "project.read")
    path = get_object_or_404(units_for(request.user), pk=filters.unit).path if filters.unit is not None else ""
    today = timezone.localdate()
    qs = selectors.project_list(
        request.user,
        selectors.Filters(status=filters.status or "", overdue=filters.overdue, unit_path=path),
        today,
    )
    page = paginate(qs, page=paging.page, page_size=paging.page_size)
    items = list(page.items)
    hazards = selectors.hazards_of(request.user, [p.hazard_item_id for p in items if p.hazard_item_id])
    return {"items": [_out(p, hazards, today) for p in items], "count": page.count}


class BudgetRow(Schema):
    status: str
    status_name: str
    count: int
    budget: Decimal


@router.get("/projects/budget", response=list[BudgetRow])
def budget(request: AuthedRequest, unit: Id | None = None) -> list[BudgetRow]:
    """Projects and the sum of their estimates per status (立项 … 验收)."""
    require(request, "project.read")
    qs = selectors.projects_for(request.user)
    if unit is not None:
        qs = qs.filter(school__path__under=get_object_or_404(units_for(request.user), pk=unit).path)
    return [
        BudgetRow(status=r.status, status_name=r.label, count=r.count, budget=r.budget) for r in selectors.by_status(qs)
    ]


class ProjectIn(Schema):
    school: Id | None = Field(None, description="学校；学校用户可省略")
    title: str
    kind: ProjectKind
    estimate: Decimal = Field(description="预算金额（元）")
    funding: Funding
    description: str = ""
    deadline: dt.date | None = None
    deadline_note: str = ""
    hazard_item: Id | None = Field(None, description="关联的整改台账条目 id")


def _data(payload: ProjectIn) -> services.ProjectIn:
    return services.ProjectIn(
        title=payload.title,
        kind=payload.kind,
        estimate=payload.estimate,
        funding=payload.funding,
        description=payload.description,
        deadline=payload.deadline,
        deadline_note=payload.deadline_note,
        hazard_item_id=payload.hazard_item,
    )


@router.post("/projects", response={201: ProjectOut})
def create_project(request: AuthedRequest, payload: ProjectIn) -> Status[ProjectOut]:
    """立项. Below the filing threshold the answer's `flag` says the simple procedure applies."""
    require(request, "project.change")
    if payload.school is not None:
        school = get_object_or_404(units_for(request.user), pk=payload.school, kind=UnitKind.SCHOOL)
    else:
        school = acting_unit(request)
    project = services.create_project(actor=request.user, school=school, data=_data(payload))
    return Status(201, _one(request, project))


def _project(request: AuthedRequest, project_id: int) -> Project:
    require(request, "project.read")
    return get_object_or_404(selectors.projects_for(request.user), pk=project_id)


@router.get("/projects/{project_id}", response=ProjectOut)
def get_project(request: AuthedRequest, project_id: Id) -> ProjectOut:
    return _one(request, _project(request, project_id))


class ProjectEditIn(ProjectIn):
    version: int


@router.put("/projects/{project_id}", response=ProjectOut)
def update_project(request: AuthedRequest, project_id: Id, payload: ProjectEditIn) -> ProjectOut:
    """Edit a project; a stale `version` answers 409 and changes nothing."""
    require(request, "project.change")
    project = _project(request, project_id)
    return _one(
        request,
        services.update_project(actor=request.user, project=project, data=_data(payload), version=payload.version),
    )


class TransitionIn(Schema):
    to: Literal["filed", "building", "completed", "accepted"] = Field(
        description="filed = 登记备案/审批，building = 开工，completed = 完工，accepted = 验收"
    )
    on: dt.date | None = Field(None, description="日期，默认今天")
    filing_number: str = Field("", description="备案/审批文号（to=filed 时必填）")
    version: int | None = None


@router.post("/projects/{project_id}/transition", response=ProjectOut)
def transition(request: AuthedRequest, project_id: Id, payload: TransitionIn) -> ProjectOut:
    """Move the project on. Starting a project estimated at ¥10,000 or more without a filing answers 400
    (`filing_required`); a transition already made answers the project unchanged."""
    project = _project(request, project_id)
    if payload.to == "filed":
        require(request, "project.change")
        fresh = services.file_project(
            actor=request.user,
            project=project,
            filing_number=payload.filing_number,
            filed_on=payload.on or timezone.localdate(),
            version=payload.version,
        )
    elif payload.to == "building":
        require(request, "project.change")
        fresh = services.start_project(
            actor=request.user, project=project, started_on=payload.on, version=payload.version
        )
    elif payload.to == "completed":
        require(request, "project.change")
        fresh = services.complete_project(
            actor=request.user, project=project, completed_on=payload.on, version=payload.version
        )
    else:
        require(request, "project.accept")
        fresh = services.accept_project(
            actor=request.user, project=project, accepted_on=payload.on, version=payload.version
        )
    return _one(request, fresh)


class PhotoForm(Schema):
    stage: PhotoStage


class PhotosOut(Schema):
    project: int
    stage: str
    files: list[int]


@router.post("/projects/{project_id}/photos", response={201: PhotosOut})
def upload_photos(
    request: AuthedRequest, project_id: Id, payload: Form[PhotoForm], photos: File[list[UploadedFile]]
) -> Status[PhotosOut]:
    """Completion (`stage=completion`) or acceptance (`stage=acceptance`) photos, checked by content."""
    require(request, "project.read")
    project = _project(request, project_id)
    saved = services.add_photos(actor=request.user, project=project, stage=payload.stage, photos=list(photos))
    return Status(201, PhotosOut(project=project.pk, stage=payload.stage, files=[p.pk for p in saved]))
