"""How far behind each unit one level down is (落后排名), across the modules: the cockpit's ranked table, reused by
briefings and the API.

The score, as the cockpit page explains it:
- For each indicator of the table (`LATENESS_CODES`, one or two per module), every child unit is placed between the
  best and the worst of its siblings in the indicator's direction: 0 is the best of them, 1 the worst
  (`behind`). Counts (逾期问题, 未签到班次 …) are compared per school, so a district with 300 schools is not behind
  for being large; rates, averages and scores are compared as they are.
- When the siblings hardly differ (rates within 1 percentage point, counts exactly equal) nobody is behind on it.
- A cell is red (明显落后) in the worst third of the spread, yellow (偏后) in the middle third, green otherwise;
  a unit without anything to measure (no report due, no item) gets no colour and does not count.
- The unit's score (落后指数, 0–100) is the mean of its `behind` over the indicators it has a figure for, ×100;
  rank 1 is the furthest behind. Ties share a rank. Overall colour: red from 50, yellow from 25.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import Count

from dudao.accounts.models import User
from dudao.command import selectors, summary
from dudao.core.errors import DomainError
from dudao.core.indicators import Direction, Grouping, Indicator, Value
from dudao.orgs.models import OrgUnit, UnitKind
from dudao.orgs.selectors import scope_root

# The indicators of the ranked table, in column order (one or two per module; near-duplicates left out:
# 未确认的家长 is the other side of 知晓率, 报送完成率 of 按时报送率, 平均销号天数 of 逾期问题).
LATENESS_CODES: tuple[str, ...] = (
    "directives.on_time_rate",
    "directives.unacknowledged",
    "rectification.overdue",
    "rectification.close_rate",
    "inspections.latest_score",
    "notices.awareness_rate",
    "health.unchecked_classes",
    "health.open_alerts",
    "duty.missed_signins",
    "duty.drill_coverage",
    "cases.visit_coverage",
    "cases.open_dropouts",
)
RED, YELLOW = 2 / 3, 1 / 3  # thresholds on `behind` for a cell
SCORE_RED, SCORE_YELLOW = 50.0, 25.0  # thresholds on the score for a unit
MIN_RATE_SPREAD = 1.0  # percentage points: rates closer than this are "the same"


@dataclass(frozen=True)
class LatenessCell:
    indicator: Indicator
    value: Value
    # The value compared with the siblings' (per school for counts); None when there is nothing to measure.
    compared: float | None
    # 0 = the best of the siblings, 1 = the worst; None when the unit has no figure.
    behind: float | None

    @property
    def level(self) -> str:
        """red / yellow / green, or "" without a figure."""
        if self.behind is None:
            return ""
        return "red" if self.behind >= RED else "yellow" if self.behind >= YELLOW else "green"


@dataclass(frozen=True)
class UnitLateness:
    unit: OrgUnit
    cells: list[LatenessCell]
    schools: int
    score: float | None  # 落后指数 0–100; None when no indicator has a figure
    rank: int | None  # 1 = furthest behind

    @property
    def red(self) -> int:
        """落后项: the indicators on which the unit is in the worst third."""
        return sum(1 for cell in self.cells if cell.level == "red")

    @property
    def level(self) -> str:
        if self.score is None:
            return ""
        return "red" if self.score >= SCORE_RED else "yellow" if self.score >= SCORE_YELLOW else "green"


@dataclass(frozen=True)
class LatenessBoard:
    unit: OrgUnit
    start: dt.date
    end: dt.date
    indicators: list[Indicator]
    rows: list[UnitLateness]  # ranked: furthest behind first
    figures: summary.Figures  # the unit's own and each child's


def _school_counts(children: Sequence[OrgUnit]) -> dict[int, int]:
    """Open schools under each child (a school counts itself): one GROUP BY."""
    if not children:
        return {}
    grouping = Grouping.of(children)
    schools = OrgUnit.objects.filter(path__under=grouping.root, kind=UnitKind.SCHOOL, is_closed=False)
    sums = grouping.sums(schools, "path", n=Count("*"))
    return {pk: int(n) for pk, (n,) in sums.items()}


def _compared(value: Value, schools: int) -> float | None:
    if value.value is None:
        return None
    is_count = value.denominator is None
    return value.value / max(schools, 1) if is_count else value.value


def _behind(indicator: Indicator, compared: dict[int, float | None]) -> dict[int, float | None]:
    known = [v for v in compared.values() if v is not None]
    if not known:
        return dict.fromkeys(compared)
    best, worst = (max(known), min(known)) if indicator.direction == Direction.HIGHER else (min(known), max(known))
    spread = abs(best - worst)
    if spread == 0 or (indicator.measure == "%" and spread < MIN_RATE_SPREAD):
        return {pk: (None if v is None else 0.0) for pk, v in compared.items()}
    return {pk: (None if v is None else round(abs(best - v) / spread, 3)) for pk, v in compared.items()}


def _ranked(rows: list[UnitLateness]) -> list[UnitLateness]:
    order = sorted(rows, key=lambda r: (r.score is None, -(r.score or 0), -r.red, r.unit.path))
    ranked: list[UnitLateness] = []
    previous: float | None = None
    rank = 0
    for position, row in enumerate(order, start=1):
        if row.score is None:
            ranked.append(row)
            continue
        if row.score != previous:
            rank, previous = position, row.score
        ranked.append(UnitLateness(row.unit, row.cells, row.schools, row.score, rank))
    return ranked


def board(
    user: User,
    unit: OrgUnit,
    start: dt.date | None = None,
    end: dt.date | None = None,
    *,
    codes: Sequence[str] = LATENESS_CODES,
) -> LatenessBoard:
    """The ranked table for the children of `unit` (inside the viewer's scope, else 404), over the indicators of
    `codes` the acting role may read. Figures from the summary when it answers, else live; a fixed number of
    queries whatever the number of children."""
    start, end = selectors.period(start, end)
    top = scope_root(user)
    if top is None or not unit.path.startswith(top.path):
        raise DomainError("对象不存在或不在您的管理范围内", code="not_found", status=404)
    readable = {i.code: i for i in selectors.catalogue(user)}
    indicators = [readable[code] for code in codes if code in readable]
    children = list(selectors.children_of(unit))
    # The unit itself too: its own figures come with the same queries (the cockpit shows them beside the table).
    found = summary.figures(user, [unit, *children], start, end, codes=[i.code for i in indicators])
    schools = _school_counts(children)
    behind: dict[str, dict[int, float | None]] = {}
    compared: dict[str, dict[int, float | None]] = {}
    for indicator in indicators:
        compared[indicator.code] = {
            c.pk: _compared(found.get(indicator.code, c), schools.get(c.pk, 0)) for c in children
        }
        behind[indicator.code] = _behind(indicator, compared[indicator.code])
    rows = []
    for child in children:
        cells = [
            LatenessCell(i, found.get(i.code, child), compared[i.code][child.pk], behind[i.code][child.pk])
            for i in indicators
        ]
        measured = [c.behind for c in cells if c.behind is not None]
        score = round(100 * sum(measured) / len(measured), 1) if measured else None
        rows.append(UnitLateness(child, cells, schools.get(child.pk, 0), score, None))
    return LatenessBoard(unit, start, end, indicators, _ranked(rows), found)


def lateness(
    user: User,
    unit: OrgUnit,
    start: dt.date | None = None,
    end: dt.date | None = None,
    *,
    codes: Sequence[str] = LATENESS_CODES,
) -> list[UnitLateness]:
    """Each child of `unit` with its figures, how far behind its siblings it is on each, a score and a rank
    (furthest behind first). See the module docstring for the score."""
    return board(user, unit, start, end, codes=codes).rows
