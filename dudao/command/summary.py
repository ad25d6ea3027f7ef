"""The indicator summary (监测指标汇总): every figure precomputed for the units that hold work, read when fresh.

Live, the 16 indicators for the city and its districts cost ~0.5 s at city scale (home-visit coverage alone groups
1.26 M enrolled students: ~0.4 s); a leader's home page cannot pay that on every visit. So `refresh` computes every
indicator once for every open unit that holds work (the root, the district bureaus and the schools) with the
indicator's own bulk `compute` — a fixed number of queries per indicator, never one per unit — and stores one
`IndicatorFigure` row per (indicator, unit, day). Readers (`figures`, `trend`) take the rows when they answer the
question asked (today's rows, the default 30-day window, or any window for figures that do not read one) and were
computed less than `DUDAO_SUMMARY_MAX_AGE_MINUTES` ago; anything else (a missing row, another window, a class
below a school) is computed live, as before.

The figures are those a viewer at the root sees. One indicator depends on the viewer beyond the subtree
(`inspections.latest_score`: an unannounced round stays hidden from those outside its organiser's scope), so it is
never summarised and always computed live (it is one small query).

Refreshes: `dudao.command.tasks` runs `refresh` every 10 minutes in the day and twice at night, and a write to a
module that contributes figures marks the summary stale and queues one refresh (`mark_stale`), so a writer's request
never recomputes the city.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from dudao.accounts.models import User
from dudao.command import selectors
from dudao.command.models import IndicatorFigure, SummaryState
from dudao.core.indicators import Basis, Indicator, Value, registered
from dudao.orgs.models import OrgUnit, UnitKind
from dudao.orgs.scoping import scope_root_path

STATE_KEY = "indicators"
# Figures that depend on who looks (beyond the subtree the command layer already narrows to): never stored.
VIEWER_DEPENDENT = frozenset({"inspections.latest_score"})
# Day rows older than this are deleted by the nightly refresh (the cockpit's trends read 30 days).
KEEP_DAYS = 62


def max_age() -> dt.timedelta:
    return dt.timedelta(minutes=settings.DUDAO_SUMMARY_MAX_AGE_MINUTES)


def summarised() -> list[Indicator]:
    """The indicators the summary stores."""
    return [indicator for indicator in registered() if indicator.code not in VIEWER_DEPENDENT]


def summary_units() -> list[OrgUnit]:
    """Every open unit that holds work at or above a school: the roots, the bureaus below them (the cities of a
    province), district bureaus and schools."""
    units: list[OrgUnit] = list(
        OrgUnit.objects.filter(is_closed=False)
        .filter(Q(depth=1) | Q(kind__in=(UnitKind.BUREAU, UnitKind.DISTRICT, UnitKind.SCHOOL)))
        .exclude(kind=UnitKind.OFFICE)
        .order_by("path")
    )
    return units


def window(day: dt.date) -> tuple[dt.date, dt.date]:
    """The period a day row covers: the 30 days up to `day`, the readers' default."""
    return day - dt.timedelta(days=selectors.DEFAULT_DAYS - 1), day


def _state() -> SummaryState:
    state, _ = SummaryState.objects.get_or_create(key=STATE_KEY)
    return state


def refresh(*, day: dt.date | None = None, codes: Iterable[str] | None = None) -> int:
    """Recompute the day's rows (today's by default) of every summarised indicator (or those of `codes`) for every
    unit that holds work; returns the number of rows written. Past days (the demo's backfill) get only the figures
    that can be recomputed for a past date: those over a date range or of one day, not the "now" and term ones."""
    today = timezone.localdate()
    day = day or today
    wanted = set(codes) if codes is not None else None
    indicators = [i for i in summarised() if wanted is None or i.code in wanted]
    if day < today:
        indicators = [i for i in indicators if i.basis in (Basis.RANGE, Basis.DAY)]
    if day == today:
        # Writes from now on make the next figures stale again (and queue another refresh).
        SummaryState.objects.filter(key=STATE_KEY).update(stale_since=None)
    started = time.perf_counter()
    units = summary_units()
    start, end = window(day)
    computed_at = timezone.now()
    rows: list[IndicatorFigure] = []
    for indicator in indicators:
        # The summarised figures do not read the viewer (VIEWER_DEPENDENT are left out): no user to pass.
        found = indicator.compute(units, start, end, user=None) if units else {}
        for unit in units:
            figure = found.get(unit.pk, Value(None))
            rows.append(
                IndicatorFigure(
                    code=indicator.code,
                    unit_id=unit.pk,
                    day=day,
                    value=figure.value,
                    numerator=figure.numerator,
                    denominator=figure.denominator,
                    computed_at=computed_at,
                )
            )
    with transaction.atomic():
        IndicatorFigure.objects.filter(day=day, code__in=[i.code for i in indicators]).delete()
        IndicatorFigure.objects.bulk_create(rows, batch_size=2000)
        if day == today:
            state = _state()
            state.computed_at = computed_at
            state.duration_ms = round((time.perf_counter() - started) * 1000)
            state.rows = len(rows)
            state.save(update_fields=["computed_at", "duration_ms", "rows"])
    return len(rows)


def prune(today: dt.date | None = None) -> int:
    """Delete day rows older than KEEP_DAYS."""
    today = today or timezone.localdate()
    deleted, _ = IndicatorFigure.objects.filter(day__lt=today - dt.timedelta(days=KEEP_DAYS)).delete()
    return deleted


