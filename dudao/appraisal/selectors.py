"""Reading appraisal for a viewer: schemes, results and ranking, a unit's own result explained, objections,
target books with live progress.

Who sees which results: the bureau running a scheme (and everyone above it) sees every result; an appraised unit
sees its own result (and those of units below it) while the period runs, as a provisional figure without a rank,
and once published its rank; the whole ranking only where the bureau publishes it (`publish_ranking`).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from dudao.accounts.models import User
from dudao.appraisal.models import (
    AppraisalScheme,
    Comparison,
    Deduction,
    ItemKind,
    ManualScore,
    Objection,
    ObjectionStatus,
    Result,
    SchemeItem,
    SchemeStatus,
    Target,
    TargetBook,
    VetoFlag,
)
from dudao.appraisal.rules import indicator_of
from dudao.appraisal.scoring import fmt
from dudao.command import selectors as figures
from dudao.core.errors import DomainError
from dudao.core.indicators import Indicator, Value
from dudao.core.models import StoredFile
from dudao.orgs.models import OrgUnit
from dudao.orgs.scoping import can, scope_root_path

DRILL_ROWS = 20


def schemes_for(user: User) -> QuerySet[AppraisalScheme]:
    """Visible schemes, each with its item count and whether a later edition has been published in its place."""
    replaced = AppraisalScheme.objects.filter(supersedes=OuterRef("pk"), status=SchemeStatus.PUBLISHED)
    return (
        AppraisalScheme.objects.for_user(user, "read")
        .select_related("unit")
        .annotate(n_items=Count("items", distinct=True), is_replaced=Exists(replaced))
    )


def is_organiser(user: User, scheme: AppraisalScheme) -> bool:
    """The viewer's scope holds the unit running the scheme (the bureau's side, not the appraised unit's)."""
    return can(user, "appraisal.read", scheme.unit)


def may_object(user: User, scheme: AppraisalScheme, result: Result) -> bool:
    """The appraised side objects, within the window: the unit's own heads (or those above it, below the bureau
    running the scheme); the organiser's side decides objections and never files them."""
    return (
        scheme.is_objection_open
        and can(user, "appraisal.object", result.unit)
        and not can(user, "appraisal.read", scheme.unit)
    )


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
    evidence: list[StoredFile] = field(default_factory=list)


def evidence_of(scheme: AppraisalScheme, unit_pk: int) -> dict[int, list[StoredFile]]:
    """The files assessors attached to their scores, deductions and vetoes for one unit: {item id: [files]}."""
    found: dict[int, list[StoredFile]] = defaultdict(list)
    for model in (ManualScore, Deduction, VetoFlag):
        for row in model.objects.filter(item__scheme=scheme, unit_id=unit_pk).prefetch_related("evidence"):
            found[row.item_id].extend(row.evidence.all())
    return dict(found)


# Counts-only drills give dicts; their keys in words (names stand first, ids are left out).
ROW_LABELS = {
    "students": "在籍学生",
    "visited": "已家访",
    "enrolled": "在籍学生",
    "open": "未清零",
    "count": "数量",
    "cases": "个案",
}


def _row_text(row: Any) -> str:
    """One drill row in words, or '' when the row has nothing readable to show (an internal label)."""
    if isinstance(row, dict):
        names = [str(v) for k, v in row.items() if k.endswith("name") and v]
        counts = [
            f"{ROW_LABELS.get(k, k)} {v}"
            for k, v in row.items()
            if not k.endswith("name") and not k.endswith("id") and k in ROW_LABELS and v is not None
        ]
        return "：".join(filter(None, ["、".join(names), "，".join(counts)]))
    text = str(row)
    return "" if text.isascii() else text


def explain(user: User, result: Result) -> list[ItemLine]:
    """Each item's entry with the rows behind a live figure (through the indicator's drill, under the viewer's
    own permissions), lost points first."""
    scheme = result.scheme
    items = list(scheme.items.all())
    start, end = scheme.period_start, min(scheme.period_end, timezone.localdate())
    lines: list[ItemLine] = []
    files = evidence_of(scheme, result.unit_id)
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
                texts = [_row_text(r) for r in list(drilled.rows[:DRILL_ROWS])]
                rows = [t for t in texts if t]
                url = drilled.url
                if texts and not rows:
                    note = "明细较多，请到业务页面查看"
        lines.append(ItemLine(item, entry, rows, url, note, files.get(item.pk, [])))
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

    @property
    def current_text(self) -> str:
        return fmt(self.value.value, self.measure) if self.value is not None and self.value.value is not None else ""

    @property
    def goal_text(self) -> str:
        if not self.target.comparison:
            return ""
        return f"{Comparison(self.target.comparison).label} {fmt(self.target.value, self.measure)}"


def progress(user: User, book: TargetBook, today: dt.date | None = None) -> list[TargetProgress]:
    return progress_many(user, [book], today)[book.pk]


def progress_many(
    user: User, books: Sequence[TargetBook], today: dt.date | None = None
) -> dict[int, list[TargetProgress]]:
    """Each target of each book with its live figure for the book's year so far (indicator targets, one bulk
    computation per indicator and year for all the books' units), or the manual check."""
    today = today or timezone.localdate()
    targets = list(Target.objects.filter(book__in=[b.pk for b in books]).order_by("book_id", "position", "id"))
    units = {b.pk: b.unit for b in books}
    years = {b.pk: b.year for b in books}
    wanted: dict[tuple[str, int], list[OrgUnit]] = defaultdict(list)
    for target in targets:
        if target.indicator_code:
            wanted[(target.indicator_code, years[target.book_id])].append(units[target.book_id])
    found: dict[tuple[str, int], tuple[Indicator | None, dict[Any, Value]]] = {}
    for (code, year), group in wanted.items():
        start, end = dt.date(year, 1, 1), min(dt.date(year, 12, 31), today)
        try:
            indicator = figures.indicator_for(user, code)
        except DomainError:
            found[(code, year)] = (None, {})
            continue
        unique = list({u.pk: u for u in group}.values())
        found[(code, year)] = (indicator, figures.values(user, indicator, unique, start, end) if start <= end else {})
    lines: dict[int, list[TargetProgress]] = {b.pk: [] for b in books}
    for target in targets:
        value: Value | None = None
        met = target.is_met
        measure = name = ""
        if target.indicator_code:
            readable, values = found[(target.indicator_code, years[target.book_id])]
            met = None
            if readable is not None:
                measure, name = readable.measure, readable.name
                value = values.get(units[target.book_id].pk)
                if value is not None and value.value is not None and target.comparison:
                    met = Comparison(target.comparison).holds(float(value.value), float(target.value or 0))
        lines[target.book_id].append(TargetProgress(target, value, met, measure, name))
    return lines


def assessors_under(scheme: AppraisalScheme) -> QuerySet[User]:
    """Who may be named assessor of a scheme's manual item: active people of the unit running it."""
    return User.objects.filter(unit__path__under=scheme.unit.path, is_active=True).order_by("unit__path", "id")


def units_of(user: User) -> QuerySet[OrgUnit]:
    return OrgUnit.objects.for_user(user, "read")
