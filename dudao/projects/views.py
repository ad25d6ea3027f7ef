"""维修改造项目 pages: the list by status with budgets and deadlines (overdue in red) and its xlsx export, a
project's page with the ¥10,000 rule, milestones, photos and the transitions, and the new-project form."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from dudao.accounts.requests import AuthedRequest
from dudao.core.errors import DomainError
from dudao.core.excel import check_export_size, xlsx_response
from dudao.core.files import file_response
from dudao.core.pagination import paginate
from dudao.core.web import perform, post_form, posted_version, require
from dudao.orgs.models import OrgUnit, UnitKind
from dudao.orgs.scoping import can
from dudao.orgs.selectors import units_for
from dudao.orgs.web import acting_unit, viewed_unit
from dudao.projects import excel, selectors, services
from dudao.projects.forms import FilingForm, MilestoneForm, ProjectForm
from dudao.projects.models import Milestone, PhotoStage, Project, ProjectStatus
from dudao.projects.rules import SIMPLE_PROCEDURE_FLAG, filing_threshold, needs_filing


def _filters(request: AuthedRequest, unit: OrgUnit) -> selectors.Filters:
    return selectors.Filters(
        status=request.GET.get("status", ""), overdue=request.GET.get("overdue") == "1", unit_path=unit.path
    )


def _hazard_choices(request: AuthedRequest, school: OrgUnit | None) -> list[tuple[int, str]]:
    if school is None:
        return []
    return [(h.item_id, h.title[:60]) for h in selectors.open_hazards(request.user, school)]


@login_required
def index(request: AuthedRequest) -> HttpResponse:
    require(request, "project.read")
    unit = viewed_unit(request)
    today = timezone.localdate()
    filters = _filters(request, unit)
    scoped = selectors.projects_for(request.user).filter(school__path__under=unit.path)
    qs = selectors.project_list(request.user, filters, today)
    page = paginate(qs, page=request.GET.get("page"), page_size=50)
    items = list(page.items)
    hazards = selectors.hazards_of(request.user, [p.hazard_item_id for p in items if p.hazard_item_id])
    may_create = can(request.user, "project.change", unit)
    schools: list[OrgUnit] = []
    if may_create and unit.kind != UnitKind.SCHOOL:
        schools = list(
            units_for(request.user).filter(kind=UnitKind.SCHOOL, is_closed=False, path__under=unit.path)[:500]
        )
    return render(
        request,
        "projects/index.html",
        {
            "unit": unit,
            "up": unit.get_parent() if unit.pk != acting_unit(request).pk else None,
            "today": today,
            "rows": [(p, hazards.get(p.hazard_item_id or 0), p.is_overdue_on(today)) for p in items],
            "page": page,
            "filters": filters,
            "statuses": selectors.by_status(scoped),
            "overdue_count": scoped.filter(selectors.overdue_filter(today)).count(),
            "threshold_label": f"{filing_threshold():,.0f}",
            "query": request.GET.urlencode(),
            "create_form": ProjectForm(hazards=_hazard_choices(request, unit if unit.kind == UnitKind.SCHOOL else None))
            if may_create
            else None,
            "schools": schools,
            "is_school": unit.kind == UnitKind.SCHOOL,
        },
    )


@login_required
def export(request: AuthedRequest) -> HttpResponseBase:
    require(request, "project.read")
    unit = viewed_unit(request)
    today = timezone.localdate()
    qs = selectors.project_list(request.user, _filters(request, unit), today)
    try:
        check_export_size(qs.count())
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(f"{reverse('projects:index')}?{request.GET.urlencode()}")
    return xlsx_response(
        filename=f"维修改造项目-{today:%Y%m%d}.xlsx",
        headers=excel.EXPORT_HEADERS,
        rows=excel.export_rows(request.user, qs, today),
        sheet_name="维修改造项目",
        column_widths=excel.EXPORT_WIDTHS,
        title=f"{unit.name}维修改造项目台账（{today:%Y年%m月%d日}）",
        landscape=True,
    )


def _project_in(d: dict[str, Any]) -> services.ProjectIn:
    return services.ProjectIn(
        title=d["title"],
        kind=d["kind"],
        estimate=d["estimate"],
        funding=d["funding"],
        description=d["description"],
        deadline=d["deadline"],
        deadline_note=d["deadline_note"],
        hazard_item_id=d["hazard_item_id"],
    )


@login_required
@require_POST
def create(request: AuthedRequest) -> HttpResponse:
    require(request, "project.change")
    raw = request.POST.get("school", "")
    if raw:
        if not raw.isdigit():
            raise Http404("学校不存在")
        school = get_object_or_404(units_for(request.user), pk=int(raw), kind=UnitKind.SCHOOL)
    else:
        school = acting_unit(request)
    hazards = _hazard_choices(request, school)

    def form(*args: Any) -> ProjectForm:
        return ProjectForm(*args, hazards=hazards)

    return post_form(
        request,
        form,
        redirect("projects:index"),
        lambda d: services.create_project(actor=request.user, school=school, data=_project_in(d)),
        lambda p: f"已立项：{p.title}" + ("" if needs_filing(p.estimate) else f"（{SIMPLE_PROCEDURE_FLAG}）"),
        then=lambda p: redirect("projects:detail", p.pk),
    )


def _project(request: AuthedRequest, pk: int) -> Project:
    require(request, "project.read")
    return get_object_or_404(selectors.projects_for(request.user), pk=pk)


@login_required
def detail(request: AuthedRequest, pk: int) -> HttpResponse:
    project = _project(request, pk)
    today = timezone.localdate()
    may_change = can(request.user, "project.change", project.school) and project.status != ProjectStatus.ACCEPTED
    may_accept = can(request.user, "project.accept", project.school)
    hazard = selectors.hazards_of(request.user, [project.hazard_item_id] if project.hazard_item_id else []).get(
        project.hazard_item_id or 0
    )
    photos = list(project.photos.select_related("file"))
    initial = {f: getattr(project, f) for f in services.PROJECT_FIELDS} | {"version": project.version}
    return render(
        request,
        "projects/detail.html",
        {
            "project": project,
            "today": today,
            "hazard": hazard,
            "overdue": project.is_overdue_on(today),
            "needs_filing": needs_filing(project.estimate),
            "threshold_label": f"{filing_threshold():,.0f}",
            "simple_flag": SIMPLE_PROCEDURE_FLAG,
            "may_change": may_change,
            "may_accept": may_accept and project.status == ProjectStatus.COMPLETED,
            "milestones": [(m, m.is_late_on(today)) for m in project.milestones.all()],
            "completion_photos": [p for p in photos if p.stage == PhotoStage.COMPLETION],
            "acceptance_photos": [p for p in photos if p.stage == PhotoStage.ACCEPTANCE],
            "steps": [(s.value, s.label) for s in ProjectStatus],
            "edit_form": ProjectForm(
                initial=initial, hazards=_hazard_choices(request, project.school) + _current(hazard)
            )
            if may_change
            else None,
            "filing_form": FilingForm(initial={"filed_on": today, "version": project.version}) if may_change else None,
            "milestone_form": MilestoneForm() if may_change else None,
        },
    )


def _current(hazard: selectors.Hazard | None) -> list[tuple[int, str]]:
    return [(hazard.item_id, hazard.title[:60])] if hazard and hazard.is_closed else []


def _back(project: Project) -> HttpResponse:
    return redirect("projects:detail", project.pk)


@login_required
@require_POST
def edit(request: AuthedRequest, pk: int) -> HttpResponse:
    require(request, "project.change")
    project = _project(request, pk)
    hazards = _hazard_choices(request, project.school)
    if project.hazard_item_id:
        hazards.append((project.hazard_item_id, ""))

    def form(*args: Any) -> ProjectForm:
        return ProjectForm(*args, hazards=hazards)

    return post_form(
        request,
        form,
        _back(project),
        lambda d: services.update_project(
            actor=request.user, project=project, data=_project_in(d), version=posted_version(request)
        ),
        "已保存项目信息",
    )


@login_required
@require_POST
def filing(request: AuthedRequest, pk: int) -> HttpResponse:
    require(request, "project.change")
    project = _project(request, pk)
    return post_form(
        request,
        FilingForm,
        _back(project),
        lambda d: services.file_project(
            actor=request.user,
            project=project,
            filing_number=d["filing_number"],
            filed_on=d["filed_on"],
            version=posted_version(request),
        ),
        lambda p: f"已登记备案/审批：{p.filing_number}",
    )


def _date(request: AuthedRequest, name: str) -> dt.date | None:
    raw = request.POST.get(name, "")
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError as exc:
        raise DomainError("日期格式不对", code="date_invalid") from exc


@login_required
@require_POST
def start(request: AuthedRequest, pk: int) -> HttpResponse:
    require(request, "project.change")
    project = _project(request, pk)
    return perform(
        request,
        _back(project),
        lambda: services.start_project(
            actor=request.user, project=project, started_on=_date(request, "on"), version=posted_version(request)
        ),
        "已登记开工",
    )


@login_required
@require_POST
def complete(request: AuthedRequest, pk: int) -> HttpResponse:
    require(request, "project.change")
    project = _project(request, pk)
    return perform(
        request,
        _back(project),
        lambda: services.complete_project(
            actor=request.user,
            project=project,
            completed_on=_date(request, "on"),
            photos=request.FILES.getlist("photos"),
            version=posted_version(request),
        ),
        "已登记完工",
    )


@login_required
@require_POST
def accept(request: AuthedRequest, pk: int) -> HttpResponse:
    require(request, "project.accept")
    project = _project(request, pk)
    return perform(
        request,
        _back(project),
        lambda: services.accept_project(
            actor=request.user,
            project=project,
            accepted_on=_date(request, "on"),
            photos=request.FILES.getlist("photos"),
            version=posted_version(request),
        ),
        "已验收",
    )


@login_required
@require_POST
def photos(request: AuthedRequest, pk: int) -> HttpResponse:
    require(request, "project.read")
    project = _project(request, pk)
    return perform(
        request,
        _back(project),
        lambda: services.add_photos(
            actor=request.user,
            project=project,
            stage=request.POST.get("stage", ""),
            photos=request.FILES.getlist("photos"),
        ),
        lambda saved: f"已上传 {len(saved)} 张照片",
    )


@login_required
@require_POST
def add_milestone(request: AuthedRequest, pk: int) -> HttpResponse:
    require(request, "project.change")
    project = _project(request, pk)
    return post_form(
        request,
        MilestoneForm,
        _back(project),
        lambda d: services.add_milestone(
            actor=request.user, project=project, name=d["name"], planned_on=d["planned_on"]
        ),
        lambda m: f"已添加节点：{m.name}",
    )


@login_required
@require_POST
def reach_milestone(request: AuthedRequest, pk: int) -> HttpResponse:
    require(request, "project.change")
    milestone: Milestone = get_object_or_404(selectors.milestones_for(request.user), pk=pk)
    return perform(
        request,
        _back(milestone.project),
        lambda: services.reach_milestone(actor=request.user, milestone=milestone, actual_on=_date(request, "on")),
        lambda m: f"节点“{m.name}”已完成",
    )


@login_required
def photo(request: AuthedRequest, pk: int) -> HttpResponseBase:
    require(request, "project.read")
    item = selectors.photo_for(request.user, pk)
    if item is None:
        raise Http404("照片不存在")
    return file_response(item.file, as_attachment=False)
