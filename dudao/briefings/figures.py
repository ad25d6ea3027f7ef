"""The figures of a briefing, read from the live indicators through `dudao.command.selectors` and frozen as JSON.

Three bulk reads, each one or two queries per indicator whatever the number of units: every readable indicator for
the briefing's whole scope and its first-level units (district bureaus and schools under the city, or the
campaign's units); the naming indicators for every school in scope; and, when no earlier briefing froze its
figures, the range-based indicators for the week before (what improved).

Who is behind, and in which order late units are named, is the cockpit's ranking (`dudao.command.lateness`), so a
director reads the same order in the briefing as on the cockpit. Who answers for a named unit: in a campaign
briefing, the campaign's 责任清单 (第一责任人 and 具体联系人 with their phones) for the units on it; otherwise, and
for units the list does not name, the role assignments: the principal of a school, the district admin of a district
bureau.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Q

from dudao.accounts.models import User
from dudao.campaigns.models import Campaign, CampaignUnit
from dudao.command import lateness
from dudao.command import selectors as command
from dudao.core.db_router import read_replica
from dudao.core.indicators import Basis, Direction, Indicator, Value
from dudao.orgs.models import OrgUnit, RoleAssignment, UnitKind
from dudao.orgs.roles import Role

# Figures asked of every school: the ones a briefing names units by.
ON_TIME = "directives.on_time_rate"
UNACKNOWLEDGED = "directives.unacknowledged"
OVERDUE = "rectification.overdue"
AWARENESS = "notices.awareness_rate"
MISSED_SIGNINS = "duty.missed_signins"
DRILLS = "duty.drill_coverage"
ALERTS = "health.open_alerts"
NAMING = [ON_TIME, UNACKNOWLEDGED, OVERDUE, AWARENESS, MISSED_SIGNINS, DRILLS, ALERTS]
# Averages (not rates) when a campaign's units are added up.
MEANS = {"inspections.latest_score", "rectification.days_to_close"}
# How many units a list names before "等 N 个".
NAMED = 10
# A unit "improved" when a rate rose (or a count fell) at least this much since the last briefing.
IMPROVEMENT = 5.0

Progress = Callable[[int, str], None]


@dataclass(frozen=True)
class Scope:
    unit: OrgUnit
    campaign: Campaign | None
    # First-level units: the issuing unit's children (offices left out), or the campaign's units.
    units: list[OrgUnit]
    schools: list[OrgUnit]

    @property
    def name(self) -> str:
        return f"“{self.campaign.name}”专项工作" if self.campaign else self.unit.name


def scope_of(unit: OrgUnit, campaign: Campaign | None) -> Scope:
    if campaign is None:
        units = list(command.children_of(unit))
        schools = list(OrgUnit.objects.filter(path__under=unit.path, kind=UnitKind.SCHOOL, is_closed=False))
        return Scope(unit, None, units, sorted(schools, key=lambda u: u.path))
    units = [
        cu.unit
        for cu in campaign.units.select_related("unit").order_by("unit__path")
        if not cu.unit.is_closed and cu.unit.path.startswith(unit.path)
    ]
    above = [u for u in units if u.kind != UnitKind.SCHOOL]
    found = {u.pk: u for u in units if u.kind == UnitKind.SCHOOL}
    if above:
        where = Q()
        for u in above:
            where |= Q(path__under=u.path)
        for school in OrgUnit.objects.filter(where, kind=UnitKind.SCHOOL, is_closed=False):
            found[school.pk] = school
    return Scope(unit, campaign, units, sorted(found.values(), key=lambda u: u.path))


def _plain(value: Value | None) -> list[float | None]:
    if value is None:
        return [None, None, None]
    return [value.value, value.numerator, value.denominator]


def _combine(code: str, values: Sequence[Value]) -> Value:
    """A campaign's total from its units' figures (nested units counted once by the caller)."""
    numbers = [v for v in values if v.numerator is not None]
    part = sum(v.numerator or 0 for v in numbers)
    if all(v.denominator is None for v in values):
        return Value.count(part)
    whole = sum(v.denominator or 0 for v in values)
    if code in MEANS:
        return Value.mean(part, whole)
    return Value.rate(part, whole)


def _outermost(units: Sequence[OrgUnit]) -> list[OrgUnit]:
    paths = sorted(u.path for u in units)
    keep = {p for i, p in enumerate(paths) if not any(p.startswith(q) for q in paths[:i])}
    return [u for u in units if u.path in keep]


@read_replica
def compute(
    *,
    user: User,
    scope: Scope,
    start: dt.date,
    end: dt.date,
    previous: dict[str, Any] | None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """The frozen figures of a briefing: totals, first-level units, the named schools and their heads."""
    step = progress or (lambda percent, note: None)
    catalogue = {i.code: i for i in command.catalogue(user)}
    step(10, "正在计算各单位监测指标")
    if scope.campaign is None:
        first = command.figures(user, [scope.unit, *scope.units], start, end)
        totals = {code: found.get(scope.unit.pk, Value(None)) for code, found in first.items()}
    else:
        first = command.figures(user, scope.units, start, end)
        outer = {u.pk for u in _outermost(scope.units)}
        totals = {code: _combine(code, [v for pk, v in found.items() if pk in outer]) for code, found in first.items()}
    step(45, f"正在计算 {len(scope.schools)} 所学校的指标")
    schools = command.figures(user, scope.schools, start, end, codes=NAMING) if scope.schools else {}
    step(70, "正在与上期比较")
    before = previous or _previous_week(user, scope, start, end, catalogue)
    names = {u.pk: u for u in [*scope.units, *scope.schools]}
    lists = _lists(scope, first, schools, names)
    step(75, "正在计算落后排名")
    ranked = _behind_ranking(user, scope, start, end)
    # Named: every unit with a figure in its siblings' worst third (落后项), or a 落后指数 from 25 up.
    lists["behind"] = [_behind_row(row) for row in ranked if row.red or row.level in ("red", "yellow")]
    order = {row.unit.pk: position for position, row in enumerate(ranked)}
    lists["late_units"].sort(key=lambda row: order.get(int(row["unit"]), len(order)))
    step(80, "正在查找责任人")
    named = [int(row["unit"]) for rows in lists.values() for row in rows]
    owners = owners_of(named)
    responsible = responsible_of(scope.campaign, named) if scope.campaign is not None else {}
    for rows in lists.values():
        for row in rows:
            row["owners"] = owners.get(int(row["unit"]), [])
            if int(row["unit"]) in responsible:
                row["responsible"] = responsible[int(row["unit"])]
    indicators = []
    for code, indicator in catalogue.items():
        if code not in totals:
            continue
        indicators.append(
            {
                "code": code,
                "name": indicator.name,
                "measure": indicator.measure,
                "direction": indicator.direction.value,
                "basis": indicator.basis.value,
                "total": _plain(totals[code]),
                "previous": (before.get("totals") or {}).get(code),
            }
        )
    return {
        "period": {"start": start.isoformat(), "end": end.isoformat()},
        "scope": {
            "unit": scope.unit.name,
            "campaign": scope.campaign.name if scope.campaign else None,
            "units": len(scope.units),
            "schools": len(scope.schools),
        },
        "compared_with": before.get("label", ""),
        "indicators": indicators,
        "totals": {code: totals[code].value for code in totals},
        "units": {
            code: [[u.pk, u.name, *_plain(found.get(u.pk))] for u in scope.units if u.pk in found]
            for code, found in first.items()
        },
        "unit_values": {
            code: {str(u.pk): found[u.pk].value for u in scope.units if u.pk in found} for code, found in first.items()
        },
        "previous_units": before.get("unit_values") or {},
        "lists": lists,
    }


def _previous_week(
    user: User, scope: Scope, start: dt.date, end: dt.date, catalogue: dict[str, Indicator]
) -> dict[str, Any]:
    """Without an earlier briefing: the range-based figures of the seven days before (states now cannot be
    recomputed for the past)."""
    codes = [code for code, i in catalogue.items() if i.basis == Basis.RANGE]
    days = (end - start).days + 1
    earlier_start, earlier_end = start - dt.timedelta(days=days), end - dt.timedelta(days=days)
    units = scope.units if scope.campaign else [scope.unit, *scope.units]
    found = command.figures(user, units, earlier_start, earlier_end, codes=codes)
    if scope.campaign is None:
        totals = {code: v.get(scope.unit.pk, Value(None)).value for code, v in found.items()}
    else:
        outer = {u.pk for u in _outermost(scope.units)}
        totals = {code: _combine(code, [x for pk, x in v.items() if pk in outer]).value for code, v in found.items()}
    return {
        "label": f"上一周（{earlier_start:%-m月%-d日}至{earlier_end:%-m月%-d日}）",
        "totals": totals,
        "unit_values": {
            code: {str(u.pk): v[u.pk].value for u in scope.units if u.pk in v} for code, v in found.items()
        },
    }


def _row(unit: OrgUnit, value: Value, **extra: Any) -> dict[str, Any]:
    return {
        "unit": unit.pk,
        "name": unit.name,
        "kind": unit.kind,
        "value": value.value,
        "numerator": value.numerator,
        "denominator": value.denominator,
        **extra,
    }


def _lists(
    scope: Scope,
    first: dict[str, dict[Any, Value]],
    schools: dict[str, dict[Any, Value]],
    names: dict[Any, OrgUnit],
) -> dict[str, list[dict[str, Any]]]:
    """Who is named: late units, overdue items, lowest 知晓率, missed sign-ins, undrilled schools, open alerts."""

    def worst(found: dict[Any, Value], *, keep: Callable[[Value], bool], higher_is_worse: bool) -> list[Any]:
        rows = [(pk, v) for pk, v in found.items() if v.value is not None and keep(v)]
        rows.sort(key=lambda r: ((-(r[1].value or 0)) if higher_is_worse else (r[1].value or 0), names[r[0]].path))
        return rows

    level = first
    lists: dict[str, list[dict[str, Any]]] = {}
    late_units = worst(
        {pk: v for pk, v in level.get(ON_TIME, {}).items() if pk in names},
        keep=lambda v: (v.value or 0) < 100,
        higher_is_worse=False,
    )
    lists["late_units"] = [_row(names[pk], v) for pk, v in late_units]
    late_schools = worst(schools.get(ON_TIME, {}), keep=lambda v: (v.value or 0) < 100, higher_is_worse=False)
    lists["late_schools"] = [_row(names[pk], v) for pk, v in late_schools[:NAMED]]
    lists["unacknowledged"] = [
        _row(names[pk], v)
        for pk, v in worst(
            {pk: v for pk, v in level.get(UNACKNOWLEDGED, {}).items() if pk in names},
            keep=lambda v: (v.value or 0) > 0,
            higher_is_worse=True,
        )
    ]
    lists["overdue"] = [
        _row(names[pk], v)
        for pk, v in worst(schools.get(OVERDUE, {}), keep=lambda v: (v.value or 0) > 0, higher_is_worse=True)[:NAMED]
    ]
    lists["awareness"] = [
        _row(names[pk], v)
        for pk, v in worst(schools.get(AWARENESS, {}), keep=lambda v: (v.value or 0) < 100, higher_is_worse=False)[
            :NAMED
        ]
    ]
    lists["signins"] = [
        _row(names[pk], v)
        for pk, v in worst(schools.get(MISSED_SIGNINS, {}), keep=lambda v: (v.value or 0) > 0, higher_is_worse=True)[
            :NAMED
        ]
    ]
    undrilled = [pk for pk, v in schools.get(DRILLS, {}).items() if v.value is not None and v.value == 0]
    undrilled.sort(key=lambda pk: names[pk].path)
    lists["undrilled"] = [_row(names[pk], schools[DRILLS][pk]) for pk in undrilled]
    lists["alerts"] = [
        _row(names[pk], v)
        for pk, v in worst(schools.get(ALERTS, {}), keep=lambda v: (v.value or 0) > 0, higher_is_worse=True)[:NAMED]
    ]
    return lists


def _behind_ranking(user: User, scope: Scope, start: dt.date, end: dt.date) -> list[lateness.UnitLateness]:
    """The cockpit's ranked table for the briefing's first-level units, furthest behind first.

    For the whole bureau: the ranking of its children, as the cockpit shows it. For a campaign: each campaign unit
    ranked among its siblings (the cockpit one level above it), merged by 落后指数."""
    if scope.campaign is None:
        return lateness.lateness(user, scope.unit, start, end)
    wanted = {u.pk for u in scope.units}
    parents: dict[str, OrgUnit] = {}
    for unit in scope.units:
        parent_path = unit.path[: -OrgUnit.steplen]
        if parent_path.startswith(scope.unit.path) and parent_path not in parents:
            parents[parent_path] = unit
    above = {u.path: u for u in OrgUnit.objects.filter(path__in=list(parents))}
    rows = [
        row
        for path in sorted(above)
        for row in lateness.lateness(user, above[path], start, end)
        if row.unit.pk in wanted
    ]
    return sorted(rows, key=lambda r: (r.score is None, -(r.score or 0), -r.red, r.unit.path))


def _behind_row(row: lateness.UnitLateness) -> dict[str, Any]:
    red = [cell.indicator.name for cell in row.cells if cell.level == "red"]
    return {
        "unit": row.unit.pk,
        "name": row.unit.name,
        "kind": row.unit.kind,
        "value": row.score,
        "numerator": None,
        "denominator": None,
        "level": row.level,
        "red": red,
    }


def _person(user: Any) -> str:
    return f"{user.display_name} {user.phone}".strip() if user is not None else ""


def responsible_of(campaign: Campaign, unit_ids: Sequence[int]) -> dict[int, str]:
    """Who the campaign's 责任清单 names for each unit on it: "第一责任人：张三 138…，具体联系人：李四 139…"."""
    lines = CampaignUnit.objects.filter(campaign=campaign, unit_id__in=set(unit_ids)).select_related(
        "first_responsible", "contact"
    )
    found: dict[int, str] = {}
    for line in lines:
        parts = [
            f"{label}：{_person(person)}"
            for label, person in (("第一责任人", line.first_responsible), ("具体联系人", line.contact))
            if person is not None
        ]
        if parts:
            found[line.unit_id] = "，".join(parts)
    return found


