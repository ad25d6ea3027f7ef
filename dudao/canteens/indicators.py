"""Canteen figures (监测指标): canteens with no 留样 on the range's last day, and expired health certificates of
active canteen staff now. Each is one GROUP BY over the canteens' school paths, whatever the number of units."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from dudao.accounts.models import User
from dudao.canteens.models import Canteen, CanteenWorker, FoodSample
from dudao.core.indicators import Basis, Direction, Drilldown, Grouping, Indicator, Value, register
from dudao.orgs.models import OrgUnit


def _sampled(day: dt.date) -> Exists:
    return Exists(FoodSample.objects.filter(canteen=OuterRef("pk"), served_on=day))


def no_sample(units: Sequence[OrgUnit], start: dt.date, end: dt.date, *, user: User) -> dict[Any, Value]:
    grouping = Grouping.of(units)
    canteens = Canteen.objects.filter(school__path__under=grouping.root, school__is_closed=False)
    sums = grouping.sums(canteens, "school__path", n=Count("id", filter=~Q(_sampled(end))))
    return {pk: Value.count(int(n)) for pk, (n,) in sums.items()}


def no_sample_rows(unit: OrgUnit, start: dt.date, end: dt.date, *, user: User) -> Drilldown:
    rows = (
        Canteen.objects.for_user(user, "read")
        .filter(school__path__under=unit.path, school__is_closed=False)
        .exclude(_sampled(end))
        .select_related("school")
        .order_by("school__path", "name")
    )
    return Drilldown(rows, reverse("canteens:index") + "?show=red")


def _expired(root: str) -> QuerySet[CanteenWorker]:
    return CanteenWorker.objects.filter(
        canteen__school__path__under=root, is_active=True, certificate_expires_on__lt=timezone.localdate()
    )


def expired_certificates(units: Sequence[OrgUnit], start: dt.date, end: dt.date, *, user: User) -> dict[Any, Value]:
    grouping = Grouping.of(units)
    sums = grouping.sums(_expired(grouping.root), "canteen__school__path", n=Count("*"))
    return {pk: Value.count(int(n)) for pk, (n,) in sums.items()}


def expired_rows(unit: OrgUnit, start: dt.date, end: dt.date, *, user: User) -> Drilldown:
    rows = (
        CanteenWorker.objects.for_user(user, "read")
        .filter(pk__in=_expired(unit.path).values("pk"))
        .select_related("canteen__school")
        .order_by("certificate_expires_on", "id")
    )
    return Drilldown(rows, reverse("canteens:index") + "#documents")


register(
    Indicator(
        code="canteens.no_sample",
        name="当日无留样的食堂",
        definition="结束日期当天没有任何一餐留样记录的食堂数（周末和节假日不供餐的食堂也会计入，请结合上课日查看）。",
        measure="个",
        direction=Direction.LOWER,
        module="canteens",
        permission="canteen.read",
        compute=no_sample,
        drill=no_sample_rows,
        basis=Basis.DAY,
        order=80,
    )
)
register(
    Indicator(
        code="canteens.expired_certificates",
        name="食堂从业人员健康证过期",
        definition="在职食堂从业人员中健康证有效期早于今天的人数。",
        measure="人",
        direction=Direction.LOWER,
        module="canteens",
        permission="canteen.read",
        compute=expired_certificates,
        drill=expired_rows,
        basis=Basis.NOW,
        order=81,
    )
)
