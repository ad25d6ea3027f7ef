"""校园安保与三防 pages: a district's list of schools whose 三防 card is not green (with expiring 保安员证), and one
school's page: its card, guards (ID masked, revealed on request) and equipment with checks."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from dudao.accounts.requests import AuthedRequest
from dudao.core.errors import DomainError, Forbidden
from dudao.core.web import perform, post_form, posted_version, require
from dudao.guards import selectors, services
from dudao.guards.forms import EquipmentForm, GuardForm, ProfileForm
from dudao.guards.models import Equipment, Guard
from dudao.guards.rules import LICENCE_WARNING_DAYS
from dudao.orgs.models import OrgUnit, UnitKind
from dudao.orgs.scoping import can
from dudao.orgs.text import mask_id_card
from dudao.orgs.web import acting_unit, viewed_unit

ROWS_SHOWN = 300


def _school(request: AuthedRequest, pk: int) -> OrgUnit:
    require(request, "guard.read")
    school = selectors.school_for(request.user, pk)
    if school is None:
        raise Http404("学校不存在")
    return school


@login_required
def index(request: AuthedRequest) -> HttpResponse:
    require(request, "guard.read")
    unit = viewed_unit(request)
    if unit.kind == UnitKind.SCHOOL:
        return redirect("guards:school", unit.pk)
    if unit.kind in (UnitKind.GRADE, UnitKind.CLASS, UnitKind.CAMPUS):
        school = unit.get_ancestors().filter(kind=UnitKind.SCHOOL).last()
        if school is not None:
            return redirect("guards:school", school.pk)
    today = timezone.localdate()
    schools = list(selectors.schools_for(request.user, unit))
    cards = selectors.cards_of(schools, today)
    flagged = selectors.not_green(cards)
    show_all = request.GET.get("show") == "all"
    listed = cards if show_all else flagged
    red = sum(1 for c in cards if c.card.level == "red")
    yellow = sum(1 for c in cards if c.card.level == "yellow")
    licences = list(
        selectors.expiring_licences(selectors.guards_for(request.user).filter(school__path__under=unit.path), today)[
            :ROWS_SHOWN
        ]
    )
    return render(
        request,
        "guards/index.html",
        {
            "unit": unit,
            "up": unit.get_parent() if unit.pk != acting_unit(request).pk else None,
            "today": today,
            "rows": listed[:ROWS_SHOWN],
            "listed_total": len(listed),
            "total": len(cards),
            "red": red,
            "yellow": yellow,
            "green": len(cards) - red - yellow,
            "show_all": show_all,
            "licences": licences,
            "warning_days": LICENCE_WARNING_DAYS,
        },
    )


@login_required
def school(request: AuthedRequest, pk: int) -> HttpResponse:
    school = _school(request, pk)
    today = timezone.localdate()
    card = selectors.card_of(school, today)
    may_change = can(request.user, "guard.change", school)
    profile = selectors.profile_of(school)
    guards = selectors.guards_of(school)
    equipment = selectors.equipment_of(school)
    warn_on = today + dt.timedelta(days=LICENCE_WARNING_DAYS)
    return render(
        request,
        "guards/school.html",
        {
            "school": school,
            "card": card,
            "today": today,
            "warn_on": warn_on,
            "may_change": may_change,
            "can_unmask": can(request.user, "guard.unmask_id", school),
            "profile": profile,
            "guards": [(g, mask_id_card(g.id_card_no) if g.id_card_no else "") for g in guards],
            "equipment": [(e, e.next_check_on(), e.is_check_overdue(today)) for e in equipment],
            "profile_form": ProfileForm(
                initial={
                    "is_boarding": profile.is_boarding if profile else False,
                    "is_closed_campus": profile.is_closed_campus if profile else True,
                    "version": profile.version if profile else None,
                }
            )
            if may_change
            else None,
            "guard_form": GuardForm(initial={"is_active": True}) if may_change else None,
            "equipment_form": EquipmentForm(initial={"is_working": True, "last_checked_on": today})
            if may_change
            else None,
        },
    )


@login_required
@require_POST
def profile(request: AuthedRequest, pk: int) -> HttpResponse:
    require(request, "guard.change")
    school = _school(request, pk)
    return post_form(
        request,
        ProfileForm,
        redirect("guards:school", school.pk),
        lambda d: services.set_profile(
            actor=request.user,
            school=school,
            is_boarding=d["is_boarding"],
            is_closed_campus=d["is_closed_campus"],
            version=posted_version(request),
        ),
        "已保存学校安保概况",
    )


def _guard_in(d: dict[str, Any]) -> services.GuardIn:
    return services.GuardIn(
        name=d["name"],
        phone=d["phone"],
        id_card_no=d["id_card_no"],
        licence_number=d["licence_number"],
        licence_expires_on=d["licence_expires_on"],
        trained_on=d["trained_on"],
        employer=d["employer"],
        company=d["company"],
        works_nights=d["works_nights"],
        is_active=d["is_active"],
    )


@login_required
@require_POST
def add_guard(request: AuthedRequest, pk: int) -> HttpResponse:
    require(request, "guard.change")
    school = _school(request, pk)
    return post_form(
        request,
        GuardForm,
        redirect(reverse("guards:school", args=[school.pk]) + "#guards"),
        lambda d: services.add_guard(actor=request.user, school=school, data=_guard_in(d)),
        lambda g: f"已登记保安{g.name}",
    )


def _guard(request: AuthedRequest, pk: int) -> Guard:
    require(request, "guard.read")
    return get_object_or_404(selectors.guards_for(request.user), pk=pk)


@login_required
@require_POST
def edit_guard(request: AuthedRequest, pk: int) -> HttpResponse:
    require(request, "guard.change")
    guard = _guard(request, pk)
    return post_form(
        request,
        GuardForm,
        redirect(reverse("guards:school", args=[guard.school_id]) + "#guards"),
        lambda d: services.update_guard(
            actor=request.user, guard=guard, data=_guard_in(d), version=posted_version(request)
        ),
        lambda g: f"已更新{g.name}的信息",
    )


@login_required
@require_POST
def reveal(request: AuthedRequest, pk: int) -> HttpResponse:
    guard = _guard(request, pk)
    try:
        number = services.reveal_id(actor=request.user, guard=guard)
    except Forbidden as exc:
        raise PermissionDenied(exc.message) from exc
    except DomainError as exc:
        return HttpResponse(exc.message, status=400)
    return HttpResponse(f'<span class="font-monospace" data-testid="id-revealed">{number}</span>')


def _equipment_in(d: dict[str, Any]) -> services.EquipmentIn:
    return services.EquipmentIn(
        kind=d["kind"],
        description=d["description"],
        quantity=d["quantity"],
        coverage=d["coverage"],
        linked_to_police=d["linked_to_police"],
        is_working=d["is_working"],
        last_checked_on=d["last_checked_on"],
        check_interval_days=d["check_interval_days"],
    )


@login_required
@require_POST
def add_equipment(request: AuthedRequest, pk: int) -> HttpResponse:
    require(request, "guard.change")
    school = _school(request, pk)
    return post_form(
        request,
        EquipmentForm,
        redirect(reverse("guards:school", args=[school.pk]) + "#equipment"),
        lambda d: services.add_equipment(actor=request.user, school=school, data=_equipment_in(d)),
        lambda e: f"已登记{e.get_kind_display()}",
    )


def _item(request: AuthedRequest, pk: int) -> Equipment:
    require(request, "guard.read")
    return get_object_or_404(selectors.equipment_for(request.user), pk=pk)


@login_required
@require_POST
def edit_equipment(request: AuthedRequest, pk: int) -> HttpResponse:
    require(request, "guard.change")
    item = _item(request, pk)
    return post_form(
        request,
        EquipmentForm,
        redirect(reverse("guards:school", args=[item.school_id]) + "#equipment"),
        lambda d: services.update_equipment(
            actor=request.user, item=item, data=_equipment_in(d), version=posted_version(request)
        ),
        lambda e: f"已更新{e.get_kind_display()}",
    )


@login_required
@require_POST
def check_equipment(request: AuthedRequest, pk: int) -> HttpResponse:
    require(request, "guard.change")
    item = _item(request, pk)
    working = request.POST.get("result") != "broken"
    return perform(
        request,
        redirect(reverse("guards:school", args=[item.school_id]) + "#equipment"),
        lambda: services.record_check(actor=request.user, item=item, is_working=working),
        lambda e: f"已记录{e.get_kind_display()}今日检查：{'运行正常' if e.is_working else '发现故障'}",
    )
