"""Pages of returns: the list of screenings and suspensions, a round's counts with the class sheets, the
questionnaire (teacher for a student, staff for themselves), the 暂缓返校 list with the doctor's clearance, a
suspension with its 停课不停学 arrangement, and the opening day's staggered arrival plan (printable)."""

from __future__ import annotations

import datetime as dt
from functools import partial

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from dudao.accounts.requests import AuthedRequest
from dudao.calendars import selectors as calendar
from dudao.core.pagination import paginate
from dudao.core.web import perform, post_form, posted_version, require
from dudao.orgs.models import OrgUnit, Student, StudentStatus, UnitKind
from dudao.orgs.scoping import can
from dudao.orgs.selectors import units_for
from dudao.orgs.web import acting_unit, viewed_unit
from dudao.returns import selectors, services, tokens
from dudao.returns.forms import (
    AnswerForm,
    ArrangementForm,
    ArrivalForm,
    ClearForm,
    LiftForm,
    RoundForm,
    SuspensionForm,
)
from dudao.returns.models import RoundStatus, ScreeningAnswer, ScreeningRound, Suspension, SuspensionStatus

PLAN_KINDS = (UnitKind.SCHOOL, UnitKind.CAMPUS, UnitKind.GRADE, UnitKind.CLASS)


def _round(request: AuthedRequest, pk: int) -> ScreeningRound:
    require(request, "returns.read")
    return get_object_or_404(selectors.rounds_for(request.user), pk=pk)


def _round_unit(request: AuthedRequest, row: ScreeningRound) -> OrgUnit:
    """The unit a round's page looks at: the round's own unit, or a school or class inside it (`?unit=`)."""
    unit = viewed_unit(request)
    if row.unit.path.startswith(unit.path):
        return row.unit
    if not unit.path.startswith(row.unit.path):
        raise Http404("该筛查不包括此单位")
    return unit


def _suspension_units(unit: OrgUnit) -> list[tuple[int, str]]:
    """A school and its grades and classes, for the 停课对象 picker."""
    if unit.kind not in (UnitKind.SCHOOL, UnitKind.GRADE, UnitKind.CLASS):
        return []
    units = OrgUnit.objects.filter(path__under=unit.path, kind__in=services.SUSPENDED_KINDS, is_closed=False)
    return [(u.pk, f"{'　' * (u.depth - unit.depth)}{u.name}") for u in units.order_by("path")]


@login_required
def index(request: AuthedRequest) -> HttpResponse:
    require(request, "returns.read")
    unit = viewed_unit(request)
    today = timezone.localdate()
    rounds = selectors.rounds_at(request.user, unit)
    page = paginate(rounds.order_by("-return_on", "-id"), page=request.GET.get("page"), page_size=20)
    suspensions = list(selectors.active_suspensions_covering(unit, today)[:50])
    may_screen = can(request.user, "returns.screen", unit) and unit.kind in (UnitKind.DISTRICT, UnitKind.SCHOOL)
    suspend_units = _suspension_units(unit) if can(request.user, "returns.suspend", unit) else []
    opening = calendar.next_opening_day(unit, today)
    return render(
        request,
        "returns/index.html",
        {
            "unit": unit,
            "page": page,
            "suspensions": suspensions,
            "today": today,
            "opening": opening,
            "round_form": RoundForm(initial={"return_on": opening}) if may_screen else None,
            "suspension_form": SuspensionForm(units=suspend_units) if suspend_units else None,
            "school": services.school_of(unit) if unit.kind in PLAN_KINDS else None,
        },
    )


@login_required
@require_POST
def open_round(request: AuthedRequest) -> HttpResponse:
    require(request, "returns.screen")
    unit = viewed_unit(request) if request.GET.get("unit") else acting_unit(request)
    back = redirect(reverse("returns:index") + f"?unit={unit.pk}")
    return post_form(
        request,
        RoundForm,
        back,
        lambda d: services.open_round(
            actor=request.user,
            unit=unit,
            data=services.RoundIn(
                name=d["name"],
                return_on=d["return_on"],
                risk_areas=d["risk_areas"],
                lookback_days=d["lookback_days"],
                hold_days=d["hold_days"],
                questions=tuple(d["questions"].splitlines()),
            ),
        ),
        lambda r: f"已发起{r.name}",
        then=lambda r: redirect("returns:round", r.pk),
    )


