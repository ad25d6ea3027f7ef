"""The audit-event export for the download centre (dudao.core.exporting); the direct download calls
`events_plan` too."""

from __future__ import annotations

from collections.abc import Mapping

from django.urls import reverse
from django.utils.http import urlencode

from dudao.accounts.models import User
from dudao.audit import exports
from dudao.audit.selectors import events_for, filters_from
from dudao.audit.services import record_access
from dudao.core.errors import Forbidden
from dudao.core.exporting import ExportPlan, register_export
from dudao.orgs.scoping import can


def events_plan(user: User, params: Mapping[str, str]) -> ExportPlan:
    """The events the viewer's filters select (`actor`, `kind`, `action`, `object_type`, `unit`, `date_from`,
    `date_to`), as the audit page lists them for this role."""
    if not can(user, "audit.read_access"):
        raise Forbidden("只有审计管理员和安全管理员可以导出审计记录")
    filters = filters_from(params)
    events = events_for(user, filters=filters)
    count = events.count()
    shown = {k: str(v) for k, v in filters.items() if v}

    def record() -> None:
        record_access(
            actor=user,
            action="export_audit",
            obj=None,
            unit_path="",
            details={"object_type": "audit.auditevent", "filters": shown, "rows": count},
        )

    query = {k: v for k, v in params.items() if k in exports.FILTER_PARAMS and v}
    return ExportPlan(
        filename="audit-events.xlsx",
        headers=exports.HEADERS,
        rows=lambda: exports.event_rows(events),
        count=count,
        sheet_name="审计记录",
        column_widths=exports.WIDTHS,
        direct_url=reverse("audit:export") + (f"?{urlencode(query)}" if query else ""),
        record_access=record,
        description="审计记录" + (f"（{'，'.join(shown.values())}）" if shown else "（全部）"),
    )


register_export("audit", "审计记录", permission="audit.read_access", personal_data=True, writer=events_plan)
