"""Reading campaigns: the list, one campaign's page (countdown, a line per component, the indicators, the table
of districts or schools with a light per component) and the named rows behind a cell.

Everything is scoped: campaigns through `Campaign.objects.for_user`, attached objects through each module's own
selector, figures through the indicator registry's gate (`command.selectors`). The page costs a fixed number of
queries per component, whatever the number of units.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Case, Prefetch, Q, QuerySet, When
from django.http import Http404
from django.utils import timezone

from dudao.accounts.models import User
from dudao.campaigns.components import COMPONENTS, Component, Context, DrillRow, Line, component
from dudao.campaigns.models import Campaign, CampaignItem, CampaignStatus, CampaignUnit, ItemKind, KeyDate
from dudao.command import selectors as command
from dudao.core.indicators import Grouping, Indicator, Value
from dudao.orgs.models import OrgUnit, UnitKind
from dudao.orgs.scoping import acting_assignment, can


def campaigns_for(user: User, action: str = "read") -> QuerySet[Campaign]:
    return Campaign.objects.for_user(user, action).select_related("unit", "lead", "deputy", "office")


def campaign_list(user: User, *, status: str = "", q: str = "", unit: OrgUnit | None = None) -> QuerySet[Campaign]:
    """Campaigns in scope; `unit`: run inside that unit's subtree, or involving a unit inside it or above it (a
    district involved: its schools take part)."""
    qs = campaigns_for(user).prefetch_related(Prefetch("key_dates", queryset=KeyDate.objects.order_by("date", "id")))
    if status in CampaignStatus.values:
        qs = qs.filter(status=status)
    q = (q or "").strip()
    if q:
        qs = qs.filter(name__contains=q)
    if unit is not None:
        above = [unit.path[:n] for n in range(OrgUnit.steplen, len(unit.path), OrgUnit.steplen)]
        involved = CampaignUnit.objects.filter(Q(unit__path__under=unit.path) | Q(unit__path__in=above))
        qs = qs.filter(Q(unit__path__under=unit.path) | Q(pk__in=involved.values("campaign_id")))
    # Under way first, then in preparation, then closed.
    rank = Case(When(status=CampaignStatus.ACTIVE, then=0), When(status=CampaignStatus.DRAFT, then=1), default=2)
    return qs.order_by(rank, "-start", "-id")


def items_of(campaign: Campaign) -> QuerySet[CampaignItem]:
    return CampaignItem.objects.filter(campaign=campaign).order_by("kind", "id")


def may_change(user: User, campaign: Campaign) -> bool:
    return can(user, "campaign.change", campaign.unit)


# ----- countdown ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Countdown:
    name: str
    date: dt.date
    days: int
    is_assessment: bool

    @property
    def text(self) -> str:
        if self.days == 0:
            return f"今天是{self.name}"
        return f"距{self.name}还有 {self.days} 天"


def countdowns(key_dates: list[KeyDate], today: dt.date) -> list[Countdown]:
    """The assessment day first (if still ahead), then the next key date."""
    ahead = [k for k in key_dates if k.date >= today]
    chosen = [k for k in ahead if k.is_assessment][:1]
    nxt = [k for k in ahead if not k.is_assessment][:1]
    return [Countdown(k.name, k.date, (k.date - today).days, k.is_assessment) for k in [*chosen, *nxt]]


# ----- lights ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    done: int
    total: int
    light: str  # green, yellow, red; "none" when there is nothing to count

    @property
    def percent(self) -> float | None:
        return round(100 * self.done / self.total, 1) if self.total else None

    @property
    def light_label(self) -> str:
        return {"green": "绿灯", "yellow": "黄灯", "red": "红灯"}.get(self.light, "无数据")


NO_CELL = Cell(done=0, total=0, light="none")


def light(done: int, total: int, campaign: Campaign) -> str:
    if not total:
        return "none"
    percent = 100 * done / total
    if percent >= campaign.green_at:
        return "green"
    return "yellow" if percent >= campaign.yellow_at else "red"


def cell(done: int, total: int, campaign: Campaign) -> Cell:
    return Cell(done=done, total=total, light=light(done, total, campaign))


# ----- the campaign page -------------------------------------------------------------------------------------


@dataclass
class KindLine:
    kind: str
    label: str
    measure: str
    lines: list[Line]
    total: Cell


@dataclass
class UnitRow:
    unit: OrgUnit
    line: CampaignUnit | None
    cells: dict[str, Cell]
    figures: dict[str, Value]
    # Whether the row opens a level further down (a district's schools).
    has_children: bool
    # The cells in the order of the page's component lines: (kind, measure, cell).
    ordered: list[tuple[str, str, Cell]] = field(default_factory=list)


@dataclass
class Summary:
    campaign: Campaign
    top: OrgUnit
    today: dt.date
    countdowns: list[Countdown]
    kinds: list[KindLine]
    indicators: list[tuple[Indicator, Value]]
    rows: list[UnitRow]
    items: dict[str, list[CampaignItem]] = field(default_factory=dict)
    # Attached objects the viewer cannot see (outside their scope): counted, not named.
    hidden_items: int = 0


def _minimal(paths: list[str]) -> tuple[str, ...]:
    """Paths with those lying under another one dropped."""
    kept: list[str] = []
    for path in sorted(paths):
        if not any(path.startswith(k) for k in kept):
            kept.append(path)
    return tuple(kept)


def involved_paths(campaign: Campaign) -> tuple[str, ...]:
    return _minimal(list(CampaignUnit.objects.filter(campaign=campaign).values_list("unit__path", flat=True)))


def viewer_top(user: User, campaign: Campaign, unit: OrgUnit | None = None) -> OrgUnit:
    """The unit whose figures the viewer sees: their acting unit when it lies inside the campaign's unit, else the
    campaign's unit; a unit asked for must lie inside that (404 otherwise)."""
    acting = acting_assignment(user)
    if acting is None:
        raise Http404
    top = acting.unit if acting.unit.path.startswith(campaign.unit.path) else campaign.unit
    if top.kind not in (UnitKind.BUREAU, UnitKind.DISTRICT, UnitKind.SCHOOL):
        top = campaign.unit  # roles of the command layer act for bureaus, districts and schools
    if unit is None:
        return top
    if not unit.path.startswith(top.path) or unit.is_closed:
        raise Http404
    return unit


