"""Tag pages (风险标签): the tags with how many schools of the viewed unit carry each, one tag's schools (add with
the unit picker, remove with checkboxes), defining a tag, and the Excel import."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from dudao.accounts.requests import AuthedRequest
from dudao.core.errors import DomainError, Forbidden
from dudao.core.excel import ImportRejected, read_upload, template_xlsx
from dudao.core.pagination import paginate
from dudao.core.web import perform, require
from dudao.orgs import picker, tags
from dudao.orgs.models import OrgUnit, UnitKind, UnitTag
from dudao.orgs.scoping import can
from dudao.orgs.web import acting_unit, viewed_unit


def _ids(values: list[str]) -> list[int]:
    return [int(v) for v in values if v.isdigit()][:5000]


@login_required
def tag_list(request: AuthedRequest) -> HttpResponse:
    require(request, "unittag.read")
    unit = viewed_unit(request)
    return render(
        request,
        "orgs/tags.html",
        {
            "unit": unit,
            "rows": tags.tag_rows(request.user, unit),
            "schools": tags.schools_within(request.user, unit).count(),
            "may_change": can(request.user, "unittag.change"),
        },
    )


def _tag(request: AuthedRequest, pk: int) -> UnitTag:
    require(request, "unittag.read")
    return get_object_or_404(tags.tags_for(request.user), pk=pk)


@login_required
def tag_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    tag = _tag(request, pk)
    unit = viewed_unit(request)
    qs = tags.tagged_schools(request.user, unit, [tag.pk])
    page = paginate(qs, page=request.GET.get("page"), page_size=100)
    may_change = can(request.user, "unittag.change", unit)
    add_picker = None
    if may_change:
        root = acting_unit(request)
        options = picker.Options(root=root, kinds=(UnitKind.SCHOOL,), multiple=True, whole=True)
        add_picker = picker.picker_context(
            options=options,
            name="units",
            whole_name="schools_of",
            chips=[],
            input_id="tag-add-search",
            placeholder="搜索学校：名称或拼音首字母；勾选区县即选中其全部学校",
        )
    return render(
        request,
        "orgs/tag_detail.html",
        {
            "tag": tag,
            "unit": unit,
            "page": page,
            "schools": list(page.items),
            "may_change": may_change,
            "picker": add_picker,
        },
    )


def _chosen_schools(request: AuthedRequest) -> list[OrgUnit]:
    root = acting_unit(request)
    ids, wholes = _ids(request.POST.getlist("units")), _ids(request.POST.getlist("schools_of"))
    inside = tags.schools_within(request.user, root)
    chosen = list(inside.filter(pk__in=ids))
    if len(chosen) != len(set(ids)):
        raise DomainError("所选学校中有的不在本单位管辖范围内或已撤销", code="tag_unit_out_of_scope")
    for parent in OrgUnit.objects.filter(pk__in=wholes, path__under=root.path):
        chosen += list(inside.filter(path__under=parent.path))
    if not chosen:
        raise DomainError("请至少选择一所学校", code="tag_units_required")
    return chosen


@login_required
@require_POST
def tag_add(request: AuthedRequest, pk: int) -> HttpResponse:
    tag = _tag(request, pk)
    return perform(
        request,
        redirect("orgs:tag", tag.pk),
        lambda: tags.tag_units(actor=request.user, tag=tag, units=_chosen_schools(request)),
        lambda n: f"已为 {n} 所学校加上标签“{tag.name}”",
    )


@login_required
@require_POST
def tag_remove(request: AuthedRequest, pk: int) -> HttpResponse:
    tag = _tag(request, pk)
    ids = _ids(request.POST.getlist("remove"))
    units = list(tags.schools_within(request.user, acting_unit(request)).filter(pk__in=ids))
    return perform(
        request,
        redirect("orgs:tag", tag.pk),
        lambda: tags.untag_units(actor=request.user, tag=tag, units=units),
        lambda n: f"已为 {n} 所学校去掉标签“{tag.name}”",
    )


@login_required
@require_POST
def tag_create(request: AuthedRequest) -> HttpResponse:
    require(request, "unittag.change")
    return perform(
        request,
        redirect("orgs:tags"),
        lambda: tags.define_tag(
            actor=request.user, name=request.POST.get("name", ""), description=request.POST.get("description", "")
        ),
        lambda t: f"已添加标签“{t.name}”",
        then=lambda t: redirect("orgs:tag", t.pk),
    )


@login_required
def tag_template(request: AuthedRequest) -> HttpResponse:
    require(request, "unittag.change")
    data = template_xlsx(sheet_name="学校标签", columns=tags.IMPORT_COLUMNS)
    response = HttpResponse(data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = "attachment; filename*=UTF-8''%E5%AD%A6%E6%A0%A1%E6%A0%87%E7%AD%BE.xlsx"
    return response


@login_required
@require_POST
def tag_import(request: AuthedRequest) -> HttpResponse:
    require(request, "unittag.change")
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, "请选择要导入的 Excel 文件")
        return redirect("orgs:tags")
    try:
        added = tags.import_tags(actor=request.user, data=read_upload(upload, name=upload.name or ""))
    except Forbidden as exc:
        raise PermissionDenied(exc.message) from exc
    except ImportRejected as exc:
        return render(request, "orgs/tag_import_errors.html", {"error": exc}, status=400)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("orgs:tags")
    messages.success(request, f"导入完成，新增 {added} 条学校标签")
    return redirect("orgs:tags")
