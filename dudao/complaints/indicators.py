"""Complaint figures (监测指标) for the cockpit catalogue: open items and overdue replies per unit, each one GROUP BY
on the responsible unit's path (`Grouping.sums`), however many units are asked about."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db.models import Count, QuerySet
from django.urls import reverse
from django.utils import timezone

from dudao.accounts.models import User
from dudao.complaints.models import Complaint
from dudao.core.indicators import Basis, Direction, Drilldown, Grouping, Indicator, Value, register
from dudao.orgs.models import OrgUnit


def _open(root: str) -> QuerySet[Complaint]:
    # Items waiting at the office (received) sit at the bureau itself; routed ones count for their unit.
    return Complaint.objects.filter(unit__path__under=root).open()


def _overdue(root: str, end: dt.date) -> QuerySet[Complaint]:
    return Complaint.objects.filter(unit__path__under=root).overdue(min(end, timezone.localdate()))


def open_items(units: Sequence[OrgUnit], start: dt.date, end: dt.date, *, user: User) -> dict[Any, Value]:
    grouping = Grouping.of(units)
    sums = grouping.sums(_open(grouping.root), "unit__path", n=Count("*"))
    return {pk: Value.count(int(n)) for pk, (n,) in sums.items()}


def overdue_items(units: Sequence[OrgUnit], start: dt.date, end: dt.date, *, user: User) -> dict[Any, Value]:
    grouping = Grouping.of(units)
    sums = grouping.sums(_overdue(grouping.root, end), "unit__path", n=Count("*"))
    return {pk: Value.count(int(n)) for pk, (n,) in sums.items()}


def open_rows(unit: OrgUnit, start: dt.date, end: dt.date, *, user: User) -> Drilldown:
    rows = Complaint.objects.for_user(user, "read").filter(pk__in=_open(unit.path)).select_related("unit")
    return Drilldown(rows.order_by("deadline", "id"), f"{reverse('complaints:list')}?box=all&status=open")


def overdue_rows(unit: OrgUnit, start: dt.date, end: dt.date, *, user: User) -> Drilldown:
    rows = Complaint.objects.for_user(user, "read").filter(pk__in=_overdue(unit.path, end)).select_related("unit")
    return Drilldown(rows.order_by("deadline", "id"), f"{reverse('complaints:list')}?box=all&status=overdue")


register(
    Indicator(
        code="complaints.open",
        name="未办结群众诉求",
        definition="当前尚未办结的投诉举报和意见建议件数（待分办、办理中、待审核），按承办单位统计；"
        "待分办的件计入教育局本级。",
        measure="件",
        direction=Direction.LOWER,
        module="complaints",
        permission="complaint.read",
        compute=open_items,
        drill=open_rows,
        basis=Basis.NOW,
        order=90,
    )
)
register(
    Indicator(
        code="complaints.overdue",
        name="群众诉求逾期未答复",
        definition="已分办、超过答复时限（默认 5 个工作日）仍未答复的件数，按承办单位统计。",
        measure="件",
        direction=Direction.LOWER,
        module="complaints",
        permission="complaint.read",
        compute=overdue_items,
        drill=overdue_rows,
        basis=Basis.NOW,
        order=91,
    )
)
