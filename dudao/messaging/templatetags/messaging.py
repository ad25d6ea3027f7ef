from __future__ import annotations

from typing import Any

from django import template

from dudao.messaging.selectors import unread_count

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_messages(context: Any) -> int:
    """The bell's number: the signed-in person's unread messages (one indexed count)."""
    user = context.get("user")
    if user is None or not user.is_authenticated:
        return 0
    return unread_count(user)
