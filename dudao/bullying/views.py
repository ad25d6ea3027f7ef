"""学生欺凌防治 pages: the school's reports (principal and designated people), a report's page with its steps, the
report form of every teacher, the counts per school and term (every level), and the principal's settings page
(designated people, the guardians' intake link and QR code). A report one may not see answers 404 and is logged."""

from __future__ import annotations

import secrets
from typing import Any

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from dudao.accounts.models import User
from dudao.accounts.requests import AuthedRequest
from dudao.bullying import public_links, selectors, services
from dudao.bullying.forms import DesignateForm, ReportForm, StepForm, StudentForm
from dudao.bullying.models import Report, Role, Status, StepKind, overdue_q
from dudao.core.errors import DomainError
from dudao.core.pagination import paginate
from dudao.core.web import form_errors, perform, post_form, posted_version
from dudao.orgs.scoping import can
from dudao.orgs.web import viewed_unit

STUDENT_ROWS = 3
ANY_PERMISSION = ("bullying.report", "bullying.handle", "bullying.count")


def _require_any(request: AuthedRequest) -> None:
    if not any(can(request.user, p) for p in ANY_PERMISSION):
        raise PermissionDenied("您当前的身份无权访问此页面")


def _report(request: AuthedRequest, pk: int, via: str = "page") -> Report:
    _require_any(request)
    report = selectors.reports_for(request.user).select_related("school").filter(pk=pk).first()
    if report is None:
        services.log_denied(actor=request.user, report_id=pk, via=via)
        raise Http404("报告不存在")
    return report


def _classes(school: Any) -> list[tuple[int, str]]:
    return [(c.pk, c.name) for c in selectors.classes_of(school)]


@login_required
def index(request: AuthedRequest) -> HttpResponse:
    _require_any(request)
    school = selectors.handled_school(request.user)
    if school is None:
        if can(request.user, "bullying.count"):
            return redirect("bullying:stats")
        return redirect("bullying:new")
    status = request.GET.get("status", "open")
    overdue = request.GET.get("overdue") == "1"
    qs = selectors.report_list(request.user, status=status, overdue=overdue)
    page = paginate(qs, page=request.GET.get("page"), page_size=50)
    reports = list(page.items)
    today = timezone.localdate()
    everything = selectors.reports_for(request.user)
    return render(
        request,
        "bullying/index.html",
        {
            "school": school,
            "page": page,
            "reports": reports,
            "status": status,
            "overdue": overdue,
            "today": today,
            "statuses": Status.choices,
            "open_count": everything.exclude(status=Status.CLOSED).count(),
            "overdue_count": everything.filter(overdue_q(today)).count(),
            "may_designate": can(request.user, "bullying.designate", school),
        },
    )


def _student_rows(request: AuthedRequest) -> list[services.StudentIn]:
    """The optional student rows of the report form; blank rows are skipped."""
    rows = []
    names = request.POST.getlist("student_name")
    classes = request.POST.getlist("student_klass")
    roles = request.POST.getlist("student_role")
    for name, klass, role in zip(names, classes, roles, strict=False):
        if not name.strip():
            continue
        rows.append(services.StudentIn(role=role, name=name.strip(), klass_id=int(klass) if klass.isdigit() else None))
    return rows


@login_required
def new(request: AuthedRequest) -> HttpResponse:
    if not can(request.user, "bullying.report"):
        raise PermissionDenied("只有学校教职工可以报告欺凌事件")
    school = selectors.acting_school(request.user)
    if school is None:
        raise PermissionDenied("请以学校的身份报告")
    handler = selectors.handled_school(request.user) is not None
    if request.method == "POST":
        form = ReportForm(request.POST)
        back = redirect("bullying:new")
        if not form.is_valid():
            messages.error(request, form_errors(form))
            return render(request, "bullying/new.html", _new_context(request, school, form, handler), status=400)

        def action() -> tuple[Report, bool]:
            d = form.cleaned_data
            return services.file_report(
                actor=request.user,
                data=services.ReportIn(
                    kind=d["kind"], occurred_on=d["occurred_on"], place=d["place"], description=d["description"]
                ),
                students=_student_rows(request),
                request_key=d["request_key"],
            )

        def done(result: tuple[Report, bool]) -> str:
            report, created = result
            if not created:
                return f"该报告已提交（编号 {report.number}），未重复保存"
            if handler:
                return f"已登记欺凌报告 {report.number}，请在 {report.due_on:%m月%d日} 前受理"
            return f"已提交欺凌报告（编号 {report.number}），学校防欺凌工作人员将尽快处理。报告内容只有处理人员可见。"

        def then(result: tuple[Report, bool]) -> HttpResponse:
            return redirect("bullying:detail", result[0].pk) if handler else back

        return perform(request, back, action, done, then=then)
    form = ReportForm(initial={"occurred_on": timezone.localdate(), "request_key": secrets.token_urlsafe(24)})
    return render(request, "bullying/new.html", _new_context(request, school, form, handler))


def _new_context(request: AuthedRequest, school: Any, form: ReportForm, handler: bool) -> dict[str, Any]:
    return {
        "school": school,
        "form": form,
        "handler": handler,
        "counts": selectors.stats_root(request.user) is not None,
        "rows": range(1, STUDENT_ROWS + 1),
        "classes": _classes(school),
        "roles": Role.choices,
    }


