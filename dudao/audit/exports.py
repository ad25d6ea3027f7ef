"""Excel of audit events: one row per event, with its changes in words and verbatim, and its hash."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from dudao.audit.labels import ACTION_LABELS, UNKNOWN_ACTION, action_label, describe_changes, object_label
from dudao.audit.models import AuditEvent, EventKind
from dudao.audit.services import canonical

HEADERS = [
    "序号",
    "时间",
    "类别",
    "操作",
    "操作人",
    "操作身份单位",
    "IP",
    "请求号",
    "对象类型",
    "对象编号",
    "对象",
    "变更内容",
    "变更原文（JSON）",
    "哈希",
]
WIDTHS = [8, 20, 12, 14, 14, 18, 14, 20, 16, 10, 20, 50, 40, 20]


# The audit page's query parameters an export carries.
FILTER_PARAMS = ("actor", "kind", "action", "object_type", "unit", "date_from", "date_to")


def event_rows(events: QuerySet[AuditEvent]) -> Iterator[list[Any]]:
    """Streams: the events are read in chunks, never all at once."""
    local = timezone.get_current_timezone()
    return (
        [
            e.seq,
            e.at.astimezone(local),
            e.get_kind_display(),
            # The export keeps the exact code of an action nobody has named yet.
            action_label(e.action) if e.action in ACTION_LABELS else f"{UNKNOWN_ACTION}（{e.action}）",
            e.actor_name,
            e.acting_unit_name,
            e.ip,
            e.request_id,
            object_label(e.object_type),
            e.object_id,
            e.object_repr,
            "\n".join(describe_changes(e.changes, is_diff=e.kind == EventKind.CHANGE, object_type=e.object_type)),
            canonical(e.changes),
            e.hash,
        ]
        for e in events.iterator(chunk_size=2000)
    )
