"""师德师风 pages: the incident list and an incident's page with its next step, the yearly commitment (progress per
unit, who has not acknowledged, the teacher's own phone page), and commendations."""

from __future__ import annotations

import secrets
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from dudao.accounts.requests import AuthedRequest
from dudao.core.access import access
from dudao.core.errors import DomainError, Forbidden
from dudao.core.pagination import paginate
from dudao.core.web import perform, post_form, require
from dudao.ethics import selectors, services
from dudao.ethics.forms import (
    CommendationForm,
    CommitmentForm,
    DecideForm,
    IncidentForm,
    InvestigationForm,
    MeasureForm,
)
from dudao.ethics.models import Commitment, Incident, IncidentStatus
from dudao.orgs.models import UnitKind
from dudao.orgs.scoping import can
from dudao.orgs.web import acting_unit, viewed_unit

PENDING_SHOWN = 200


def _any(request: AuthedRequest, *permissions: str) -> bool:
    return any(access().can(request.user, p) for p in permissions)


def _tabs(request: AuthedRequest) -> dict[str, bool]:
    """Which of the module's tabs the acting role may open."""
    return {
        "incidents": can(request.user, "ethics.read"),
        "commitments": can(request.user, "ethics.commitments"),
        "commendations": _any(request, "ethics.read", "ethics.commend"),
    }


@login_required
def index(request: AuthedRequest) -> HttpResponse:
    """Incidents of the viewed unit's subtree (no facts on the list)."""
    if not can(request.user, "ethics.read"):
        if can(request.user, "ethics.commitments"):
            return redirect("ethics:commitments")
        if can(request.user, "ethics.acknowledge"):
            return redirect("ethics:mine")
        raise PermissionDenied("您当前的身份无权访问此页面")
    unit = viewed_unit(request)
    qs = selectors.incidents_for(request.user).filter(school__path__under=unit.path)
    status = request.GET.get("status", "")
    if status in IncidentStatus.values:
        qs = qs.filter(status=status)
    veto = request.GET.get("veto") == "1"
    if veto:
        qs = qs.filter(is_veto=True)
    q = request.GET.get("q", "").strip()
    if q:
        qs = qs.filter(Q(teacher__full_name__contains=q) | Q(teacher__username__iexact=q))
    page = paginate(qs.order_by("-reported_on", "-id"), page=request.GET.get("page"), page_size=50)
    counts = selectors.incident_counts(selectors.incidents_for(request.user).filter(school__path__under=unit.path))
    return render(
        request,
        "ethics/index.html",
        {
            "unit": unit,
            "page": page,
            "rows": list(page.items),
            "counts": counts,
            "status": status,
            "veto": veto,
            "q": q,
            "statuses": IncidentStatus.choices,
            "today": timezone.localdate(),
            "may_handle": can(request.user, "ethics.handle", unit),
            "tabs": _tabs(request),
        },
    )


@login_required
def incident_new(request: AuthedRequest) -> HttpResponse:
    require(request, "ethics.handle")
    if request.method == "POST":
        form = IncidentForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            teacher = selectors.find_teacher(request.user, "ethics.handle", d["teacher"])
            if teacher is None:
                form.add_error("teacher", "在您的管辖范围内没有找到该教师（同名时请填写账号）")
            else:
                data = services.IncidentIn(
                    source=d["source"],
                    category=d["category"],
                    reported_on=d["reported_on"],
                    facts=d["facts"],
                    source_ref=d["source_ref"],
                )
                try:
                    incident, created = services.register_incident(
                        actor=request.user, teacher=teacher, data=data, request_key=d["request_key"]
                    )
                except Forbidden as exc:
                    raise PermissionDenied(exc.message) from exc
                except DomainError as exc:
                    form.add_error(None, exc.message)
                else:
                    if created:
                        messages.success(request, f"已受理，事件编号 #{incident.pk}")
                    else:
                        messages.info(request, f"该事件已受理（#{incident.pk}），未重复登记")
                    return redirect("ethics:incident", incident.pk)
        return render(request, "ethics/incident_new.html", _new_context(request, form), status=400)
    form = IncidentForm(initial={"request_key": secrets.token_urlsafe(24)})
    return render(request, "ethics/incident_new.html", _new_context(request, form))


def _new_context(request: AuthedRequest, form: Any) -> dict[str, Any]:
    return {"form": form, "staff": selectors.teachers_to_choose(request.user, "ethics.handle")}


