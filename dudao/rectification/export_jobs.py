"""The ledger export for the download centre (dudao.core.exporting): the same filters, scope, rows and layout as
the direct download (`views.ledger_export`)."""

from __future__ import annotations

from collections.abc import Mapping

from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from dudao.accounts.models import User
from dudao.core.errors import Forbidden
from dudao.core.exporting import ExportPlan, register_export
from dudao.orgs.models import OrgUnit
from dudao.orgs.scoping import acting_assignment, can
from dudao.rectification import excel, selectors

# The ledger page's query parameters an export carries.
FILTER_PARAMS = ("inspection", "status", "overdue", "category", "owner", "unassigned", "unit", "school", "q")


def ledger_plan(user: User, params: Mapping[str, str]) -> ExportPlan:
    if not can(user, "rectification.read"):
        raise Forbidden("您当前的身份不能导出整改台账")
    filters = selectors.LedgerFilters.from_params(params, OrgUnit.objects.for_user(user, "read"))
    items = selectors.ledger(user, filters)
    today = timezone.localdate()
    assignment = acting_assignment(user)
    unit_name = filters.unit.name if filters.unit else assignment.unit.name if assignment else ""
    query = {k: v for k, v in params.items() if k in FILTER_PARAMS and v}
    return ExportPlan(
        filename=f"整改台账-{today:%Y%m%d}.xlsx",
        headers=excel.EXPORT_HEADERS,
        rows=lambda: excel.export_rows(items, today=today),
        count=items.count(),
        sheet_name="整改台账",
        column_widths=excel.EXPORT_WIDTHS,
        title=excel.export_title(unit_name, today),
        landscape=True,
        direct_url=reverse("rectification:export") + (f"?{urlencode(query)}" if query else ""),
        description=f"整改台账 · {unit_name}",
    )


register_export("ledger", "整改台账", permission="rectification.read", personal_data=False, writer=ledger_plan)
