"""The bulletins part of an inspection round's page: generate a bulletin from its results, list those issued."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from dudao.accounts.requests import AuthedRequest
from dudao.dashboard.selectors import bulletins_for
from dudao.inspections.models import Inspection
from dudao.inspections.round_page import round_section
from dudao.orgs.scoping import can


@round_section(order=10)
def bulletins(request: AuthedRequest, inspection: Inspection) -> SafeString:
    return render_to_string(
        "dashboard/_round_bulletins.html",
        {
            "inspection": inspection,
            "can_bulletin": can(request.user, "bulletin.change", inspection.unit),
            "bulletins": bulletins_for(request.user).filter(inspection=inspection),
        },
        request=request,
    )
