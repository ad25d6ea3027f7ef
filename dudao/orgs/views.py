from __future__ import annotations

import re
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from dudao.accounts.models import User
from dudao.accounts.requests import AuthedRequest
from dudao.core.errors import DomainError, Forbidden
from dudao.core.excel import RowError, check_export_size, xlsx_response
from dudao.core.exporting import NotInScope
from dudao.core.pagination import paginate
from dudao.core.web import perform, post_form, require
from dudao.orgs import enrolment, export_jobs, picker, roster, selectors, services
from dudao.orgs.forms import (
    AssignRoleForm,
    RosterUploadForm,
    StaffCreateForm,
    UnitCloseForm,
    UnitCreateForm,
    UnitMoveForm,
    UnitRenameForm,
)
from dudao.orgs.models import ALLOWED_CHILDREN, OrgUnit, RoleAssignment, Student, UnitKind
from dudao.orgs.roles import Role
from dudao.orgs.scoping import can
from dudao.orgs.text import mask_id_card, mask_phone, mask_student_no

_PICKER_TARGET = re.compile(r"[a-z][a-z0-9-]{0,30}")


def _unit(request: AuthedRequest, pk: int, action: str = "read") -> OrgUnit:
    return get_object_or_404(selectors.units_for(request.user, action), pk=pk)


@login_required
def tree(request: AuthedRequest) -> HttpResponse:
    require(request, "orgunit.read")
    root = selectors.scope_root(request.user)
    if root is None:
        raise PermissionDenied
    return redirect("orgs:unit", pk=root.pk)


@login_required
def unit_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    require(request, "orgunit.read")
    unit = _unit(request, pk)
    children = list(
        selectors.units_for(request.user)
        .filter(path__under=unit.path, depth=unit.depth + 1)
        .order_by("is_closed", "path")
    )
    total, counts = selectors.subtree_counts(unit, children)
    can_change = can(request.user, "orgunit.change", unit)
    return render(
        request,
        "orgs/unit_detail.html",
        {
            "unit": unit,
            "breadcrumb": selectors.ancestors_within_scope(request.user, unit),
            "rows": [(child, counts[child.pk]) for child in children],
            "total": total,
            "can_change": can_change,
            "child_kinds": [(k, UnitKind(k).label) for k in UnitKind if k in ALLOWED_CHILDREN.get(unit.kind, ())],
            "can_read_students": can(request.user, "student.read"),
            "create_form": UnitCreateForm(),
        },
    )


@login_required
def search(request: AuthedRequest) -> HttpResponse:
    require(request, "orgunit.read")
    q = request.GET.get("q", "")
    kind = request.GET.get("kind", "")
    results = selectors.search_units(request.user, q=q, kind=kind) if q.strip() else OrgUnit.objects.none()
    page = paginate(results, page=request.GET.get("page"), page_size=20)
    template = "orgs/_search_results.html" if request.htmx else "orgs/search.html"
    return render(request, template, {"page": page, "q": q, "kind": kind})


@login_required
@require_POST
def unit_create(request: AuthedRequest, pk: int) -> HttpResponse:
    parent = _unit(request, pk)
    return post_form(
        request,
        UnitCreateForm,
        redirect("orgs:unit", pk=pk),
        lambda data: services.create_unit(actor=request.user, parent=parent, **data),
        lambda unit: f"已设立“{unit.name}”",
    )


@login_required
@require_POST
def unit_rename(request: AuthedRequest, pk: int) -> HttpResponse:
    unit = _unit(request, pk)
    return post_form(
        request,
        UnitRenameForm,
        redirect("orgs:unit", pk=pk),
        lambda data: services.rename_unit(actor=request.user, unit=unit, **data),
        "名称已修改",
        invalid_message="请填写名称",
    )


@login_required
@require_POST
def unit_move(request: AuthedRequest, pk: int) -> HttpResponse:
    unit = _unit(request, pk)

    def move(data: dict[str, Any]) -> OrgUnit:
        new_parent = selectors.units_for(request.user).filter(pk=data["new_parent"]).first()
        if new_parent is None:
            raise DomainError("找不到所选的上级单位，或它不在您的管理范围内", code="parent_unknown")
        return services.move_unit(actor=request.user, unit=unit, new_parent=new_parent, version=data["version"])

    return post_form(
        request,
        UnitMoveForm,
        redirect("orgs:unit", pk=pk),
        move,
        lambda moved: f"已移动到“{moved.get_parent().name}”之下",
        invalid_message="请选择新的上级单位",
    )


