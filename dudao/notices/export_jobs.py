"""The receipts export for the download centre (dudao.core.exporting): the same scope, masking, rows and layout
as the direct download (`views.receipts_export`)."""

from __future__ import annotations

from collections.abc import Mapping

from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from dudao.accounts.models import User
from dudao.audit.services import record_access
from dudao.core.errors import Forbidden
from dudao.core.exporting import ExportPlan, NotInScope, register_export
from dudao.notices import exports, selectors
from dudao.orgs.models import OrgUnit
from dudao.orgs.scoping import can


def _id(raw: str) -> int | None:
    return int(raw) if raw.isdigit() and len(raw) <= 18 else None


def receipts_plan(user: User, params: Mapping[str, str]) -> ExportPlan:
    """The receipts of notice `notice` under `unit` (default: the acting unit), phones masked."""
    if not can(user, "notice.read"):
        raise Forbidden("您当前的身份不能导出告知书回执")
    notice_id = _id(params.get("notice", ""))
    notice = selectors.notices_for(user).filter(pk=notice_id).first() if notice_id else None
    if notice is None:
        raise NotInScope("告知书不存在或不在您的管理范围内")
    unit_raw = params.get("unit", "")
    if unit_raw:
        unit_id = _id(unit_raw)
        unit = OrgUnit.objects.for_user(user, "read").filter(pk=unit_id).first() if unit_id else None
    else:
        unit = selectors.scope_unit(user)
    if unit is None:
        raise NotInScope("单位不存在或不在您的管理范围内")
    receipts = selectors.receipts_for(user, notice).filter(selectors.receipt_filter(unit))
    count = receipts.count()

    def record() -> None:
        record_access(
            actor=user,
            action="export_receipts",
            obj=notice,
            unit_path=unit.path,
            details={"unit": unit.pk, "rows": count, "unmasked_phone": False},
        )

    query = {"unit": str(unit.pk)} if unit_raw else {}
    return ExportPlan(
        filename=f"回执-{notice.pk}-{timezone.localdate():%Y%m%d}.xlsx",
        headers=exports.HEADERS,
        rows=lambda: exports.rows(notice, receipts),
        count=count,
        sheet_name="回执",
        column_widths=exports.WIDTHS,
        title=f"{notice.title} 回执（{unit.name}）",
        landscape=True,
        direct_url=reverse("notices:export", args=[notice.pk]) + (f"?{urlencode(query)}" if query else ""),
        record_access=record,
        description=f"告知书回执 · {notice.title} · {unit.name}",
    )


register_export("receipts", "告知书回执", permission="notice.read", personal_data=True, writer=receipts_plan)
