"""Guard figure (监测指标) for the cockpit catalogue: active guards whose 保安员证 has expired, now. One GROUP BY
over the schools' paths whatever the number of units."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db.models import Count, QuerySet
from django.urls import reverse
from django.utils import timezone

from dudao.accounts.models import User
from dudao.core.indicators import Basis, Direction, Drilldown, Grouping, Indicator, Value, register
from dudao.guards.models import Guard
from dudao.orgs.models import OrgUnit


def _expired(root: str) -> QuerySet[Guard]:
    return Guard.objects.filter(school__path__under=root, is_active=True, licence_expires_on__lt=timezone.localdate())


def expired_licences(units: Sequence[OrgUnit], start: dt.date, end: dt.date, *, user: User) -> dict[Any, Value]:
    grouping = Grouping.of(units)
    sums = grouping.sums(_expired(grouping.root), "school__path", n=Count("*"))
    return {pk: Value.count(int(n)) for pk, (n,) in sums.items()}


def expired_rows(unit: OrgUnit, start: dt.date, end: dt.date, *, user: User) -> Drilldown:
    rows = (
        Guard.objects.for_user(user, "read")
        .filter(pk__in=_expired(unit.path).values("pk"))
        .select_related("school")
        .order_by("licence_expires_on", "id")
    )
    return Drilldown(rows, reverse("guards:index") + "#licences")


register(
    Indicator(
        code="guards.expired_licences",
        name="保安员证过期",
        definition="在岗保安中保安员证有效期早于今天的人数。",
        measure="人",
        direction=Direction.LOWER,
        module="guards",
        permission="guard.read",
        compute=expired_licences,
        drill=expired_rows,
        basis=Basis.NOW,
        order=82,
    )
)
