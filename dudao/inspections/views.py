"""Pages for frameworks, rounds and the phone checklist. Thin: forms in, services and selectors, templates out."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from dudao.accounts.models import User
from dudao.core.errors import DomainError, Forbidden
from dudao.core.excel import ImportRejected
from dudao.core.files import file_response
from dudao.core.web import form_errors, perform, posted_version, require
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
    AnswerPhoto,
    Framework,
    Indicator,
    InspectionKind,
    InspectionStatus,
    Result,
    Target,
    TargetStatus,
)
from dudao.inspections.round_page import render_sections
from dudao.orgs.models import OrgUnit, UnitKind
from dudao.orgs.scoping import acting_assignment, can, scope_root_path


def _acting_unit(request: HttpRequest) -> OrgUnit:
    assignment = acting_assignment(request.user)
    if assignment is None:
        raise PermissionDenied
    return assignment.unit


# ---- frameworks -------------------------------------------------------------------------------------------


@login_required
def framework_list(request: HttpRequest) -> HttpResponse:
    require(request, "framework.read")
    frameworks = selectors.frameworks_for(request.user).select_related("unit").annotate(editions=Count("versions"))
    return render(
        request,
        "inspections/framework_list.html",
        {
            "frameworks": frameworks.order_by("name"),
            "can_change": can(request.user, "framework.change"),
            "form": FrameworkForm(),
            "import_form": FrameworkImportForm(),
        },
    )


@login_required
@require_POST
def framework_create(request: HttpRequest) -> HttpResponse:
    require(request, "framework.change")
    form = FrameworkForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return redirect("inspections:frameworks")
    try:
        framework = framework_services.create_framework(
            actor=request.user, unit=_acting_unit(request), **form.cleaned_data
        )
    except Forbidden as exc:
        raise PermissionDenied(exc.message) from exc
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("inspections:frameworks")
    messages.success(request, f"已建立测评体系“{framework.name}”，请添加指标")
    return redirect("inspections:framework", pk=framework.pk)


@login_required
def framework_template(request: HttpRequest) -> HttpResponse:
    require(request, "framework.read")
    response = HttpResponse(
        framework_services.template_bytes(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = 'attachment; filename="framework-template.xlsx"'
    return response


@login_required
def framework_import(request: HttpRequest) -> HttpResponse:
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


def _framework(request: HttpRequest, pk: int) -> Framework:
    return get_object_or_404(selectors.frameworks_for(request.user).select_related("unit"), pk=pk)


@login_required
def framework_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, "framework.read")
    framework = _framework(request, pk)
    # Grouped queries drop the model's default ordering: newest edition first, explicitly.
    versions = list(framework.versions.annotate(rounds=Count("inspections")).order_by("-number"))
    number = request.GET.get("version")
    version = next((v for v in versions if str(v.number) == number), versions[0])
    indicators = list(Indicator.objects.filter(framework_version=version).select_related("section"))
    sections: dict[str, list[Indicator]] = {}
    for indicator in indicators:
        sections.setdefault(indicator.section.title, []).append(indicator)
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


def _indicator_input(form: IndicatorForm) -> framework_services.IndicatorInput:
    data = form.cleaned_data
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
def indicator_save(request: HttpRequest, pk: int, indicator_pk: int | None = None) -> HttpResponse:
    framework = _framework(request, pk)
    indicator = None
    if indicator_pk is not None:
        indicator = get_object_or_404(Indicator, pk=indicator_pk, framework_version__framework=framework)
    form = IndicatorForm(request.POST)
    back = redirect("inspections:framework", pk=pk)
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return back
    return perform(
        request,
        back,
        lambda: framework_services.save_indicator(
            actor=request.user, framework=framework, data=_indicator_input(form), indicator=indicator
        ),
        lambda saved: f"已保存指标（第 {saved.framework_version.number} 版）",
    )


@login_required
@require_POST
def indicator_delete(request: HttpRequest, pk: int, indicator_pk: int) -> HttpResponse:
    framework = _framework(request, pk)
    indicator = get_object_or_404(Indicator, pk=indicator_pk, framework_version__framework=framework)
    return perform(
        request,
        redirect("inspections:framework", pk=pk),
        lambda: framework_services.delete_indicator(actor=request.user, framework=framework, indicator=indicator),
        "已删除指标",
    )


# ---- rounds -----------------------------------------------------------------------------------------------


@login_required
def round_list(request: HttpRequest) -> HttpResponse:
    require(request, "inspection.read")
    rounds = (
        selectors.rounds_for(request.user)
        .select_related("unit", "framework_version__framework")
        .annotate(
            schools=Count("targets", distinct=True),
            submitted=Count("targets", filter=Q(targets__status=TargetStatus.SUBMITTED), distinct=True),
        )
    )
    my_targets = (
        selectors.targets_for(request.user)
        .filter(
            Q(team__members=request.user)
            | Q(team__isnull=True, inspection__created_by=request.user)
            | Q(inspection__kind=InspectionKind.SELF)
        )
        .exclude(status=TargetStatus.SUBMITTED)
        .distinct()
        .order_by("inspection__starts_on", "school__path")[:50]
    )
    fillable = [t for t in my_targets if _may_fill(request.user, t)]
    return render(
        request,
        "inspections/round_list.html",
        {"rounds": rounds[:200], "my_targets": fillable, "can_plan": can(request.user, "inspection.change")},
    )


def _may_fill(user: Any, target: Target) -> bool:
    try:
        services.check_can_fill(user, target)
    except DomainError:
        return False
    return True


def _school_choices(request: HttpRequest) -> list[tuple[int, str]]:
    root = scope_root_path(request.user, "inspection.change") or ""
    return list(
        OrgUnit.objects.filter(kind=UnitKind.DISTRICT, path__under=root, is_closed=False)
        .order_by("path")
        .values_list("pk", "name")
    )


@login_required
def round_plan(request: HttpRequest) -> HttpResponse:
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
    fields["districts"].choices = _school_choices(request)
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
    schools = OrgUnit.objects.filter(kind=UnitKind.SCHOOL, is_closed=False, path__under=unit.path)
    picked: dict[int, OrgUnit] = {}
    if data["districts"] or data["school_types"]:
        chosen = schools
        if data["districts"]:
            paths = OrgUnit.objects.filter(pk__in=data["districts"]).values_list("path", flat=True)
            condition = Q()
            for path in paths:
                condition |= Q(path__under=path)
            chosen = chosen.filter(condition)
        if data["school_types"]:
            chosen = chosen.filter(school_type__in=data["school_types"])
        picked.update({s.pk: s for s in chosen})
    names = [line.strip() for line in (data["school_names"] or "").splitlines() if line.strip()]
    if names:
        found = {s.name: s for s in schools.filter(Q(name__in=names) | Q(code__in=names))}
        found.update({s.code: s for s in found.values() if s.code})
        unknown = [n for n in names if n not in found]
        if unknown:
            raise DomainError(f"找不到这些学校：{'、'.join(unknown[:5])}", code="school_unknown")
        picked.update({s.pk: s for s in found.values()})
    return sorted(picked.values(), key=lambda s: s.path)


def _round(request: HttpRequest, pk: int, action: str = "read") -> Any:
    return get_object_or_404(
        selectors.rounds_for(request.user, action).select_related("unit", "framework_version__framework", "previous"),
        pk=pk,
    )


@login_required
def round_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, "inspection.read")
    inspection = _round(request, pk)
    targets = list(
        selectors.targets_for(request.user)
        .filter(inspection=inspection)
        .annotate(finding_count=Count("findings"))
        .order_by("school__path")
    )
    can_manage = can(request.user, "inspection.change", inspection.unit)
    return render(
        request,
        "inspections/round_detail.html",
        {
            "inspection": inspection,
            "targets": targets,
            "teams": inspection.teams.prefetch_related("members").annotate(schools=Count("targets"))
            if can_manage
            else [],
            "unassigned": [t for t in targets if t.team_id is None] if can_manage else [],
            "can_manage": can_manage,
            "sections": render_sections(request, inspection),
            "team_form": TeamForm(),
            "statuses": InspectionStatus,
        },
    )


@login_required
@require_POST
def team_create(request: HttpRequest, pk: int) -> HttpResponse:
    inspection = _round(request, pk, "change")
    form = TeamForm(request.POST)
    back = redirect("inspections:round", pk=pk)
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return back
    usernames = [u for u in form.cleaned_data["members"].replace("，", ",").replace(",", " ").split() if u]
    members = list(User.objects.filter(username__in=usernames, is_active=True))
    missing = set(usernames) - {m.username for m in members}
    if missing:
        messages.error(request, f"找不到这些账户：{'、'.join(sorted(missing))}")
        return back
    members.sort(key=lambda m: usernames.index(m.username))
    chosen = [int(t) for t in request.POST.getlist("targets") if t.isdigit() and len(t) <= 18]
    targets = list(inspection.targets.filter(pk__in=chosen))
    return perform(
        request,
        back,
        lambda: services.create_team(
            actor=request.user, inspection=inspection, name=form.cleaned_data["name"], members=members, targets=targets
        ),
        lambda team: f"已建立“{team.name}”",
    )


@login_required
@require_POST
def teams_split(request: HttpRequest, pk: int) -> HttpResponse:
    inspection = _round(request, pk, "change")
    return perform(
        request,
        redirect("inspections:round", pk=pk),
        lambda: services.split_among_teams(actor=request.user, inspection=inspection),
        lambda n: f"已把 {n} 所学校分到各组",
    )


@login_required
@require_POST
def round_publish(request: HttpRequest, pk: int) -> HttpResponse:
    inspection = _round(request, pk, "change")
    return perform(
        request,
        redirect("inspections:round", pk=pk),
        lambda: services.publish_results(actor=request.user, inspection=inspection, version=posted_version(request)),
        "已发布结果，问题已进入各校整改台账",
    )


# ---- the checklist ----------------------------------------------------------------------------------------


def _target(request: HttpRequest, pk: int) -> Target:
    return get_object_or_404(selectors.targets_for(request.user).select_related("inspection__unit"), pk=pk)


@login_required
def checklist(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, "inspection.read")
    target = _target(request, pk)
    indicators, answers = services.checklist(target)
    photos: dict[int | None, list[AnswerPhoto]] = {}
    for photo in AnswerPhoto.objects.filter(target=target).select_related("file"):
        photos.setdefault(photo.indicator_id, []).append(photo)
    sections: dict[str, list[dict[str, Any]]] = {}
    for indicator in indicators:
        sections.setdefault(indicator.section.title, []).append(
            {"indicator": indicator, "answer": answers.get(indicator.pk), "photos": photos.get(indicator.pk, [])}
        )
    answered = sum(1 for i in indicators if answers.get(i.pk) and answers[i.pk].result)
    return render(
        request,
        "inspections/checklist.html",
        {
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
def answer_save(request: HttpRequest, pk: int) -> HttpResponse:
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
    if not request.htmx:  # type: ignore[attr-defined]
        if error:
            messages.error(request, error)
        return redirect("inspections:checklist", pk=pk)
    status = 200 if not error else 422
    return render(request, "inspections/_saved.html", {"error": error}, status=status)


@login_required
@require_POST
def photo_add(request: HttpRequest, pk: int) -> HttpResponse:
    target = _target(request, pk)
    form = PhotoForm(request.POST, request.FILES)
    checklist_url = redirect("inspections:checklist", pk=pk).url
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return redirect(checklist_url)
    upload = form.cleaned_data["photo"]
    try:
        services.add_photo(
            actor=request.user,
            target=target,
            indicator_id=form.cleaned_data["indicator"],
            upload=upload,
            name=upload.name,
            latitude=form.cleaned_data["latitude"],
            longitude=form.cleaned_data["longitude"],
        )
    except Forbidden as exc:
        raise PermissionDenied(exc.message) from exc
    except DomainError as exc:
        # Back to the top of the page, where the message is, not to the indicator further down.
        messages.error(request, exc.message)
        return redirect(checklist_url)
    messages.success(request, "照片已保存")
    return redirect(f"{checklist_url}#i{form.cleaned_data['indicator'] or ''}")


@login_required
def photo_file(request: HttpRequest, pk: int) -> HttpResponseBase:
    photo = get_object_or_404(
        AnswerPhoto.objects.select_related("file"), pk=pk, target__in=selectors.targets_for(request.user)
    )
    return file_response(photo.file, as_attachment=False)


@login_required
@require_POST
def finding_add(request: HttpRequest, pk: int) -> HttpResponse:
    target = _target(request, pk)
    form = ExtraFindingForm(request.POST)
    back = redirect("inspections:checklist", pk=pk)
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return back
    photo_ids = [int(p) for p in request.POST.getlist("photos") if p.isdigit()]
    return perform(
        request,
        back,
        lambda: services.add_finding(actor=request.user, target=target, photo_ids=photo_ids, **form.cleaned_data),
        "已补充问题",
    )


@login_required
@require_POST
def checklist_submit(request: HttpRequest, pk: int) -> HttpResponse:
    target = _target(request, pk)
    try:
        findings = services.submit_target(actor=request.user, target=target, version=posted_version(request))
    except Forbidden as exc:
        raise PermissionDenied(exc.message) from exc
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("inspections:checklist", pk=pk)
    hidden = target.inspection.is_hidden_from_schools
    messages.success(
        request,
        f"已提交，发现问题 {len(findings)} 个"
        + ("（暗访结果发布后进入学校整改台账）" if hidden else "，已进入学校整改台账"),
    )
    return redirect("inspections:round", pk=target.inspection_id)
