"""Health pages: today's checks, the class check form (phone first), follow-up queue, one absence, alerts,
dashboard with trends and Excel, supplies, the disease table."""

from __future__ import annotations

import datetime as dt
import functools
import json
import secrets
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from dudao.accounts.requests import AuthedRequest
from dudao.core.errors import DomainError, Forbidden
from dudao.core.web import form_errors, perform, post_form, posted_version, require
from dudao.health import exports, selectors, services
from dudao.health.forms import ClearanceForm, CloseForm, FollowUpForm, MeasureForm, ReportForm, SupplyForm
from dudao.health.models import (
    AlertStatus,
    Disease,
    MeasureKind,
    Reason,
    Session,
    SupplyKind,
    Symptom,
    Syndrome,
)
from dudao.orgs.models import OrgUnit, Student, UnitKind
from dudao.orgs.scoping import acting_assignment, can
from dudao.orgs.selectors import ancestors_within_scope, units_for


def _day(request: AuthedRequest, name: str = "day") -> dt.date:
    raw = request.GET.get(name, "")
    try:
        day = dt.date.fromisoformat(raw) if raw else timezone.localdate()
    except ValueError:
        return timezone.localdate()
    return day if 2000 <= day.year <= 2100 else timezone.localdate()


def _acting_unit(request: AuthedRequest) -> OrgUnit | None:
    assignment = acting_assignment(request.user)
    return assignment.unit if assignment is not None else None


@login_required
def today(request: AuthedRequest) -> HttpResponse:
    """今日晨午检: the classes in scope with their check of the session; late ones red after the deadline."""
    require(request, "health.read")
    unit = _acting_unit(request)
    if unit is not None and unit.kind in (UnitKind.BUREAU, UnitKind.DISTRICT, UnitKind.OFFICE):
        return redirect("health:dashboard")
    day = _day(request)
    session = request.GET.get("session", Session.MORNING)
    if session not in Session.values:
        session = Session.MORNING
    rows = selectors.class_statuses(request.user, day, session)
    # A class teacher's scope is her class and alerts belong to the school: she is told about her class's own.
    class_scope = unit is not None and unit.kind == UnitKind.CLASS
    class_alerts = list(selectors.class_alerts(request.user)[:5]) if class_scope else None
    return render(
        request,
        "health/today.html",
        {
            "rows": rows,
            "day": day,
            "session": session,
            "sessions": Session.choices,
            "is_today": day == timezone.localdate(),
            "can_check": {k.pk for k in selectors.classes_for(request.user)}
            if can(request.user, "health.check")
            else set(),
            "late": sum(1 for r in rows if r.is_late),
            "done": sum(1 for r in rows if r.check),
            "deadline": selectors.deadline_passed(session=session),
            "queue": selectors.followup_queue(request.user).count() if can(request.user, "health.cases") else None,
            "awaiting": selectors.awaiting_clearance(request.user).count()
            if can(request.user, "health.cases")
            else None,
            "open_alerts": selectors.open_alert_count(request.user) if class_alerts is None else None,
            "class_alerts": class_alerts,
        },
    )


def _parse_check(request: AuthedRequest, students: list[Student]) -> list[services.AbsenceInput]:
    diseases = {d.code for d in Disease.objects.all()}
    items = []
    for s in students:
        reason = request.POST.get(f"reason_{s.pk}", "present")
        if reason == "present":
            continue
        symptoms = tuple(v for v in request.POST.getlist(f"sym_{s.pk}") if v)
        raw_temp = request.POST.get(f"temp_{s.pk}", "").strip()
        temp = None
        if raw_temp:
            try:
                temp = float(Decimal(raw_temp))
            except InvalidOperation as exc:
                raise DomainError(f"{s.name}：体温 “{raw_temp}” 不是数字", code="temperature_invalid") from exc
        suspected = request.POST.get(f"sus_{s.pk}", "")
        items.append(
            services.AbsenceInput(
                student=s.pk,
                reason=reason,
                symptoms=symptoms if reason != Reason.OTHER else (),
                temperature=temp if reason != Reason.OTHER else None,
                suspected=suspected if suspected in diseases and reason != Reason.OTHER else "",
            )
        )
    return items


