"""`{% load campaigns %}{% campaign_control obj %}`: the 加入专项工作 control on a module's detail page.

Domain apps never import campaigns (the floors); a template `{% load %}` is no Python import, so a module's
template shows the control with one line and the campaign side does all the work.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.template.loader import render_to_string

from dudao.campaigns import selectors
from dudao.campaigns.components import component_for_model
from dudao.orgs.scoping import can

register = template.Library()


@register.simple_tag(takes_context=True)
def campaign_control(context: template.Context, obj: Any) -> str:
    request = context.get("request")
    user = getattr(request, "user", None)
    if request is None or obj is None or user is None or not user.is_authenticated:
        return ""
    found = component_for_model(type(obj))
    if found is None or not can(user, "campaign.read"):
        return ""
    linked, open_ones = selectors.campaigns_of_object(user, obj)
    if not linked and not open_ones:
        return ""
    return render_to_string(
        "campaigns/_control.html",
        {
            "linked": linked,
            "open_ones": open_ones,
            "kind": found.kind.value,
            "obj": obj,
            "next": request.get_full_path(),
        },
        request=request,
    )
