"""Pages for frameworks, rounds and the phone checklist. Thin: forms in, services and selectors, templates out."""

from __future__ import annotations

import functools
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from dudao.accounts.models import User
from dudao.accounts.requests import AuthedRequest
from dudao.core.errors import DomainError, Forbidden
from dudao.core.excel import ImportRejected
from dudao.core.files import file_response
from dudao.core.web import form_errors, perform, post_form, posted_version, require
from dudao.inspections import frameworks as framework_services
from dudao.inspections import selectors, services
from dudao.inspections.forms import (
    AnswerForm,
    ExtraFindingForm,
    FrameworkForm,
    FrameworkImportForm,
    IndicatorForm,
    PhotoForm,
    PlanForm,
    TeamForm,
)
from dudao.inspections.models import (
    Framework,
    InspectionKind,
    InspectionStatus,
    Result,
    Target,
    TargetStatus,
)
from dudao.inspections.round_page import render_sections
from dudao.orgs.models import OrgUnit
from dudao.orgs.scoping import acting_assignment, can


def _acting_unit(request: AuthedRequest) -> OrgUnit:
    assignment = acting_assignment(request.user)
    if assignment is None:
        raise PermissionDenied
    return assignment.unit


# ---- frameworks -------------------------------------------------------------------------------------------


@login_required
def framework_list(request: AuthedRequest) -> HttpResponse:
    require(request, "framework.read")
    return render(
        request,
        "inspections/framework_list.html",
        {
            "frameworks": selectors.framework_list(request.user),
            "can_change": can(request.user, "framework.change"),
            "form": FrameworkForm(),
            "import_form": FrameworkImportForm(),
        },
    )


@login_required
@require_POST
def framework_create(request: AuthedRequest) -> HttpResponse:
    require(request, "framework.change")
    return post_form(
        request,
        FrameworkForm,
        redirect("inspections:frameworks"),
        lambda data: framework_services.create_framework(actor=request.user, unit=_acting_unit(request), **data),
        lambda framework: f"已建立测评体系“{framework.name}”，请添加指标",
        then=lambda framework: redirect("inspections:framework", pk=framework.pk),
    )


