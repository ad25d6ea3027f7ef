"""Reading appraisal for a viewer: schemes, results and ranking, a unit's own result explained, objections,
target books with live progress.

Who sees which results: the bureau running a scheme (and everyone above it) sees every result; an appraised unit
sees its own result (and those of units below it) while the period runs, as a provisional figure without a rank,
and once published its rank; the whole ranking only where the bureau publishes it (`publish_ranking`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from dudao.accounts.models import User
from dudao.appraisal.models import (
    AppraisalScheme,
    Comparison,
    ItemKind,
    Objection,
    ObjectionStatus,
    Result,
    SchemeItem,
    SchemeStatus,
    Target,
    TargetBook,
)
from dudao.appraisal.rules import indicator_of
from dudao.command import selectors as figures
from dudao.core.errors import DomainError
from dudao.core.indicators import Value
from dudao.orgs.models import OrgUnit
from dudao.orgs.scoping import can, scope_root_path

DRILL_ROWS = 20


def schemes_for(user: User) -> QuerySet[AppraisalScheme]:
    return AppraisalScheme.objects.for_user(user, "read").select_related("unit").annotate(n_items=Count("items"))


def is_organiser(user: User, scheme: AppraisalScheme) -> bool:
    """The viewer's scope holds the unit running the scheme (the bureau's side, not the appraised unit's)."""
    return can(user, "appraisal.read", scheme.unit)


def may_change(user: User, scheme: AppraisalScheme) -> bool:
    return can(user, "appraisal.change", scheme.unit)


def results_for(user: User, scheme: AppraisalScheme) -> QuerySet[Result]:
    """The results the viewer may see of `scheme`, ranked."""
    rows = Result.objects.filter(scheme=scheme).select_related("unit").order_by("rank", "unit__path")
    if is_organiser(user, scheme):
        return rows
    root = scope_root_path(user, "appraisal.read")
    if root is None:
        return rows.none()
    if scheme.status == SchemeStatus.PUBLISHED and scheme.publish_ranking:
        return rows
    return rows.filter(unit__path__under=root)


def shows_rank(user: User, scheme: AppraisalScheme) -> bool:
    """Ranks are provisional until published: the bureau sees them, the units only after publication."""
    return is_organiser(user, scheme) or scheme.status == SchemeStatus.PUBLISHED


def own_results(user: User, scheme: AppraisalScheme) -> QuerySet[Result]:
    """The results of units inside the viewer's own subtree (for the unit side: its own)."""
    root = scope_root_path(user, "appraisal.read")
    if root is None:
        return Result.objects.none()
    return Result.objects.filter(scheme=scheme, unit__path__under=root).select_related("unit")


def result_visible(user: User, scheme: AppraisalScheme, unit_pk: int) -> Result | None:
    """One unit's result, if the viewer may open its explanation: the organiser, or the unit's own subtree."""
    root = scope_root_path(user, "appraisal.read")
    if root is None:
        return None
    rows = Result.objects.filter(scheme=scheme, unit_id=unit_pk).select_related("unit", "scheme__unit")
    if not is_organiser(user, scheme):
        rows = rows.filter(unit__path__under=root)
    return rows.first()


@dataclass
class ItemLine:
    item: SchemeItem
    entry: dict[str, Any]
    rows: list[str]
    rows_url: str
    rows_note: str


def _row_text(row: Any) -> str:
    if isinstance(row, dict):
        return "，".join(f"{v}" for v in row.values() if v not in (None, ""))
    return str(row)


def explain(user: User, result: Result) -> list[ItemLine]:
    """Each item's entry with the rows behind a live figure (through the indicator's drill, under the viewer's
    own permissions), lost points first."""
    scheme = result.scheme
    items = list(scheme.items.all())
    start, end = scheme.period_start, min(scheme.period_end, timezone.localdate())
    lines: list[ItemLine] = []
    for item in items:
        entry = result.items.get(str(item.pk), {"score": 0, "max": float(item.weight), "note": "尚未计算", "lost": 0})
        rows: list[str] = []
        url = note = ""
        indicator = indicator_of(item)
        lost = entry.get("lost") or entry.get("vetoed")
        if item.kind in (ItemKind.LIVE, ItemKind.VETO) and indicator is not None and start <= end and lost:
            try:
                drilled = figures.drill(user, figures.indicator_for(user, indicator.code), result.unit, start, end)
            except DomainError:
                note = "您当前的身份无权查看该指标的明细"
            else:
                rows = [_row_text(r) for r in list(drilled.rows[:DRILL_ROWS])]
                url = drilled.url
        lines.append(ItemLine(item, entry, rows, url, note))
    lines.sort(key=lambda line: (-float(line.entry.get("lost") or 0), line.item.position))
    return lines


def objections_for(user: User) -> QuerySet[Objection]:
    """Objections of units in the viewer's subtree, and those to schemes the viewer's subtree runs."""
    root = scope_root_path(user, "appraisal.read")
    if root is None:
        return Objection.objects.none()
    return (
        Objection.objects.filter(Q(result__unit__path__under=root) | Q(result__scheme__unit__path__under=root))
        .select_related("result__unit", "result__scheme__unit", "item", "filed_by", "decided_by")
        .order_by("status", "-filed_at", "-id")
    )


def pending_objections_to_decide(user: User) -> QuerySet[Objection]:
    root = scope_root_path(user, "appraisal.assess")
    if root is None:
        return Objection.objects.none()
    return Objection.objects.filter(status=ObjectionStatus.PENDING, result__scheme__unit__path__under=root)


def books_for(user: User) -> QuerySet[TargetBook]:
    return TargetBook.objects.for_user(user, "read").select_related("unit", "issuer", "signed_by")


@dataclass
class TargetProgress:
    target: Target
    value: Value | None
    met: bool | None
    measure: str
    indicator_name: str


def progress(user: User, book: TargetBook, today: dt.date | None = None) -> list[TargetProgress]:
    """Each target of the book with its live figure for the year so far (indicator targets), or the manual check."""
    today = today or timezone.localdate()
    start = dt.date(book.year, 1, 1)
    end = min(dt.date(book.year, 12, 31), today)
    lines: list[TargetProgress] = []
    for target in book.targets.all():
        value: Value | None = None
        met = target.is_met
        measure = name = ""
        if target.indicator_code and start <= end:
            try:
                indicator = figures.indicator_for(user, target.indicator_code)
            except DomainError:
                indicator = None
            if indicator is not None:
                value = figures.values(user, indicator, [book.unit], start, end).get(book.unit.pk)
                measure, name = indicator.measure, indicator.name
                met = None
                if value is not None and value.value is not None:
                    met = Comparison(target.comparison).holds(float(value.value), float(target.value or 0))
        lines.append(TargetProgress(target, value, met, measure, name))
    return lines


def units_of(user: User) -> QuerySet[OrgUnit]:
    return OrgUnit.objects.for_user(user, "read")