@login_required
def detail(request: AuthedRequest, pk: int) -> HttpResponse:
    report = _report(request, pk)
    services.log_read(actor=request.user, report=report, via="page")
    today = timezone.localdate()
    steps = selectors.steps_of(report)
    step_form = None
    if report.status != Status.CLOSED:
        step_form = StepForm(initial={"done_on": today, "version": report.version})
    return render(
        request,
        "bullying/detail.html",
        {
            "report": report,
            "students": selectors.involvements_of([report])[report.pk],
            "steps": steps,
            "today": today,
            "step_form": step_form,
            "next_step": report.next_step,
            "is_determine": report.next_step == StepKind.DETERMINE,
            "student_form": StudentForm(initial={"version": report.version}, classes=_classes(report.school))
            if report.status != Status.CLOSED
            else None,
            "status_link": request.build_absolute_uri(public_links.status_path(report.pk))
            if report.channel == "guardian"
            else "",
        },
    )


@login_required
@require_POST
def step(request: AuthedRequest, pk: int) -> HttpResponse:
    report = _report(request, pk)
    back = redirect("bullying:detail", report.pk)
    kind = request.POST.get("kind", "")
    return post_form(
        request,
        StepForm,
        back,
        lambda d: services.record_step(
            actor=request.user,
            report=report,
            kind=kind,
            text=d["text"],
            done_on=d["done_on"],
            is_bullying=d["is_bullying"],
            severity=d["severity"],
            version=posted_version(request),
        ),
        lambda s: f"已登记“{s.get_kind_display()}”" + ("，报告已结案" if s.kind == StepKind.CLOSE else ""),
    )


@login_required
@require_POST
def add_student(request: AuthedRequest, pk: int) -> HttpResponse:
    report = _report(request, pk)
    back = redirect(reverse("bullying:detail", args=[report.pk]) + "#students")
    form = StudentForm(request.POST, classes=_classes(report.school))
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return back
    d = form.cleaned_data
    return perform(
        request,
        back,
        lambda: services.add_student(
            actor=request.user,
            report=report,
            student=services.StudentIn(role=d["role"], name=d["name"], klass_id=d["klass"]),
            version=posted_version(request),
        ),
        lambda row: f"已添加{row.get_role_display()}{row.student.name}",
    )


@login_required
@require_POST
def remove_student(request: AuthedRequest, pk: int, involvement_pk: int) -> HttpResponse:
    report = _report(request, pk)
    back = redirect(reverse("bullying:detail", args=[report.pk]) + "#students")
    return perform(
        request,
        back,
        lambda: services.remove_student(
            actor=request.user, report=report, involvement_id=involvement_pk, version=posted_version(request)
        ),
        "已从名单中移除",
    )


@login_required
def stats(request: AuthedRequest) -> HttpResponse:
    _require_any(request)
    unit = viewed_unit(request) if "unit" in request.GET else None
    root = selectors.stats_root(request.user, unit)
    if root is None:
        raise PermissionDenied("您当前的身份无权查看欺凌事件统计")
    terms = selectors.terms_seen(root)
    term = request.GET.get("term", "")
    if term not in terms:
        term = selectors.current_term()
    rows = selectors.school_stats(root, term)
    acting = selectors.stats_root(request.user)
    return render(
        request,
        "bullying/stats.html",
        {
            "unit": root,
            "up": root.get_parent() if acting is not None and root.pk != acting.pk else None,
            "term": term,
            "terms": terms,
            "rows": rows,
            "total": selectors.totals(rows),
            "handles": selectors.handled_school(request.user) is not None,
            "reporter": can(request.user, "bullying.report"),
        },
    )


@login_required
def settings_page(request: AuthedRequest) -> HttpResponse:
    school = selectors.handled_school(request.user)
    if school is None:
        raise PermissionDenied("只有本校校长和防欺凌工作人员可以查看")
    may_designate = can(request.user, "bullying.designate", school)
    link = request.build_absolute_uri(public_links.intake_path(school.pk))
    users = [(u.pk, u.display_name) for u in selectors.designatable_users(school)]
    return render(
        request,
        "bullying/settings.html",
        {
            "school": school,
            "designations": list(selectors.designations_of(school)),
            "may_designate": may_designate,
            "form": DesignateForm(users=users) if may_designate else None,
            "link": link,
            "qr": segno.make(link, error="m").svg_inline(scale=4),
        },
    )


@login_required
@require_POST
def designate(request: AuthedRequest) -> HttpResponse:
    school = selectors.handled_school(request.user)
    if school is None:
        raise PermissionDenied("只有本校校长可以指定防欺凌工作人员")
    users = {u.pk: u for u in selectors.designatable_users(school)}
    back = redirect("bullying:settings")

    def action(d: dict[str, Any]) -> Any:
        user: User | None = users.get(d["user"])
        if user is None:
            raise DomainError("只能指定在本校担任学校管理员/德育主任或心理教师的人员", code="user_not_eligible")
        return services.designate(actor=request.user, school=school, user=user, duty=d["duty"])

    return post_form(
        request,
        lambda *a: DesignateForm(*a, users=[(pk, u.display_name) for pk, u in users.items()]),
        back,
        action,
        lambda row: f"已指定{row.user.display_name}为防欺凌工作人员",
    )


@login_required
@require_POST
def undesignate(request: AuthedRequest, designation_pk: int) -> HttpResponse:
    school = selectors.handled_school(request.user)
    if school is None:
        raise PermissionDenied("只有本校校长可以调整防欺凌工作人员")
    return perform(
        request,
        redirect("bullying:settings"),
        lambda: services.undesignate(actor=request.user, school=school, designation_id=designation_pk),
        "已取消指定",
    )
