"""Warning pages: the list with the entry and import forms, one warning's page (proposed schools to adjust, the
one dispatch button, then acknowledgements by the hour refreshed by htmx)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from dudao.accounts.requests import AuthedRequest
from dudao.core.errors import DomainError, Forbidden
from dudao.core.excel import ImportRejected
from dudao.core.pagination import paginate
from dudao.core.web import form_errors, perform, posted_version, require
from dudao.orgs import picker
from dudao.orgs.models import UnitKind
from dudao.orgs.scoping import can
from dudao.orgs.tags import tags_of
from dudao.orgs.web import acting_unit
from dudao.warnings import imports, rules, selectors, services
from dudao.warnings.forms import ImportForm, WarningForm
from dudao.warnings.models import WarningStatus, WeatherWarning


def _warning(request: AuthedRequest, pk: int, action: str = "read") -> WeatherWarning:
    require(request, f"warning.{action}")
    return get_object_or_404(selectors.warnings_for(request.user, action), pk=pk)


def _area_picker(request: AuthedRequest, ids: list[int]) -> dict[str, Any]:
    root = acting_unit(request)
    options = picker.Options(root=root, kinds=(UnitKind.DISTRICT, UnitKind.SCHOOL), multiple=True)
    return picker.picker_context(
        options=options,
        name="area",
        chips=picker.chips_for(request.user, root, ids, name="area"),
        input_id="area-search",
        placeholder="影响区域：搜索区县或学校，如 jd 可找到“江东区”",
    )


def _ids(values: list[str]) -> list[int]:
    return [int(v) for v in values if v.isdigit()][:5000]


@login_required
def index(request: AuthedRequest) -> HttpResponse:
    require(request, "warning.read")
    qs = selectors.warnings_for(request.user).order_by("-starts_at", "-id")
    page = paginate(qs, page=request.GET.get("page"), page_size=30)
    may_change = can(request.user, "warning.change")
    now = timezone.localtime().replace(minute=0, second=0, microsecond=0)
    return render(
        request,
        "warnings/index.html",
        {
            "page": page,
            "warnings": list(page.items),
            "may_change": may_change,
            "form": WarningForm(initial={"starts_at": now, "ends_at": now + dt.timedelta(hours=24)})
            if may_change
            else None,
            "import_form": ImportForm() if may_change else None,
            "picker": _area_picker(request, []) if may_change else None,
        },
    )


@login_required
@require_POST
def create(request: AuthedRequest) -> HttpResponse:
    require(request, "warning.change")
    form = WarningForm(request.POST)
    back = redirect("warnings:index")
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return back
    d = form.cleaned_data
    data = services.WarningIn(
        kind=d["kind"],
        level=d["level"],
        starts_at=d["starts_at"],
        ends_at=d["ends_at"],
        area=_ids(request.POST.getlist("area")),
        issuer=d["issuer"],
        content=d["content"],
    )
    return perform(
        request,
        back,
        lambda: services.create_warning(actor=request.user, data=data),
        lambda w: f"已录入{w.title}，系统按风险标签建议了 {w.schools.count()} 所学校，请核对后下发",
        then=lambda w: redirect("warnings:detail", w.pk),
    )


@login_required
@require_POST
def import_file(request: AuthedRequest) -> HttpResponse:
    require(request, "warning.change")
    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "请选择要导入的文件")
        return redirect("warnings:index")
    upload = form.cleaned_data["file"]
    try:
        created = imports.import_warnings(actor=request.user, data=upload.read(imports.MAX_BYTES), filename=upload.name)
    except Forbidden as exc:
        raise PermissionDenied(exc.message) from exc
    except ImportRejected as exc:
        return render(request, "warnings/import_errors.html", {"error": exc}, status=400)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("warnings:index")
    messages.success(request, f"已导入 {len(created)} 条预警，请逐条核对受影响学校后下发")
    return redirect("warnings:detail", created[0].pk) if len(created) == 1 else redirect("warnings:index")


@login_required
def template(request: AuthedRequest) -> HttpResponse:
    require(request, "warning.change")
    response = HttpResponse(
        imports.template(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = "attachment; filename*=UTF-8''%E6%B0%94%E8%B1%A1%E9%A2%84%E8%AD%A6.xlsx"
    return response


@login_required
def detail(request: AuthedRequest, pk: int) -> HttpResponse:
    warning = _warning(request, pk)
    affected = list(selectors.affected_for(warning))
    may_change = can(request.user, "warning.change", warning.unit)
    is_draft = warning.status == WarningStatus.DRAFT
    school_tags = tags_of([a.school_id for a in affected]) if is_draft else {}
    add_picker = None
    if may_change and is_draft:
        options = picker.Options(root=warning.unit, kinds=(UnitKind.SCHOOL,), multiple=True, whole=True)
        add_picker = picker.picker_context(
            options=options,
            name="add",
            whole_name="add_whole",
            chips=[],
            input_id="add-search",
            placeholder="添加学校：搜索名称或拼音首字母，或按标签选",
        )
    return render(
        request,
        "warnings/detail.html",
        {
            "warning": warning,
            "area": list(warning.area.order_by("path")),
            "affected": [(a, school_tags.get(a.school_id, [])) for a in affected],
            "may_change": may_change,
            "is_draft": is_draft,
            "picker": add_picker,
            "tags_wanted": rules.tags_for_kind(warning.kind),
            "ack_hours": rules.ACK_HOURS[warning.level],
            "acks": selectors.acknowledgements(request.user, warning),
        },
    )


@login_required
def acknowledgements(request: AuthedRequest, pk: int) -> HttpResponse:
    """htmx: the acknowledgement panel, polled while schools are still to 签收."""
    warning = _warning(request, pk)
    return render(
        request,
        "warnings/_acknowledgements.html",
        {"warning": warning, "acks": selectors.acknowledgements(request.user, warning)},
    )


@login_required
@require_POST
def schools(request: AuthedRequest, pk: int) -> HttpResponse:
    warning = _warning(request, pk, "change")
    keep = _ids(request.POST.getlist("school"))
    added = _ids(request.POST.getlist("add"))
    wholes = _ids(request.POST.getlist("add_whole"))
    back = redirect("warnings:detail", warning.pk)

    def save() -> WeatherWarning:
        extra = services.schools_of(actor=request.user, warning=warning, unit_ids=wholes)
        return services.set_schools(
            actor=request.user,
            warning=warning,
            school_ids=[*keep, *added, *extra],
            version=posted_version(request),
        )

    return perform(request, back, save, lambda w: f"已保存，共 {w.schools.count()} 所学校")


@login_required
@require_POST
def dispatch(request: AuthedRequest, pk: int) -> HttpResponse:
    warning = _warning(request, pk, "change")
    back = redirect("warnings:detail", warning.pk)
    try:
        outcome = services.dispatch_warning(actor=request.user, warning=warning, version=posted_version(request))
    except Forbidden as exc:
        raise PermissionDenied(exc.message) from exc
    except DomainError as exc:
        messages.error(request, exc.message)
        return back
    (messages.success if outcome.is_new else messages.info)(request, outcome.message)
    return back


@login_required
@require_POST
def cancel(request: AuthedRequest, pk: int) -> HttpResponse:
    warning = _warning(request, pk, "change")
    return perform(
        request,
        redirect("warnings:detail", warning.pk),
        lambda: services.cancel_warning(actor=request.user, warning=warning, version=posted_version(request)),
        "已取消该预警",
    )
