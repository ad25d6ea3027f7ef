"""The unit a page works in, for the views of every app: the acting unit, or the `?unit=` the viewer asked for."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404

from dudao.orgs.models import OrgUnit
from dudao.orgs.scoping import acting_assignment
from dudao.orgs.selectors import units_for


def acting_unit(request: HttpRequest) -> OrgUnit:
    """The unit of the user's acting assignment; 403 for an account without one."""
    assignment = acting_assignment(request.user)
    if assignment is None:
        raise PermissionDenied("您没有可用的身份")
    return assignment.unit


def viewed_unit(request: HttpRequest) -> OrgUnit:
    """The unit a page looks at: `?unit=` inside the viewer's scope (else 404), or the acting unit."""
    raw = request.GET.get("unit", "")
    if raw:
        if not raw.isdigit():
            raise Http404("单位不存在")
        return get_object_or_404(units_for(request.user), pk=int(raw))  # type: ignore[arg-type]
    return acting_unit(request)
