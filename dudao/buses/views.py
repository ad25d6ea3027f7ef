"""School-bus pages: the overview of a district (or the school's own page), documents about to expire, editing
vehicles, drivers and routes, and the pre-trip check on a phone."""

from __future__ import annotations

import datetime as dt
from functools import partial
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone

from dudao.accounts.requests import AuthedRequest
from dudao.buses import selectors, services
from dudao.buses.forms import CheckForm, DriverForm, RouteForm, VehicleForm, route_initial
from dudao.buses.models import Driver, Route, Vehicle
from dudao.core.web import perform, post_form, posted_version, require
from dudao.orgs.models import OrgUnit, UnitKind
from dudao.orgs.scoping import can
from dudao.orgs.selectors import units_for
from dudao.orgs.text import mask_phone
from dudao.orgs.web import viewed_unit

RECENT_DAYS = 7
RECENT_SHOWN = 60


@login_required
def index(request: AuthedRequest) -> HttpResponse:
    """A school's people land on their school's page; districts and the bureau see one line per school."""
    if not can(request.user, "bus.read"):
        if selectors.checkable_routes(request.user).exists():
            return redirect("buses:checks_today")
        require(request, "bus.read")
    unit = viewed_unit(request)
    if unit.kind == UnitKind.SCHOOL:
        return redirect("buses:school", pk=unit.pk)
    today = timezone.localdate()
    rows = selectors.summary(request.user, unit)
    docs = selectors.counts_by_state(selectors.documents_due(request.user, unit, today))
    return render(
        request,
        "buses/index.html",
        {
            "unit": unit,
            "rows": rows,
            "now": timezone.localtime(),
            "total": {
                "schools": len(rows),
                "vehicles": sum(r.vehicles for r in rows),
                "routes": sum(r.routes for r in rows),
                "checked": sum(r.checked for r in rows),
                "failed": sum(r.failed for r in rows),
                "missing": sum(r.missing for r in rows),
                "expiring": docs.get("expiring", 0),
                "expired": docs.get("expired", 0),
            },
        },
    )


def _school(request: AuthedRequest, pk: int, action: str = "read") -> OrgUnit:
    require(request, f"bus.{action}")
    school = get_object_or_404(units_for(request.user), pk=pk)
    if school.kind != UnitKind.SCHOOL or not can(request.user, f"bus.{action}", school):
        raise Http404("学校不存在")
    return school


@login_required
def school(request: AuthedRequest, pk: int) -> HttpResponse:
    school = _school(request, pk)
    today = timezone.localdate()
    routes = list(
        selectors.routes_for(request.user).filter(school=school).prefetch_related("stops").order_by("-is_active")
    )
    vehicles = list(selectors.vehicles_for(request.user).filter(school=school).order_by("-is_active", "plate"))
    drivers = list(selectors.drivers_for(request.user).filter(school=school).order_by("-is_active", "name"))
    recent = list(
        selectors.checks_for(request.user)
        .filter(school=school, day__gte=today - dt.timedelta(days=RECENT_DAYS - 1))
        .order_by("-day", "-checked_at")[:RECENT_SHOWN]
    )
    manage = can(request.user, "bus.change", school)
    return render(
        request,
        "buses/school.html",
        {
            "school": school,
            "today": today,
            "board": selectors.board([r for r in routes if r.is_active]),
            "routes": routes,
            "vehicles": [(v, _states(v.documents(), today)) for v in vehicles],
            "drivers": [(d, mask_phone(d.phone), _states(d.documents(), today)) for d in drivers],
            "recent": recent,
            "manage": manage,
            "may_check": manage or any(r.attendant_id == request.user.pk for r in routes),
            "vehicle_form": VehicleForm(),
            "driver_form": DriverForm(),
            "route_form": RouteForm(school=school),
        },
    )


def _states(documents: list[tuple[str, dt.date]], today: dt.date) -> list[dict[str, Any]]:
    from dudao.buses.rules import doc_state

    return [{"label": label, "due": due, "state": doc_state(due, today)} for label, due in documents]


@login_required
def documents(request: AuthedRequest) -> HttpResponse:
    require(request, "bus.read")
    unit = viewed_unit(request)
    today = timezone.localdate()
    rows = selectors.documents_due(request.user, unit, today)
    return render(
        request, "buses/documents.html", {"unit": unit, "rows": rows, "counts": selectors.counts_by_state(rows)}
    )


# ----- editing --------------------------------------------------------------------------------------------------


def _vehicle_data(data: dict[str, Any]) -> services.VehicleData:
    return services.VehicleData(
        plate=data["plate"],
        seats=data["seats"],
        operator=data["operator"],
        inspection_due=data["inspection_due"],
        insurance_due=data["insurance_due"],
        is_active=data["is_active"],
    )


def _driver_data(data: dict[str, Any]) -> services.DriverData:
    return services.DriverData(
        name=data["name"],
        phone=data["phone"],
        licence_class=data["licence_class"],
        licence_expires=data["licence_expires"],
        violation_checked_on=data["violation_checked_on"],
        is_active=data["is_active"],
    )


def _route_data(data: dict[str, Any]) -> services.RouteData:
    return services.RouteData(
        name=data["name"],
        morning_departure=data["morning_departure"],
        afternoon_departure=data["afternoon_departure"],
        vehicle=data["vehicle"],
        driver=data["driver"],
        attendant=data["attendant"],
        stops=services.parse_stops(data["stops"]),
        is_active=data["is_active"],
    )


