"""The partner's page behind the task link (`/xt/<token>/`), outside login: read the task, 签收, report back with
photos. Every request counts against the address's budget first; the signature is checked before any query; a
forged, resent-over or revoked link gets the one 404 page."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache

from dudao.core.errors import DomainError
from dudao.core.middleware import client_ip
from dudao.core.web import form_errors
from dudao.partners import links, ratelimit, selectors, services
from dudao.partners.forms import AcknowledgeForm, ReportForm
from dudao.partners.models import PartnerTask, TaskStatus


def _gone(request: HttpRequest) -> HttpResponse:
    return render(request, "partners/public_gone.html", status=404)


def _task(request: HttpRequest, token: str) -> PartnerTask | HttpResponse:
    if not ratelimit.admit(client_ip(request)):
        return render(request, "partners/public_busy.html", {"message": ratelimit.REFUSED_MESSAGE}, status=429)
    parsed = links.parse(token)
    task = selectors.public_task(*parsed) if parsed is not None else None
    return task if task is not None else _gone(request)


def _page(
    request: HttpRequest, task: PartnerTask, *, error: str = "", status: int = 200, **forms: object
) -> HttpResponse:
    name = task.reported_by or task.acknowledged_by
    return render(
        request,
        "partners/public_task.html",
        {
            "task": task,
            "today": timezone.localdate(),
            "photos": len(selectors.photos_of(task)),
            "ack_form": forms.get("ack_form") or AcknowledgeForm(initial={"name": name}),
            "report_form": forms.get("report_form")
            or ReportForm(initial={"name": name, "text": task.report if task.status != TaskStatus.CLOSED else ""}),
            "error": error,
            "done": request.GET.get("done", ""),
            "max_photos": services.MAX_PHOTOS,
        },
        status=status,
    )


@never_cache
def task_page(request: HttpRequest, token: str) -> HttpResponse:
    task = _task(request, token)
    if isinstance(task, HttpResponse):
        return task
    if request.method != "POST":
        return _page(request, task)
    action = request.POST.get("action", "")
    try:
        if action == "ack":
            ack_form = AcknowledgeForm(request.POST)
            if not ack_form.is_valid():
                return _page(request, task, error=form_errors(ack_form), status=400, ack_form=ack_form)
            services.acknowledge(task=task, name=ack_form.cleaned_data["name"])
            return redirect(f"{request.path}?done=ack")
        if action == "report":
            report_form = ReportForm(request.POST)
            if not report_form.is_valid():
                return _page(request, task, error=form_errors(report_form), status=400, report_form=report_form)
            services.report(
                task=task,
                name=report_form.cleaned_data["name"],
                text=report_form.cleaned_data["text"],
                photos=request.FILES.getlist("photos"),
            )
            return redirect(f"{request.path}?done=report")
    except DomainError as exc:
        task.refresh_from_db()
        return _page(request, task, error=exc.message, status=exc.status if exc.status in (400, 409) else 400)
    return _page(request, task, error="请求无效，请刷新页面后重试", status=400)