@login_required
def framework_template(request: AuthedRequest) -> HttpResponse:
    require(request, "framework.read")
    response = HttpResponse(
        framework_services.template_bytes(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = 'attachment; filename="framework-template.xlsx"'
    return response


@login_required
def framework_import(request: AuthedRequest) -> HttpResponse:
    require(request, "framework.change")
    form = FrameworkImportForm(request.POST or None, request.FILES or None)
    errors: list[Any] = []
    if request.method == "POST":
        if form.is_valid():
            try:
                framework = framework_services.import_framework(
                    actor=request.user,
                    unit=_acting_unit(request),
                    name=form.cleaned_data["name"],
                    upload=form.cleaned_data["file"],
                )
            except Forbidden as exc:
                raise PermissionDenied(exc.message) from exc
            except ImportRejected as exc:
                messages.error(request, exc.message)
                errors = exc.errors
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, f"已导入“{framework.name}”")
                return redirect("inspections:framework", pk=framework.pk)
        else:
            messages.error(request, form_errors(form))
    return render(request, "inspections/framework_import.html", {"form": form, "errors": errors})


def _framework(request: AuthedRequest, pk: int) -> Framework:
    return get_object_or_404(selectors.frameworks_for(request.user).select_related("unit"), pk=pk)


@login_required
def framework_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    require(request, "framework.read")
    framework = _framework(request, pk)
    versions = selectors.framework_versions(framework)
    number = request.GET.get("version")
    version = next((v for v in versions if str(v.number) == number), versions[0])
    sections = selectors.indicators_by_section(version)
    can_change = can(request.user, "framework.change", framework.unit) and version == versions[0]
    return render(
        request,
        "inspections/framework_detail.html",
        {
            "framework": framework,
            "version": version,
            "versions": versions,
            "sections": sections,
            "in_use": bool(version.rounds),  # type: ignore[attr-defined]
            "can_change": can_change,
            "form": IndicatorForm(initial={"section": next(iter(sections), "")}),
        },
    )


def _indicator_input(data: dict[str, Any]) -> framework_services.IndicatorInput:
    return framework_services.IndicatorInput(
        section=data["section"],
        code=data["code"],
        text=data["text"],
        method=data["method"],
        max_score=data["max_score"],
        deduct_per=data["deduct_per"] or Decimal(0),
        weight=data["weight"],
        evidence_required=data["evidence_required"],
        severity=data["severity"],
        school_types=tuple(data["school_types"]),
    )


@login_required
@require_POST
def indicator_save(request: AuthedRequest, pk: int, indicator_pk: int | None = None) -> HttpResponse:
    framework = _framework(request, pk)
    indicator = None
    if indicator_pk is not None:
        indicator = get_object_or_404(selectors.indicators_of(framework), pk=indicator_pk)
    return post_form(
        request,
        IndicatorForm,
        redirect("inspections:framework", pk=pk),
        lambda data: framework_services.save_indicator(
            actor=request.user, framework=framework, data=_indicator_input(data), indicator=indicator
        ),
        lambda saved: f"已保存指标（第 {saved.framework_version.number} 版）",
    )


@login_required
@require_POST
def indicator_delete(request: AuthedRequest, pk: int, indicator_pk: int) -> HttpResponse:
    framework = _framework(request, pk)
    indicator = get_object_or_404(selectors.indicators_of(framework), pk=indicator_pk)
    return perform(
        request,
        redirect("inspections:framework", pk=pk),
        lambda: framework_services.delete_indicator(actor=request.user, framework=framework, indicator=indicator),
        "已删除指标",
    )


# ---- rounds -----------------------------------------------------------------------------------------------


@login_required
def round_list(request: AuthedRequest) -> HttpResponse:
    require(request, "inspection.read")
    fillable = [t for t in selectors.my_open_targets(request.user)[:50] if _may_fill(request.user, t)]
    return render(
        request,
        "inspections/round_list.html",
        {
            "rounds": selectors.round_list(request.user)[:200],
            "my_targets": fillable,
            "can_plan": can(request.user, "inspection.change"),
        },
    )


def _may_fill(user: User, target: Target) -> bool:
    try:
        services.check_can_fill(user, target)
    except DomainError:
        return False
    return True


@login_required
def round_plan(request: AuthedRequest) -> HttpResponse:
    require(request, "inspection.change")
    unit = _acting_unit(request)
    form = PlanForm(request.POST or None)
    frameworks = list(selectors.frameworks_for(request.user).order_by("name"))
    previous_rounds = list(
        selectors.rounds_for(request.user, "change")
        .exclude(kind=InspectionKind.SELF)
        .filter(status__in=(InspectionStatus.FINISHED, InspectionStatus.PUBLISHED))
        .exclude(kind=InspectionKind.UNANNOUNCED, status=InspectionStatus.FINISHED)
        .order_by("-starts_on")[:50]
    )
    fields: dict[str, Any] = form.fields
    fields["framework"].choices = [("", "（回头看沿用原轮次）"), *[(f.pk, f.name) for f in frameworks]]
    fields["previous"].choices = [("", "—"), *[(r.pk, r.name) for r in previous_rounds]]
    fields["districts"].choices = selectors.district_choices(request.user)
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                schools = _pick_schools(unit, data)
                framework = next((f for f in frameworks if f.pk == data["framework"]), None)
                previous = next((r for r in previous_rounds if r.pk == data["previous"]), None)
                if framework is None and data["kind"] != InspectionKind.REVISIT:
                    raise DomainError("请选择测评体系", code="framework_required")
                version = (
                    framework_services.current_version(framework)
                    if framework
                    else (previous.framework_version if previous else None)
                )
                if version is None:
                    raise DomainError("回头看须选择要复查的轮次", code="previous_required")
                inspection = services.plan_inspection(
                    actor=request.user,
                    unit=unit,
                    name=data["name"],
                    kind=data["kind"],
                    framework_version=version,
                    schools=schools,
                    starts_on=data["starts_on"],
                    ends_on=data["ends_on"],
                    assessment_on=data["assessment_on"],
                    previous=previous,
                )
            except Forbidden as exc:
                raise PermissionDenied(exc.message) from exc
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, f"已安排“{inspection.name}”，共 {inspection.targets.count()} 所学校")
                return redirect("inspections:round", pk=inspection.pk)
        else:
            messages.error(request, form_errors(form))
    return render(request, "inspections/round_plan.html", {"form": form, "unit": unit})