@login_required
def round_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    row = _round(request, pk)
    unit = _round_unit(request, row)
    total, rows = selectors.round_counts(row, unit)
    may_names = can(request.user, "returns.names", unit)
    mine = selectors.own_answer(request.user, row) if can(request.user, "returns.self") else None
    return render(
        request,
        "returns/round.html",
        {
            "round": row,
            "unit": unit,
            "total": total,
            "rows": rows,
            "may_names": may_names,
            "may_self": can(request.user, "returns.self") and row.status == RoundStatus.OPEN,
            "may_close": can(request.user, "returns.screen", row.unit) and row.status == RoundStatus.OPEN,
            "mine": mine,
            "up": unit.get_parent() if unit.pk != row.unit.pk and unit.depth > row.unit.depth else None,
        },
    )


@login_required
@require_POST
def close_round(request: AuthedRequest, pk: int) -> HttpResponse:
    row = _round(request, pk)
    require(request, "returns.screen")
    return perform(
        request,
        redirect("returns:round", row.pk),
        lambda: services.close_round(actor=request.user, round=row, version=posted_version(request)),
        "筛查已结束",
    )


@login_required
def class_sheet(request: AuthedRequest, pk: int, class_pk: int) -> HttpResponse:
    row = _round(request, pk)
    require(request, "returns.names")
    klass = get_object_or_404(units_for(request.user, "read").filter(kind=UnitKind.CLASS), pk=class_pk)
    if not klass.path.startswith(row.unit.path) or not can(request.user, "returns.names", klass):
        raise Http404("该筛查不包括此班级")
    sheet = selectors.class_sheet(request.user, row, klass)
    services.log_list_access(actor=request.user, round=row, unit=klass, shown=len(sheet))
    links = {
        s.student.pk: request.build_absolute_uri(
            reverse("returns:public_answer", args=[tokens.answer_token(row.pk, s.student.pk)])
        )
        for s in sheet
    }
    return render(
        request,
        "returns/class.html",
        {
            "round": row,
            "klass": klass,
            "sheet": [(s, links[s.student.pk]) for s in sheet],
            "answered": sum(1 for s in sheet if s.answer is not None),
            "may_answer": can(request.user, "returns.answer", klass) and row.status == RoundStatus.OPEN,
        },
    )


@login_required
def student_answer(request: AuthedRequest, pk: int, student_pk: int) -> HttpResponse:
    row = _round(request, pk)
    require(request, "returns.answer")
    student = get_object_or_404(
        Student.objects.for_user(request.user).filter(status=StudentStatus.ENROLLED).select_related("klass"),
        pk=student_pk,
    )
    if not student.klass.path.startswith(row.unit.path):
        raise Http404("该筛查不包括此学生")
    back = reverse("returns:class", args=[row.pk, student.klass_id])
    if request.method == "POST":
        form = AnswerForm(request.POST, round=row)
        if form.is_valid():
            return perform(
                request,
                redirect(request.path),
                lambda: services.answer_for_student(
                    actor=request.user,
                    round=row,
                    student=student,
                    data=form.answer_in(),
                    version=form.cleaned_data["version"],
                ),
                lambda a: f"已保存{student.name}的筛查：" + ("暂缓返校" if a.is_held else "可按时返校"),
                then=lambda a: redirect(back),
            )
    else:
        existing = ScreeningAnswer.objects.filter(round=row, student=student).select_related("round").first()
        form = AnswerForm(initial=AnswerForm.initial_of(existing), round=row)
    return render(request, "returns/answer.html", {"round": row, "form": form, "who": student.name, "back": back})


@login_required
def self_answer(request: AuthedRequest, pk: int) -> HttpResponse:
    row = _round(request, pk)
    require(request, "returns.self")
    back = reverse("returns:round", args=[row.pk])
    if request.method == "POST":
        form = AnswerForm(request.POST, round=row)
        if form.is_valid():
            return perform(
                request,
                redirect(request.path),
                lambda: services.answer_for_self(
                    actor=request.user, round=row, data=form.answer_in(), version=form.cleaned_data["version"]
                ),
                lambda a: "已提交本人筛查：" + ("暂缓返校，请联系校医" if a.is_held else "可按时返校"),
                then=lambda a: redirect(back),
            )
    else:
        existing = selectors.own_answer(request.user, row)
        form = AnswerForm(initial=AnswerForm.initial_of(existing), round=row)
    return render(request, "returns/answer.html", {"round": row, "form": form, "who": "本人", "back": back})