def _incident(request: AuthedRequest, pk: int, via: str) -> Incident:
    incident = selectors.incident_for(request.user, pk)
    if incident is None:
        services.log_denied(actor=request.user, incident_id=pk, via=via)
        raise Http404("事件不存在")
    return incident


@login_required
def incident_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    incident = _incident(request, pk, "page")
    services.log_read(actor=request.user, incident=incident, via="page")
    may_handle = selectors.may_handle(request.user, incident)
    may_decide = selectors.may_decide(request.user, incident)
    version = {"version": incident.version}
    status = incident.status
    return render(
        request,
        "ethics/incident.html",
        {
            "incident": incident,
            "own": incident.teacher_id == request.user.pk,
            "veto_active": incident.veto_active_on(timezone.localdate()),
            "investigation_form": InvestigationForm(initial={**version, "investigation": incident.investigation})
            if may_handle and status in (IncidentStatus.ACCEPTED, IncidentStatus.INVESTIGATING)
            else None,
            "decide_form": DecideForm(initial=version)
            if may_decide and status == IncidentStatus.INVESTIGATING
            else None,
            "measure_form": MeasureForm(initial={**version, "body": _body_of(request)})
            if may_decide and status == IncidentStatus.DECIDED
            else None,
            "may_close": may_handle and status == IncidentStatus.HANDLED,
        },
    )


def _body_of(request: AuthedRequest) -> str:
    unit = acting_unit(request)
    return unit.name if unit.kind in (UnitKind.BUREAU, UnitKind.DISTRICT) else ""


def _step(request: AuthedRequest, pk: int, form_class: Any, action: Any, success: str) -> HttpResponse:
    incident = _incident(request, pk, "step")
    back = redirect("ethics:incident", incident.pk)
    return post_form(request, form_class, back, lambda d: action(incident, d), success)


@login_required
@require_POST
def investigate(request: AuthedRequest, pk: int) -> HttpResponse:
    return _step(
        request,
        pk,
        InvestigationForm,
        lambda i, d: services.record_investigation(
            actor=request.user, incident=i, investigation=d["investigation"], version=d["version"]
        ),
        "已保存调查情况",
    )


@login_required
@require_POST
def decide(request: AuthedRequest, pk: int) -> HttpResponse:
    return _step(
        request,
        pk,
        DecideForm,
        lambda i, d: services.decide(
            actor=request.user, incident=i, finding=d["finding"], found_on=d["found_on"], version=d["version"]
        ),
        "已保存认定结论",
    )


@login_required
@require_POST
def measure(request: AuthedRequest, pk: int) -> HttpResponse:
    return _step(
        request,
        pk,
        MeasureForm,
        lambda i, d: services.impose_measure(
            actor=request.user,
            incident=i,
            data=services.MeasureIn(
                measure=d["measure"],
                body=d["body"],
                decided_on=d["decided_on"],
                reference=d["reference"],
                is_veto=d["is_veto"],
                veto_from=d["veto_from"],
                veto_until=d["veto_until"],
            ),
            version=d["version"],
        ),
        "已保存处理决定",
    )


@login_required
@require_POST
def close(request: AuthedRequest, pk: int) -> HttpResponse:
    incident = _incident(request, pk, "step")
    raw = request.POST.get("version", "")
    version = int(raw) if raw.isdigit() else -1
    return perform(
        request,
        redirect("ethics:incident", incident.pk),
        lambda: services.close(actor=request.user, incident=incident, version=version),
        "事件已办结",
    )


# ----- the commitment -----------------------------------------------------------------------------------


@login_required
def mine(request: AuthedRequest) -> HttpResponse:
    """The teacher's own page (a phone page): this year's commitment, their incidents and commendations."""
    require(request, "ethics.acknowledge")
    today = timezone.localdate()
    commitment = selectors.commitment_of(request.user, today.year)
    incidents = list(
        Incident.objects.filter(teacher=request.user).select_related("school").order_by("-reported_on", "-id")
    )
    return render(
        request,
        "ethics/mine.html",
        {
            "commitment": commitment,
            "ack": selectors.has_acknowledged(request.user, commitment) if commitment else None,
            "incidents": incidents,
            "veto": selectors.vetoed([request.user.pk], today).get(request.user.pk),
            "commendations": list(
                selectors.commendations_for(request.user).filter(teacher=request.user).order_by("-awarded_on")
            ),
        },
    )