def _rows_of(top: OrgUnit, involved: tuple[str, ...]) -> list[OrgUnit]:
    if top.kind == UnitKind.SCHOOL:
        return [top]
    return [
        child
        for child in command.children_of(top)
        if child.kind in (UnitKind.DISTRICT, UnitKind.SCHOOL)
        and any(child.path.startswith(p) or p.startswith(child.path) for p in involved)
    ]


def context_of(campaign: Campaign, involved: tuple[str, ...], today: dt.date) -> Context:
    return Context(start=campaign.start, end=campaign.end, today=today, involved=involved)


def visible_items(user: User, campaign: Campaign) -> tuple[dict[str, list[CampaignItem]], int]:
    """The campaign's attached objects by kind that the viewer may see (one query per kind): those the module's
    selector shows them, and those of units above them when their role reads the module (`Component.inherit`)."""
    by_kind: dict[str, list[CampaignItem]] = defaultdict(list)
    for item in CampaignItem.objects.filter(campaign=campaign).order_by("kind", "id"):
        by_kind[item.kind].append(item)
    visible: dict[str, list[CampaignItem]] = {}
    hidden = 0
    acting = acting_assignment(user)
    path = acting.unit.path if acting is not None else ""
    above = [path[:n] for n in range(OrgUnit.steplen, len(path), OrgUnit.steplen)]
    for kind, items in by_kind.items():
        found = component(kind)
        if found is None:
            continue
        ids = [i.object_id for i in items]
        where = Q(pk__in=found.scoped(user).filter(pk__in=ids).values("pk"))
        if found.inherit and above and can(user, found.permission):
            where |= Q(**{f"{found.unit_path}__in": above})
        seen = set(found.model._default_manager.filter(pk__in=ids).filter(where).values_list("pk", flat=True))
        visible[kind] = [i for i in items if i.object_id in seen]
        hidden += len(items) - len(visible[kind])
    return visible, hidden


