"""Pages of 免疫接种与学校卫生: coverage with drill-down, dose import and class-list ticking, targets, exam rates and
import, the school's health room with its staff and disinfection log, one student's health record."""

from __future__ import annotations

from functools import partial
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from dudao.accounts.requests import AuthedRequest
from dudao.audit.services import record_access
from dudao.core.errors import DomainError, Forbidden
from dudao.core.excel import ImportRejected
from dudao.core.web import perform, post_form, posted_version, require
from dudao.orgs.models import OrgUnit, UnitKind
from dudao.orgs.scoping import acting_assignment, can
from dudao.orgs.selectors import active_staff_under
from dudao.orgs.text import mask_student_no
from dudao.schoolhealth import excel, selectors, services
from dudao.schoolhealth.forms import DisinfectionForm, RoomForm, StaffForm, TargetForm, TickForm
from dudao.schoolhealth.models import DisinfectionMethod
from dudao.schoolhealth.services import DoseInput, DoseRejected
from dudao.schoolhealth.vaccines import BY_CODE, VACCINES

PLACES = ["教室", "卫生间", "食堂", "宿舍", "卫生室", "图书室", "楼道及扶手", "校车"]


def _acting_unit(request: AuthedRequest) -> OrgUnit:
    assignment = acting_assignment(request.user)
    if assignment is None:
        raise PermissionDenied("您没有可用的身份")
    return assignment.unit


def _viewed_unit(request: AuthedRequest) -> OrgUnit:
    """`?unit=` inside the viewer's scope (else 404), or the acting unit."""
    raw = request.GET.get("unit", "")
    if raw:
        if not raw.isdigit():
            raise Http404("单位不存在")
        return get_object_or_404(selectors.viewable_units(request.user), pk=int(raw))
    return _acting_unit(request)


def _school_of(unit: OrgUnit) -> OrgUnit | None:
    """The school a unit belongs to (itself, or its ancestor), None above schools."""
    if unit.kind == UnitKind.SCHOOL:
        return unit
    if unit.kind in (UnitKind.CAMPUS, UnitKind.GRADE, UnitKind.CLASS):
        return next((a for a in reversed(unit.get_ancestors()) if a.kind == UnitKind.SCHOOL), None)
    return None