def mark_stale() -> bool:
    """Record that a write may have changed the figures; True when it is the first since the last refresh (the
    caller then queues one refresh). One conditional UPDATE: concurrent writers queue at most one refresh."""
    now = timezone.now()
    marked = SummaryState.objects.filter(key=STATE_KEY, stale_since__isnull=True).update(stale_since=now)
    if not marked and not SummaryState.objects.filter(key=STATE_KEY).exists():
        _, created = SummaryState.objects.get_or_create(key=STATE_KEY, defaults={"stale_since": now})
        return created
    return bool(marked)


def mark_fresh() -> None:
    """Forget the writes seen so far (the demo loader computes the figures after writing everything)."""
    SummaryState.objects.filter(key=STATE_KEY).update(stale_since=None)


# ----- readers ---------------------------------------------------------------------------------------------------


@dataclass
class Figures:
    """Figures for a set of units: {code: {unit pk: Value}}, with when the stored ones were computed."""

    values: dict[str, dict[Any, Value]] = field(default_factory=dict)
    # The oldest stored row used (None when everything was computed live).
    computed_at: dt.datetime | None = None
    # A write has happened since that computation (a refresh is queued).
    is_stale: bool = False
    live: set[str] = field(default_factory=set)

    def get(self, code: str, unit: OrgUnit) -> Value:
        return self.values.get(code, {}).get(unit.pk, Value(None))


@dataclass(frozen=True)
class Freshness:
    computed_at: dt.datetime | None
    stale_since: dt.datetime | None

    @property
    def usable(self) -> bool:
        return self.computed_at is not None and timezone.now() - self.computed_at <= max_age()


def freshness() -> Freshness:
    state = SummaryState.objects.filter(key=STATE_KEY).values_list("computed_at", "stale_since").first()
    return Freshness(*state) if state else Freshness(None, None)


def _stored_answers(indicator: Indicator, start: dt.date, end: dt.date) -> bool:
    """Whether today's rows answer a question over [start, end]."""
    if indicator.code in VIEWER_DEPENDENT or end != timezone.localdate():
        return False
    return indicator.basis != Basis.RANGE or (start, end) == window(end)


def figures(
    user: User,
    units: Sequence[OrgUnit],
    start: dt.date | None = None,
    end: dt.date | None = None,
    codes: Iterable[str] | None = None,
) -> Figures:
    """Every indicator the acting role may read (or those of `codes`, in catalogue order) for the units inside its
    scope: from the summary when it answers, else live (`selectors.values`). Units outside the viewer's scope are
    left out, as in `selectors.values`."""
    start, end = selectors.period(start, end)
    wanted = set(codes) if codes is not None else None
    readable = [i for i in selectors.catalogue(user) if wanted is None or i.code in wanted]
    result = Figures(values={i.code: {} for i in readable})
    stored_codes = [i.code for i in readable if _stored_answers(i, start, end)]
    state = freshness() if stored_codes else Freshness(None, None)
    # (value, numerator, denominator, computed_at) by (code, unit id): tuples, not model instances (a district's
    # cockpit reads ~2,000 rows on every visit).
    rows: dict[tuple[str, Any], tuple[Any, ...]] = {}
    if stored_codes and state.usable and units:
        found = IndicatorFigure.objects.filter(
            day=end, code__in=stored_codes, unit_id__in=[u.pk for u in units]
        ).values_list("code", "unit_id", "value", "numerator", "denominator", "computed_at")
        rows = {(row[0], row[1]): row[2:] for row in found}
    for indicator in readable:
        root = scope_root_path(user, indicator.permission)
        allowed = [u for u in units if root is not None and u.path.startswith(root)]
        missing = [u for u in allowed if (indicator.code, u.pk) not in rows]
        for unit in allowed:
            row = rows.get((indicator.code, unit.pk))
            if row is not None:
                value, numerator, denominator, computed_at = row
                result.values[indicator.code][unit.pk] = Value(value, numerator, denominator)
                if result.computed_at is None or computed_at < result.computed_at:
                    result.computed_at = computed_at
        if missing:
            result.live.add(indicator.code)
            result.values[indicator.code].update(selectors.values(user, indicator, missing, start, end))
    result.is_stale = result.computed_at is not None and state.stale_since is not None
    return result


@dataclass(frozen=True)
class TrendSeries:
    indicator: Indicator
    days: list[dt.date]
    values: list[float | None]

    @property
    def has_data(self) -> bool:
        return any(v is not None for v in self.values)


def trend(
    user: User, unit: OrgUnit, codes: Sequence[str], *, end: dt.date | None = None, days: int = 30
) -> list[TrendSeries]:
    """The stored day rows of `unit` for the readable indicators of `codes` over the `days` days up to `end`:
    one query. A day without a row (before the summary began, or a figure recorded only from today on) is None."""
    end = end or timezone.localdate()
    first = end - dt.timedelta(days=days - 1)
    readable = {i.code: i for i in selectors.catalogue(user)}
    shown = [readable[code] for code in codes if code in readable]
    allowed = [i for i in shown if (root := scope_root_path(user, i.permission)) and unit.path.startswith(root)]
    if not allowed:
        return []
    rows = IndicatorFigure.objects.filter(
        unit=unit, code__in=[i.code for i in allowed], day__range=(first, end)
    ).values_list("code", "day", "value")
    by_code: dict[str, dict[dt.date, float | None]] = {}
    for code, day, value in rows:
        by_code.setdefault(code, {})[day] = value
    calendar = [first + dt.timedelta(days=n) for n in range(days)]
    return [
        TrendSeries(indicator=i, days=calendar, values=[by_code.get(i.code, {}).get(d) for d in calendar])
        for i in allowed
    ]