def summary(user: User, campaign: Campaign, unit: OrgUnit | None = None, today: dt.date | None = None) -> Summary:
    today = today or timezone.localdate()
    top = viewer_top(user, campaign, unit)
    involved = involved_paths(campaign)
    rows = _rows_of(top, involved)
    units = [top, *[r for r in rows if r.pk != top.pk]]
    grouping = Grouping.of(units)
    ctx = context_of(campaign, involved, today)
    items, hidden = visible_items(user, campaign)
    kinds: list[KindLine] = []
    cells: dict[Any, dict[str, Cell]] = defaultdict(dict)
    for kind, _label in ItemKind.choices:
        if not items.get(kind):
            continue
        comp: Component = COMPONENTS[kind]
        progress = comp.progress([i.object_id for i in items[kind]], grouping, ctx)
        done, total = progress.cells.get(top.pk, [0, 0])
        kinds.append(
            KindLine(
                kind=kind,
                label=comp.kind.label,
                measure=comp.measure,
                lines=progress.lines,
                total=cell(done, total, campaign),
            )
        )
        for pk, (d, t) in progress.cells.items():
            cells[pk][kind] = cell(d, t, campaign)
    end = min(max(today, campaign.start), campaign.end)
    catalogue = {i.code: i for i in command.catalogue(user)}
    codes = [c for c in campaign.indicator_codes if c in catalogue]
    figures = command.figures(user, units, campaign.start, end, codes=codes) if codes else {}
    lines = {
        line.unit_id: line
        for line in CampaignUnit.objects.filter(campaign=campaign, unit__in=rows).select_related(
            "first_responsible", "deputy_responsible", "contact"
        )
    }
    unit_rows = [
        UnitRow(
            unit=r,
            line=lines.get(r.pk),
            cells=cells.get(r.pk, {}),
            figures={code: figures.get(code, {}).get(r.pk, Value(None)) for code in codes},
            has_children=r.kind == UnitKind.DISTRICT,
            ordered=[(k.kind, k.measure, cells.get(r.pk, {}).get(k.kind, NO_CELL)) for k in kinds],
        )
        for r in rows
    ]
    key_dates = list(campaign.key_dates.order_by("date", "id"))
    return Summary(
        campaign=campaign,
        top=top,
        today=today,
        countdowns=countdowns(key_dates, today),
        kinds=kinds,
        indicators=[(catalogue[c], figures.get(c, {}).get(top.pk, Value(None))) for c in codes],
        rows=unit_rows,
        items=items,
        hidden_items=hidden,
    )


# ----- the rows behind a cell ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class NamedRow:
    row: DrillRow
    # The 责任清单 line answering for the row's unit (the unit's own, else the nearest one above it).
    line: CampaignUnit | None


def cell_rows(user: User, campaign: Campaign, kind: str, unit: OrgUnit) -> tuple[Component, list[NamedRow]]:
    found = component(kind)
    if found is None:
        raise Http404
    viewer_top(user, campaign, unit)  # 404 outside the viewer's part of the campaign
    items, _ = visible_items(user, campaign)
    ids = [i.object_id for i in items.get(kind, [])]
    today = timezone.localdate()
    rows = found.rows(ids, unit, user, context_of(campaign, involved_paths(campaign), today)) if ids else []
    ancestors = [unit.path[:n] for n in range(OrgUnit.steplen, len(unit.path) + 1, OrgUnit.steplen)]
    lines = list(
        CampaignUnit.objects.filter(campaign=campaign)
        .filter(Q(unit__path__under=unit.path) | Q(unit__path__in=ancestors))
        .select_related("unit", "first_responsible", "deputy_responsible", "contact")
    )
    by_path = sorted(lines, key=lambda line: -len(line.unit.path))

    def nearest(target: OrgUnit) -> CampaignUnit | None:
        return next((line for line in by_path if target.path.startswith(line.unit.path)), None)

    return found, [NamedRow(row=r, line=nearest(r.unit)) for r in rows]


def unit_line(campaign: Campaign, unit: OrgUnit) -> CampaignUnit | None:
    return (
        CampaignUnit.objects.filter(campaign=campaign, unit=unit)
        .select_related("first_responsible", "deputy_responsible", "contact")
        .first()
    )


# ----- pickers ----------------------------------------------------------------------------------------------


