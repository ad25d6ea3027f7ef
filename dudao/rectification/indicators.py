"""The ledger's monitoring figures (监测指标): overdue items, 销号率 and the average days from finding to 销号.

Each figure is one GROUP BY over the items under the units' common path, registered in `dudao.core.indicators`.
The numbers agree with the ledger's own pages: overdue as in `ItemQuerySet.overdue`, the close rate as in the
overview (`counts_by_area`), the days to close as in the round bulletin (`dashboard.services.round_figures`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, Sum
from django.urls import reverse
from django.utils import timezone

from dudao.accounts.models import User
from dudao.core.indicators import Basis, Direction, Drilldown, Grouping, Indicator, Value, day_bounds, register
from dudao.orgs.models import OrgUnit
from dudao.rectification.models import ItemQuerySet, ItemStatus, RectificationItem
from dudao.rectification.selectors import LedgerFilters, ledger

PERMISSION = "rectification.read"


def _items(root: str) -> ItemQuerySet:
    """Items under `root`. The command layer hands over units inside the viewer's scope only, so the subtree is the
    whole rule (a second, wider path test from `for_user` would double the cost of every row)."""
    return RectificationItem.objects.filter(school__path__under=root)


def _closed_between(start: dt.date, end: dt.date) -> Q:
    since, until = day_bounds(start, end, timezone.get_current_timezone())
    return Q(status=ItemStatus.CLOSED, closed_at__gte=since, closed_at__lt=until)


def overdue_items(units: Sequence[OrgUnit], start: dt.date, end: dt.date, *, user: User) -> dict[Any, Value]:
    grouping = Grouping.of(units)
    today = timezone.localdate()
    sums = grouping.sums(_items(grouping.root).overdue(today), "school__path", n=Count("*"))
    return {pk: Value.count(int(n)) for pk, (n,) in sums.items()}


def overdue_rows(unit: OrgUnit, start: dt.date, end: dt.date, *, user: User) -> Drilldown:
    rows = ledger(user, LedgerFilters(unit=unit, overdue=True))
    return Drilldown(rows, f"{reverse('rectification:ledger')}?unit={unit.pk}&overdue=1")


def close_rate(units: Sequence[OrgUnit], start: dt.date, end: dt.date, *, user: User) -> dict[Any, Value]:
    grouping = Grouping.of(units)
    sums = grouping.sums(
        _items(grouping.root),
        "school__path",
        closed=Count("id", filter=Q(status=ItemStatus.CLOSED)),
        total=Count("*"),
    )
    return {pk: Value.rate(int(closed), int(total)) for pk, (closed, total) in sums.items()}


def close_rate_rows(unit: OrgUnit, start: dt.date, end: dt.date, *, user: User) -> Drilldown:
    return Drilldown(ledger(user, LedgerFilters(unit=unit)), f"{reverse('rectification:ledger')}?unit={unit.pk}")


def days_to_close(units: Sequence[OrgUnit], start: dt.date, end: dt.date, *, user: User) -> dict[Any, Value]:
    grouping = Grouping.of(units)
    took = ExpressionWrapper(F("closed_at") - F("created_at"), output_field=DurationField())
    sums = grouping.sums(
        _items(grouping.root).filter(_closed_between(start, end)), "school__path", took=Sum(took), n=Count("*")
    )
    return {pk: Value.mean(seconds / 86400, int(n)) for pk, (seconds, n) in sums.items()}


def days_to_close_rows(unit: OrgUnit, start: dt.date, end: dt.date, *, user: User) -> Drilldown:
    rows = ledger(user, LedgerFilters(unit=unit, status=ItemStatus.CLOSED)).filter(_closed_between(start, end))
    return Drilldown(rows, f"{reverse('rectification:ledger')}?unit={unit.pk}&status={ItemStatus.CLOSED}")


register(
    Indicator(
        code="rectification.overdue",
        name="逾期未销号问题",
        definition="整改时限已过、尚未销号的整改问题数（当前状态，与整改台账“逾期”筛选一致）。",
        measure="项",
        direction=Direction.LOWER,
        module="rectification",
        permission=PERMISSION,
        compute=overdue_items,
        drill=overdue_rows,
        basis=Basis.NOW,
        order=40,
    )
)
register(
    Indicator(
        code="rectification.close_rate",
        name="销号率",
        definition="已销号的整改问题占全部整改问题的百分比（当前状态，与整改台账“各区县整改情况”一致）。",
        measure="%",
        direction=Direction.HIGHER,
        module="rectification",
        permission=PERMISSION,
        compute=close_rate,
        drill=close_rate_rows,
        basis=Basis.NOW,
        order=41,
    )
)
register(
    Indicator(
        code="rectification.days_to_close",
        name="平均销号天数",
        definition="统计区间内销号的整改问题，从登记问题到验收销号平均用时（天，保留一位小数）。",
        measure="天",
        direction=Direction.LOWER,
        module="rectification",
        permission=PERMISSION,
        compute=days_to_close,
        drill=days_to_close_rows,
        order=42,
    )
)