@login_required
def held(request: AuthedRequest, pk: int) -> HttpResponse:
    row = _round(request, pk)
    require(request, "returns.names")
    unit = _round_unit(request, row)
    page = paginate(selectors.held_list(request.user, row, unit), page=request.GET.get("page"), page_size=50)
    services.log_list_access(actor=request.user, round=row, unit=unit, shown=len(page.items))
    return render(
        request,
        "returns/held.html",
        {
            "round": row,
            "unit": unit,
            "page": page,
            "may_clear": can(request.user, "returns.clear"),
            "today": timezone.localdate(),
        },
    )


@login_required
@require_POST
def clear(request: AuthedRequest, pk: int) -> HttpResponse:
    require(request, "returns.clear")
    answer = get_object_or_404(selectors.answers_for(request.user), pk=pk)
    back = redirect(reverse("returns:held", args=[answer.round_id]) + f"?unit={answer.school_id}")
    return post_form(
        request,
        ClearForm,
        back,
        lambda d: services.clear_return(
            actor=request.user,
            answer=answer,
            cleared_on=d["cleared_on"],
            certificate_no=d["certificate_no"],
            version=d["version"],
        ),
        "已准予返校",
    )


# ----- suspensions ------------------------------------------------------------------------------


@login_required
@require_POST
def suspend(request: AuthedRequest) -> HttpResponse:
    require(request, "returns.suspend")
    unit = viewed_unit(request) if request.GET.get("unit") else acting_unit(request)
    choices = _suspension_units(unit)
    back = redirect(reverse("returns:index") + f"?unit={unit.pk}")

    def action(d: dict[str, object]) -> Suspension:
        target = get_object_or_404(units_for(request.user), pk=d["unit"])
        return services.suspend(
            actor=request.user,
            unit=target,
            data=services.SuspensionIn(
                starts_on=d["starts_on"],  # type: ignore[arg-type]
                ends_on=d["ends_on"],  # type: ignore[arg-type]
                reason=str(d["reason"]),
                reference=str(d["reference"]),
                online_plan=str(d["online_plan"]),
                online_link=str(d["online_link"]),
                teacher=str(d["teacher"]),
                teacher_phone=str(d["teacher_phone"]),
            ),
        )

    return post_form(
        request,
        partial(SuspensionForm, units=choices),
        back,
        action,
        lambda s: f"已登记{s.unit.name}停课",
        then=lambda s: redirect("returns:suspension", s.pk),
    )


@login_required
def suspension_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    require(request, "returns.read")
    row = get_object_or_404(selectors.suspensions_for(request.user), pk=pk)
    may_change = can(request.user, "returns.suspend", row.unit) and row.status == SuspensionStatus.ACTIVE
    initial = {
        "online_plan": row.online_plan,
        "online_link": row.online_link,
        "teacher": row.teacher,
        "teacher_phone": row.teacher_phone,
        "version": row.version,
    }
    return render(
        request,
        "returns/suspension.html",
        {
            "s": row,
            "link": request.build_absolute_uri(
                reverse("returns:public_suspension", args=[tokens.suspension_token(row.pk)])
            ),
            "arrangement_form": ArrangementForm(initial=initial) if may_change else None,
            "lift_form": LiftForm(initial={"return_on": timezone.localdate(), "version": row.version})
            if may_change
            else None,
        },
    )


@login_required
@require_POST
def arrangement(request: AuthedRequest, pk: int) -> HttpResponse:
    require(request, "returns.suspend")
    row = get_object_or_404(selectors.suspensions_for(request.user), pk=pk)
    return post_form(
        request,
        ArrangementForm,
        redirect("returns:suspension", row.pk),
        lambda d: services.update_arrangement(
            actor=request.user,
            suspension=row,
            data=services.SuspensionIn(
                starts_on=row.starts_on,
                ends_on=row.ends_on,
                reason=row.reason,
                online_plan=d["online_plan"],
                online_link=d["online_link"],
                teacher=d["teacher"],
                teacher_phone=d["teacher_phone"],
            ),
            version=d["version"],
        ),
        "已更新停课不停学安排",
    )


