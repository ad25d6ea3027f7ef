from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render

from dudao.accounts.requests import AuthedRequest
from dudao.audit import export_jobs
from dudao.audit.labels import ACTION_LABELS, OBJECT_LABELS
from dudao.audit.models import SECURITY_OFFICER_KINDS, EventKind
from dudao.audit.selectors import events_for, filters_from
from dudao.core.errors import DomainError, Forbidden
from dudao.core.excel import check_export_size, xlsx_response
from dudao.core.pagination import paginate
from dudao.orgs.scoping import can


def _filters(request: AuthedRequest) -> dict[str, Any]:
    return filters_from(request.GET)


@login_required
def events(request: AuthedRequest) -> HttpResponse:
    if not can(request.user, "audit.read_access"):
        raise PermissionDenied("只有审计管理员和安全管理员可以查看审计记录")
    filters = _filters(request)
    page = paginate(events_for(request.user, filters=filters), page=request.GET.get("page"), page_size=50)
    is_auditor = can(request.user, "audit.read")
    kinds = [(k, label) for k, label in EventKind.choices if is_auditor or k in SECURITY_OFFICER_KINDS]
    return render(
        request,
        "audit/events.html",
        {
            "page": page,
            "f": request.GET,
            "kinds": kinds,
            "actions": sorted(ACTION_LABELS.items(), key=lambda item: item[1]),
            "object_types": list(OBJECT_LABELS.items()),
            "is_auditor": is_auditor,
        },
    )


@login_required
def export(request: AuthedRequest) -> HttpResponseBase:
    """The direct download (small exports; the export button sends large ones to 下载中心 as a job)."""
    try:
        plan = export_jobs.events_plan(request.user, request.GET)
        check_export_size(plan.count)
    except Forbidden as exc:
        raise PermissionDenied(exc.message) from exc
    except DomainError as exc:
        return HttpResponse(exc.message, status=400, content_type="text/plain; charset=utf-8")
    plan.record_access()
    return xlsx_response(
        filename=plan.filename,
        headers=plan.headers,
        rows=plan.rows(),
        sheet_name=plan.sheet_name,
        column_widths=plan.column_widths,
    )