def _pick_schools(unit: OrgUnit, data: dict[str, Any]) -> list[OrgUnit]:
    names = [line.strip() for line in (data["school_names"] or "").splitlines() if line.strip()]
    schools, unknown = selectors.schools_picked(
        unit, districts=data["districts"], school_types=data["school_types"], names=names
    )
    if unknown:
        raise DomainError(f"找不到这些学校：{'、'.join(unknown[:5])}", code="school_unknown")
    return schools


def _round(request: AuthedRequest, pk: int, action: str = "read") -> Any:
    return get_object_or_404(
        selectors.rounds_for(request.user, action).select_related("unit", "framework_version__framework", "previous"),
        pk=pk,
    )


@login_required
def round_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    require(request, "inspection.read")
    inspection = _round(request, pk)
    targets = list(selectors.round_targets(request.user, inspection))
    can_manage = can(request.user, "inspection.change", inspection.unit)
    share = selectors.my_share(request.user, inspection)
    return render(
        request,
        "inspections/round_detail.html",
        {
            "inspection": inspection,
            "targets": targets,
            "share": share,
            "share_left": sum(1 for t in share if t.status != TargetStatus.SUBMITTED),
            "next_target": selectors.next_in_share(share, _after(request, share)),
            "teams": selectors.round_teams(inspection) if can_manage else [],
            "unassigned": [t for t in targets if t.team_id is None] if can_manage else [],
            "can_manage": can_manage,
            "sections": render_sections(request, inspection),
            "team_form": TeamForm(candidates=selectors.team_candidates(inspection)) if can_manage else None,
            "statuses": InspectionStatus,
        },
    )


def _after(request: AuthedRequest, share: list[Target]) -> Target | None:
    """The school just submitted (`?after=`), when it is one of the share."""
    raw = request.GET.get("after", "")
    return next((t for t in share if str(t.pk) == raw), None)


@login_required
@require_POST
def team_create(request: AuthedRequest, pk: int) -> HttpResponse:
    inspection = _round(request, pk, "change")
    chosen = [int(t) for t in request.POST.getlist("targets") if t.isdigit() and len(t) <= 18]
    candidates = selectors.team_candidates(inspection)

    def create(data: dict[str, Any]) -> Any:
        # The form's choices are the candidates: a posted id outside them never reaches here.
        people = {person.pk: person for person, _ in candidates}
        ids = [data["leader"], *(m for m in data["members"] if m != data["leader"])]
        targets = list(inspection.targets.filter(pk__in=chosen))
        return services.create_team(
            actor=request.user,
            inspection=inspection,
            name=data["name"],
            members=[people[i] for i in ids],
            targets=targets,
        )

    return post_form(
        request,
        functools.partial(TeamForm, candidates=candidates),
        redirect("inspections:round", pk=pk),
        create,
        lambda team: f"已建立“{team.name}”",
    )


@login_required
@require_POST
def teams_split(request: AuthedRequest, pk: int) -> HttpResponse:
    inspection = _round(request, pk, "change")
    return perform(
        request,
        redirect("inspections:round", pk=pk),
        lambda: services.split_among_teams(actor=request.user, inspection=inspection),
        lambda n: f"已把 {n} 所学校分到各组",
    )


@login_required
@require_POST
def round_publish(request: AuthedRequest, pk: int) -> HttpResponse:
    inspection = _round(request, pk, "change")
    return perform(
        request,
        redirect("inspections:round", pk=pk),
        lambda: services.publish_results(actor=request.user, inspection=inspection, version=posted_version(request)),
        "已发布结果，问题已进入各校整改台账",
    )


# ---- the checklist ----------------------------------------------------------------------------------------


def _target(request: AuthedRequest, pk: int) -> Target:
    return get_object_or_404(selectors.targets_for(request.user).select_related("inspection__unit"), pk=pk)


