"""一校一档 pages: the schools the viewer may open, and one school's profile across every module."""

from __future__ import annotations

import json

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render

from dudao.accounts.requests import AuthedRequest
from dudao.core.errors import DomainError, Forbidden
from dudao.core.pagination import paginate
from dudao.core.web import require
from dudao.orgs.models import OrgUnit
from dudao.profiles import selectors


@login_required
def school_list(request: AuthedRequest) -> HttpResponse:
    """Find a school by name or pinyin initials; a principal goes straight to their own school."""
    require(request, selectors.PERMISSION)
    q = request.GET.get("q", "").strip()
    own = selectors.own_school(request.user)
    if own is not None and not q:
        return redirect("profiles:school", pk=own.pk)
    page = paginate(selectors.schools_for(request.user, q=q), page=request.GET.get("page"))
    return render(request, "profiles/list.html", {"page": page, "q": q})


def _school(request: AuthedRequest, pk: int) -> OrgUnit:
    try:
        return selectors.school_for(request.user, pk)
    except Forbidden as exc:
        raise PermissionDenied(exc.message) from exc
    except DomainError as exc:
        raise Http404(exc.message) from exc


@login_required
def school(request: AuthedRequest, pk: int) -> HttpResponse:
    require(request, selectors.PERMISSION)
    found = _school(request, pk)
    profile = selectors.profile(request.user, found)
    charts = {
        "scores": profile.inspections.chart if profile.inspections else None,
        "health": profile.health.chart if profile.health else None,
    }
    return render(
        request,
        "profiles/school.html",
        {"p": profile, "school": found, "charts": json.dumps(charts, ensure_ascii=False)},
    )
