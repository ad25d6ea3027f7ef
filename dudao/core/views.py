from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from dudao.core.access import access
from dudao.core.home import collect, page_for
from dudao.core.imports import is_interrupted, records_for
from dudao.core.models import IMPORT_PERMISSIONS, ImportKind, ImportStatus
from dudao.core.pagination import paginate
from dudao.core.probes import readiness


@login_required
def home(request: HttpRequest) -> HttpResponse:
    acting = access().acting_assignment(request.user)
    # `?view=todos`: the plain list, also for those whose home is a cockpit.
    if request.GET.get("view") != "todos":
        page = page_for(request, acting)
        if page is not None:
            return page
    items = collect(request.user, acting)  # type: ignore[arg-type]
    return render(
        request,
        "core/home.html",
        {"todos": [i for i in items if i.kind == "todo"], "counters": [i for i in items if i.kind != "todo"]},
    )


def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness: the process answers. It does not touch the database, so a database outage does not make the
    supervisor restart every app server; `/readyz` says whether the server can work."""
    return JsonResponse({"status": "ok"})


def readyz(request: HttpRequest) -> JsonResponse:
    """Readiness: database, shared cache and job queue answer (200), or not (503, failing checks named)."""
    result = readiness()
    response = JsonResponse(
        {"status": "ok" if result.ok else "unavailable", **result.checks}, status=200 if result.ok else 503
    )
    response["Cache-Control"] = "no-store"
    return response


@login_required
def imports(request: HttpRequest) -> HttpResponse:
    """导入记录: how each upload went, including those whose browser request timed out."""
    kinds = [(kind.value, kind.label) for kind in ImportKind if access().can(request.user, IMPORT_PERMISSIONS[kind])]
    if not kinds:
        raise PermissionDenied("您当前的身份无权访问此页面")
    kind = request.GET.get("kind", "")
    page = paginate(records_for(request.user, kind=kind), page=request.GET.get("page"), page_size=50)
    interrupted = {record.pk for record in page.items if is_interrupted(record)}
    running = any(r.status == ImportStatus.RUNNING and r.pk not in interrupted for r in page.items)
    return render(
        request,
        "core/imports.html",
        {"page": page, "kinds": kinds, "kind": kind, "interrupted": interrupted, "running": running},
    )