@login_required
@require_POST
def unit_close(request: AuthedRequest, pk: int) -> HttpResponse:
    unit = _unit(request, pk)
    return post_form(
        request,
        UnitCloseForm,
        redirect("orgs:unit", pk=pk),
        lambda data: services.close_unit(actor=request.user, unit=unit, **data),
        f"“{unit.name}”已撤销，历史数据保留",
        invalid_message="请填写撤销原因",
    )


# ----- roster -------------------------------------------------------------------------------


@login_required
def roster_list(request: AuthedRequest, pk: int) -> HttpResponse:
    require(request, "student.read")
    unit = _unit(request, pk)
    q = request.GET.get("q", "").strip()
    narrower = selectors.search_needs_narrower_scope(unit, q)
    students = selectors.with_guardians(selectors.students_for(request.user, unit=unit, q="" if narrower else q))
    page = paginate(
        students.none() if narrower else students,
        page=request.GET.get("page"),
        page_size=request.GET.get("page_size", 50),
        after=request.GET.get("after"),
        before=request.GET.get("before"),
        # The whole roster's length from the cached enrolment table; a search counts its matches.
        count=0 if narrower else None if q else enrolment.rollup([unit])[unit.pk].records,
    )
    rows = [
        (s, mask_student_no(s.student_no), [(g, mask_phone(g.phone)) for g in s.guardians.all()]) for s in page.items
    ]
    return render(
        request,
        "orgs/roster.html",
        {
            "unit": unit,
            "page": page,
            "rows": rows,
            "q": q,
            "narrower": narrower,
            "breadcrumb": selectors.ancestors_within_scope(request.user, unit),
            "can_import": unit.kind == UnitKind.SCHOOL
            and can(request.user, "student.change", unit)
            and not unit.is_closed,
            "can_unmask": can(request.user, "student.unmask_phone", unit),
            "upload_form": RosterUploadForm(),
        },
    )


