"""校历 pages: the month view of any unit in scope, the bureau's year editor and import, local days."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from dudao.accounts.requests import AuthedRequest
from dudao.calendars import excel, selectors, services
from dudao.calendars.forms import LocalDayForm, TermForm, YearEntryForm, YearForm
from dudao.calendars.models import SchoolYear
from dudao.core.errors import DomainError, Forbidden
from dudao.core.excel import ImportRejected
from dudao.core.web import form_errors, perform, post_form, posted_version, require
from dudao.orgs.models import OrgUnit, UnitKind
from dudao.orgs.scoping import can
from dudao.orgs.selectors import units_for
from dudao.orgs.web import acting_unit, viewed_unit

# Children offered in the unit switch of the month view (a city's 1,500 schools are reached through a district).
CHILDREN_SHOWN = 300
BROWSABLE_KINDS = (UnitKind.BUREAU, UnitKind.DISTRICT, UnitKind.SCHOOL, UnitKind.CAMPUS, UnitKind.GRADE)


def _month_of(raw: str, today: dt.date) -> tuple[int, int]:
    try:
        year, month = (int(part) for part in raw.split("-", 1))
        if 2000 <= year <= 2100 and 1 <= month <= 12:
            return year, month
    except ValueError:
        pass
    return today.year, today.month


def _shift(year: int, month: int, delta: int) -> str:
    index = year * 12 + month - 1 + delta
    return f"{index // 12}-{index % 12 + 1:02d}"


@login_required
def month(request: AuthedRequest) -> HttpResponse:
    require(request, "calendar.read")
    unit = viewed_unit(request)
    today = timezone.localdate()
    year, month_no = _month_of(request.GET.get("month", ""), today)
    cal = selectors.SchoolCalendar()
    grid = selectors.month_grid(cal, unit, year, month_no, today)
    chain = cal.chain(unit)
    first, last = grid.days[0].day, grid.days[-1].day
    root = acting_unit(request)
    ancestors = [
        u
        for u in OrgUnit.objects.filter(path__in=selectors.chain_paths(unit.path)).order_by("depth")
        if u.path.startswith(root.path)
    ]
    children = list(
        units_for(request.user)
        .filter(path__startswith=unit.path, depth=unit.depth + 1, kind__in=BROWSABLE_KINDS)
        .order_by("path")[: CHILDREN_SHOWN + 1]
    )
    term_now = chain.term_on(today)
    context: dict[str, Any] = {
        "unit": unit,
        "grid": grid,
        "ancestors": ancestors,
        "children": children[:CHILDREN_SHOWN],
        "more_children": len(children) > CHILDREN_SHOWN,
        "prev_month": _shift(year, month_no, -1),
        "next_month": _shift(year, month_no, 1),
        "this_month": f"{today.year}-{today.month:02d}",
        "today_info": chain.day(today),
        "term_now": term_now,
        "week_now": chain.week_of_term(today),
        "next_opening": chain.next_opening_day(today),
        "fallback": any(c.info.fallback for c in grid.days),
        "entries": selectors.entries_of_chain(unit, first, last),
        "legend": selectors.legend(),
        "weekdays": "一二三四五六日",
        "may_edit_local": can(request.user, "calendar.local"),
        "may_edit_year": can(request.user, "calendar.publish"),
    }
    return render(request, "calendars/month.html", context)


# ---- the bureau's year editor ----


@login_required
def years(request: AuthedRequest) -> HttpResponse:
    require(request, "calendar.publish")
    unit = acting_unit(request)
    back = redirect("calendars:years")
    if request.method == "POST":
        return post_form(
            request,
            YearForm,
            back,
            lambda d: services.create_year(actor=request.user, unit=unit, **d),
            "学年已创建，请添加学期和节假日后发布",
            then=lambda y: redirect("calendars:year", y.pk),
        )
    today = timezone.localdate()
    start_year = today.year if today.month >= 8 else today.year - 1
    form = YearForm(
        initial={
            "name": f"{start_year}—{start_year + 1}学年",
            "starts_on": dt.date(start_year, 9, 1),
            "ends_on": dt.date(start_year + 1, 8, 31),
        }
    )
    rows = selectors.years_for(request.user).order_by("-starts_on")
    return render(request, "calendars/years.html", {"years": rows, "form": form, "unit": unit})


def _year(request: AuthedRequest, pk: int) -> SchoolYear:
    require(request, "calendar.publish")
    return get_object_or_404(selectors.years_for(request.user), pk=pk)


def _editor(request: AuthedRequest, year: SchoolYear, *, status: int = 200, **forms: Any) -> HttpResponse:
    context = {
        "year": year,
        "terms": year.terms.all(),
        "entries": year.entries.filter(unit_id=year.unit_id).order_by("starts_on", "id"),
        "term_form": forms.get("term_form") or TermForm(auto_id="term_%s"),
        "entry_form": forms.get("entry_form") or YearEntryForm(auto_id="entry_%s"),
        "may_edit": can(request.user, "calendar.publish", year.unit),
    }
    return render(request, "calendars/year.html", context, status=status)


@login_required
def year(request: AuthedRequest, pk: int) -> HttpResponse:
    return _editor(request, _year(request, pk))


def _edit(request: AuthedRequest, year: SchoolYear, action: Callable[[], Any], success: str) -> HttpResponse:
    """Run one editor change; a stale form answers 409 with the page as it is now."""
    try:
        action()
    except Forbidden as exc:
        raise PermissionDenied(exc.message) from exc
    except ImportRejected as exc:
        messages.error(request, exc.message + " " + "；".join(str(e) for e in exc.errors[:20]))
        return _editor(request, year, status=400)
    except DomainError as exc:
        messages.error(request, exc.message)
        if exc.status == 409:
            year.refresh_from_db()
            return _editor(request, year, status=409)
        return redirect("calendars:year", year.pk)
    messages.success(request, success)
    return redirect("calendars:year", year.pk)


@login_required
@require_POST
def add_term(request: AuthedRequest, pk: int) -> HttpResponse:
    year = _year(request, pk)
    form = TermForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return redirect("calendars:year", year.pk)
    term = services.TermIn(**form.cleaned_data)
    return _edit(
        request,
        year,
        lambda: services.add_term(actor=request.user, year=year, term=term, version=posted_version(request)),
        "学期已添加",
    )


@login_required
@require_POST
def remove_term(request: AuthedRequest, pk: int, term_pk: int) -> HttpResponse:
    year = _year(request, pk)
    return _edit(
        request,
        year,
        lambda: services.remove_term(actor=request.user, year=year, term_id=term_pk, version=posted_version(request)),
        "学期已删除",
    )


@login_required
@require_POST
def add_entry(request: AuthedRequest, pk: int) -> HttpResponse:
    year = _year(request, pk)
    form = YearEntryForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return redirect("calendars:year", year.pk)
    entry = services.EntryIn(**form.cleaned_data)
    return _edit(
        request,
        year,
        lambda: services.add_year_entry(actor=request.user, year=year, entry=entry, version=posted_version(request)),
        "已添加",
    )


@login_required
@require_POST
def remove_entry(request: AuthedRequest, pk: int, entry_pk: int) -> HttpResponse:
    year = _year(request, pk)
    return _edit(
        request,
        year,
        lambda: services.remove_year_entry(
            actor=request.user, year=year, entry_id=entry_pk, version=posted_version(request)
        ),
        "已删除",
    )


@login_required
@require_POST
def publish(request: AuthedRequest, pk: int) -> HttpResponse:
    year = _year(request, pk)
    return _edit(
        request,
        year,
        lambda: services.publish_year(actor=request.user, year=year, version=posted_version(request)),
        "校历已发布，各单位的上课日按此计算",
    )


@login_required
@require_POST
def import_year(request: AuthedRequest, pk: int) -> HttpResponse:
    year = _year(request, pk)
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, "请选择要导入的 Excel 文件")
        return redirect("calendars:year", year.pk)
    return _edit(
        request,
        year,
        lambda: excel.import_year(
            actor=request.user, year=year, upload=upload, name=upload.name or "", version=posted_version(request)
        ),
        "已从 Excel 导入学期和节假日（原有内容已替换）",
    )


@login_required
def year_template(request: AuthedRequest) -> HttpResponse:
    require(request, "calendar.publish")
    response = HttpResponse(
        excel.template(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = "attachment; filename*=UTF-8''%E6%A0%A1%E5%8E%86%E6%A8%A1%E6%9D%BF.xlsx"
    return response


# ---- local days ----


def _local_units(request: AuthedRequest) -> list[tuple[int, str]]:
    root = acting_unit(request)
    rows = (
        units_for(request.user)
        .filter(
            path__startswith=root.path,
            depth__lte=root.depth + 2,
            kind__in=(UnitKind.DISTRICT, UnitKind.SCHOOL, UnitKind.CAMPUS, UnitKind.GRADE),
        )
        .order_by("path")[:500]
    )
    return [(u.pk, ("　" * (u.depth - root.depth)) + u.name) for u in rows]


@login_required
def local_days(request: AuthedRequest) -> HttpResponse:
    require(request, "calendar.local")
    root = acting_unit(request)
    units = _local_units(request)
    back = redirect("calendars:local")
    if request.method == "POST":

        def add(data: dict[str, Any]) -> Any:
            unit = get_object_or_404(units_for(request.user), pk=data.pop("unit"))
            return services.add_local_day(actor=request.user, unit=unit, entry=services.EntryIn(**data))

        return post_form(request, lambda *a: LocalDayForm(*a, units=units), back, add, "已添加本地校历安排")
    rows = selectors.local_entries_for(request.user, root)[:200]
    form = LocalDayForm(units=units, initial={"unit": root.pk})
    return render(request, "calendars/local.html", {"rows": rows, "form": form, "unit": root})


@login_required
@require_POST
def remove_local(request: AuthedRequest, pk: int) -> HttpResponse:
    require(request, "calendar.local")
    entry = get_object_or_404(selectors.local_entries_for(request.user, acting_unit(request)), pk=pk)
    return perform(
        request,
        redirect("calendars:local"),
        lambda: services.remove_local_day(actor=request.user, entry=entry, version=posted_version(request)),
        "已删除",
    )
