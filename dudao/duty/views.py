"""Duty pages: who is on duty now, my shifts and sign-in, rosters (plan, publish, log), plans and drills,
inspection responses, leave-the-city requests."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from dudao.accounts.requests import AuthedRequest
from dudao.core.context import current
from dudao.core.errors import DomainError, Forbidden
from dudao.core.excel import ImportRejected, xlsx_response
from dudao.core.files import file_response
from dudao.core.pagination import paginate
from dudao.core.web import form_errors, perform, post_form, posted_version, require
from dudao.duty import excel, selectors, services
from dudao.duty.forms import CampaignForm, DrillForm, LeaveForm, LogForm, PlanForm, RosterForm, ShiftForm, TriggerForm
from dudao.duty.models import DutyShift, LeaveStatus, PlanType, ShiftRole
from dudao.orgs.models import SchoolType, UnitKind
from dudao.orgs.roles import WORK_ROLES, Role
from dudao.orgs.scoping import can
from dudao.orgs.selectors import account_by_id, active_staff_under, units_for
from dudao.orgs.web import acting_unit, viewed_unit

# Missed sign-ins listed by name on the duty page; the rest are counted (drill into a district for them).
MISSED_SHOWN = 50


# ----- who is on duty now ---------------------------------------------------------------------


@login_required
def now(request: AuthedRequest) -> HttpResponse:
    require(request, "duty.read")
    unit = viewed_unit(request)
    show = request.GET.get("show", "")
    if request.GET.get("missed") == "1":  # the older link of the home card
        show = "missed"
    summary: list[selectors.DutySummary] = []
    if selectors.roster_units_under(unit) > settings.DUDAO_DETAIL_LIMIT:
        # A city: the unit's own row, then one line per district (drill in), counted in SQL.
        rows = selectors.on_duty_now(request.user, unit=unit, only=[unit.pk])
        summary = selectors.now_summary(unit)
    else:
        rows = selectors.on_duty_now(request.user, unit=unit)
    missed_qs = selectors.missed_for(request.user).filter(unit__path__under=unit.path)
    missed = list(missed_qs.order_by("unit__path", "starts_at")[:MISSED_SHOWN])
    if show == "gaps":
        rows = [r for r in rows if r.has_no_leader]
    elif show == "missed":
        # Only where someone has not signed in: the units of the missed shifts, the districts that have any.
        late_units = set(missed_qs.values_list("unit_id", flat=True).distinct())
        rows = [r for r in rows if r.unit.pk in late_units]
        summary = [s for s in summary if s.missed]
    return render(
        request,
        "duty/now.html",
        {
            "unit": unit,
            "up": unit.get_parent() if unit.pk != acting_unit(request).pk else None,
            "rows": rows,
            "summary": summary,
            "missed": missed,
            "missed_total": len(missed) if len(missed) < MISSED_SHOWN else missed_qs.count(),
            "now": timezone.localtime(),
            "show": show,
            "uncovered": sum(1 for r in rows if r.is_uncovered) + sum(s.uncovered for s in summary),
            "leaderless": sum(1 for r in rows if r.has_no_leader) + sum(s.leaderless for s in summary),
            "away": sum(len(r.away) for r in rows) + sum(s.away for s in summary),
            "deadline": settings.DUDAO_DUTY_SIGNIN_DEADLINE,
        },
    )


@login_required
def mine(request: AuthedRequest) -> HttpResponse:
    shifts = list(selectors.my_shifts(request.user).prefetch_related("log_entries")[:50])
    return render(request, "duty/mine.html", {"shifts": shifts, "now": timezone.now(), "log_form": LogForm()})


def _own_or_scoped_shift(request: AuthedRequest, pk: int) -> DutyShift:
    shift = selectors.shift_to_sign(request.user, pk)
    if shift is None:
        raise Http404
    return shift


@login_required
@require_POST
def sign_in(request: AuthedRequest, pk: int) -> HttpResponse:
    shift = _own_or_scoped_shift(request, pk)
    nxt = request.POST.get("next", "")
    safe = nxt.startswith("/") and url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()})
    back = redirect(nxt if safe else reverse("duty:mine"))
    return perform(
        request,
        back,
        lambda: services.sign_in(
            actor=request.user, shift=shift, user_agent=request.headers.get("User-Agent", ""), ip=current().ip
        ),
        lambda s: f"已签到（{timezone.localtime(s.signed_at):%H:%M}）",
    )


@login_required
@require_POST
def add_log(request: AuthedRequest, pk: int) -> HttpResponse:
    shift = _own_or_scoped_shift(request, pk)
    back = redirect("duty:mine") if shift.person_id == request.user.pk else redirect("duty:roster", shift.roster_id)
    return post_form(
        request,
        LogForm,
        back,
        lambda data: services.add_log_entry(
            actor=request.user,
            shift=shift,
            kind=data["kind"],
            text=data["text"],
            outcome=data["outcome"],
            escalated_to=data["escalated_to"],
        ),
        "已记入值班日志",
    )


# ----- rosters ----------------------------------------------------------------------------------


@login_required
def rosters(request: AuthedRequest) -> HttpResponse:
    require(request, "duty.read")
    form = RosterForm(request.POST or None)
    may_plan = can(request.user, "duty.change") and acting_unit(request).kind in services.ROSTER_UNIT_KINDS
    if request.method == "POST":
        if not may_plan:
            raise PermissionDenied("您无权编排值班表")
        if not form.is_valid():
            messages.error(request, form_errors(form))
        else:
            data = form.cleaned_data
            try:
                roster = services.create_roster(
                    actor=request.user,
                    unit=acting_unit(request),
                    title=data["title"],
                    starts_on=data["starts_on"],
                    ends_on=data["ends_on"],
                )
            except Forbidden as exc:
                raise PermissionDenied(exc.message) from exc
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, "值班表已创建，请添加班次")
                return redirect("duty:roster", roster.pk)
    page = paginate(
        selectors.rosters_for(request.user).order_by("-starts_on", "unit__path"), page=request.GET.get("page")
    )
    return render(request, "duty/rosters.html", {"page": page, "form": form, "may_plan": may_plan})


@login_required
def roster(request: AuthedRequest, pk: int, import_errors: list[Any] | None = None) -> HttpResponse:
    require(request, "duty.read")
    item = get_object_or_404(selectors.rosters_for(request.user), pk=pk)
    shifts = list(item.shifts.select_related("person", "signin").prefetch_related("log_entries__author"))
    may_plan = can(request.user, "duty.change", item.unit)
    return render(
        request,
        "duty/roster.html",
        {
            "roster": item,
            "shifts": shifts,
            "flags": selectors.roster_flags(item, shifts),
            "may_plan": may_plan,
            "staff": active_staff_under(item.unit)[:500] if may_plan else [],
            "shift_form": ShiftForm(initial={"version": item.version}),
            "roles": ShiftRole.choices,
            "log_form": LogForm(),
            "errors": import_errors or [],
        },
    )


@login_required
def roster_export(request: AuthedRequest, pk: int) -> Any:
    require(request, "duty.read")
    item = get_object_or_404(selectors.rosters_for(request.user), pk=pk)
    return xlsx_response(
        filename=f"{item.unit.name}-{item.title}.xlsx",
        headers=excel.EXPORT_HEADERS,
        rows=excel.export_rows(item),
        sheet_name="值班表",
        column_widths=excel.EXPORT_WIDTHS,
        title=f"{item.unit.name}{item.title}（{item.starts_on:%Y-%m-%d} 至 {item.ends_on:%Y-%m-%d}）",
    )


@login_required
def roster_template(request: AuthedRequest) -> HttpResponse:
    require(request, "duty.change")
    response = HttpResponse(
        excel.template_bytes(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = 'attachment; filename="duty-roster-template.xlsx"'
    return response


@login_required
@require_POST
def roster_import(request: AuthedRequest, pk: int) -> HttpResponse:
    require(request, "duty.change")
    item = get_object_or_404(selectors.rosters_for(request.user, "change"), pk=pk)
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, "请选择要导入的 Excel 文件")
        return redirect("duty:roster", item.pk)
    try:
        count = excel.import_shifts(actor=request.user, roster=item, upload=upload, filename=upload.name or "")
    except Forbidden as exc:
        raise PermissionDenied(exc.message) from exc
    except ImportRejected as exc:
        messages.error(request, exc.message)
        return roster(request, item.pk, import_errors=exc.errors)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已导入 {count} 个班次")
    return redirect("duty:roster", item.pk)


@login_required
@require_POST
def add_shift(request: AuthedRequest, pk: int) -> HttpResponse:
    require(request, "duty.change")
    item = get_object_or_404(selectors.rosters_for(request.user, "change"), pk=pk)
    return post_form(
        request,
        ShiftForm,
        redirect("duty:roster", item.pk),
        lambda data: services.add_shift(
            actor=request.user,
            roster=item,
            person=account_by_id(data["person"]),
            role=data["role"],
            starts_at=data["starts_at"],
            ends_at=data["ends_at"],
            phone=data["phone"],
            version=posted_version(request),
        ),
        lambda s: f"已添加班次：{s.person.display_name} {timezone.localtime(s.starts_at):%m-%d %H:%M}",
    )


@login_required
@require_POST
def remove_shift(request: AuthedRequest, pk: int, shift_pk: int) -> HttpResponse:
    require(request, "duty.change")
    item = get_object_or_404(selectors.rosters_for(request.user, "change"), pk=pk)
    shift = get_object_or_404(item.shifts.all(), pk=shift_pk)
    return perform(
        request,
        redirect("duty:roster", item.pk),
        lambda: services.remove_shift(actor=request.user, shift=shift, version=posted_version(request)),
        "班次已删除",
    )


@login_required
@require_POST
def publish(request: AuthedRequest, pk: int) -> HttpResponse:
    require(request, "duty.change")
    item = get_object_or_404(selectors.rosters_for(request.user, "change"), pk=pk)
    return perform(
        request,
        redirect("duty:roster", item.pk),
        lambda: services.publish_roster(actor=request.user, roster=item, version=posted_version(request)),
        "值班表已发布，本单位和上级单位可见",
    )


# ----- plans, drills, coverage -----------------------------------------------------------------


@login_required
def plans(request: AuthedRequest) -> HttpResponse:
    require(request, "plan.read")
    page = paginate(selectors.plans_for(request.user).order_by("unit__path", "plan_type"), page=request.GET.get("page"))
    return render(
        request,
        "duty/plans.html",
        {"page": page, "may_edit": can(request.user, "plan.change"), "types": PlanType.choices},
    )


def _steps_from(request: AuthedRequest) -> list[services.StepIn]:
    titles = request.POST.getlist("step_title")
    roles = request.POST.getlist("step_role")
    details = request.POST.getlist("step_detail")
    return [
        services.StepIn(title=t, responsible_role=r, detail=d)
        for t, r, d in zip(titles, roles, details + [""] * len(titles), strict=False)
    ]


@login_required
def plan_edit(request: AuthedRequest) -> HttpResponse:
    require(request, "plan.change")
    unit = acting_unit(request)
    plan_type = request.GET.get("type") or request.POST.get("plan_type") or PlanType.INSPECTION
    existing = selectors.plans_for(request.user, "change").filter(unit=unit, plan_type=plan_type).first()
    if request.method == "POST":
        form = PlanForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                plan = services.save_plan(
                    actor=request.user,
                    unit=unit,
                    plan_type=data["plan_type"],
                    title=data["title"],
                    summary=data["summary"],
                    steps=_steps_from(request),
                    version=posted_version(request),
                )
            except Forbidden as exc:
                raise PermissionDenied(exc.message) from exc
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, "预案已保存")
                return redirect("duty:plan", plan.pk)
        else:
            messages.error(request, form_errors(form))
    else:
        initial: dict[str, object] = {"plan_type": plan_type}
        if existing is not None:
            initial.update(title=existing.title, summary=existing.summary, version=existing.version)
        form = PlanForm(initial=initial)
    steps = list(existing.steps.all()) if existing else []
    roles = [(r.value, r.label) for r in Role if r in WORK_ROLES]
    return render(
        request,
        "duty/plan_edit.html",
        {"form": form, "steps": steps, "blank_steps": range(max(3, 6 - len(steps))), "roles": roles, "unit": unit},
    )


@login_required
def plan(request: AuthedRequest, pk: int) -> HttpResponse:
    require(request, "plan.read")
    item = get_object_or_404(selectors.plans_for(request.user), pk=pk)
    drills = list(selectors.drills_for(request.user).filter(plan=item).prefetch_related("photos")[:50])
    may_drill = can(request.user, "drill.change", item.unit)
    form = DrillForm(request.POST or None, initial={"held_on": timezone.localdate()})
    if request.method == "POST":
        if not may_drill:
            raise PermissionDenied("您无权登记该单位的演练")
        if form.is_valid():
            data = form.cleaned_data
            photos = [(f, f.name or "") for f in request.FILES.getlist("photos")]
            return perform(
                request,
                redirect("duty:plan", item.pk),
                lambda: services.record_drill(actor=request.user, plan=item, photos=photos, **data),
                "演练已登记",
            )
        messages.error(request, form_errors(form))
    return render(
        request,
        "duty/plan.html",
        {"plan": item, "drills": drills, "may_drill": may_drill, "form": form},
    )


@login_required
def drill_photo(request: AuthedRequest, pk: int, file_pk: int) -> Any:
    require(request, "drill.read")
    drill = get_object_or_404(selectors.drills_for(request.user), pk=pk)
    return file_response(get_object_or_404(drill.photos.all(), pk=file_pk), as_attachment=False)


@login_required
def coverage(request: AuthedRequest) -> HttpResponse:
    require(request, "drill.read")
    unit = viewed_unit(request)
    term = selectors.term_of(timezone.localdate())
    context: dict[str, Any] = {"unit": unit, "term": term, "types": PlanType.choices}
    if unit.pk != acting_unit(request).pk:
        context["up"] = unit.get_parent()
    if selectors.roster_units_under(unit, (UnitKind.SCHOOL,)) > settings.DUDAO_DETAIL_LIMIT:
        # A city: one line per district with schools drilled per plan type; drill in for the schools.
        summary = selectors.coverage_summary(unit, term=term)
        context["summary"] = [(row, [row.drilled.get(value, 0) for value, _ in PlanType.choices]) for row in summary]
        context["covered"] = [sum(row.drilled.get(value, 0) for row in summary) for value, _ in PlanType.choices]
        context["schools"] = sum(row.schools for row in summary)
        return render(request, "duty/coverage.html", context)
    rows = selectors.drill_coverage(request.user, term=term, unit=unit)
    context["rows"] = rows
    context["covered"] = [sum(1 for r in rows if r.counts.get(value)) for value, _ in PlanType.choices]
    context["schools"] = len(rows)
    return render(request, "duty/coverage.html", context)


# ----- 迎检响应 -------------------------------------------------------------------------------------------


@login_required
def responses(request: AuthedRequest) -> HttpResponse:
    require(request, "plan.read")
    items = list(selectors.responses_for(request.user)[:50])
    may_trigger = can(request.user, "plan.trigger")
    form = TriggerForm(request.POST or None)
    if request.method == "POST":
        if not may_trigger:
            raise PermissionDenied("只有教育局可以发起迎检响应")
        if form.is_valid():
            data = form.cleaned_data
            try:
                response = services.trigger_inspection(
                    actor=request.user,
                    districts=[int(d) for d in request.POST.getlist("districts") if d.isdigit()],
                    school_types=request.POST.getlist("school_types"),
                    schools=[int(s) for s in request.POST.getlist("schools") if s.isdigit()],
                    **data,
                )
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, f"已发起迎检响应：{response.schools.count()} 所学校")
                return redirect("duty:response", response.pk)
        else:
            messages.error(request, form_errors(form))
    scope = units_for(request.user)
    return render(
        request,
        "duty/responses.html",
        {
            "items": items,
            "form": form,
            "may_trigger": may_trigger,
            "districts": scope.filter(kind=UnitKind.DISTRICT).order_by("path") if may_trigger else [],
            "schools": scope.filter(kind=UnitKind.SCHOOL, is_closed=False).order_by("path")[:2000]
            if may_trigger
            else [],
            "school_types": SchoolType.choices,
        },
    )


@login_required
def response(request: AuthedRequest, pk: int) -> HttpResponse:
    require(request, "plan.read")
    item = get_object_or_404(selectors.responses_for(request.user), pk=pk)
    targets = list(selectors.response_targets_for(request.user).filter(response=item).order_by("school__path"))
    school_pk = request.GET.get("school")
    chosen = next((t for t in targets if str(t.school_id) == school_pk), targets[0] if len(targets) == 1 else None)
    tasks = []
    if chosen is not None:
        tasks = list(selectors.target_tasks(chosen))
        for task in tasks:
            task.may_complete = task.done_at is None and services.may_complete(request.user, task)  # type: ignore[attr-defined]
    return render(
        request, "duty/response.html", {"response": item, "targets": targets, "chosen": chosen, "tasks": tasks}
    )


@login_required
@require_POST
def complete_task(request: AuthedRequest, pk: int, task_pk: int) -> HttpResponse:
    require(request, "plan.read")
    item = get_object_or_404(selectors.responses_for(request.user), pk=pk)
    task = get_object_or_404(selectors.visible_tasks(request.user, item).select_related("target"), pk=task_pk)
    return perform(
        request,
        redirect(f"{reverse('duty:response', args=[item.pk])}?school={task.target.school_id}"),
        lambda: services.complete_task(actor=request.user, task=task, note=request.POST.get("note", "")),
        f"已完成：{task.title}",
    )


# ----- 离市外出 -------------------------------------------------------------------------------------------


@login_required
def leave(request: AuthedRequest) -> HttpResponse:
    require(request, "leave.read")
    today = timezone.localdate()
    unit = acting_unit(request)
    current_campaign = services.campaign_for(unit, today)
    may_file = can(request.user, "leave.request") and current_campaign is not None
    form = LeaveForm(request.POST or None)
    if request.method == "POST":
        if not may_file:
            raise PermissionDenied("当前没有需要审批的管控期，或您的身份不能提交申请")
        if form.is_valid():
            data = form.cleaned_data
            deputy = account_by_id(data.pop("deputy"))
            assert current_campaign is not None
            try:
                filed = services.file_leave(actor=request.user, campaign=current_campaign, deputy=deputy, **data)
            except Forbidden as exc:
                raise PermissionDenied(exc.message) from exc
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                if filed.overlapping_shifts:
                    messages.warning(
                        request,
                        f"注意：外出期间您有 {filed.overlapping_shifts} 个值班班次，请安排调班；审批人将看到此提示",
                    )
                messages.success(request, "外出申请已提交，等待局领导审批")
                return redirect("duty:leave")
        else:
            messages.error(request, form_errors(form))
    page = paginate(selectors.leave_requests_for(request.user), page=request.GET.get("page"))
    return render(
        request,
        "duty/leave.html",
        {
            "page": page,
            "form": form,
            "may_file": may_file,
            "campaign": current_campaign,
            "campaigns": list(selectors.campaigns_for(request.user)[:10]),
            "campaign_form": CampaignForm(),
            "may_campaign": can(request.user, "leave.campaign"),
            "deputies": active_staff_under(unit).exclude(pk=request.user.pk)[:500] if may_file else [],
            "may_approve": can(request.user, "leave.approve"),
            "pending": LeaveStatus.PENDING,
        },
    )


@login_required
@require_POST
def campaign_create(request: AuthedRequest) -> HttpResponse:
    require(request, "leave.campaign")
    return post_form(
        request,
        CampaignForm,
        redirect("duty:leave"),
        lambda data: services.set_campaign(actor=request.user, **data),
        "管控期已设置",
    )


@login_required
@require_POST
def leave_decide(request: AuthedRequest, pk: int) -> HttpResponse:
    require(request, "leave.approve")
    item = get_object_or_404(selectors.leave_requests_for(request.user), pk=pk)
    approve = request.POST.get("decision") == "approve"
    return perform(
        request,
        redirect("duty:leave"),
        lambda: services.decide_leave(
            actor=request.user,
            request=item,
            approve=approve,
            note=request.POST.get("note", ""),
            version=posted_version(request),
        ),
        "已批准" if approve else "已退回（未批准）",
    )


@login_required
@require_POST
def leave_withdraw(request: AuthedRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(selectors.own_leave_requests(request.user), pk=pk)
    return perform(
        request,
        redirect("duty:leave"),
        lambda: services.withdraw_leave(actor=request.user, request=item, version=posted_version(request)),
        "已撤回申请",
    )
