"""Warning reads, scoped by `for_user`; acknowledgements by the hour read from the directive's receipts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, QuerySet
from django.utils import timezone

from dudao.accounts.models import User
from dudao.directives import selectors as directive_selectors
from dudao.orgs.models import OrgUnit
from dudao.warnings import rules
from dudao.warnings.models import AffectedSchool, WeatherWarning

# Hours shown on the acknowledgement chart; later receipts fall in the last bar.
ACK_HOURS_SHOWN = 24


def warnings_for(user: User, action: str = "read") -> QuerySet[WeatherWarning]:
    return (
        WeatherWarning.objects.for_user(user, action)
        .select_related("unit", "directive", "dispatched_by")
        .annotate(school_count=Count("schools", distinct=True))
    )


def affected_for(warning: WeatherWarning) -> QuerySet[AffectedSchool]:
    return AffectedSchool.objects.filter(warning=warning).select_related("school").order_by("school__path")


@dataclass(frozen=True)
class HourBar:
    label: str  # 第 1 小时 (08:00–09:00)
    count: int
    cumulative: int


@dataclass
class Acknowledgements:
    total: int = 0
    acknowledged: int = 0
    on_time: int = 0
    deadline: dt.datetime | None = None
    hours: list[HourBar] = field(default_factory=list)
    missing: list[OrgUnit] = field(default_factory=list)

    @property
    def rate(self) -> int:
        return round(100 * self.acknowledged / self.total) if self.total else 0


def acknowledgements(user: User, warning: WeatherWarning) -> Acknowledgements:
    """How many schools acknowledged in each hour since dispatch, and who has not: one read of the receipts."""
    if warning.directive is None or warning.dispatched_at is None:
        return Acknowledgements()
    targets = list(directive_selectors.targets_for(user, warning.directive))
    start = warning.dispatched_at
    deadline = rules.ack_deadline(warning.level, start)
    now = timezone.now()
    counts: dict[int, int] = {}
    missing: list[OrgUnit] = []
    on_time = 0
    for target in targets:
        if target.acknowledged_at is None:
            missing.append(target.unit)
            continue
        hour = max(0, int((target.acknowledged_at - start).total_seconds() // 3600))
        counts[min(hour, ACK_HOURS_SHOWN - 1)] = counts.get(min(hour, ACK_HOURS_SHOWN - 1), 0) + 1
        on_time += target.acknowledged_at <= deadline
    elapsed = int((min(now, start + dt.timedelta(hours=ACK_HOURS_SHOWN)) - start).total_seconds() // 3600) + 1
    shown = max(elapsed, max(counts, default=0) + 1, 1)
    bars, running = [], 0
    for hour in range(min(shown, ACK_HOURS_SHOWN)):
        begin = timezone.localtime(start + dt.timedelta(hours=hour))
        running += counts.get(hour, 0)
        bars.append(HourBar(f"第 {hour + 1} 小时（{begin:%H:%M} 起）", counts.get(hour, 0), running))
    return Acknowledgements(
        total=len(targets),
        acknowledged=len(targets) - len(missing),
        on_time=on_time,
        deadline=deadline,
        hours=bars,
        missing=missing,
    )
