"""领导驾驶舱 pages: the cockpit (home page of leaders, or /cockpit/?unit= for a unit below) and the drill page of
any indicator (/indicators/<code>/?unit=): the rows a figure counts, with who answers for each and their phone."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Sequence
from typing import Any, TypeVar
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from dudao.accounts.models import User
from dudao.accounts.requests import AuthedRequest
from dudao.cockpit import selectors
from dudao.command import drill, lateness, summary
from dudao.command import selectors as command
from dudao.core.access import access
from dudao.core.errors import DomainError
from dudao.core.home import collect
from dudao.core.indicators import Direction, Indicator, Value
from dudao.core.web import require
from dudao.orgs.models import OrgUnit, UnitKind
from dudao.orgs.scoping import acting_assignment

T = TypeVar("T")

# 督办单 are issued by a bureau or district bureau to a district bureau or school below it (docs/督办与问责.md).
ISSUERS = (UnitKind.BUREAU, UnitKind.DISTRICT)
SUPERVISED = (UnitKind.DISTRICT, UnitKind.SCHOOL)


def may_supervise(user: User, unit: OrgUnit) -> bool:
    """Whether the page offers "督办" on `unit`: the role issues orders, acts for a bureau, and `unit` lies below it."""
    if unit.kind not in SUPERVISED or not access().can(user, "supervision.issue"):
        return False
    acting = acting_assignment(user)
    if acting is None or acting.unit.kind not in ISSUERS:
        return False
    return unit.path.startswith(acting.unit.path) and unit.path != acting.unit.path


def supervise_url(unit: OrgUnit, code: str) -> str:
    """The new-order form pre-filled from one figure of one unit (the supervision app's indicator entry)."""
    try:
        base = reverse("supervision:create")
    except NoReverseMatch:
        return ""
    return f"{base}?{urlencode({'unit': unit.pk, 'indicator': code})}"


def _answer(action: Callable[[], T]) -> T:
    """A refusal from the command layer as the page's status: 403 for the role, 404 out of scope."""
    try:
        return action()
    except DomainError as exc:
        if exc.status == 403:
            raise PermissionDenied(exc.message) from exc
        if exc.status == 404:
            raise Http404(exc.message) from exc
        raise


def _chart(series: Sequence[summary.TrendSeries]) -> str:
    shown = [s for s in series if s.has_data]
    if not shown:
        return ""
    return json.dumps(
        {
            "labels": [d.strftime("%m-%d") for d in shown[0].days],
            "series": [{"name": f"{s.indicator.name}（{s.indicator.measure}）", "data": s.values} for s in shown],
        },
        ensure_ascii=False,
    )


def render_cockpit(request: HttpRequest, user: User, unit: OrgUnit, *, is_home: bool) -> HttpResponse:
    """The cockpit; as the home page it fetches the viewer's to-dos after loading (`todos`): every app's home items
    together cost more than the cockpit at city scale (the enrolled-students counter alone ~0.6 s)."""
    page = selectors.cockpit(user, unit)
    return render(
        request,
        "cockpit/index.html",
        {
            "c": page,
            "is_home": is_home,
            "rates_chart": _chart(page.trend_rates),
            "counts_chart": _chart(page.trend_counts),
            # Reversed once: the ranked table links every cell (36 units × 12 figures at city scale).
            "drill_base": reverse("cockpit:indicator", args=["-"]).removesuffix("-/"),
            "cockpit_url": reverse("cockpit:index"),
            "red": round(lateness.RED * 100),
            "yellow": round(lateness.YELLOW * 100),
            "score_red": lateness.SCORE_RED,
            "score_yellow": lateness.SCORE_YELLOW,
        },
    )


@login_required
def index(request: AuthedRequest) -> HttpResponse:
    require(request, "cockpit.read")
    unit = _answer(lambda: selectors.cockpit_unit(request.user, request.GET.get("unit")))
    return render_cockpit(request, request.user, unit, is_home=False)


@login_required
def todos(request: AuthedRequest) -> HttpResponse:
    """The to-do items of every app (core.home), as the strip at the top of the cockpit."""
    require(request, "cockpit.read")
    items = collect(request.user, acting_assignment(request.user))
    return render(request, "cockpit/_todos.html", {"todos": [i for i in items if i.kind == "todo"]})


def _date(raw: str | None, label: str) -> dt.date | None:
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise DomainError(f"{label}“{raw[:20]}”不是有效的日期（格式：2026-12-07）", code="invalid_date") from None


def _worst_first(found: Indicator, rows: list[tuple[OrgUnit, Value]]) -> list[tuple[OrgUnit, Value]]:
    """Children in the order a leader calls them: the worst figure first, those without a figure last."""
    sign = -1 if found.direction == Direction.LOWER else 1
    return sorted(rows, key=lambda r: (r[1].value is None, sign * (r[1].value or 0), r[0].path))


def _supervised_children(
    user: User, found: Indicator, unit: OrgUnit, children: list[OrgUnit], start: dt.date, end: dt.date
) -> dict[int, str]:
    """child pk → its "督办" link, for the children the cockpit's ranked table colours red (明显落后) on this figure
    (`command.lateness`: counts compared per school, the worst third of the spread)."""
    if not children or not may_supervise(user, children[0]):
        return {}
    ranked = lateness.board(user, unit, start, end, codes=[found.code]).rows
    red = {row.unit.pk for row in ranked if any(cell.level == "red" for cell in row.cells)}
    return {child.pk: supervise_url(child, found.code) for child in children if child.pk in red}


@login_required
def indicator(request: AuthedRequest, code: str) -> HttpResponse:
    """The rows behind one figure for one unit: the unit's value, its children's (each drillable), then the rows."""
    require(request, "cockpit.read")
    user = request.user
    found = _answer(lambda: command.indicator_for(user, code))
    unit = _answer(lambda: selectors.cockpit_unit(user, request.GET.get("unit")))
    error = ""
    try:
        start, end = command.period(
            _date(request.GET.get("start"), "开始日期"), _date(request.GET.get("end"), "结束日期")
        )
    except DomainError as exc:
        error = exc.message
        start, end = command.period(None, None)
    page = _answer(lambda: drill.drill_page(user, found, unit, start, end, page=request.GET.get("page")))
    children = list(command.children_of(unit))
    figures = summary.figures(user, [unit, *children], start, end, codes=[found.code])
    # Children whose figure is red (明显落后) get their own "督办" link beside the drill button.
    supervise = _supervised_children(user, found, unit, children, start, end)
    context: dict[str, Any] = {
        "d": page,
        "error": error,
        "total": figures.get(found.code, unit),
        "children": [
            (child, value, supervise.get(child.pk, ""))
            for child, value in _worst_first(found, [(child, figures.get(found.code, child)) for child in children])
        ],
        "computed_at": figures.computed_at,
        "is_default_period": end == timezone.localdate() and (end - start).days == command.DEFAULT_DAYS - 1,
        "ancestors": selectors.ancestors(user, unit),
        "supervise_url": supervise_url(unit, found.code) if may_supervise(user, unit) else "",
    }
    return render(request, "cockpit/indicator.html", context, status=400 if error else 200)
