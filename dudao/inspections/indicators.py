"""Inspection figure (监测指标): each school's latest inspection score, averaged over the schools of a unit.

A school's score is the 得分率 of its most recently submitted checklist (`Target.percent`, as the round page shows
it) in the range; self-checks (学校自查) are not inspections and are left out, and an unannounced round still
hidden from the viewer (`selectors.targets_for`) does not count. A district's figure is the mean over its schools
that have a score. One query for the scored checklists under the units' common path.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from dudao.accounts.models import User
from dudao.core.indicators import Direction, Drilldown, Grouping, Indicator, Value, day_bounds, register
from dudao.inspections.models import InspectionKind, Target, TargetStatus
from dudao.inspections.selectors import targets_for
from dudao.orgs.models import OrgUnit


def _scored(user: User, root: str, start: dt.date, end: dt.date) -> QuerySet[Target]:
    since, until = day_bounds(start, end, timezone.get_current_timezone())
    return (
        targets_for(user)
        .filter(
            school__path__under=root,
            status=TargetStatus.SUBMITTED,
            submitted_at__gte=since,
            submitted_at__lt=until,
            score__isnull=False,
            max_score__gt=0,
        )
        .exclude(inspection__kind=InspectionKind.SELF)
    )


def _latest(qs: QuerySet[Target]) -> dict[int, tuple[int, str, Decimal]]:
    """school id → (target id, school path, 得分率) of the school's latest submitted checklist."""
    latest: dict[int, tuple[int, str, Decimal]] = {}
    rows = qs.order_by("school_id", "submitted_at", "id").values_list(
        "pk", "school_id", "school__path", "score", "max_score"
    )
    for pk, school_id, path, score, max_score in rows:
        if score is None or not max_score:
            continue
        latest[school_id] = (pk, path, (score / max_score * 100).quantize(Decimal("0.1")))
    return latest


def latest_score(units: Sequence[OrgUnit], start: dt.date, end: dt.date, *, user: User) -> dict[Any, Value]:
    grouping = Grouping.of(units)
    latest = _latest(_scored(user, grouping.root, start, end))
    # Summed in tenths of a percent, exactly: the mean then rounds as the bulletin's average does.
    tenths = ((path, int(percent * 10), 1) for _, path, percent in latest.values())
    sums = grouping.rollup(tenths, size=2)
    return {pk: _mean(Decimal(int(total)) / 10, int(n)) for pk, (total, n) in sums.items()}


def _mean(total: Decimal, n: int) -> Value:
    return Value(value=round(float(total / n), 1) if n else None, numerator=float(total), denominator=n)


def latest_score_rows(unit: OrgUnit, start: dt.date, end: dt.date, *, user: User) -> Drilldown:
    latest = _latest(_scored(user, unit.path, start, end))
    rows = targets_for(user).filter(pk__in=[pk for pk, _, _ in latest.values()]).order_by("school__path")
    return Drilldown(rows, reverse("inspections:rounds"))


register(
    Indicator(
        code="inspections.latest_score",
        name="最近一次督查得分率",
        definition="每所学校在统计区间内最近一次提交的督查测评得分率（得分 ÷ 满分，不含学校自查）；"
        "区县、市的数值为其下有得分学校的平均值。",
        measure="%",
        direction=Direction.HIGHER,
        module="inspections",
        permission="inspection.read",
        compute=latest_score,
        drill=latest_score_rows,
        order=30,
    )
)
