"""Bullying figures (监测指标), counts only: reports whose current handling step is past its deadline now.

Bullying reports are confidential: the figure is a count and its drill-down is counts per school, never a name or a
text (the reports stay behind `selectors.reports_for`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db.models import Count, F, QuerySet
from django.urls import reverse
from django.utils import timezone

from dudao.accounts.models import User
from dudao.bullying.models import Report, overdue_q
from dudao.core.indicators import Basis, Direction, Drilldown, Grouping, Indicator, Value, register
from dudao.orgs.models import OrgUnit


def _overdue(root: str) -> QuerySet[Report]:
    return Report.objects.filter(overdue_q(timezone.localdate()), school__path__under=root)


def overdue_reports(units: Sequence[OrgUnit], start: dt.date, end: dt.date, *, user: User) -> dict[Any, Value]:
    grouping = Grouping.of(units)
    sums = grouping.sums(_overdue(grouping.root), "school__path", n=Count("*"))
    return {pk: Value.count(int(n)) for pk, (n,) in sums.items()}


def overdue_rows(unit: OrgUnit, start: dt.date, end: dt.date, *, user: User) -> Drilldown:
    """Overdue reports per school: counts, no names."""
    rows = (
        _overdue(unit.path)
        .values("school_id", school_name=F("school__name"))
        .annotate(reports=Count("*"))
        .order_by("-reports", "school_name")
    )
    return Drilldown(rows, f"{reverse('bullying:stats')}?unit={unit.pk}")


register(
    Indicator(
        code="bullying.overdue",
        name="欺凌报告处理超期",
        definition="当前处理环节（受理、调查、认定、处置、回访、结案）已过期限仍未完成的欺凌报告数，只计数不含姓名。",
        measure="件",
        direction=Direction.LOWER,
        module="bullying",
        permission="bullying.count",
        compute=overdue_reports,
        drill=overdue_rows,
        basis=Basis.NOW,
        counts_only=True,
        order=85,
    )
)
