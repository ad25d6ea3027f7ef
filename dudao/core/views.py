from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from dudao.core.access import access
from dudao.core.home import collect
from dudao.core.probes import ping_database


@login_required
def home(request: HttpRequest) -> HttpResponse:
    acting = access().acting_assignment(request.user)
    items = collect(request.user, acting)  # type: ignore[arg-type]
    return render(
        request,
        "core/home.html",
        {"todos": [i for i in items if i.kind == "todo"], "counters": [i for i in items if i.kind != "todo"]},
    )


def healthz(request: HttpRequest) -> JsonResponse:
    ping_database()
    return JsonResponse({"status": "ok"})
