"""Notice figures (监测指标): 知晓率 and the parents who have not yet confirmed, over the notices sent in the range.

Counted as the notice page counts them (`selectors.rates`): one receipt per student and notice, confirmed or
not; withdrawn notices are left out. The receipts carry their school (and district) id, so the GROUP BY runs on
the covering roll-up index without joining the org tree; one more query maps the schools (or classes, below a
school) to their paths.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from dudao.accounts.models import User
from dudao.core.indicators import Direction, Drilldown, Grouping, Indicator, Value, day_bounds, register
from dudao.notices.models import Notice, NoticeStatus, Receipt, ReceiptQuerySet
from dudao.notices.selectors import receipt_filter
from dudao.orgs.models import OrgUnit, UnitKind

ABOVE_SCHOOLS = (UnitKind.BUREAU, UnitKind.OFFICE, UnitKind.DISTRICT, UnitKind.SCHOOL)


def _sent_between(start: dt.date, end: dt.date) -> QuerySet[Notice]:
    since, until = day_bounds(start, end, timezone.get_current_timezone())
    return Notice.objects.filter(status=NoticeStatus.SENT, sent_at__gte=since, sent_at__lt=until)


def _receipts(root: str, units: Sequence[OrgUnit], start: dt.date, end: dt.date) -> QuerySet[Receipt]:
    """Receipts of the notices sent in the range under `root`: through the denormalised ids when `root` is one of
    the units (the usual case: a unit and its children), else through the class path."""
    top = next((u for u in units if u.path == root), None)
    where = receipt_filter(top) if top is not None else Q(klass__path__under=root)
    return Receipt.objects.filter(where, notice__in=_sent_between(start, end).values("pk"))


def _receipt_sums(units: Sequence[OrgUnit], start: dt.date, end: dt.date) -> dict[Any, list[float]]:
    """{unit pk: [receipts, confirmed]} — one GROUP BY by school (or by class below a school) and one path lookup."""
    grouping = Grouping.of(units)
    by_school = all(u.kind in ABOVE_SCHOOLS for u in units)
    key, kind = ("school_id", UnitKind.SCHOOL) if by_school else ("klass_id", UnitKind.CLASS)
    grouped = (
        _receipts(grouping.root, units, start, end)
        .order_by()
        .values(key)
        .annotate(total=Count("*"), confirmed=Count("confirmed_at"))
        .values_list(key, "total", "confirmed")
    )
    counts = {owner: (total, confirmed) for owner, total, confirmed in grouped}
    if not counts:
        return grouping.rollup([], size=2)
    paths = OrgUnit.objects.filter(path__under=grouping.root, kind=kind).values_list("pk", "path")
    return grouping.rollup(((path, *counts[pk]) for pk, path in paths if pk in counts), size=2)


def awareness_rate(units: Sequence[OrgUnit], start: dt.date, end: dt.date, *, user: User) -> dict[Any, Value]:
    sums = _receipt_sums(units, start, end)
    return {pk: Value.rate(int(confirmed), int(total)) for pk, (total, confirmed) in sums.items()}


def unconfirmed(units: Sequence[OrgUnit], start: dt.date, end: dt.date, *, user: User) -> dict[Any, Value]:
    sums = _receipt_sums(units, start, end)
    return {pk: Value.count(int(total - confirmed)) for pk, (total, confirmed) in sums.items()}


def _scoped_receipts(user: User, unit: OrgUnit, start: dt.date, end: dt.date) -> ReceiptQuerySet:
    return (
        Receipt.objects.for_user(user, "read")
        .filter(receipt_filter(unit), notice__in=_sent_between(start, end).values("pk"))
        .select_related("notice", "klass")
        .order_by("notice_id", "klass__path", "id")
    )


def awareness_rows(unit: OrgUnit, start: dt.date, end: dt.date, *, user: User) -> Drilldown:
    return Drilldown(_scoped_receipts(user, unit, start, end), reverse("notices:list"))


def unconfirmed_rows(unit: OrgUnit, start: dt.date, end: dt.date, *, user: User) -> Drilldown:
    return Drilldown(_scoped_receipts(user, unit, start, end).pending(), reverse("notices:list"))


register(
    Indicator(
        code="notices.awareness_rate",
        name="告知书知晓率",
        definition="统计区间内发出（未撤回）的告知书中，家长已确认的回执占应确认回执的百分比（每名学生每份告知书一份回执）。",
        measure="%",
        direction=Direction.HIGHER,
        module="notices",
        permission="notice.read",
        compute=awareness_rate,
        drill=awareness_rows,
        order=50,
    )
)
register(
    Indicator(
        code="notices.unconfirmed",
        name="未确认告知书的家长",
        definition="统计区间内发出（未撤回）的告知书中，家长尚未确认的回执数（每名学生每份告知书计一次）。",
        measure="人次",
        direction=Direction.LOWER,
        module="notices",
        permission="notice.read",
        compute=unconfirmed,
        drill=unconfirmed_rows,
        order=51,
    )
)