def _xlsx(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _breadcrumb(request: AuthedRequest, unit: OrgUnit) -> OrgUnit | None:
    return unit.get_parent() if unit.pk != _acting_unit(request).pk else None


# ----- vaccination coverage ------------------------------------------------------------------------


@login_required
def coverage(request: AuthedRequest, import_errors: list[Any] | None = None) -> HttpResponse:
    require(request, "schoolhealth.read")
    unit = _viewed_unit(request)
    code = request.GET.get("vaccine", "")
    chosen = BY_CODE.get(code) or VACCINES[0]
    targets = selectors.targets()
    children = [] if unit.kind == UnitKind.CLASS else selectors.child_units(unit)
    figures = selectors.coverage([unit, *children])  # one GROUP BY for the unit and every row below it
    own = figures[unit.pk]
    summary = [
        {
            "vaccine": v,
            "rate": own.rate(v.code),
            "covered": own.counts.get(v.code, (0, 0))[0],
            "contra": own.counts.get(v.code, (0, 0))[1],
            "target": targets[v.code],
            "below": (own.rate(v.code) or 0) < targets[v.code] and own.enrolled > 0,
        }
        for v in VACCINES
    ]
    context: dict[str, Any] = {
        "unit": unit,
        "up": _breadcrumb(request, unit),
        "own": own,
        "summary": summary,
        "chosen": chosen,
        "target": targets[chosen.code],
        "vaccines": VACCINES,
        "may_record": can(request.user, "schoolhealth.record"),
        "may_target": can(request.user, "schoolhealth.target"),
        "import_errors": import_errors,
    }
    if unit.kind == UnitKind.CLASS:
        students = selectors.class_students(unit)
        doses = selectors.doses_by_student(students, chosen.code)
        context["students"] = [(s, mask_student_no(s.student_no), doses.get(s.pk, [])) for s in students]
    else:
        context["rows"] = [
            {
                "unit": child,
                "enrolled": figures[child.pk].enrolled,
                "covered": figures[child.pk].counts.get(chosen.code, (0, 0))[0],
                "contra": figures[child.pk].counts.get(chosen.code, (0, 0))[1],
                "rate": figures[child.pk].rate(chosen.code),
            }
            for child in children
        ]
        if unit.kind == UnitKind.SCHOOL:
            staff_total, staff_counts = selectors.staff_coverage(unit)
            context["staff_total"] = staff_total
            context["staff_counts"] = [(v, *staff_counts[v.code]) for v in VACCINES if v.code in staff_counts]
    return render(request, "schoolhealth/coverage.html", context)


@login_required
def dose_template(request: AuthedRequest) -> HttpResponse:
    require(request, "schoolhealth.record")
    return _xlsx(excel.dose_template(), "vaccination-template.xlsx")


@login_required
@require_POST
def dose_import(request: AuthedRequest) -> HttpResponse:
    require(request, "schoolhealth.record")
    upload = request.FILES.get("file")
    back = redirect("schoolhealth:coverage")
    if upload is None:
        messages.error(request, "请选择要导入的 Excel 文件")
        return back
    try:
        count = excel.import_doses(actor=request.user, upload=upload, filename=upload.name or "")
    except Forbidden as exc:
        raise PermissionDenied(exc.message) from exc
    except ImportRejected as exc:
        messages.error(request, exc.message)
        return coverage(request, import_errors=exc.errors)
    except DomainError as exc:
        messages.error(request, exc.message)
        return back
    messages.success(request, f"已导入 {count} 条接种记录" if count else "文件中的记录均已登记过，没有新增")
    return back


@login_required
def tick(request: AuthedRequest, pk: int) -> HttpResponse:
    """Tick who was vaccinated: a class's students, or a school's staff accounts."""
    require(request, "schoolhealth.record")
    unit = get_object_or_404(
        selectors.viewable_units(request.user).filter(kind__in=[UnitKind.CLASS, UnitKind.SCHOOL]), pk=pk
    )
    if not can(request.user, "schoolhealth.record", unit):
        raise Http404("单位不存在")
    is_class = unit.kind == UnitKind.CLASS
    form = TickForm(
        request.POST or None,
        initial={"vaccine": request.GET.get("vaccine", "flu"), "dose_number": 1, "date": timezone.localdate()},
    )
    people: list[Any] = []
    if is_class:
        people.extend(selectors.class_students(unit))
    else:
        people.extend(active_staff_under(unit).order_by("full_name", "id"))
    back = redirect(f"{reverse('schoolhealth:tick', args=[unit.pk])}?vaccine={request.POST.get('vaccine', '')}")
    if request.method == "POST":
        if not form.is_valid():
            messages.error(request, "请选择疫苗、剂次并填写接种日期")
            return back
        chosen = {int(x) for x in request.POST.getlist("person") if x.isdigit()}
        picked = [p for p in people if p.pk in chosen]
        if not picked:
            messages.error(request, "请勾选已接种的人员")
            return back
        data = form.cleaned_data
        inputs = [
            DoseInput(
                vaccine=data["vaccine"],
                dose_number=data["dose_number"],
                date=data["date"],
                student=p if is_class else None,
                staff=None if is_class else p,
                school=None if is_class else unit,
            )
            for p in picked
        ]
        try:
            created = services.record_doses(actor=request.user, inputs=inputs, source=f"按名单登记：{unit.name}")
        except Forbidden as exc:
            raise PermissionDenied(exc.message) from exc
        except DoseRejected as exc:
            for problem in exc.problems[:20]:
                messages.error(request, problem.message)
            return back
        except DomainError as exc:
            messages.error(request, exc.message)
            return back
        messages.success(request, f"已登记 {len(created)} 人的接种记录" if created else "所勾选人员的该剂次均已登记")
        return redirect(f"{reverse('schoolhealth:coverage')}?unit={unit.pk}&vaccine={data['vaccine']}")
    code = form["vaccine"].value() or "flu"
    recorded: dict[int, list[Any]] = {}
    if is_class:
        recorded = {k: v for k, v in selectors.doses_by_student(people, str(code)).items()}
    else:
        for record in selectors.records_for(request.user).filter(staff__in=people, vaccine=code):
            recorded.setdefault(record.staff_id or 0, []).append(record)
    rows = [(p, sorted(recorded.get(p.pk, []), key=lambda r: r.dose_number or 0)) for p in people]
    context = {"unit": unit, "form": form, "rows": rows, "is_class": is_class, "vaccines": VACCINES, "code": code}
    return render(request, "schoolhealth/tick.html", context)


@login_required
def targets(request: AuthedRequest) -> HttpResponse:
    require(request, "schoolhealth.read")
    may_target = can(request.user, "schoolhealth.target") and _acting_unit(request).kind == UnitKind.BUREAU
    if request.method == "POST":
        if not may_target:
            raise PermissionDenied("接种率目标由教育局设定")
        return post_form(
            request,
            TargetForm,
            redirect("schoolhealth:targets"),
            lambda data: services.set_target(
                actor=request.user, vaccine=data["vaccine"], rate=data["rate"], version=posted_version(request)
            ),
            lambda t: f"已将{t.get_vaccine_display()}目标接种率设为 {t.rate}%",
        )
    return render(request, "schoolhealth/targets.html", {"rows": selectors.target_rows(), "may_target": may_target})


# ----- routine school health -----------------------------------------------------------------------


def _school_year(request: AuthedRequest) -> int:
    raw = request.GET.get("year", "")
    current = excel.school_year_of(timezone.localdate())
    return int(raw) if raw.isdigit() and current - 10 <= int(raw) <= current else current


@login_required
def exams(request: AuthedRequest, import_errors: list[Any] | None = None) -> HttpResponse:
    require(request, "schoolhealth.read")
    unit = _viewed_unit(request)
    year = _school_year(request)
    children = [] if unit.kind == UnitKind.CLASS else selectors.child_units(unit)
    units = [unit, *children]
    rates = selectors.exam_rates(units, year)
    rooms = selectors.room_rates(units)
    rows = [{"unit": u, "exam": rates[u.pk], "rooms": rooms[u.pk]} for u in children]
    context: dict[str, Any] = {
        "unit": unit,
        "up": _breadcrumb(request, unit),
        "year": year,
        "years": list(
            range(excel.school_year_of(timezone.localdate()), excel.school_year_of(timezone.localdate()) - 3, -1)
        ),
        "own": {"exam": rates[unit.pk], "rooms": rooms[unit.pk]},
        "rows": rows,
        "school": _school_of(unit),
        "may_record": can(request.user, "schoolhealth.record"),
        "import_errors": import_errors,
    }
    if unit.kind == UnitKind.CLASS:
        context["exams"] = list(
            selectors.exams_for(request.user)
            .filter(klass=unit, school_year=year)
            .select_related("student")
            .order_by("student__name")
        )
    return render(request, "schoolhealth/exams.html", context)


@login_required
def exam_template(request: AuthedRequest) -> HttpResponse:
    require(request, "schoolhealth.record")
    return _xlsx(excel.exam_template(), "health-exam-template.xlsx")


@login_required
@require_POST
def exam_import(request: AuthedRequest) -> HttpResponse:
    require(request, "schoolhealth.record")
    upload = request.FILES.get("file")
    back = redirect("schoolhealth:exams")
    if upload is None:
        messages.error(request, "请选择要导入的 Excel 文件")
        return back
    try:
        count = excel.import_exams(actor=request.user, upload=upload, filename=upload.name or "")
    except Forbidden as exc:
        raise PermissionDenied(exc.message) from exc
    except ImportRejected as exc:
        messages.error(request, exc.message)
        return exams(request, import_errors=exc.errors)
    except DomainError as exc:
        messages.error(request, exc.message)
        return back
    messages.success(request, f"已导入 {count} 名学生的体检结果")
    return back


@login_required
def room(request: AuthedRequest) -> HttpResponse:
    require(request, "schoolhealth.read")
    school = _school_of(_viewed_unit(request))
    if school is None:
        raise Http404("请从学校进入")
    may_edit = can(request.user, "schoolhealth.room", school)
    back = redirect(f"{reverse('schoolhealth:room')}?unit={school.pk}")
    if request.method == "POST":
        if not may_edit:
            raise PermissionDenied("您无权维护该校的卫生室信息")
        what = request.POST.get("what", "")
        if what == "room":
            return post_form(
                request,
                RoomForm,
                back,
                lambda d: services.save_room(
                    actor=request.user,
                    school=school,
                    kind=d["kind"],
                    licence_no=d["licence_no"],
                    licence_expires=d["licence_expires"],
                    version=posted_version(request),
                ),
                "已保存卫生室信息",
            )
        if what == "staff":
            return post_form(
                request,
                StaffForm,
                back,
                lambda d: services.add_staff(actor=request.user, school=school, **d),
                lambda p: f"已添加{p.get_post_display()}：{p.name}",
            )
        return post_form(
            request,
            DisinfectionForm,
            back,
            lambda d: services.log_disinfection(actor=request.user, school=school, **d),
            lambda e: f"已记录：{e.date:%m-%d} {e.place} {e.get_method_display()}",
        )
    health_room = selectors.rooms_for(request.user).filter(school=school).first()
    today = timezone.localdate()
    context = {
        "school": school,
        "room": health_room,
        "room_form": RoomForm(
            initial={
                "kind": health_room.kind,
                "licence_no": health_room.licence_no,
                "licence_expires": health_room.licence_expires,
            }
            if health_room
            else None
        ),
        "licence_expired": bool(health_room and health_room.licence_expires and health_room.licence_expires < today),
        "staff": list(selectors.staff_of(request.user, school)),
        "staff_form": StaffForm(),
        "logs": list(selectors.logs_for(request.user, school)[:30]),
        "log_form": DisinfectionForm(initial={"date": today, "method": DisinfectionMethod.CHLORINE}),
        "places": PLACES,
        "may_edit": may_edit,
    }
    return render(request, "schoolhealth/room.html", context)


@login_required
@require_POST
def staff_remove(request: AuthedRequest, pk: int) -> HttpResponse:
    require(request, "schoolhealth.room")
    person = get_object_or_404(selectors.staff_for_user(request.user), pk=pk)
    return perform(
        request,
        redirect(f"{reverse('schoolhealth:room')}?unit={person.school_id}"),
        partial(services.remove_staff, actor=request.user, person=person),
        f"已移除：{person.name}",
    )


@login_required
def student(request: AuthedRequest, pk: int) -> HttpResponse:
    """A named student's vaccinations and exams: personal health data, so the read is logged."""
    require(request, "schoolhealth.read")
    person = get_object_or_404(selectors.students_in_scope(request.user).select_related("klass"), pk=pk)
    doses, exam_rows = selectors.student_record(person)
    record_access(
        actor=request.user,
        action="view_student_health",
        obj=person,
        unit_path=person.klass.path,
        details={"doses": len(doses), "exams": len(exam_rows)},
    )
    return render(
        request,
        "schoolhealth/student.html",
        {"student": person, "number": mask_student_no(person.student_no), "doses": doses, "exams": exam_rows},
    )