@login_required
@require_POST
def lift(request: AuthedRequest, pk: int) -> HttpResponse:
    require(request, "returns.suspend")
    row = get_object_or_404(selectors.suspensions_for(request.user), pk=pk)
    return post_form(
        request,
        LiftForm,
        redirect("returns:suspension", row.pk),
        lambda d: services.lift(actor=request.user, suspension=row, return_on=d["return_on"], version=d["version"]),
        lambda s: f"已解除停课，{s.lifted_on:%Y-%m-%d} 起复课",
    )


# ----- staggered arrival (错时错峰) --------------------------------------------------------------


def _plan_school(request: AuthedRequest) -> OrgUnit:
    unit = viewed_unit(request)
    if unit.kind != UnitKind.SCHOOL:
        school = services.school_of(unit) if unit.kind in (UnitKind.GRADE, UnitKind.CLASS, UnitKind.CAMPUS) else None
        if school is None:
            raise Http404("请先选择学校")
        unit = school
    return unit


def _plan_day(request: AuthedRequest, school: OrgUnit) -> dt.date:
    raw = request.GET.get("day", "")
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        today = timezone.localdate()
        return calendar.next_opening_day(school, today) or today


@login_required
def arrivals(request: AuthedRequest) -> HttpResponse:
    require(request, "returns.read")
    try:
        school = _plan_school(request)
    except Http404:
        return render(request, "returns/arrivals_pick.html", {"unit": viewed_unit(request)})
    day = _plan_day(request, school)
    grades = [(g.pk, g.name) for g in selectors.grades_of(school)]
    may_plan = can(request.user, "returns.plan", school)
    if not school.path.startswith(acting_unit(request).path) and not acting_unit(request).path.startswith(school.path):
        raise Http404("学校不在您的范围内")
    return render(
        request,
        "returns/arrivals.html",
        {
            "school": school,
            "day": day,
            "slots": selectors.arrival_plan(school, day),
            "form": ArrivalForm(initial={"day": day}, grades=grades) if may_plan and grades else None,
        },
    )


@login_required
@require_POST
def set_arrival(request: AuthedRequest) -> HttpResponse:
    require(request, "returns.plan")
    school = _plan_school(request)
    grades = {g.pk: g for g in selectors.grades_of(school)}
    day = request.POST.get("day", "")
    back = redirect(reverse("returns:arrivals") + f"?unit={school.pk}&day={day}")
    return post_form(
        request,
        partial(ArrivalForm, grades=[(pk, g.name) for pk, g in grades.items()]),
        back,
        lambda d: services.set_arrival(
            actor=request.user,
            school=school,
            data=services.ArrivalIn(
                grade=grades[d["grade"]],
                day=d["day"],
                arrives_from=d["arrives_from"],
                arrives_until=d["arrives_until"],
                gate=d["gate"],
                note=d["note"],
            ),
        ),
        lambda s: f"已安排{s.grade.name}到校时间",
    )


@login_required
@require_POST
def remove_arrival(request: AuthedRequest, pk: int) -> HttpResponse:
    require(request, "returns.plan")
    slot = get_object_or_404(selectors.arrivals_for(request.user), pk=pk)
    back = redirect(reverse("returns:arrivals") + f"?unit={slot.school_id}&day={slot.day:%Y-%m-%d}")
    return perform(request, back, lambda: services.remove_arrival(actor=request.user, slot=slot), "已删除")


@login_required
def arrivals_print(request: AuthedRequest) -> HttpResponse:
    require(request, "returns.read")
    school = _plan_school(request)
    if not school.path.startswith(acting_unit(request).path) and not acting_unit(request).path.startswith(school.path):
        raise PermissionDenied("学校不在您的范围内")
    day = _plan_day(request, school)
    return render(
        request,
        "returns/arrivals_print.html",
        {"school": school, "day": day, "slots": selectors.arrival_plan(school, day)},
    )
