from __future__ import annotations

from typing import Any

from django import template

from dudao.orgs.scoping import can

register = template.Library()


@register.filter
def may(user: Any, permission: str) -> bool:
    """`{% if user|may:"homevisit.read" %}`: whether the acting role grants a permission (tabs and links)."""
    return can(user, permission)