def owners_of(unit_ids: Sequence[int]) -> dict[int, list[str]]:
    """The heads who answer for each unit: principals of schools, district admins of district bureaus."""
    owners: dict[int, list[str]] = {}
    if not unit_ids:
        return owners
    rows = (
        RoleAssignment.objects.filter(
            unit_id__in=set(unit_ids), role__in=[Role.PRINCIPAL, Role.DISTRICT_ADMIN], user__is_active=True
        )
        .select_related("user")
        .order_by("id")
    )
    for assignment in rows:
        names = owners.setdefault(assignment.unit_id, [])
        name = assignment.user.display_name
        if name not in names:
            names.append(name)
    return owners


def improved(figures: dict[str, Any]) -> list[tuple[dict[str, Any], float, float]]:
    """Indicators better than at the last comparison: (indicator, before, now)."""
    found = []
    for indicator in figures.get("indicators", []):
        now, before = indicator["total"][0], indicator.get("previous")
        if now is None or before is None or now == before:
            continue
        better = now > before if indicator["direction"] == Direction.HIGHER.value else now < before
        if better:
            found.append((indicator, float(before), float(now)))
    return found


def worsened(figures: dict[str, Any]) -> list[tuple[dict[str, Any], float, float]]:
    found = []
    for indicator in figures.get("indicators", []):
        now, before = indicator["total"][0], indicator.get("previous")
        if now is None or before is None or now == before:
            continue
        worse = now < before if indicator["direction"] == Direction.HIGHER.value else now > before
        if worse:
            found.append((indicator, float(before), float(now)))
    return found


def units_improved(figures: dict[str, Any], code: str) -> list[tuple[str, float, float]]:
    """First-level units whose rate `code` rose by at least IMPROVEMENT points: (name, before, now), best first."""
    before = (figures.get("previous_units") or {}).get(code) or {}
    rows = []
    for pk, name, value, *_ in (figures.get("units") or {}).get(code, []):
        earlier = before.get(str(pk))
        if value is not None and earlier is not None and value - earlier >= IMPROVEMENT:
            rows.append((name, float(earlier), float(value)))
    rows.sort(key=lambda r: -(r[2] - r[1]))
    return rows
