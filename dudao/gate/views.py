"""Gate pages: the school's day at the gate with the registration form (phone first), check-out, a visit's page
with the full numbers on request, recent visitors by phone (htmx), contact-tracing search and its export."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from dudao.accounts.requests import AuthedRequest
from dudao.core.errors import DomainError, Forbidden
from dudao.core.excel import xlsx_response
from dudao.core.pagination import paginate
from dudao.core.web import posted_version
from dudao.gate import selectors, services
from dudao.gate.forms import TraceForm, VisitForm
from dudao.gate.models import Visit
from dudao.orgs.models import OrgUnit
from dudao.orgs.scoping import acting_assignment, can
from dudao.orgs.text import mask_id_card, mask_phone

# Service error codes → the form field whose input they concern (the message is shown next to it).
FIELD_OF_ERROR = {
    "name_missing": "name",
    "name_too_long": "name",
    "id_card_missing": "id_card_no",
    "id_card_format": "id_card_no",
    "id_card_check_digit": "id_card_no",
    "id_card_birth": "id_card_no",
    "phone_invalid": "phone",
    "host_missing": "host",
    "host_elsewhere": "host",
    "reason_missing": "reason",
    "reason_other_missing": "reason_other",
    "temperature_invalid": "temperature",
    "temperature_range": "temperature",
    "visit_in_future": "checked_in_at",
    "visit_too_old": "checked_in_at",
}


def _require_gate(request: AuthedRequest) -> None:
    if not (can(request.user, "visitor.read") or can(request.user, "visitor.register")):
        raise PermissionDenied("您当前的身份无权访问门卫登记")


def _school(request: AuthedRequest, raw: str) -> OrgUnit | None:
    """The school a page is about: `school=` inside the user's scope (else 404), or the acting unit's school."""
    if raw:
        if not raw.isdigit():
            raise Http404("学校不存在")
        return get_object_or_404(selectors.schools_for(request.user), pk=int(raw))
    assignment = acting_assignment(request.user)
    return selectors.school_of(assignment.unit) if assignment is not None else None


def _day(request: AuthedRequest) -> dt.date:
    today = timezone.localdate()
    if not selectors.may_choose_day(request.user):
        return today
    try:
        day = dt.date.fromisoformat(request.GET.get("day", ""))
    except ValueError:
        return today
    return min(day, today)


def _hosts(school: OrgUnit) -> list[tuple[int, str]]:
    return [
        (u.pk, f"{u.display_name}（{u.title}）" if u.title else u.display_name) for u in selectors.host_choices(school)
    ]


def _today_page(
    request: AuthedRequest, school: OrgUnit | None, form: VisitForm | None = None, status: int = 200
) -> HttpResponse:
    day = _day(request)
    may_register = school is not None and can(request.user, "visitor.register", school)
    context: dict[str, Any] = {
        "school": school,
        "day": day,
        "today": timezone.localdate(),
        "may_choose_day": selectors.may_choose_day(request.user),
        "may_register": may_register and day == timezone.localdate(),
        "may_trace": can(request.user, "visitor.trace"),
        "retention_days": services.retention_days(),
        # The guard's page is the form; those who mostly read the list open it when they need it.
        "form_open": form is not None or not selectors.may_choose_day(request.user),
        "schools": [] if school is not None else list(selectors.schools_for(request.user)[:2000]),
    }
    if school is not None:
        context["daily"] = selectors.daily_list(request.user, school, day)
        if context["may_register"]:
            context["form"] = form or VisitForm(hosts=_hosts(school))
            if form is not None:  # re-shown after an error: keep the recent visitors of the number typed
                phone = str(form.data.get("phone", ""))
                context["recent_rows"] = [
                    (v, mask_id_card(v.id_card_no)) for v in selectors.recent_by_phone(request.user, school, phone)
                ]
                context["phone"] = phone
    return render(request, "gate/today.html", context, status=status)


@login_required
def today(request: AuthedRequest) -> HttpResponse:
    _require_gate(request)
    return _today_page(request, _school(request, request.GET.get("school", "")))


@login_required
@require_POST
def register(request: AuthedRequest) -> HttpResponse:
    _require_gate(request)
    school = _school(request, request.POST.get("school", ""))
    if school is None:
        raise Http404("请选择学校")
    form = VisitForm(request.POST, hosts=_hosts(school))
    back = redirect(f"{reverse('gate:today')}?school={school.pk}")
    if not form.is_valid():
        messages.error(request, "请检查标红的项目")
        return _today_page(request, school, form, status=400)
    data = form.cleaned_data
    previous = None
    if data["previous"]:
        previous = selectors.previous_visit(request.user, school, data["previous"])
        if previous is None:
            form.add_error(None, "所选的近期访客已不存在，请重新填写")
            messages.error(request, "所选的近期访客已不存在，请重新填写")
            return _today_page(request, school, form, status=400)
    host = next((u for u in selectors.host_choices(school).filter(pk=data["host"])), None) if data["host"] else None
    checked_in_at = data["checked_in_at"]
    try:
        visit = services.register_visit(
            actor=request.user,
            school=school,
            data=services.VisitorInput(
                name=data["name"],
                id_card_no=data["id_card_no"],
                phone=data["phone"],
                host=host,
                host_text=data["host_text"],
                reason=data["reason"],
                reason_other=data["reason_other"],
                has_symptoms=data["has_symptoms"] == "yes",
                temperature=data["temperature"],
                travel_history=data["travel_history"],
                checked_in_at=checked_in_at,
                previous=previous,
            ),
        )
    except Forbidden as exc:
        raise PermissionDenied(exc.message) from exc
    except DomainError as exc:
        field = FIELD_OF_ERROR.get(exc.code)
        form.add_error(field if field in form.fields else None, exc.message)
        messages.error(request, exc.message)
        return _today_page(request, school, form, status=400)
    flag = "；请留意：体温或症状异常、或有旅居史，已标红提示校医" if visit.health_flag else ""
    messages.success(request, f"已登记 {visit.name} 进校（{timezone.localtime(visit.checked_in_at):%H:%M}）{flag}")
    return back


@login_required
def recent(request: AuthedRequest) -> HttpResponse:
    """Recent visitors with this phone (htmx, as the guard types the number)."""
    _require_gate(request)
    school = _school(request, request.GET.get("school", ""))
    rows = selectors.recent_by_phone(request.user, school, request.GET.get("phone", "")) if school else []
    return render(
        request,
        "gate/_recent.html",
        {"rows": [(v, mask_id_card(v.id_card_no)) for v in rows], "phone": request.GET.get("phone", "")},
    )


@login_required
@require_POST
def check_out(request: AuthedRequest, pk: int) -> HttpResponse:
    _require_gate(request)
    visit = get_object_or_404(selectors.visits_for(request.user), pk=pk)
    back = redirect(f"{reverse('gate:today')}?school={visit.school_id}")
    already = visit.checked_out_at is not None
    try:
        done = services.check_out(actor=request.user, visit=visit, version=None if already else posted_version(request))
    except Forbidden as exc:
        raise PermissionDenied(exc.message) from exc
    except DomainError as exc:
        messages.error(request, exc.message)
        return back
    when = timezone.localtime(done.checked_out_at) if done.checked_out_at else None
    if already:
        messages.info(request, f"{done.name} 已于 {when:%H:%M} 登记离校")
    else:
        messages.success(request, f"已登记 {done.name} 离校（{when:%H:%M}）")
    return back


def _visit_page(request: AuthedRequest, visit: Visit, revealed: dict[str, str] | None = None) -> HttpResponse:
    return render(
        request,
        "gate/visit.html",
        {
            "visit": visit,
            "id_card": revealed["id_card_no"] if revealed else mask_id_card(visit.id_card_no),
            "phone": revealed["phone"] if revealed else mask_phone(visit.phone),
            "revealed": revealed is not None,
            "may_unmask": can(request.user, "visitor.unmask", visit.school),
            "may_register": can(request.user, "visitor.register", visit.school),
        },
    )


@login_required
def visit_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    _require_gate(request)
    return _visit_page(request, get_object_or_404(selectors.visits_for(request.user), pk=pk))


@login_required
@require_POST
def reveal(request: AuthedRequest, pk: int) -> HttpResponse:
    _require_gate(request)
    visit = get_object_or_404(selectors.visits_for(request.user), pk=pk)
    try:
        revealed = services.reveal_visit(actor=request.user, visit=visit)
    except Forbidden as exc:
        raise PermissionDenied(exc.message) from exc
    return _visit_page(request, visit, revealed)


def _trace_query(request: AuthedRequest) -> tuple[TraceForm, services.TraceQuery | None, OrgUnit]:
    assignment = acting_assignment(request.user)
    if assignment is None:
        raise PermissionDenied("您没有可用的身份")
    unit = assignment.unit
    raw_unit = request.GET.get("unit", "")
    if raw_unit:
        if not raw_unit.isdigit():
            raise Http404("单位不存在")
        unit = get_object_or_404(selectors.trace_units_for(request.user), pk=int(raw_unit))
    submitted = "start" in request.GET or "q" in request.GET
    form = TraceForm(request.GET if submitted else None, initial=TraceForm.defaults())
    if not submitted or not form.is_valid():
        return form, None, unit
    query = services.TraceQuery(
        unit=unit, start=form.cleaned_data["start"], end=form.cleaned_data["end"], q=form.cleaned_data["q"]
    )
    try:
        return form, services.check_trace(query), unit
    except DomainError as exc:
        form.add_error(None, exc.message)
        return form, None, unit


@login_required
def trace(request: AuthedRequest) -> HttpResponse:
    if not can(request.user, "visitor.trace"):
        raise PermissionDenied("您当前的身份无权查询访客记录")
    form, query, unit = _trace_query(request)
    page = None
    if query is not None:
        qs = selectors.trace(request.user, query)
        page = paginate(qs, page=request.GET.get("page", 1), page_size=50)
        services.log_trace(actor=request.user, query=query, found=page.count)
    rows = [(v, mask_id_card(v.id_card_no), mask_phone(v.phone)) for v in page.items] if page else []
    return render(
        request,
        "gate/trace.html",
        {
            "form": form,
            "unit": unit,
            "page": page,
            "rows": rows,
            "query": query,
            "may_unmask": can(request.user, "visitor.unmask"),
            "retention_days": services.retention_days(),
            # The guard's page is the form; those who mostly read the list open it when they need it.
            "form_open": form is not None or not selectors.may_choose_day(request.user),
            "units": list(selectors.trace_units_for(request.user).filter(depth__lte=unit.depth + 1)[:300]),
        },
    )


EXPORT_HEADERS = [
    "学校",
    "姓名",
    "身份证号",
    "手机号",
    "被访人",
    "来访事由",
    "症状",
    "体温（℃）",
    "近14天旅居史",
    "进校时间",
    "离校时间",
]
EXPORT_LIMIT = 20_000


@login_required
def trace_export(request: AuthedRequest) -> HttpResponse | FileResponse:
    if not can(request.user, "visitor.trace"):
        raise PermissionDenied("您当前的身份无权导出访客记录")
    form, query, _unit = _trace_query(request)
    if query is None:
        messages.error(request, "请先选择查询日期范围")
        return redirect("gate:trace")
    full = request.GET.get("full") == "1"
    if full and not can(request.user, "visitor.unmask", query.unit):
        raise PermissionDenied("您的角色不能导出完整的身份证号和手机号")
    visits = list(selectors.trace(request.user, query)[:EXPORT_LIMIT])
    services.log_trace(actor=request.user, query=query, found=len(visits), action="visitor_export", unmasked=full)

    def when(value: dt.datetime | None) -> str:
        return f"{timezone.localtime(value):%Y-%m-%d %H:%M}" if value else "未离校"

    rows = (
        [
            v.school.name,
            v.name,
            v.id_card_no if full else mask_id_card(v.id_card_no),
            v.phone if full else mask_phone(v.phone),
            v.host_label,
            v.reason_label,
            "有" if v.has_symptoms else "无",
            str(v.temperature),
            v.travel_history or "无",
            when(v.checked_in_at),
            when(v.checked_out_at),
        ]
        for v in visits
    )
    return xlsx_response(
        filename=f"访客记录_{query.start:%Y%m%d}-{query.end:%Y%m%d}.xlsx",
        headers=EXPORT_HEADERS,
        rows=rows,
        sheet_name="访客记录",
        title=f"{query.unit.name} 访客记录（{query.start:%Y-%m-%d} 至 {query.end:%Y-%m-%d}）",
    )
