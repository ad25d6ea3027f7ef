"""下载中心 pages: the list of one's exports with live progress, the export button's target, downloads."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from dudao.accounts.requests import AuthedRequest
from dudao.core.errors import DomainError, Forbidden
from dudao.core.exporting import NotInScope
from dudao.core.pagination import paginate
from dudao.exports import imports, selectors, services
from dudao.exports.models import ExportJob

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@login_required
def center(request: AuthedRequest) -> HttpResponse:
    page = paginate(selectors.jobs_for(request.user), page=request.GET.get("page"), page_size=20)
    highlight = request.GET.get("job", "")
    context = {
        "page": page,
        "imports": list(selectors.import_jobs_for(request.user)[:5]) if not request.htmx else [],
        "polling": any(job.is_active for job in page.items),
        "highlight": int(highlight) if highlight.isdigit() else None,
        "keep_days": settings.DUDAO_EXPORT_KEEP_DAYS,
    }
    if request.htmx:
        return render(request, "exports/center.html#jobs", context)
    return render(request, "exports/center.html", context)


@login_required
@require_POST
def start(request: AuthedRequest) -> HttpResponseBase:
    """The export buttons post here: a small export goes straight to the direct download, a large one becomes a job
    and the user lands in 下载中心 watching its progress."""
    kind = request.POST.get("kind", "")
    back = _back(request)
    try:
        started = services.start_export(
            actor=request.user, kind=kind, filters=request.POST, background=request.POST.get("background") == "1"
        )
    except Forbidden as exc:
        raise PermissionDenied(exc.message) from exc
    except NotInScope as exc:
        raise Http404(exc.message) from exc
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(back)
    if started.job is None:
        return redirect(started.plan.direct_url)
    job = started.job
    if started.created:
        messages.info(request, f"共 {job.total_rows:,} 条，已转入后台导出。生成后可在本页下载，也会在首页提醒您。")
    else:
        messages.info(request, "同样的导出正在进行，请等待它完成，无需重复点击。")
    return redirect(f"{reverse('exports:center')}?job={job.pk}")


def _back(request: AuthedRequest) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return reverse("exports:center")


def _job(request: AuthedRequest, pk: int) -> ExportJob:
    return get_object_or_404(selectors.jobs_for(request.user), pk=pk)


@login_required
def download(request: AuthedRequest, pk: int) -> HttpResponseBase:
    job = _job(request, pk)
    try:
        handle = services.open_download(actor=request.user, job=job)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("exports:center")
    return FileResponse(handle, as_attachment=True, filename=job.filename, content_type=XLSX)


@login_required
@require_POST
def delete(request: AuthedRequest, pk: int) -> HttpResponseBase:
    job = _job(request, pk)
    try:
        services.delete_job(actor=request.user, job=job)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已删除")
    return redirect("exports:center")


@login_required
@require_POST
def roster_import(request: AuthedRequest, pk: int) -> HttpResponseBase:
    """后台导入 on the roster page: the file is checked and queued; the user follows it on the job's page."""
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, "请选择要上传的 Excel 文件")
        return redirect("orgs:roster", pk=pk)
    try:
        job = imports.start_roster_import(actor=request.user, unit_id=pk, upload=upload, filename=upload.name or "")
    except Forbidden as exc:
        raise PermissionDenied(exc.message) from exc
    except NotInScope as exc:
        raise Http404(exc.message) from exc
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("orgs:roster", pk=pk)
    messages.info(request, "文件已上传，正在后台导入。本页会自动刷新结果，您也可以离开，稍后在“下载中心”查看。")
    return redirect("exports:import", pk=job.pk)


@login_required
def import_status(request: AuthedRequest, pk: int) -> HttpResponse:
    job = get_object_or_404(selectors.import_jobs_for(request.user), pk=pk)
    template = "exports/import.html#status" if request.htmx else "exports/import.html"
    return render(request, template, {"job": job})
