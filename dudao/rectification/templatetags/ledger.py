"""Template helpers of the ledger pages."""

from __future__ import annotations

from typing import Any

from django import template

from dudao.orgs.scoping import can

register = template.Library()


@register.simple_tag(takes_context=True)
def ledger_can(context: dict[str, Any], permission: str) -> bool:
    """Whether the signed-in person's acting role grants `permission` (e.g. the 抽查复核 tab)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    return user is not None and user.is_authenticated and can(user, permission)