def responsibility_lines(campaign: Campaign, under: OrgUnit | None = None) -> QuerySet[CampaignUnit]:
    qs = CampaignUnit.objects.filter(campaign=campaign).select_related(
        "unit", "first_responsible", "deputy_responsible", "contact"
    )
    if under is not None:
        qs = qs.filter(unit__path__under=under.path)
    return qs.order_by("unit__path")


def line_for(campaign: Campaign, pk: int) -> CampaignUnit:
    line = responsibility_lines(campaign).filter(pk=pk).first()
    if line is None:
        raise Http404
    return line


def people_of(unit: OrgUnit) -> QuerySet[User]:
    """Active accounts that belong to `unit`: home unit inside it, or a role on it or below (the 责任清单 picker)."""
    return (
        User.objects.filter(is_active=True)
        .filter(Q(unit__path__under=unit.path) | Q(assignments__unit__path__under=unit.path))
        .distinct()
        .order_by("unit__path", "id")
    )


def people_choices(unit: OrgUnit, limit: int = 300) -> list[tuple[int, str]]:
    """The picker of a 责任清单 line: the unit's own people (home unit or a role on the unit itself), its heads
    first. The service accepts anyone who belongs to the unit or below it."""
    qs = User.objects.filter(is_active=True).filter(Q(unit=unit) | Q(assignments__unit=unit)).distinct().order_by("id")
    return [(u.pk, f"{u.display_name}（{u.title}）" if u.title else u.display_name) for u in qs[:limit]]


def leaders_of(unit: OrgUnit) -> list[tuple[int, str]]:
    """Leaders and office staff of a running unit (its own people and its offices'), for the lead and deputy."""
    qs = (
        User.objects.filter(is_active=True, unit__path__under=unit.path, unit__depth__lte=unit.depth + 1)
        .filter(Q(unit=unit) | Q(unit__kind=UnitKind.OFFICE))
        .select_related("unit")
        .order_by("unit__path", "id")
    )
    return [(u.pk, f"{u.display_name}（{u.unit.name if u.unit else ''}{u.title}）") for u in qs[:300]]


def offices_of(unit: OrgUnit) -> QuerySet[OrgUnit]:
    return OrgUnit.objects.filter(
        path__under=unit.path, depth=unit.depth + 1, kind=UnitKind.OFFICE, is_closed=False
    ).order_by("path")


def attach_choices(user: User, per_kind: int = 15) -> list[tuple[str, list[tuple[str, str]]]]:
    """Recent attachable objects of every kind, for the create form (grouped by kind; values `kind:id`)."""
    groups = []
    for kind, label in ItemKind.choices:
        found = attachable(user, kind, limit=per_kind)
        if found:
            groups.append((label, [(f"{kind}:{pk}", title) for pk, title in found]))
    return groups


def attachable(user: User, kind: str, q: str = "", limit: int = 30) -> list[tuple[int, str]]:
    """Objects of `kind` the user may attach (the module's scoped selector), searched by name."""
    found = component(kind)
    if found is None:
        return []
    qs = found.scoped(user)
    q = (q or "").strip()
    if q:
        where = Q()
        for name in found.search:
            where |= Q(**{f"{name}__contains": q})
        qs = qs.filter(where)
    qs = qs.order_by("-pk")
    return [(obj.pk, found.title(obj)) for obj in qs[:limit]]


def campaigns_of_object(user: User, obj: Any) -> tuple[list[Campaign], list[Campaign]]:
    """For the 加入专项工作 control: campaigns the object is in (that the viewer reads), and active campaigns the
    viewer may attach it to."""
    from django.contrib.contenttypes.models import ContentType

    content_type = ContentType.objects.get_for_model(type(obj))
    linked_ids = CampaignItem.objects.filter(content_type=content_type, object_id=obj.pk).values("campaign_id")
    linked = list(campaigns_for(user).filter(pk__in=linked_ids).order_by("-start"))
    if not can(user, "campaign.change"):
        return linked, []
    open_ones = list(
        campaigns_for(user, "change")
        .exclude(status=CampaignStatus.CLOSED)
        .exclude(pk__in=[c.pk for c in linked])
        .order_by("-start")[:50]
    )
    return linked, open_ones
