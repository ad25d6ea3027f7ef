"""Health figures (监测指标): classes without the day's morning check, and outbreak alerts not yet closed.

Counted as the 晨午检 pages count them: a class is checked when its morning check (晨检) of the day exists
(`selectors.area_rows`, the dashboard's "已晨检"); an alert is open until closed (`AlertQuerySet.unresolved`).
Each figure is one or two GROUP BYs over the rows under the units' common path.
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
from dudao.health.models import Alert, DailyCheck, Session
from dudao.health.selectors import alerts_for, is_school_day
from dudao.orgs.models import OrgUnit, UnitKind


def check_day(end: dt.date) -> dt.date:
    """The day a "today" figure reads: the range's last day, never after today."""
    return min(end, timezone.localdate())


def _open_classes(root: str) -> QuerySet[OrgUnit]:
    classes: QuerySet[OrgUnit] = OrgUnit.objects.filter(kind=UnitKind.CLASS, is_closed=False, path__under=root)
    return classes


def _morning_checks(root: str, day: dt.date) -> QuerySet[DailyCheck]:
    return DailyCheck.objects.filter(klass__path__under=root, klass__is_closed=False, date=day, session=Session.MORNING)


def unchecked_classes(units: Sequence[OrgUnit], start: dt.date, end: dt.date, *, user: User) -> dict[Any, Value]:
    grouping = Grouping.of(units)
    day = check_day(end)
    if not is_school_day(day):
        return {u.pk: Value.count(0) for u in units}
    classes = grouping.sums(_open_classes(grouping.root), "path", n=Count("*"))
    checked = grouping.sums(_morning_checks(grouping.root, day), "klass__path", n=Count("*"))
    return {pk: Value.count(int(classes[pk][0] - checked[pk][0])) for pk in classes}


def unchecked_rows(unit: OrgUnit, start: dt.date, end: dt.date, *, user: User) -> Drilldown:
    day = check_day(end)
    rows = _open_classes(unit.path).order_by("path")
    if not is_school_day(day):
        rows = rows.none()
    else:
        rows = rows.exclude(pk__in=_morning_checks(unit.path, day).values("klass_id"))
    return Drilldown(rows, f"{reverse('health:dashboard')}?unit={unit.pk}&day={day.isoformat()}")


def _open_alerts(root: str) -> QuerySet[Alert]:
    return Alert.objects.filter(school__path__under=root).unresolved()


def open_alerts(units: Sequence[OrgUnit], start: dt.date, end: dt.date, *, user: User) -> dict[Any, Value]:
    grouping = Grouping.of(units)
    sums = grouping.sums(_open_alerts(grouping.root), "school__path", n=Count("*"))
    return {pk: Value.count(int(n)) for pk, (n,) in sums.items()}


def open_alert_rows(unit: OrgUnit, start: dt.date, end: dt.date, *, user: User) -> Drilldown:
    rows = alerts_for(user).unresolved().filter(school__path__under=unit.path).order_by("report_due_at", "id")
    return Drilldown(rows, reverse("health:alerts"))


register(
    Indicator(
        code="health.unchecked_classes",
        name="今日未晨检班级",
        definition="结束日期当天（不晚于今天）尚未提交晨检的在用班级数；周末不需晨检，计为 0。",
        measure="个",
        direction=Direction.LOWER,
        module="health",
        permission="health.read",
        compute=unchecked_classes,
        drill=unchecked_rows,
        basis=Basis.DAY,
        order=60,
    )
)
register(
    Indicator(
        code="health.open_alerts",
        name="未结的疫情预警",
        definition="尚未结案的疫情预警数（待确认、已确认、已报告疾控，当前状态）。",
        measure="条",
        direction=Direction.LOWER,
        module="health",
        permission="health.read",
        compute=open_alerts,
        drill=open_alert_rows,
        basis=Basis.NOW,
        order=61,
    )
)