@login_required
@require_POST
def acknowledge(request: AuthedRequest, pk: int) -> HttpResponse:
    require(request, "ethics.acknowledge")
    found = Commitment.objects.filter(pk=pk).only("year").first()
    commitment = selectors.commitment_of(request.user, found.year) if found is not None else None
    if commitment is None or commitment.pk != pk:
        raise Http404("承诺书不存在")
    return perform(
        request,
        redirect("ethics:mine"),
        lambda: services.acknowledge(actor=request.user, commitment=commitment),
        lambda r: "已签署师德承诺书" if r[1] else "您已签署过本年度师德承诺书",
    )


@login_required
def commitments(request: AuthedRequest) -> HttpResponse:
    require(request, "ethics.commitments")
    unit = viewed_unit(request)
    may_publish = can(request.user, "ethics.publish", unit) and unit.kind in (UnitKind.BUREAU, UnitKind.DISTRICT)
    if request.method == "POST":
        if not may_publish:
            raise PermissionDenied("只有教育局领导或科室人员可以发布师德承诺书")
        return post_form(
            request,
            CommitmentForm,
            redirect("ethics:commitments"),
            lambda d: services.publish_commitment(
                actor=request.user,
                unit=unit,
                data=services.CommitmentIn(year=d["year"], title=d["title"], text=d["text"], due_on=d["due_on"]),
            ),
            lambda c: f"已发布{c.title}",
            then=lambda c: redirect("ethics:commitment", c.pk),
        )
    listed = list(selectors.commitments_seen_from(unit))
    year = timezone.localdate().year
    return render(
        request,
        "ethics/commitments.html",
        {
            "unit": unit,
            "commitments": listed,
            "tabs": _tabs(request),
            "form": CommitmentForm(initial={"year": year, "title": f"{year} 年度师德承诺书"}) if may_publish else None,
        },
    )


@login_required
def commitment_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    require(request, "ethics.commitments")
    commitment = selectors.commitment_for(request.user, pk)
    if commitment is None:
        raise Http404("承诺书不存在")
    unit = viewed_unit(request)
    rows = selectors.progress(commitment, selectors.child_units(unit))
    total = selectors.progress(commitment, [unit]) if unit.path.startswith(commitment.unit.path) else []
    pending = None
    if unit.kind in selectors.SCHOOL_KINDS:
        pending = list(selectors.pending_people(commitment, unit)[:PENDING_SHOWN])
    return render(
        request,
        "ethics/commitment.html",
        {
            "commitment": commitment,
            "unit": unit,
            "rows": rows,
            "total": total[0] if total else None,
            "pending": pending,
            "pending_shown": PENDING_SHOWN,
        },
    )


# ----- commendations ------------------------------------------------------------------------------------


@login_required
def commendations(request: AuthedRequest) -> HttpResponse:
    if not _any(request, "ethics.read", "ethics.commend"):
        raise PermissionDenied("您当前的身份无权访问此页面")
    unit = viewed_unit(request)
    may_commend = can(request.user, "ethics.commend", unit)
    if request.method == "POST":
        if not may_commend:
            raise PermissionDenied("只有该校校长或上级教育行政部门可以登记表彰")
        back = redirect("ethics:commendations")
        form = CommendationForm(request.POST)
        if not form.is_valid():
            return post_form(request, CommendationForm, back, lambda d: None, "")
        d = form.cleaned_data
        teacher = selectors.find_teacher(request.user, "ethics.commend", d["teacher"])
        if teacher is None:
            messages.error(request, "在您的管辖范围内没有找到该教师（同名时请填写账号）")
            return back
        return perform(
            request,
            back,
            lambda: services.record_commendation(
                actor=request.user,
                teacher=teacher,
                data=services.CommendationIn(
                    honour=d["honour"],
                    level=d["level"],
                    awarded_on=d["awarded_on"],
                    awarded_by=d["awarded_by"],
                    name=d["name"],
                ),
            ),
            lambda c: f"已登记{c.teacher.display_name}的{c.label}",
        )
    qs = selectors.commendations_for(request.user).filter(school__path__under=unit.path)
    page = paginate(qs.order_by("-awarded_on", "-id"), page=request.GET.get("page"), page_size=50)
    return render(
        request,
        "ethics/commendations.html",
        {
            "unit": unit,
            "page": page,
            "rows": list(page.items),
            "form": CommendationForm() if may_commend else None,
            "tabs": _tabs(request),
            "staff": selectors.teachers_to_choose(request.user, "ethics.commend") if may_commend else [],
        },
    )