@login_required
def check_form(request: AuthedRequest, class_pk: int) -> HttpResponse:
    """The class check: the roster; one tap 全勤, or mark each absent or unwell student."""
    require(request, "health.check")
    klass = get_object_or_404(selectors.classes_for(request.user), pk=class_pk)
    session = request.GET.get("session") or request.POST.get("session") or Session.MORNING
    if session not in Session.values:
        session = Session.MORNING
    day = timezone.localdate()
    students = list(selectors.enrolled_students(klass))
    if request.method == "POST":
        try:
            all_present = bool(request.POST.get("all_present"))
            items = [] if all_present else _parse_check(request, students)
            result = services.submit_check(
                actor=request.user,
                klass=klass,
                date=day,
                session=session,
                absences=items,
                idempotency_key=request.POST.get("token", ""),
                all_present=all_present,
            )
        except Forbidden as exc:
            raise PermissionDenied(exc.message) from exc
        except DomainError as exc:
            messages.error(request, exc.message)
            if exc.code == "all_present_would_clear":
                return redirect(f"{reverse('health:check', args=[klass.pk])}?session={session}")
        else:
            if not result.changed:
                messages.info(request, "本次晨午检已提交过，内容相同，未重复记录")
            else:
                verb = "已提交" if result.created else "已更正"
                messages.success(request, f"{klass.name}{Session(session).label}{verb}")
            if result.alerts:
                messages.warning(request, "已触发预警：" + "；".join(a.title for a in result.alerts))
            if result.check.early_returns:
                messages.warning(
                    request, f"有 {len(result.check.early_returns)} 名学生未办理复课证明即返校，请通知校医"
                )
            return redirect(f"{reverse('health:check', args=[klass.pk])}?session={session}")
    check = selectors.checks_for(request.user).filter(klass=klass, date=day, session=session).first()
    current = {a.student_id: a for a in check.absences.all()} if check else {}
    early = set(check.early_returns) if check else set()
    waiting = set(selectors.awaiting_clearance(request.user).filter(klass=klass).values_list("student_id", flat=True))
    recorded = (check.illness_count + check.other_count + check.unwell_count) if check else 0
    return render(
        request,
        "health/check.html",
        {
            "klass": klass,
            "session": session,
            "sessions": Session.choices,
            "day": day,
            "check": check,
            "recorded": recorded,
            "class_alerts": list(selectors.class_alerts(request.user, klass=klass)[:5]),
            "rows": [(s, current.get(s.pk), s.pk in early, s.pk in waiting) for s in students],
            "symptoms": Symptom.choices,
            "reasons": [("present", "正常"), *Reason.choices],
            "diseases": Disease.objects.exclude(code__in=("ILI", "OTHER")),
            # One key per rendered form: a timestamp in seconds gave the page shown after a submission the key of
            # the form just sent when both fell in the same second, so a quick correction was taken for a repeat.
            "token": f"{klass.pk}-{day:%Y%m%d}-{session}-{secrets.token_urlsafe(12)}",
        },
    )


@login_required
def followup_queue(request: AuthedRequest) -> HttpResponse:
    require(request, "health.cases")
    day = _day(request)
    return render(
        request,
        "health/followup.html",
        {
            "day": day,
            "queue": selectors.followup_queue(request.user, day)[:500],
            "awaiting": selectors.awaiting_clearance(request.user)[:500],
            "traced": selectors.absences_for(request.user)
            .filter(date=day)
            .exclude(reason=Reason.OTHER)
            .exclude(status="pending")
            .order_by("klass__path")[:500],
        },
    )


@login_required
def absence_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    require(request, "health.cases")
    absence = get_object_or_404(selectors.absences_for(request.user), pk=pk)
    from dudao.audit.services import record_access

    record_access(
        actor=request.user,
        action="health_absence_view",
        obj=absence,
        unit_path=absence.klass.path,
        details={"student": absence.student_id},
    )
    history = selectors.absences_for(request.user).filter(student_id=absence.student_id).order_by("-date", "-id")[:30]
    disease = absence.diagnosis or absence.suspected
    return render(
        request,
        "health/absence.html",
        {
            "absence": absence,
            "history": history,
            "disease": disease,
            "can_trace": can(request.user, "health.followup"),
            "followup_form": FollowUpForm(absence=absence),
            "clearance_form": ClearanceForm(),
            "alerts": absence.alerts.all(),
        },
    )