@login_required
def roster_template(request: AuthedRequest, pk: int) -> HttpResponse:
    require(request, "student.change")
    unit = _unit(request, pk)
    if unit.kind != UnitKind.SCHOOL or not can(request.user, "student.change", unit):
        raise PermissionDenied("只有学校的名册管理员可以下载导入模板")
    response = HttpResponse(
        roster.template_bytes(unit),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = "attachment; filename*=UTF-8''roster-template.xlsx"
    return response


@login_required
@require_POST
def roster_import(request: AuthedRequest, pk: int) -> HttpResponse:
    require(request, "student.change")
    unit = _unit(request, pk)
    if unit.kind != UnitKind.SCHOOL or not can(request.user, "student.change", unit):
        raise PermissionDenied("您不能导入该校的学生名册")
    form = RosterUploadForm(request.POST, request.FILES)
    errors: list[RowError] = []
    if not form.is_valid():
        messages.error(request, "请选择要上传的 Excel 文件")
        return redirect("orgs:roster", pk=pk)
    upload = form.cleaned_data["file"]
    try:
        result = roster.import_roster(actor=request.user, school=unit, upload=upload, filename=upload.name)
    except roster.RosterImportError as exc:
        errors = exc.errors
        return render(
            request, "orgs/roster_errors.html", {"unit": unit, "message": exc.message, "errors": errors}, status=400
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("orgs:roster", pk=pk)
    messages.success(
        request, f"导入成功：新增 {result.created} 人，更新 {result.updated} 人，未变化 {result.unchanged} 人"
    )
    return redirect("orgs:roster", pk=pk)


@login_required
def roster_export(request: AuthedRequest, pk: int) -> HttpResponseBase:
    """The direct download (small rosters; the export button sends large ones to 下载中心 as a job)."""
    require(request, "student.read")
    try:
        plan = export_jobs.roster_plan(request.user, {"unit": str(pk), "full": request.GET.get("full", "")})
        check_export_size(plan.count)
    except NotInScope as exc:
        raise Http404 from exc
    except Forbidden as exc:
        raise PermissionDenied(exc.message) from exc
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("orgs:roster", pk=pk)
    plan.record_access()
    return xlsx_response(filename=plan.filename, headers=plan.headers, rows=plan.rows(), sheet_name=plan.sheet_name)


@login_required
def student_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    require(request, "student.read")
    student = get_object_or_404(selectors.with_guardians(selectors.students_for(request.user)), pk=pk)
    can_change = can(request.user, "student.change", student.klass)
    school = services.school_of(student.klass)
    classes = (
        selectors.units_for(request.user).filter(path__under=school.path, kind=UnitKind.CLASS, is_closed=False)
        if can_change and school is not None
        else OrgUnit.objects.none()
    )
    return render(
        request,
        "orgs/student_detail.html",
        {
            "student": student,
            "school": school,
            "masked_id": mask_id_card(student.id_card_no) if student.id_card_no else "",
            "masked_student_no": mask_student_no(student.student_no),
            "guardians": [(g, mask_phone(g.phone)) for g in student.guardians.all()],
            "can_unmask_id": can(request.user, "student.unmask_id", student.klass),
            "can_unmask_phone": can(request.user, "student.unmask_phone", student.klass),
            "can_change": can_change,
            "classes": classes,
        },
    )


def _student_for_change(request: AuthedRequest, pk: int) -> Student:
    require(request, "student.change")
    return get_object_or_404(selectors.students_for(request.user, action="change"), pk=pk)


@login_required
@require_POST
def student_transfer(request: AuthedRequest, pk: int) -> HttpResponse:
    student = _student_for_change(request, pk)
    klass = selectors.units_for(request.user).filter(pk=request.POST.get("klass") or 0, kind=UnitKind.CLASS).first()
    if klass is None:
        messages.error(request, "请选择本校的一个班级")
        return redirect("orgs:student", pk=pk)
    return perform(
        request,
        redirect("orgs:student", pk=pk),
        lambda: services.transfer_student(
            actor=request.user, student=student, klass=klass, version=_int_or_none(request.POST.get("version"))
        ),
        f"已转入“{klass.name}”",
    )


@login_required
@require_POST
def student_leave(request: AuthedRequest, pk: int) -> HttpResponse:
    student = _student_for_change(request, pk)
    return perform(
        request,
        redirect("orgs:student", pk=pk),
        lambda: services.mark_student_left(
            actor=request.user,
            student=student,
            reason=request.POST.get("reason", ""),
            version=_int_or_none(request.POST.get("version")),
        ),
        "已办理离校，学生记录保留",
    )


def _int_or_none(value: str | None) -> int | None:
    if not value:
        return None
    try:
        return int(value)
    except ValueError:
        return -1  # an unreadable version can only be stale


@login_required
@require_POST
def student_reveal(request: AuthedRequest, pk: int) -> HttpResponse:
    student = get_object_or_404(selectors.with_guardians(selectors.students_for(request.user)), pk=pk)
    fields = request.POST.getlist("field")
    try:
        revealed = services.reveal_student(actor=request.user, student=student, fields=fields)
    except Forbidden as exc:
        raise PermissionDenied(exc.message) from exc
    except DomainError as exc:
        return HttpResponse(exc.message, status=400)
    return render(
        request,
        "orgs/_revealed.html",
        {"student": student, "revealed": revealed, "guardians": list(student.guardians.all())},
    )


# ----- staff and roles ------------------------------------------------------------------------


@login_required
def staff_list(request: AuthedRequest) -> HttpResponse:
    require(request, "staff.read")
    unit = None
    if request.GET.get("unit"):
        try:
            unit = _unit(request, int(request.GET["unit"]))
        except ValueError as exc:
            raise Http404 from exc
    staff = selectors.staff_for(request.user, unit=unit, q=request.GET.get("q", ""))
    page = paginate(staff, page=request.GET.get("page"), page_size=50)
    return render(
        request,
        "orgs/staff_list.html",
        {
            "page": page,
            "unit": unit,
            "q": request.GET.get("q", ""),
            "can_manage": can(request.user, "staff.change"),
            "form": StaffCreateForm(),
            "root": selectors.scope_root(request.user),
        },
    )


@login_required
@require_POST
def staff_create(request: AuthedRequest) -> HttpResponse:
    require(request, "staff.change")
    try:
        unit = _unit(request, int(request.POST.get("unit", "0")))
    except ValueError as exc:
        raise Http404 from exc
    return post_form(
        request,
        StaffCreateForm,
        redirect("orgs:staff"),
        lambda data: services.create_staff(actor=request.user, unit=unit, **data),
        lambda user: f"已创建账户“{user.username}”，请为其分配角色",
        then=lambda user: redirect("orgs:staff_detail", pk=user.pk),
    )


@login_required
def staff_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    require(request, "staff.read")
    person = get_object_or_404(selectors.staff_for(request.user), pk=pk)
    return render(
        request,
        "orgs/staff_detail.html",
        {
            "person": person,
            "assignments": person.assignments.all(),
            "can_assign": can(request.user, "role.assign"),
            "can_manage": can(request.user, "staff.change", person.unit) if person.unit else False,
            "roles": Role.choices,
            "form": AssignRoleForm(),
            "masked_phone": mask_phone(person.phone) if person.phone else "",
        },
    )


@login_required
@require_POST
def staff_assign(request: AuthedRequest, pk: int) -> HttpResponse:
    require(request, "role.assign")
    person = get_object_or_404(selectors.people_for(request.user), pk=pk)

    def assign(data: dict[str, Any]) -> RoleAssignment:
        unit = selectors.units_for(request.user).filter(pk=data["unit"]).first()
        if unit is None:
            raise DomainError("找不到该单位，或它不在您的管理范围内", code="unit_unknown")
        return services.assign_role(actor=request.user, user=person, role=data["role"], unit=unit)

    return post_form(
        request,
        AssignRoleForm,
        redirect("orgs:staff_detail", pk=pk),
        assign,
        "角色已授予",
        invalid_message="请选择角色和单位",
    )


def _staff_for_change(request: AuthedRequest, pk: int) -> User:
    require(request, "staff.change")
    return get_object_or_404(selectors.people_for(request.user, "change"), pk=pk)


@login_required
@require_POST
def staff_set_active(request: AuthedRequest, pk: int) -> HttpResponse:
    person = _staff_for_change(request, pk)
    active = request.POST.get("active") == "1"
    return perform(
        request,
        redirect("orgs:staff_detail", pk=pk),
        lambda: services.set_staff_active(actor=request.user, user=person, active=active),
        "账户已启用" if active else "账户已停用，其 API 令牌同时失效",
    )


@login_required
@require_POST
def staff_reset_password(request: AuthedRequest, pk: int) -> HttpResponse:
    person = _staff_for_change(request, pk)
    return perform(
        request,
        redirect("orgs:staff_detail", pk=pk),
        lambda: services.reset_password(actor=request.user, user=person, password=request.POST.get("password", "")),
        "密码已重置，请通知本人登录后修改；其 API 令牌已全部撤销",
    )


@login_required
@require_POST
def staff_revoke(request: AuthedRequest, pk: int, assignment_pk: int) -> HttpResponse:
    require(request, "role.assign")
    assignment = get_object_or_404(selectors.assignments_for(request.user, "assign"), pk=assignment_pk, user_id=pk)
    return perform(
        request,
        redirect("orgs:staff_detail", pk=pk),
        lambda: services.revoke_role(actor=request.user, assignment=assignment),
        "角色已撤销",
    )


@login_required
def unit_picker(request: AuthedRequest) -> HttpResponse:
    """htmx: units matching q, for move and role-assignment forms."""
    require(request, "orgunit.read")
    q = request.GET.get("q", "")
    target = request.GET.get("target", "")
    if not _PICKER_TARGET.fullmatch(target):
        return HttpResponse("参数 target 不正确", status=400)
    results = selectors.search_units(request.user, q=q)[:15] if q.strip() else []
    return render(request, "orgs/_unit_picker.html", {"results": results, "target": target})


@login_required
def picker_tree(request: AuthedRequest) -> HttpResponse:
    """htmx: one level of the unit-tree picker (`parent`, default the root) or the hits of a search (`q`).

    `root` (default the acting unit) and `parent` must lie in the reader's scope, else 404; `kinds` names what may
    be chosen (district, school, campus, office)."""
    require(request, "orgunit.read")
    kinds = picker.parse_kinds(request.GET.get("kinds", ""))
    if kinds is None:
        return HttpResponse("参数“可选单位类型”不正确", status=400)
    root = picker.picker_root(request.user, request.GET.get("root"))
    if root is None:
        raise Http404
    options = picker.Options(
        root=root, kinds=kinds, multiple=request.GET.get("multiple") == "1", whole=request.GET.get("whole") == "1"
    )
    q = request.GET.get("q", "").strip()
    context: dict[str, Any] = {"options": options, "q": q, "url": reverse("orgs:picker_tree") + "?" + options.query()}
    if "tag" in request.GET:
        found = picker.tag_schools(request.user, options, request.GET.get("tag"))
        if found is None:
            raise Http404
        context["tag"], context["rows"] = found
        context["total"] = len(context["rows"])
    elif q:
        context["rows"], context["total"] = picker.search(request.user, options, q)
        context["limit"] = picker.SEARCH_LIMIT
    else:
        parent = picker.unit_below(request.user, root, request.GET.get("parent")) if "parent" in request.GET else root
        if parent is None:
            raise Http404
        context["rows"] = picker.children(request.user, options, parent)
        context["nested"] = parent.pk != root.pk
        if not context["nested"]:
            context["tag_choices"] = picker.tag_choices(request.user, options)
    return render(request, "orgs/_tree_picker_rows.html", context)
