"""Register and overview pages: 控辍保学 register (named at school, aggregated above), case statistics, home visits
and their coverage, counsellor staffing."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from dudao.accounts.models import User
from dudao.accounts.requests import AuthedRequest
from dudao.cases import school as school_records
from dudao.cases import selectors, services
from dudao.cases.forms import ProfileForm, RoomForm, VisitForm
from dudao.cases.models import (
    CaseKind,
    CaseStatus,
    CounsellingRoom,
    CounsellorProfile,
    DropoutReason,
    DropoutResult,
    RiskLevel,
    term_of,
)
from dudao.core.pagination import paginate
from dudao.core.web import form_errors, perform, require
from dudao.orgs.models import OrgUnit
from dudao.orgs.scoping import can
from dudao.orgs.selectors import units_for


def _unit_param(request: AuthedRequest, permission: str) -> OrgUnit:
    unit = None
    raw = request.GET.get("unit", "")
    if raw.isdigit():
        unit = get_object_or_404(units_for(request.user), pk=int(raw))
    root = selectors.stats_root(request.user, permission, unit)
    if root is None:
        raise PermissionDenied("您当前的身份无权查看此统计")
    return root


@login_required
def stats(request: AuthedRequest) -> HttpResponse:
    """Counts, levels and overdue follow-ups by unit, no names."""
    require(request, "case.stats")
    root = _unit_param(request, "case.stats")
    rows = selectors.case_stats(root)
    totals = {
        "open": sum(r.open for r in rows),
        "overdue": sum(r.overdue for r in rows),
        "crisis": sum(r.crisis for r in rows),
    }
    return render(
        request,
        "cases/stats.html",
        {"root": root, "rows": rows, "levels": RiskLevel.choices, "kinds": CaseKind.choices, "totals": totals},
    )


@login_required
def dropout_register(request: AuthedRequest) -> HttpResponse:
    """一校一册 by name for the case's people at the school; 动态清零 aggregates for everyone with statistics."""
    named = []
    if can(request.user, "case.read"):
        named = list(
            selectors.with_rows(selectors.cases_for(request.user).filter(kind=CaseKind.DROPOUT))
            .exclude(status=CaseStatus.ARCHIVED)
            .order_by("status", "out_since", "id")[:500]
        )
        services.log_list(actor=request.user, cases=named, via="register")
    root = selectors.stats_root(request.user, "case.stats")
    if root is None and not can(request.user, "case.read"):
        raise PermissionDenied("您当前的身份无权访问此页面")
    aggregate = selectors.dropout_stats(root) if root is not None else None
    return render(
        request,
        "cases/dropout.html",
        {
            "named": named,
            "aggregate": aggregate,
            "root": root,
            "reasons": dict(DropoutReason.choices),
            "results": dict(DropoutResult.choices),
        },
    )


@login_required
def visits(request: AuthedRequest) -> HttpResponse:
    """A class teacher's (or the school office's) students for this term's home visits: who is still unvisited,
    left-behind and 困境 children first."""
    require(request, "homevisit.read")
    term = request.GET.get("term") or term_of(timezone.localdate())
    students = paginate(selectors.visit_students(request.user, term), page=request.GET.get("page"), page_size=100)
    recent = list(
        selectors.visits_for(request.user)
        .filter(term=term)
        .select_related("student", "teacher", "klass")
        .order_by("-visited_on", "-id")[:30]
    )
    services.log_visits_read(actor=request.user, visits=recent, via="page")
    return render(
        request,
        "cases/visits.html",
        {
            "page": students,
            "term": term,
            "recent": recent,
            "form": VisitForm(auto_id="visit_%s", initial={"visited_on": timezone.localdate()}),
            "can_record": can(request.user, "homevisit.change"),
        },
    )


@login_required
@require_POST
def visit_record(request: AuthedRequest) -> HttpResponse:
    require(request, "homevisit.change")
    form = VisitForm(request.POST)
    back = redirect("cases:visits")
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return back
    data = form.cleaned_data
    student = get_object_or_404(
        selectors.visit_students(request.user, term_of(timezone.localdate())), pk=data["student"]
    )
    return perform(
        request,
        back,
        lambda: school_records.record_home_visit(
            actor=request.user,
            student=student,
            visited_on=data["visited_on"],
            planned_on=data["planned_on"],
            mode=data["mode"],
            present=data["present"],
            findings=data["findings"],
            follow_ups=data["follow_ups"],
        ),
        "家访记录已保存" if data["visited_on"] else "家访计划已保存",
    )


@login_required
def visit_coverage(request: AuthedRequest) -> HttpResponse:
    require(request, "homevisit.stats")
    root = _unit_param(request, "homevisit.stats")
    term = request.GET.get("term") or term_of(timezone.localdate())
    rows = selectors.visit_coverage(root, term)
    total = sum(r["students"] for r in rows)
    visited = sum(r["visited"] for r in rows)
    return render(
        request,
        "cases/coverage.html",
        {
            "root": root,
            "term": term,
            "rows": sorted(rows, key=lambda r: r["coverage"]),
            "total": total,
            "visited": visited,
            "coverage": round(100 * visited / total, 1) if total else 0.0,
        },
    )


@login_required
def staffing(request: AuthedRequest) -> HttpResponse:
    require(request, "staffing.read")
    root = _unit_param(request, "staffing.read")
    school = selectors.acting_school(request.user) if can(request.user, "staffing.change") else None
    return render(
        request,
        "cases/staffing.html",
        {
            "root": root,
            "rows": selectors.staffing(root),
            "threshold": settings.DUDAO_CASE_FULLTIME_THRESHOLD,
            "school": school,
            "profiles": list(CounsellorProfile.objects.filter(school=school).select_related("user")) if school else [],
            "rooms": list(CounsellingRoom.objects.filter(school=school)) if school else [],
            "staff": list(
                User.objects.filter(unit__path__under=school.path, is_active=True).order_by("full_name")[:300]
            )
            if school
            else [],
            "profile_form": ProfileForm(auto_id="profile_%s"),
            "room_form": RoomForm(auto_id="room_%s"),
        },
    )


def _own_school(request: AuthedRequest) -> OrgUnit:
    require(request, "staffing.change")
    school = selectors.acting_school(request.user)
    if school is None:
        raise PermissionDenied("请切换到学校身份")
    return school


@login_required
@require_POST
def staffing_profile(request: AuthedRequest) -> HttpResponse:
    school = _own_school(request)
    form = ProfileForm(request.POST)
    back = redirect("cases:staffing")
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return back
    user = get_object_or_404(User, pk=form.cleaned_data["user"], unit__path__under=school.path)
    return perform(
        request,
        back,
        lambda: school_records.save_counsellor_profile(
            actor=request.user,
            user=user,
            school=school,
            employment=form.cleaned_data["employment"],
            certificate=form.cleaned_data["certificate"] or "",
        ),
        "心理教师信息已保存",
    )


@login_required
@require_POST
def staffing_room(request: AuthedRequest) -> HttpResponse:
    school = _own_school(request)
    form = RoomForm(request.POST)
    back = redirect("cases:staffing")
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return back
    return perform(
        request,
        back,
        lambda: school_records.save_room(
            actor=request.user,
            school=school,
            name=form.cleaned_data["name"],
            area_m2=form.cleaned_data["area_m2"],
            meets_standard=form.cleaned_data["meets_standard"],
        ),
        "心理辅导室已登记",
    )
