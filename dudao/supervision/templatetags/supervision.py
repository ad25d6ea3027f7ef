"""`{% load supervision %}{% supervise_button "rectification_item" item.pk %}`: a 督办 button for a module's
overdue or late row, shown only to those who may issue 督办单 (a template library, not a Python import, so the
module stays below this app's floor)."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.safestring import SafeString

from dudao.supervision import selectors
from dudao.supervision.sources import ORDER_KINDS

register = template.Library()


@register.simple_tag(takes_context=True)
def supervise_button(
    context: dict[str, Any], kind: str, object_id: int, css: str = "btn btn-sm btn-outline-danger"
) -> SafeString:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or kind not in ORDER_KINDS or not selectors.may_issue(user):
        return SafeString("")
    url = f"{reverse('supervision:create')}?{urlencode({'kind': kind, 'id': str(object_id)})}"
    return format_html('<a class="{}" href="{}" title="对此下达督办单">督办</a>', css, url)