@login_required
@require_POST
def absence_followup(request: AuthedRequest, pk: int) -> HttpResponse:
    require(request, "health.followup")
    absence = get_object_or_404(selectors.absences_for(request.user), pk=pk)
    return post_form(
        request,
        functools.partial(FollowUpForm, absence=absence),
        redirect("health:absence", pk=pk),
        lambda data: services.record_followup(
            actor=request.user,
            absence=absence,
            diagnosis=data["diagnosis"],
            guardian_contacted=data["guardian_contacted"],
            clinic=data["clinic"],
            onset_date=data["onset_date"],
            expected_return=data["expected_return"],
            note=data["note"],
            version=posted_version(request),
        ),
        lambda r: "追因已登记" + ("；已触发预警：" + "；".join(a.title for a in r[1]) if r[1] else ""),
    )


@login_required
@require_POST
def absence_clearance(request: AuthedRequest, pk: int) -> HttpResponse:
    require(request, "health.followup")
    absence = get_object_or_404(selectors.absences_for(request.user), pk=pk)
    return post_form(
        request,
        ClearanceForm,
        redirect("health:absence", pk=pk),
        lambda data: services.clear_return(
            actor=request.user,
            absence=absence,
            return_date=data["return_date"],
            symptoms_ended_on=data["symptoms_ended_on"],
            certificate_no=data["certificate_no"],
            certificate=data.get("certificate"),
            version=posted_version(request),
        ),
        "复课已办理",
    )


@login_required
def alerts(request: AuthedRequest) -> HttpResponse:
    require(request, "health.read")
    status = request.GET.get("status", "open")
    rows = selectors.alerts_for(request.user)
    if status == "open":
        rows = rows.unresolved()
    elif status in AlertStatus.values:
        rows = rows.filter(status=status)
    return render(
        request,
        "health/alerts.html",
        {"alerts": rows[:300], "status": status, "statuses": AlertStatus.choices, "now": timezone.now()},
    )


@login_required
def alert_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    require(request, "health.read")
    alert = get_object_or_404(selectors.alerts_for(request.user), pk=pk)
    show_names = can(request.user, "health.cases")
    return render(
        request,
        "health/alert.html",
        {
            "alert": alert,
            "cases": alert.cases.select_related("student", "klass", "diagnosis", "suspected").order_by(
                "date", "klass__path"
            )
            if show_names
            else None,
            "case_count": alert.cases.count(),
            "measures": alert.measures.all(),
            "can_work": can(request.user, "health.alert", alert.school),
            "report_form": ReportForm(),
            "measure_form": MeasureForm(),
            "close_form": CloseForm(),
            "now": timezone.now(),
        },
    )


def _alert_action(request: AuthedRequest, pk: int) -> Any:
    require(request, "health.alert")
    return get_object_or_404(selectors.alerts_for(request.user), pk=pk)


@login_required
@require_POST
def alert_acknowledge(request: AuthedRequest, pk: int) -> HttpResponse:
    alert = _alert_action(request, pk)
    return perform(
        request,
        redirect("health:alert", pk=pk),
        lambda: services.acknowledge_alert(actor=request.user, alert=alert, version=posted_version(request)),
        "已确认预警",
    )


@login_required
@require_POST
def alert_report(request: AuthedRequest, pk: int) -> HttpResponse:
    alert = _alert_action(request, pk)
    return post_form(
        request,
        ReportForm,
        redirect("health:alert", pk=pk),
        lambda data: services.report_alert(
            actor=request.user,
            alert=alert,
            reported_at=data["reported_at"],
            reference=data["reference"],
            version=posted_version(request),
        ),
        "已记录报告疾控",
    )


