from __future__ import annotations

from django import template

from dudao.audit.labels import action_label, describe_changes, object_label
from dudao.audit.models import AuditEvent, EventKind

register = template.Library()
register.filter("action_label", action_label)
register.filter("object_label", object_label)


@register.filter
def change_lines(event: AuditEvent) -> list[str]:
    return describe_changes(event.changes or {}, is_diff=event.kind == EventKind.CHANGE, object_type=event.object_type)
