"""Reporting figures (监测指标): on-time rate, completeness and directives not yet acknowledged (签收).

Counted like the directive page's completeness (`selectors.completeness`): one report per unit and period, a
unit closed before the deadline without reporting is not expected, "submitted" is submitted or approved and
"on time" is submitted and not late. Each figure is one GROUP BY over the reports under the units' common path.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from dudao.accounts.models import User
from dudao.core.indicators import Basis, Direction, Drilldown, Grouping, Indicator, Value, day_bounds, register
from dudao.directives.models import DirectiveStatus, DirectiveTarget, Submission, SubmissionStatus, ValueFlag
from dudao.directives.selectors import SUBMITTED, submissions_for
from dudao.orgs.models import OrgUnit


def _due_between(root: str, start: dt.date, end: dt.date) -> QuerySet[Submission]:
    """Reports whose period's deadline falls in the range, under `root` (inside the viewer's scope: the command
    layer hands over no other units, so no second path test from `for_user` is needed)."""
    since, until = day_bounds(start, end, timezone.get_current_timezone())
    return (
        Submission.objects.filter(unit__path__under=root, period__deadline__gte=since, period__deadline__lt=until)
        # Drafts were never sent; a withdrawn directive expects no more reports (its units are not late).
        .exclude(directive__status__in=(DirectiveStatus.DRAFT, DirectiveStatus.WITHDRAWN))
        # A unit closed before the deadline without reporting is not expected (as on the directive page).
        .exclude(unit__is_closed=True, unit__closed_at__lt=F("period__deadline"), status=SubmissionStatus.PENDING)
    )


ON_TIME = Q(status__in=SUBMITTED, is_late=False)


def on_time_rate(units: Sequence[OrgUnit], start: dt.date, end: dt.date, *, user: User) -> dict[Any, Value]:
    grouping = Grouping.of(units)
    due = _due_between(grouping.root, start, end).filter(period__deadline__lte=timezone.now())
    sums = grouping.sums(due, "unit__path", on_time=Count("id", filter=ON_TIME), due=Count("*"))
    return {pk: Value.rate(int(on_time), int(total)) for pk, (on_time, total) in sums.items()}


def on_time_rows(unit: OrgUnit, start: dt.date, end: dt.date, *, user: User) -> Drilldown:
    rows = (
        submissions_for(user)
        .filter(pk__in=_due_between(unit.path, start, end).filter(period__deadline__lte=timezone.now()))
        .order_by("period__deadline", "unit__path")
    )
    return Drilldown(rows, reverse("directives:list"))


def completeness(units: Sequence[OrgUnit], start: dt.date, end: dt.date, *, user: User) -> dict[Any, Value]:
    grouping = Grouping.of(units)
    sums = grouping.sums(
        _due_between(grouping.root, start, end),
        "unit__path",
        submitted=Count("id", filter=Q(status__in=SUBMITTED)),
        expected=Count("*"),
    )
    return {pk: Value.rate(int(submitted), int(expected)) for pk, (submitted, expected) in sums.items()}


def completeness_rows(unit: OrgUnit, start: dt.date, end: dt.date, *, user: User) -> Drilldown:
    rows = (
        submissions_for(user)
        .filter(pk__in=_due_between(unit.path, start, end))
        .order_by("period__deadline", "unit__path")
    )
    return Drilldown(rows, reverse("directives:list"))


FLAGGED = Q(status__in=SUBMITTED) & Exists(ValueFlag.objects.filter(submission=OuterRef("pk")))


def flagged_reports(units: Sequence[OrgUnit], start: dt.date, end: dt.date, *, user: User) -> dict[Any, Value]:
    grouping = Grouping.of(units)
    sums = grouping.sums(_due_between(grouping.root, start, end), "unit__path", n=Count("id", filter=FLAGGED))
    return {pk: Value.count(int(n)) for pk, (n,) in sums.items()}


def flagged_rows(unit: OrgUnit, start: dt.date, end: dt.date, *, user: User) -> Drilldown:
    rows = (
        submissions_for(user)
        .filter(pk__in=_due_between(unit.path, start, end).filter(FLAGGED))
        .order_by("period__deadline", "unit__path")
    )
    return Drilldown(rows, reverse("directives:list"))


def _unacknowledged(root: str) -> QuerySet[DirectiveTarget]:
    return DirectiveTarget.objects.filter(
        unit__path__under=root, acknowledged_at__isnull=True, directive__status=DirectiveStatus.ISSUED
    )


def unacknowledged(units: Sequence[OrgUnit], start: dt.date, end: dt.date, *, user: User) -> dict[Any, Value]:
    grouping = Grouping.of(units)
    sums = grouping.sums(_unacknowledged(grouping.root), "unit__path", n=Count("*"))
    return {pk: Value.count(int(n)) for pk, (n,) in sums.items()}


def unacknowledged_rows(unit: OrgUnit, start: dt.date, end: dt.date, *, user: User) -> Drilldown:
    rows = (
        DirectiveTarget.objects.for_user(user, "read")
        .filter(pk__in=_unacknowledged(unit.path))
        .select_related("directive", "unit")
        .order_by("directive__deadline", "id")
    )
    return Drilldown(rows, reverse("directives:list"))


register(
    Indicator(
        code="directives.on_time_rate",
        name="按时报送率",
        definition="截止时间在统计区间内且已过截止时间的报送任务中，按时报送（已报送或已审核、且未逾期）的百分比。",
        measure="%",
        direction=Direction.HIGHER,
        module="directives",
        permission="submission.read",
        compute=on_time_rate,
        drill=on_time_rows,
        order=10,
    )
)
register(
    Indicator(
        code="directives.completeness",
        name="报送完成率",
        definition="截止时间在统计区间内的报送任务中，已报送（含已审核、逾期报送）的百分比；"
        "截止前已撤销且未报送的单位不计（与通知详情页“完成情况”一致）。",
        measure="%",
        direction=Direction.HIGHER,
        module="directives",
        permission="submission.read",
        compute=completeness,
        drill=completeness_rows,
        order=11,
    )
)
register(
    Indicator(
        code="directives.unacknowledged",
        name="未签收的通知",
        definition="已下发、尚未签收的通知（每个收文单位一件，当前状态）。",
        measure="件",
        direction=Direction.LOWER,
        module="directives",
        permission="directive.read",
        compute=unacknowledged,
        drill=unacknowledged_rows,
        basis=Basis.NOW,
        order=12,
    )
)
register(
    Indicator(
        code="directives.flagged_reports",
        name="有数据异常提示的报送",
        definition="截止时间在统计区间内、已报送（含已审核）的报送中，报送时系统发现数据异常提示（与本单位往期或同类单位"
        "差异过大、多于学籍在籍人数、数量为负）的份数；核实后仍计入，用于数据质量考核。",
        measure="份",
        direction=Direction.LOWER,
        module="directives",
        permission="submission.read",
        compute=flagged_reports,
        drill=flagged_rows,
        order=13,
    )
)
