from __future__ import annotations

from typing import Any

from django import template

from dudao.audit.labels import action_label, describe_changes, object_label

register = template.Library()
register.filter("action_label", action_label)
register.filter("object_label", object_label)


@register.filter
def change_lines(changes: dict[str, Any]) -> list[str]:
    return describe_changes(changes or {})
