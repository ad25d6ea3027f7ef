"""School-bus figures (监测指标): buses with expired documents, and pre-trip checks missing today.

Both count the state now: a vehicle whose 年检 or insurance has passed its date, and an active route whose morning
departure has passed today (Monday to Friday) without a morning check. Each is one GROUP BY on the school path.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from dudao.accounts.models import User
from dudao.buses import selectors
from dudao.buses.models import Vehicle
from dudao.core.indicators import Basis, Direction, Drilldown, Grouping, Indicator, Value, register
from dudao.orgs.models import OrgUnit


def expired_vehicles(units: Sequence[OrgUnit], start: dt.date, end: dt.date, *, user: User) -> dict[Any, Value]:
    grouping = Grouping.of(units)
    qs = Vehicle.objects.filter(school__path__under=grouping.root, is_active=True).filter(
        selectors.expired_filter(timezone.localdate())
    )
    sums = grouping.sums(qs, "school__path", n=Count("*"))
    return {pk: Value.count(int(n)) for pk, (n,) in sums.items()}


def expired_rows(unit: OrgUnit, start: dt.date, end: dt.date, *, user: User) -> Drilldown:
    rows = (
        selectors.vehicles_for(user)
        .filter(school__path__under=unit.path, is_active=True)
        .filter(selectors.expired_filter(timezone.localdate()))
        .order_by("school__path", "plate")
    )
    return Drilldown(rows, reverse("buses:documents") + f"?unit={unit.pk}")


def missing_checks(units: Sequence[OrgUnit], start: dt.date, end: dt.date, *, user: User) -> dict[Any, Value]:
    grouping = Grouping.of(units)
    sums = grouping.sums(selectors.missing_routes(grouping.root), "school__path", n=Count("*"))
    return {pk: Value.count(int(n)) for pk, (n,) in sums.items()}


def missing_rows(unit: OrgUnit, start: dt.date, end: dt.date, *, user: User) -> Drilldown:
    rows = (
        selectors.routes_for(user)
        .filter(pk__in=selectors.missing_routes(unit.path).values("pk"))
        .order_by("school__path", "morning_departure")
    )
    return Drilldown(rows, reverse("buses:index") + f"?unit={unit.pk}")


register(
    Indicator(
        code="buses.expired_documents",
        name="证件过期校车",
        definition="年检或保险已过有效期的在用校车数（过期校车禁止安排线路和出车）。",
        measure="辆",
        direction=Direction.LOWER,
        module="buses",
        permission="bus.read",
        compute=expired_vehicles,
        drill=expired_rows,
        basis=Basis.NOW,
        order=80,
    )
)
register(
    Indicator(
        code="buses.missing_checks",
        name="今日校车未做出车前检查",
        definition="今天（周一至周五）早班发车时间已过、仍没有早班出车前安全检查记录的运行中校车线路数。",
        measure="条",
        direction=Direction.LOWER,
        module="buses",
        permission="bus.read",
        compute=missing_checks,
        drill=missing_rows,
        basis=Basis.NOW,
        order=81,
    )
)
