from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render

from dudao.accounts.requests import AuthedRequest
from dudao.audit import exports
from dudao.audit.labels import ACTION_LABELS, OBJECT_LABELS
from dudao.audit.models import SECURITY_OFFICER_KINDS, EventKind
from dudao.audit.selectors import events_for
from dudao.audit.services import record_access
from dudao.core.errors import DomainError
from dudao.core.excel import check_export_size
from dudao.core.pagination import paginate
from dudao.orgs.models import OrgUnit
from dudao.orgs.scoping import can


def _date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value or "")
    except ValueError:
        return None


def _filters(request: AuthedRequest) -> dict[str, Any]:
    unit_path = ""
    unit_id = request.GET.get("unit", "")
    if unit_id.isdigit():
        unit_path = OrgUnit.objects.filter(pk=int(unit_id)).values_list("path", flat=True).first() or "ZZZZ"
    return {
        "actor": request.GET.get("actor", "").strip(),
        "kind": request.GET.get("kind", "") if request.GET.get("kind") in EventKind.values else "",
        "action": request.GET.get("action", "").strip(),
        "object_type": request.GET.get("object_type", "").strip(),
        "unit_path": unit_path,
        "date_from": _date(request.GET.get("date_from")),
        "date_to": _date(request.GET.get("date_to")),
    }


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
    if not can(request.user, "audit.read_access"):
        raise PermissionDenied("只有审计管理员和安全管理员可以导出审计记录")
    filters = _filters(request)
    qs = events_for(request.user, filters=filters)
    try:
        check_export_size(qs.count())
    except DomainError as exc:
        return HttpResponse(exc.message, status=400, content_type="text/plain; charset=utf-8")
    record_access(
        actor=request.user,
        action="export_audit",
        obj=None,
        unit_path="",
        details={"object_type": "audit.auditevent", "filters": {k: str(v) for k, v in filters.items() if v}},
    )
    return exports.events_xlsx(qs)
