"""Risk register figures (监测指标): red and orange risk points, and risk points whose check is overdue.

Both are current-state counts over active points, one GROUP BY each for any number of units.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db.models import Count, QuerySet
from django.urls import reverse
from django.utils import timezone

from dudao.accounts.models import User
from dudao.core.indicators import Basis, Direction, Drilldown, Grouping, Indicator, Value, register
from dudao.orgs.models import OrgUnit
from dudao.risks.models import Grade, RiskPoint

HIGH_GRADES = (Grade.MAJOR, Grade.LARGE)


def _high(root: str) -> QuerySet[RiskPoint]:
    return RiskPoint.objects.active().filter(unit__path__under=root, grade__in=HIGH_GRADES)


def _overdue(root: str) -> QuerySet[RiskPoint]:
    return RiskPoint.objects.overdue(timezone.localdate()).filter(unit__path__under=root)


def high_points(units: Sequence[OrgUnit], start: dt.date, end: dt.date, *, user: User) -> dict[Any, Value]:
    grouping = Grouping.of(units)
    sums = grouping.sums(_high(grouping.root), "unit__path", n=Count("*"))
    return {pk: Value.count(int(n)) for pk, (n,) in sums.items()}


def high_rows(unit: OrgUnit, start: dt.date, end: dt.date, *, user: User) -> Drilldown:
    rows = (
        RiskPoint.objects.for_user(user, "read")
        .filter(pk__in=_high(unit.path).values("pk"))
        .select_related("unit", "responsible")
        .order_by("grade", "unit__path", "id")
    )
    return Drilldown(rows, f"{reverse('risks:overview')}?unit={unit.pk}")


def overdue_checks(units: Sequence[OrgUnit], start: dt.date, end: dt.date, *, user: User) -> dict[Any, Value]:
    grouping = Grouping.of(units)
    sums = grouping.sums(_overdue(grouping.root), "unit__path", n=Count("*"))
    return {pk: Value.count(int(n)) for pk, (n,) in sums.items()}


def overdue_rows(unit: OrgUnit, start: dt.date, end: dt.date, *, user: User) -> Drilldown:
    rows = (
        RiskPoint.objects.for_user(user, "read")
        .filter(pk__in=_overdue(unit.path).values("pk"))
        .select_related("unit", "responsible")
        .order_by("check_deadline", "id")
    )
    return Drilldown(rows, f"{reverse('risks:points')}?unit={unit.pk}&show=overdue")


register(
    Indicator(
        code="risks.high_points",
        name="重大、较大风险点",
        definition="当前在用的风险点中，风险等级为重大（红）或较大（橙）的个数。",
        measure="个",
        direction=Direction.LOWER,
        module="risks",
        permission="risk.read",
        compute=high_points,
        drill=high_rows,
        basis=Basis.NOW,
        order=75,
    )
)
register(
    Indicator(
        code="risks.overdue_checks",
        name="风险点逾期未排查",
        definition="当前在用的风险点中，按排查频次应在本周期内排查、截止日已过仍未排查的个数。",
        measure="个",
        direction=Direction.LOWER,
        module="risks",
        permission="risk.read",
        compute=overdue_checks,
        drill=overdue_rows,
        basis=Basis.NOW,
        order=76,
    )
)