@login_required
@require_POST
def alert_measure(request: AuthedRequest, pk: int) -> HttpResponse:
    alert = _alert_action(request, pk)
    return post_form(
        request,
        MeasureForm,
        redirect("health:alert", pk=pk),
        lambda data: services.add_measure(
            actor=request.user,
            alert=alert,
            kind=data["kind"],
            starts_on=data["starts_on"],
            ends_on=data["ends_on"],
            note=data["note"],
            version=posted_version(request),
        ),
        "处置措施已记录",
    )


@login_required
@require_POST
def alert_close(request: AuthedRequest, pk: int) -> HttpResponse:
    alert = _alert_action(request, pk)
    return post_form(
        request,
        CloseForm,
        redirect("health:alert", pk=pk),
        lambda data: services.close_alert(
            actor=request.user, alert=alert, summary=data["summary"], version=posted_version(request)
        ),
        "预警已结案",
    )


def _dashboard_unit(request: AuthedRequest) -> OrgUnit:
    raw = request.GET.get("unit", "")
    if raw.isdigit():
        return get_object_or_404(units_for(request.user), pk=int(raw))
    unit = _acting_unit(request)
    if unit is None:
        raise PermissionDenied("没有所属单位")
    return unit


@login_required
def dashboard(request: AuthedRequest) -> HttpResponseBase:
    """By city, district, school, grade/class and day: checks done, attendance, illness rate, alerts, clearances;
    30-day trend and symptom mix (ECharts); Excel export."""
    require(request, "health.read")
    unit = _dashboard_unit(request)
    day = _day(request)
    rows = selectors.area_rows(request.user, unit, day)
    start = day - dt.timedelta(days=29)
    trend = selectors.daily_rates(request.user, unit, start, day)
    mix = selectors.symptom_mix(request.user, unit, start, day)
    if request.GET.get("format") == "xlsx":
        return exports.dashboard_xlsx(unit, day, rows)
    totals = selectors.area_totals(unit, rows)
    chart = {
        "labels": [f.date.strftime("%m-%d") for f in trend],
        "illness": [f.illness_pct for f in trend],
        "attendance": [f.attendance_pct for f in trend],
        "mix": [
            {"name": Syndrome(k).label if k in Syndrome.values else Syndrome.OTHER.label, "value": v}
            for k, v in sorted(mix.items())
        ],
    }
    return render(
        request,
        "health/dashboard.html",
        {
            "unit": unit,
            "day": day,
            "rows": rows,
            "totals": totals,
            "chart": json.dumps(chart, ensure_ascii=False),
            "ancestors": ancestors_within_scope(request.user, unit),
            "previous": day - dt.timedelta(days=1),
            "query": request.GET.urlencode(),
        },
    )


@login_required
def supplies(request: AuthedRequest) -> HttpResponse:
    require(request, "health.read")
    rows = selectors.supply_rows(request.user)
    unit = _acting_unit(request)
    form = None
    if unit is not None and unit.kind == UnitKind.SCHOOL and can(request.user, "health.supplies"):
        form = SupplyForm(initial={"date": timezone.localdate()})
        if request.method == "POST":
            form = SupplyForm(request.POST)
            if form.is_valid():
                data = form.cleaned_data
                return perform(
                    request,
                    redirect("health:supplies"),
                    lambda: services.record_supply(
                        actor=request.user,
                        school=unit,
                        kind=data["kind"],
                        date=data["date"],
                        received=data["received"],
                        used=data["used"],
                        stock=data["stock"],
                    ),
                    "物资已登记",
                )
            messages.error(request, form_errors(form))
    elif request.method == "POST":
        raise PermissionDenied("只有学校的校医、学校管理员或校长可以登记防疫物资")
    return render(
        request,
        "health/supplies.html",
        {"rows": rows[:500], "form": form, "short": sum(1 for r in rows if r[2]), "kinds": SupplyKind.choices},
    )


@login_required
def diseases(request: AuthedRequest) -> HttpResponse:
    require(request, "health.read")
    return render(
        request,
        "health/diseases.html",
        {"diseases": Disease.objects.prefetch_related("thresholds"), "measures": MeasureKind.choices},
    )
