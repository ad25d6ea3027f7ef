"""Duty figures (监测指标): missed duty sign-ins, and the share of schools that held a drill this term.

A sign-in is missed as the 09:30 check sees it (`services.missed_signins`): a shift of a published roster that
started by the latest sign-in deadline and has no sign-in. Drill coverage reads the drills of the term containing
the range's last day (`selectors.term_of`), as the coverage page does. Each figure is one or two GROUP BYs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from dudao.accounts.models import User
from dudao.core.indicators import Basis, Direction, Drilldown, Grouping, Indicator, Value, day_bounds, register
from dudao.duty.models import Drill, DutyShift, DutySignIn, RosterStatus
from dudao.duty.selectors import term_of
from dudao.duty.services.signins import signin_cutoff
from dudao.orgs.models import OrgUnit, UnitKind


def _missed(root: str, start: dt.date, end: dt.date) -> QuerySet[DutyShift]:
    since, until = day_bounds(start, end, timezone.get_current_timezone())
    return DutyShift.objects.filter(
        unit__path__under=root,
        roster__status=RosterStatus.PUBLISHED,
        starts_at__gte=since,
        starts_at__lt=until,
        starts_at__lte=signin_cutoff(),
    ).filter(~Exists(DutySignIn.objects.filter(shift=OuterRef("pk"))))


def missed_signins(units: Sequence[OrgUnit], start: dt.date, end: dt.date, *, user: User) -> dict[Any, Value]:
    grouping = Grouping.of(units)
    sums = grouping.sums(_missed(grouping.root, start, end), "unit__path", n=Count("*"))
    return {pk: Value.count(int(n)) for pk, (n,) in sums.items()}


def missed_rows(unit: OrgUnit, start: dt.date, end: dt.date, *, user: User) -> Drilldown:
    rows = (
        DutyShift.objects.for_user(user, "read")
        .filter(pk__in=_missed(unit.path, start, end))
        .select_related("unit", "person")
        .order_by("starts_at", "id")
    )
    return Drilldown(rows, f"{reverse('duty:now')}?show=missed")


def _schools(root: str) -> QuerySet[OrgUnit]:
    schools: QuerySet[OrgUnit] = OrgUnit.objects.filter(kind=UnitKind.SCHOOL, is_closed=False, path__under=root)
    return schools


def _drilled(term: tuple[dt.date, dt.date]) -> Exists:
    return Exists(Drill.objects.filter(unit=OuterRef("pk"), held_on__range=term))


def drill_coverage(units: Sequence[OrgUnit], start: dt.date, end: dt.date, *, user: User) -> dict[Any, Value]:
    grouping = Grouping.of(units)
    held = Q(_drilled(term_of(end)))
    sums = grouping.sums(_schools(grouping.root), "path", drilled=Count("id", filter=held), schools=Count("*"))
    return {pk: Value.rate(int(drilled), int(total)) for pk, (drilled, total) in sums.items()}


def drill_coverage_rows(unit: OrgUnit, start: dt.date, end: dt.date, *, user: User) -> Drilldown:
    """Every school under the unit with whether it held a drill this term, undrilled first."""
    rows = _schools(unit.path).annotate(drilled=_drilled(term_of(end))).order_by("drilled", "path")
    return Drilldown(rows, reverse("duty:coverage"))


register(
    Indicator(
        code="duty.missed_signins",
        name="值班未签到",
        definition="统计区间内开始、到最近一次签到截止时间（默认 09:30）仍未签到的已发布值班班次数。",
        measure="班次",
        direction=Direction.LOWER,
        module="duty",
        permission="duty.read",
        compute=missed_signins,
        drill=missed_rows,
        order=70,
    )
)
register(
    Indicator(
        code="duty.drill_coverage",
        name="本学期演练覆盖率",
        definition="结束日期所在学期内至少组织过一次应急演练的学校占全部在用学校的百分比。",
        measure="%",
        direction=Direction.HIGHER,
        module="duty",
        permission="drill.read",
        compute=drill_coverage,
        drill=drill_coverage_rows,
        basis=Basis.TERM,
        order=71,
    )
)
