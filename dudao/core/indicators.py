"""The indicator registry (监测指标): live figures per org unit that each module contributes.

An app registers its indicators from its AppConfig.ready(), through its own `indicators` module:

    from dudao.core.indicators import Direction, Indicator, register

    register(Indicator(code="rectification.overdue", name="逾期未销号问题", ..., compute=overdue, drill=overdue_rows))

`compute(units, start, end, *, user)` answers for many units at once with a fixed number of queries: one
GROUP BY over the subtree paths (`Grouping`), never one query per unit. It is called (by `dudao.command.selectors`)
only after the acting role was found to grant `permission` and only with units inside the acting assignment's
subtree, so it counts everything under them; a rule narrower than the subtree (an unannounced round hidden from the
viewer) it applies itself. `drill(unit, start, end, *, user)` gives the rows a figure counts through the module's
scoped selectors (`for_user`), and the module page that lists them.

The registration point lives in core so that domain apps never import `command`, which reads the registry
(catalogue, values per child unit, scope checks); see docs/architecture.md.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from os.path import commonprefix
from typing import Any, NamedTuple, Protocol

from django.db.models import Aggregate, QuerySet
from django.db.models.functions import Substr


class UnitLike(Protocol):
    """What the registry needs of an org unit (core sits below `orgs` and never imports its models)."""

    @property
    def pk(self) -> Any: ...

    @property
    def path(self) -> str: ...


class Direction(StrEnum):
    HIGHER = "higher"
    LOWER = "lower"

    @property
    def label(self) -> str:
        return "越高越好" if self is Direction.HIGHER else "越低越好"


class Basis(StrEnum):
    """Which dates a figure reads: the range, the state now, the range's last day, or the term containing it."""

    RANGE = "range"
    NOW = "now"
    DAY = "day"
    TERM = "term"

    @property
    def label(self) -> str:
        return {"range": "统计区间内", "now": "当前状态", "day": "结束日期当天", "term": "结束日期所在学期"}[self.value]


@dataclass(frozen=True)
class Value:
    """One figure for one unit. Rates are percentages with their counts; `value` is None when there is nothing to
    measure (no report due, no item closed), which is not the same as 0."""

    value: float | None
    numerator: float | None = None
    denominator: float | None = None

    @classmethod
    def count(cls, n: float) -> Value:
        return cls(value=n, numerator=n)

    @classmethod
    def rate(cls, part: float, whole: float) -> Value:
        return cls(value=round(100 * part / whole, 1) if whole else None, numerator=part, denominator=whole)

    @classmethod
    def mean(cls, total: float, n: float, digits: int = 1) -> Value:
        return cls(value=round(total / n, digits) if n else None, numerator=round(total, 2), denominator=n)


class Drilldown(NamedTuple):
    """The rows behind a figure (a queryset, or plain dicts for counts-only figures) and the page listing them."""

    rows: Any
    url: str


Compute = Callable[..., dict[Any, Value]]  # (units, start, end, *, user) -> {unit pk: Value}
Drill = Callable[..., Drilldown]  # (unit, start, end, *, user) -> Drilldown


@dataclass(frozen=True)
class Indicator:
    code: str
    name: str
    definition: str
    measure: str  # unit of measure shown after the number: "%", "项", "所", "天", "分"
    direction: Direction
    module: str  # the contributing app's label
    # The acting role must grant this permission; values are then given for units inside its subtree.
    permission: str
    compute: Compute
    drill: Drill
    basis: Basis = Basis.RANGE
    # Confidential sources (case files): counts only, never names above the school.
    counts_only: bool = False
    order: int = 100


_indicators: dict[str, Indicator] = {}


def register(indicator: Indicator) -> Indicator:
    """Add an indicator; registering the same code twice (a reloaded module) replaces it."""
    _indicators[indicator.code] = indicator
    return indicator


def registered() -> list[Indicator]:
    return sorted(_indicators.values(), key=lambda i: (i.order, i.code))


def get(code: str) -> Indicator | None:
    return _indicators.get(code)


@dataclass(frozen=True)
class Grouping:
    """How a bulk figure groups its rows for a set of units.

    One query selects the rows under `root` (the units' common path prefix) and groups them by the first `width`
    characters of their unit's path (the deepest unit's path length); `rollup` then adds each group into every
    unit whose path starts the group's prefix. So a district and its 150 schools cost one GROUP BY, and a row
    belonging to the district itself (a shorter path) still counts for the district.
    """

    units: tuple[UnitLike, ...]
    root: str
    width: int

    @classmethod
    def of(cls, units: Iterable[UnitLike]) -> Grouping:
        units = tuple(units)
        paths = [u.path for u in units]
        return cls(units=units, root=commonprefix(paths) if paths else "", width=max(map(len, paths), default=0))

    def sums(self, qs: QuerySet[Any], path: str, **aggregates: Aggregate) -> dict[Any, list[float]]:
        """One GROUP BY of `qs` (already narrowed to `root`) on the first `width` characters of `path`, each
        aggregate summed per unit: `{unit pk: [aggregate values in the order given]}`."""
        names = list(aggregates)
        rows = (
            qs.order_by()
            .annotate(group_prefix=Substr(path, 1, self.width))
            .values("group_prefix")
            .annotate(**aggregates)
            .values_list("group_prefix", *names)
        )
        return self.rollup(rows, size=len(names))

    def rollup(self, rows: Iterable[Sequence[Any]], size: int = 1) -> dict[Any, list[float]]:
        """Sum each row's numbers (`row[1:]`; durations in seconds) into every unit whose path is a prefix of the
        row's path (`row[0]`)."""
        totals: dict[Any, list[float]] = {u.pk: [0] * size for u in self.units}
        by_path: dict[str, list[Any]] = {}
        for unit in self.units:
            by_path.setdefault(unit.path, []).append(unit.pk)
        lengths = sorted({len(p) for p in by_path})
        for row in rows:
            path = row[0] or ""
            for length in lengths:
                if length > len(path):
                    break
                for pk in by_path.get(path[:length], ()):
                    sums = totals[pk]
                    for index in range(size):
                        sums[index] += _number(row[index + 1])
        return totals


def _number(value: Any) -> float:
    """An aggregate's value as a number: None (no rows) is 0, a duration counts in seconds."""
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    return value or 0


def day_bounds(start: dt.date, end: dt.date, tz: dt.tzinfo) -> tuple[dt.datetime, dt.datetime]:
    """[start 00:00, the day after end 00:00) in `tz`: the instants of a date range, for datetime columns."""
    return (
        dt.datetime.combine(start, dt.time.min, tzinfo=tz),
        dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz),
    )
