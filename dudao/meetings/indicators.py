"""Meeting figures (监测指标): decisions of dispatch meetings overdue, per owner unit.

A decision is overdue when its deadline has passed and it is not carried out: a tracked task not marked done, or
a directive-kind decision whose directive is still a draft (`selectors.overdue_q`). One GROUP BY on the owner
unit's path for any number of units.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from dudao.accounts.models import User
from dudao.core.indicators import Basis, Direction, Drilldown, Grouping, Indicator, Value, register
from dudao.meetings.models import Decision
from dudao.meetings.selectors import decisions_for, overdue_q
from dudao.orgs.models import OrgUnit


def overdue_decisions(units: Sequence[OrgUnit], start: dt.date, end: dt.date, *, user: User) -> dict[Any, Value]:
    grouping = Grouping.of(units)
    rows = Decision.objects.filter(overdue_q(timezone.localdate()), owner_unit__path__under=grouping.root)
    sums = grouping.sums(rows, "owner_unit__path", n=Count("*"))
    return {pk: Value.count(int(n)) for pk, (n,) in sums.items()}


def overdue_rows(unit: OrgUnit, start: dt.date, end: dt.date, *, user: User) -> Drilldown:
    rows = (
        decisions_for(user)
        .filter(overdue_q(timezone.localdate()), owner_unit__path__under=unit.path)
        .order_by("deadline", "id")
    )
    return Drilldown(rows, f"{reverse('meetings:ledger')}?state=overdue&unit={unit.pk}")


register(
    Indicator(
        code="meetings.overdue_decisions",
        name="逾期未落实的调度会议定事项",
        definition="调度会议定事项中完成时限已过、尚未完成的件数（跟踪任务未标记完成，或转工作部署的事项尚未下发），按责任单位统计。",
        measure="项",
        direction=Direction.LOWER,
        module="meetings",
        permission="meeting.read",
        compute=overdue_decisions,
        drill=overdue_rows,
        basis=Basis.NOW,
        order=90,
    )
)
