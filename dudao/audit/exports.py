"""Excel of audit events: one row per event, with its changes in words and verbatim, and its hash."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import FileResponse
from django.utils import timezone

from dudao.audit.labels import ACTION_LABELS, UNKNOWN_ACTION, action_label, describe_changes, object_label
from dudao.audit.models import AuditEvent, EventKind
from dudao.audit.services import canonical
from dudao.core.excel import xlsx_response

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


def events_xlsx(events: QuerySet[AuditEvent]) -> FileResponse:
    """Streams: the events are read in chunks, never all at once."""
    local = timezone.get_current_timezone()
    rows = (
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
    return xlsx_response(
        filename="audit-events.xlsx", headers=HEADERS, rows=rows, sheet_name="审计记录", column_widths=WIDTHS
    )
