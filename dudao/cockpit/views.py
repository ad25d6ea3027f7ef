"""领导驾驶舱 pages: the cockpit (home page of leaders, or /cockpit/?unit= for a unit below) and the drill page of
any indicator (/indicators/<code>/?unit=): the rows a figure counts, with who answers for each and their phone."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from dudao.accounts.models import User
from dudao.accounts.requests import AuthedRequest
from dudao.cockpit import selectors
from dudao.command import drill, lateness, summary
from dudao.command import selectors as command
from dudao.core.errors import DomainError
from dudao.core.home import HomeItem
from dudao.core.web import require
from dudao.orgs.models import OrgUnit

T = TypeVar("T")


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


def render_cockpit(request: HttpRequest, user: User, unit: OrgUnit, *, todos: list[HomeItem] | None) -> HttpResponse:
    page = selectors.cockpit(user, unit)
    return render(
        request,
        "cockpit/index.html",
        {
            "c": page,
            "todos": todos,
            "is_home": todos is not None,
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
    return render_cockpit(request, request.user, unit, todos=None)


def _date(raw: str | None, label: str) -> dt.date | None:
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise DomainError(f"{label}“{raw[:20]}”不是有效的日期（格式：2026-12-07）", code="invalid_date") from None


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
    context: dict[str, Any] = {
        "d": page,
        "error": error,
        "total": figures.get(found.code, unit),
        "children": [(child, figures.get(found.code, child)) for child in children],
        "computed_at": figures.computed_at,
        "is_default_period": end == timezone.localdate() and (end - start).days == command.DEFAULT_DAYS - 1,
        "ancestors": selectors.ancestors(user, unit),
    }
    return render(request, "cockpit/indicator.html", context, status=400 if error else 200)