@login_required
def checklist(request: AuthedRequest, pk: int) -> HttpResponse:
    require(request, "inspection.read")
    target = _target(request, pk)
    indicators, answers = services.checklist(target)
    photos = selectors.photos_by_indicator(target)
    sections: dict[str, list[dict[str, Any]]] = {}
    for indicator in indicators:
        sections.setdefault(indicator.section.title, []).append(
            {"indicator": indicator, "answer": answers.get(indicator.pk), "photos": photos.get(indicator.pk, [])}
        )
    answered = sum(1 for i in indicators if answers.get(i.pk) and answers[i.pk].result)
    # Indicators a refused submission named (`?missing=`): marked on the page, the first one scrolled to.
    flagged = {int(i) for i in request.GET.get("missing", "").split(",") if i.isdigit() and len(i) <= 18}
    return render(
        request,
        "inspections/checklist.html",
        {
            "flagged": flagged,
            "flag_reason": "此项不达标，须先拍照取证" if request.GET.get("why") == "photo" else "此项尚未评定",
            "target": target,
            "inspection": target.inspection,
            "sections": sections,
            "answered": answered,
            "total": len(indicators),
            "may_fill": _may_fill(request.user, target),
            "extra_findings": target.findings.filter(indicator__isnull=True),
            "extra_photos": photos.get(None, []),
            "finding_form": ExtraFindingForm(),
            "results": Result,
        },
    )


@login_required
@require_POST
def answer_save(request: AuthedRequest, pk: int) -> HttpResponse:
    """htmx autosave of one indicator; answers with the indicator's row so the page shows what was kept."""
    target = _target(request, pk)
    form = AnswerForm(request.POST)
    error = ""
    if not form.is_valid():
        error = form_errors(form)
    else:
        data = form.cleaned_data
        try:
            services.save_answer(
                actor=request.user,
                target=target,
                indicator_id=data["indicator"],
                result=data["result"],
                occurrences=data["occurrences"],
                value=data["value"],
                note=data["note"],
            )
        except Forbidden as exc:
            raise PermissionDenied(exc.message) from exc
        except DomainError as exc:
            error = exc.message
    if not request.htmx:
        if error:
            messages.error(request, error)
        return redirect("inspections:checklist", pk=pk)
    status = 200 if not error else 422
    return render(request, "inspections/_saved.html", {"error": error}, status=status)


@login_required
@require_POST
def photo_add(request: AuthedRequest, pk: int) -> HttpResponse:
    target = _target(request, pk)
    checklist_url = redirect("inspections:checklist", pk=pk).url
    return post_form(
        request,
        PhotoForm,
        # A refusal goes back to the top of the page, where the message is, not to the indicator further down.
        redirect(checklist_url),
        lambda data: services.add_photo(
            actor=request.user,
            target=target,
            indicator_id=data["indicator"],
            upload=data["photo"],
            name=data["photo"].name,
            latitude=data["latitude"],
            longitude=data["longitude"],
        ),
        "照片已保存",
        then=lambda photo: redirect(f"{checklist_url}#i{photo.indicator_id or ''}"),
    )


@login_required
def photo_file(request: AuthedRequest, pk: int) -> HttpResponseBase:
    photo = get_object_or_404(selectors.photos_for(request.user).select_related("file"), pk=pk)
    return file_response(photo.file, as_attachment=False)


@login_required
@require_POST
def finding_add(request: AuthedRequest, pk: int) -> HttpResponse:
    target = _target(request, pk)
    photo_ids = [int(p) for p in request.POST.getlist("photos") if p.isdigit()]
    return post_form(
        request,
        ExtraFindingForm,
        redirect("inspections:checklist", pk=pk),
        lambda data: services.add_finding(actor=request.user, target=target, photo_ids=photo_ids, **data),
        "已补充问题",
    )


@login_required
@require_POST
def checklist_submit(request: AuthedRequest, pk: int) -> HttpResponse:
    target = _target(request, pk)
    try:
        findings = services.submit_target(actor=request.user, target=target, version=posted_version(request))
    except Forbidden as exc:
        raise PermissionDenied(exc.message) from exc
    except services.ChecklistIncomplete as exc:
        # Back to the checklist at the first indicator named, with every named one marked.
        messages.error(request, exc.message)
        why = "photo" if exc.code == "evidence_required" else "answer"
        ids = ",".join(str(i) for i in exc.indicator_ids)
        url = reverse("inspections:checklist", args=[pk])
        return redirect(f"{url}?missing={ids}&why={why}#i{exc.indicator_ids[0]}")
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("inspections:checklist", pk=pk)
    hidden = target.inspection.is_hidden_from_schools
    messages.success(
        request,
        f"{target.school.name} 已提交，发现问题 {len(findings)} 个"
        + ("（暗访结果发布后进入学校整改台账）" if hidden else "，已进入学校整改台账"),
    )
    # The round page offers the next school of the inspector's share (下一所学校) at its top.
    return redirect(f"{reverse('inspections:round', args=[target.inspection_id])}?after={target.pk}")
