"""The notice form's helpers behind the page: picture upload and serving for the body editor, and the audience
picker's tree levels, search and live count (htmx fragments).

Every helper acts for an issuer: the acting unit, or `issuer=<id>` (a draft's issuer when editing it) if it lies
in the user's scope (404 outside) and the acting role may write notices there (403 otherwise)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, JsonResponse, QueryDict
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET, require_POST

from dudao.accounts.requests import AuthedRequest
from dudao.core.errors import DomainError, Forbidden
from dudao.core.files import file_response
from dudao.core.web import require
from dudao.notices import audience, selectors, services
from dudao.notices.forms import split_grade_names
from dudao.notices.models import NoticeImage, StudentFlag
from dudao.orgs.models import OrgUnit
from dudao.orgs.scoping import can
from dudao.orgs.selectors import units_for


def _issuer(request: AuthedRequest, data: QueryDict) -> OrgUnit:
    require(request, "notice.change")
    raw = data.get("issuer", "")
    if not raw:
        unit = selectors.scope_unit(request.user)
        if unit is None:
            raise PermissionDenied("您当前的身份无权访问此页面")
    elif raw.isdigit():
        unit = get_object_or_404(units_for(request.user), pk=int(raw))
    else:
        raise Http404
    if not can(request.user, "notice.change", unit) or unit.kind not in services.ISSUER_KINDS:
        raise PermissionDenied("请切换到教育局、区县教育局或学校身份后再写告知书")
    return unit


@login_required
@require_POST
def image_upload(request: AuthedRequest) -> JsonResponse:
    """One picture from the editor (multipart `image`): 201 {id, url}, or 400/403 {detail} in Chinese."""
    try:
        issuer = _issuer(request, request.POST)
    except PermissionDenied as exc:
        return JsonResponse({"detail": str(exc) or "您当前的身份无权上传图片"}, status=403)
    upload = request.FILES.get("image")
    if upload is None:
        return JsonResponse({"detail": "请选择要插入的图片"}, status=400)
    try:
        image = services.upload_image(actor=request.user, unit=issuer, upload=upload, name=upload.name or "image")
    except Forbidden as exc:
        return JsonResponse({"detail": exc.message}, status=403)
    except DomainError as exc:
        return JsonResponse({"detail": exc.message, "code": exc.code}, status=400)
    return JsonResponse({"id": image.pk, "url": services.image_url(image)}, status=201)


@login_required
@require_GET
def image(request: AuthedRequest, pk: int) -> HttpResponseBase:
    """A body picture for staff: kept by a unit in the user's scope, or shown by a notice the user may read."""
    require(request, "notice.read")
    user = request.user
    found = NoticeImage.objects.for_user(user, "read").filter(pk=pk).select_related("file").first()
    if found is None and selectors.notices_for(user).filter(images=pk).exists():
        found = NoticeImage.objects.select_related("file").filter(pk=pk).first()
    if found is None:
        raise Http404
    return file_response(found.file, as_attachment=False)


@login_required
@require_GET
def audience_children(request: AuthedRequest) -> HttpResponse:
    """One level of the class tree, loaded when its parent is opened."""
    issuer = _issuer(request, request.GET)
    raw = request.GET.get("unit", "")
    if not raw.isdigit():
        raise Http404
    parent = get_object_or_404(OrgUnit.objects.filter(path__under=issuer.path), pk=int(raw))
    return render(
        request,
        "notices/_audience_nodes.html",
        {"nodes": audience.children(issuer, parent), "issuer": issuer, "empty": "没有下级单位"},
    )


@login_required
@require_GET
def audience_search(request: AuthedRequest) -> HttpResponse:
    issuer = _issuer(request, request.GET)
    q = request.GET.get("q", "").strip()
    nodes, more = audience.search(issuer, q)
    return render(
        request,
        "notices/_audience_nodes.html",
        {
            "nodes": nodes,
            "issuer": issuer,
            "flat": True,
            "more": more,
            "empty": f"没有名称含“{q}”的单位" if q else "",
        },
    )


@login_required
@require_GET
def audience_count(request: AuthedRequest) -> HttpResponse:
    """将发送给 N 个班级 / 约 M 位家长, for the units, grade names and student groups chosen so far."""
    issuer = _issuer(request, request.GET)
    ids = {int(v) for v in request.GET.getlist("audience_units") if v.isdigit()}
    units = list(OrgUnit.objects.filter(pk__in=ids, path__under=issuer.path, kind__in=audience.AUDIENCE_KINDS))
    if len(units) != len(ids):
        raise Http404
    flags = [f for f in request.GET.getlist("flags") if f in StudentFlag.values]
    grade_names = split_grade_names(request.GET.get("grade_names", ""))
    units = audience.outermost(units)
    return render(
        request,
        "notices/_audience_count.html",
        {"count": audience.count(issuer, units, grade_names, flags), "issuer": issuer, "units": units},
    )