@login_required
def add(request: AuthedRequest, pk: int, kind: str) -> HttpResponse:
    if request.method != "POST":
        return redirect("buses:school", pk=pk)
    school = _school(request, pk, "change")
    back = redirect(reverse("buses:school", args=[school.pk]) + f"#{kind}s")
    user = request.user
    if kind == "vehicle":
        return post_form(
            request,
            VehicleForm,
            back,
            lambda d: services.create_vehicle(actor=user, school=school, data=_vehicle_data(d)),
            lambda v: f"已登记校车 {v.plate}",
        )
    if kind == "driver":
        return post_form(
            request,
            DriverForm,
            back,
            lambda d: services.create_driver(actor=user, school=school, data=_driver_data(d)),
            lambda d: f"已登记驾驶人 {d.name}",
        )
    return post_form(
        request,
        partial(RouteForm, school=school),
        back,
        lambda d: services.create_route(actor=user, school=school, data=_route_data(d)),
        lambda r: f"已新建线路 {r.name}",
    )


def _edit(
    request: AuthedRequest, obj: Vehicle | Driver | Route, form: Any, title: str, save: Any, message: str
) -> HttpResponse:
    back_url = reverse("buses:school", args=[obj.school_id])
    if request.method == "POST":
        page = redirect(request.path)
        version = posted_version(request)
        result = post_form(request, form, page, lambda d: save(d, version), message, then=lambda _: redirect(back_url))
        return result
    return render(
        request,
        "buses/edit.html",
        {"obj": obj, "form": form(initial=_initial(obj)), "title": title, "back": back_url},
    )


def _initial(obj: Vehicle | Driver | Route) -> dict[str, Any]:
    if isinstance(obj, Route):
        return route_initial(obj)
    if isinstance(obj, Vehicle):
        names = ["plate", "seats", "operator", "inspection_due", "insurance_due", "is_active"]
    else:
        names = ["name", "phone", "licence_class", "licence_expires", "violation_checked_on", "is_active"]
    return {n: getattr(obj, n) for n in names}


@login_required
def vehicle(request: AuthedRequest, pk: int) -> HttpResponse:
    require(request, "bus.change")
    obj = get_object_or_404(selectors.vehicles_for(request.user, "change"), pk=pk)
    return _edit(
        request,
        obj,
        VehicleForm,
        f"校车 {obj.plate}",
        lambda d, v: services.update_vehicle(actor=request.user, vehicle=obj, data=_vehicle_data(d), version=v),
        "已保存",
    )


@login_required
def driver(request: AuthedRequest, pk: int) -> HttpResponse:
    require(request, "bus.change")
    obj = get_object_or_404(selectors.drivers_for(request.user, "change"), pk=pk)
    return _edit(
        request,
        obj,
        DriverForm,
        f"驾驶人 {obj.name}",
        lambda d, v: services.update_driver(actor=request.user, driver=obj, data=_driver_data(d), version=v),
        "已保存",
    )


@login_required
def route(request: AuthedRequest, pk: int) -> HttpResponse:
    require(request, "bus.change")
    obj = get_object_or_404(selectors.routes_for(request.user, "change").prefetch_related("stops"), pk=pk)
    return _edit(
        request,
        obj,
        partial(RouteForm, school=obj.school),
        f"线路 {obj.name}",
        lambda d, v: services.update_route(actor=request.user, route=obj, data=_route_data(d), version=v),
        "已保存",
    )


# ----- pre-trip checks ------------------------------------------------------------------------------------------


@login_required
def checks_today(request: AuthedRequest) -> HttpResponse:
    """The phone page: today's trips of the routes the user may check."""
    routes = list(selectors.checkable_routes(request.user))
    if not routes and not can(request.user, "bus.check"):
        raise PermissionDenied("您不是校车随车照管人员，也不是学校管理员")
    return render(
        request,
        "buses/checks_today.html",
        {"board": selectors.board(routes), "today": timezone.localdate(), "may_read": can(request.user, "bus.read")},
    )


@login_required
def check(request: AuthedRequest, pk: int) -> HttpResponse:
    route = selectors.route_to_check(request.user, pk)
    if route is None:
        raise Http404("线路不存在")
    today = timezone.localdate()
    row = selectors.board([route])[0]
    if request.method == "POST":
        back = redirect("buses:check", pk=route.pk)
        form = CheckForm(request.POST)
        if not form.is_valid():
            return render(
                request, "buses/check.html", {"route": route, "row": row, "form": form, "today": today}, status=400
            )
        data = services.CheckData(
            trip=form.cleaned_data["trip"],
            day=_posted_day(request, today),
            failed_items=form.failed_items(),
            alcohol_passed=form.cleaned_data["alcohol"] == "pass",
            head_count=form.cleaned_data["head_count"],
            note=form.cleaned_data["note"],
        )
        return perform(
            request,
            back,
            lambda: services.submit_check(actor=request.user, route=route, data=data),
            lambda c: "检查合格，准予出车" if c.passed else "检查不合格，已禁止出车并通知学校负责人",
            then=lambda _: redirect("buses:checks_today"),
        )
    pending = next((t.trip for t in row.trips if t.check is None), None)
    form = CheckForm(initial={"trip": pending})
    return render(request, "buses/check.html", {"route": route, "row": row, "form": form, "today": today})


def _posted_day(request: AuthedRequest, today: dt.date) -> dt.date:
    """The day the form was opened on (a page left open overnight must not file yesterday's form as today's)."""
    raw = request.POST.get("day", "")
    try:
        return dt.date.fromisoformat(raw) if raw else today
    except ValueError:
        return today
