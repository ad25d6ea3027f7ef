"""Reading the indicator registry for a viewer: the catalogue, and figures for units inside the viewer's scope.

Every module registers its figures in `dudao.core.indicators`; this is the one gate in front of them. An
indicator is readable when the acting role grants its permission, and figures are given only for units inside the
acting assignment's subtree, so an indicator's `compute` may count everything under the units it receives.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from dudao.accounts.models import User
from dudao.core.db_router import read_replica
from dudao.core.errors import DomainError, Forbidden
from dudao.core.indicators import Drilldown, Indicator, Value, get, registered
from dudao.core.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, Page, parse_int
from dudao.orgs.models import OrgUnit, UnitKind
from dudao.orgs.scoping import can, scope_root_path

# Without dates a figure covers the last 30 days up to today (the cockpit's trend window).
DEFAULT_DAYS = 30


def catalogue(user: User) -> list[Indicator]:
    """The indicators the acting role may read, in display order."""
    return [indicator for indicator in registered() if can(user, indicator.permission)]


def indicator_for(user: User, code: str) -> Indicator:
    """The indicator `code`: unknown → 404, not readable by the acting role → 403."""
    indicator = get(code)
    if indicator is None:
        raise DomainError(f"没有代码为“{code[:60]}”的监测指标", code="not_found", status=404)
    if not can(user, indicator.permission):
        raise Forbidden("您当前的身份无权查看此监测指标")
    return indicator


def period(start: dt.date | None, end: dt.date | None, today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """The dates asked for, defaulting to the last 30 days up to today; a start after the end is refused."""
    end = end or (today or timezone.localdate())
    start = start or end - dt.timedelta(days=DEFAULT_DAYS - 1)
    if start > end:
        raise DomainError(
            f"开始日期（{start.isoformat()}）不能晚于结束日期（{end.isoformat()}）", code="invalid_period", status=400
        )
    return start, end


def children_of(unit: OrgUnit) -> QuerySet[OrgUnit]:
    """The units one level down that hold work: open, offices left out (staff sit there, data does not)."""
    children: QuerySet[OrgUnit] = (
        OrgUnit.objects.filter(path__under=unit.path, depth=unit.depth + 1, is_closed=False)
        .exclude(kind=UnitKind.OFFICE)
        .order_by("path")
    )
    return children


def _in_scope(user: User, indicator: Indicator, units: Iterable[OrgUnit]) -> list[OrgUnit]:
    root = scope_root_path(user, indicator.permission)
    if root is None:
        raise Forbidden("您当前的身份无权查看此监测指标")
    return [unit for unit in units if unit.path.startswith(root)]


def values(
    user: User, indicator: Indicator, units: Sequence[OrgUnit], start: dt.date, end: dt.date
) -> dict[Any, Value]:
    """`indicator` for each of `units` inside the viewer's scope (others are left out), in bulk."""
    start, end = period(start, end)
    allowed = _in_scope(user, indicator, units)
    if not allowed:
        return {}
    figures = indicator.compute(allowed, start, end, user=user)
    return {unit.pk: figures.get(unit.pk, Value(None)) for unit in allowed}


@read_replica
def figures(
    user: User, units: Sequence[OrgUnit], start: dt.date, end: dt.date, codes: Iterable[str] | None = None
) -> dict[str, dict[Any, Value]]:
    """Every readable indicator (or those of `codes`) for `units`: {code: {unit pk: Value}}."""
    wanted = set(codes) if codes is not None else None
    return {
        indicator.code: values(user, indicator, units, start, end)
        for indicator in catalogue(user)
        if wanted is None or indicator.code in wanted
    }


@dataclass(frozen=True)
class UnitValue:
    unit: OrgUnit
    value: Value
    # The unit asked about (its whole subtree), listed before its children.
    is_total: bool


@read_replica
def breakdown(
    user: User,
    indicator: Indicator,
    unit: OrgUnit,
    start: dt.date,
    end: dt.date,
    *,
    page: object = 1,
    page_size: object = DEFAULT_PAGE_SIZE,
) -> Page:
    """The unit itself, then each of its children, with the indicator's value: one page, computed in bulk."""
    listed = [unit, *children_of(unit)]
    size = parse_int(page_size, DEFAULT_PAGE_SIZE, low=1, high=MAX_PAGE_SIZE)
    number = parse_int(page, 1, low=1, high=10**6)
    shown = listed[(number - 1) * size : number * size]
    found = values(user, indicator, shown, start, end)
    items = [UnitValue(u, found[u.pk], u.pk == unit.pk) for u in shown if u.pk in found]
    return Page(items=items, count=len(listed), page=number, page_size=size)


def drill(user: User, indicator: Indicator, unit: OrgUnit, start: dt.date, end: dt.date) -> Drilldown:
    """The rows behind the unit's figure, under the viewer's scope, and the module page that lists them."""
    start, end = period(start, end)
    if not _in_scope(user, indicator, [unit]):
        raise DomainError("对象不存在或不在您的管理范围内", code="not_found", status=404)
    return indicator.drill(unit, start, end, user=user)
