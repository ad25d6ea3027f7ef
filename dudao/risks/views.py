"""Pages of the risk register: the list, a point, its phone check form, my checks, the district overview, import."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from dudao.accounts.models import User
from dudao.accounts.requests import AuthedRequest
from dudao.core.errors import DomainError, Forbidden, StaleEditError
from dudao.core.excel import ImportRejected
from dudao.core.pagination import paginate
from dudao.core.web import form_errors, post_form, posted_version, require
from dudao.orgs.models import OrgUnit
from dudao.orgs.scoping import acting_assignment, can
from dudao.orgs.selectors import units_for
from dudao.risks import excel, selectors, services
from dudao.risks.forms import CheckForm, ImportForm, PointForm, RetireForm
from dudao.risks.models import Category, Grade, RiskCheck, RiskPoint

ALL_PEOPLE = User.objects.filter(is_active=True)


def _offer(form: forms.Form, people: QuerySet[User]) -> None:
    """Offer only the unit's people as responsible persons (the bound form accepts anyone, so that the service
    names an outsider instead of the form saying "invalid choice")."""
    field = form.fields["responsible"]
    assert isinstance(field, forms.ModelChoiceField)
    field.queryset = people


def _point_or_404(request: AuthedRequest, pk: int) -> RiskPoint:
    if not (can(request.user, "risk.read") or can(request.user, "risk.check")):
        raise PermissionDenied("您当前的身份无权访问此页面")
    point = selectors.point_for(request.user, pk)
    if point is None:
        raise Http404
    return point


def _submit(
    request: AuthedRequest,
    form: forms.Form,
    action: Callable[[dict[str, Any]], Any],
    success: Callable[[Any], str],
    then: Callable[[Any], HttpResponse],
    page: Callable[[forms.Form, int], HttpResponse],
) -> HttpResponse:
    """Run a service on a valid form; a refusal re-renders the filled form with the message (409 when stale)."""
    status = 200
    if form.is_valid():
        try:
            result = action(form.cleaned_data)
        except Forbidden as exc:
            raise PermissionDenied(exc.message) from exc
        except DomainError as exc:
            messages.error(request, exc.message)
            status = 409 if isinstance(exc, StaleEditError) else 200
        else:
            messages.success(request, success(result))
            return then(result)
    else:
        messages.error(request, form_errors(form))
    return page(form, status)


def _data(cleaned: dict[str, object]) -> services.PointData:
    responsible = cleaned["responsible"]
    assert isinstance(responsible, User)
    return services.PointData(
        category=str(cleaned["category"]),
        place=str(cleaned["place"]),
        description=str(cleaned["description"]),
        grade=str(cleaned["grade"]),
        measures=str(cleaned["measures"]),
        responsible=responsible,
        frequency=str(cleaned["frequency"]),
    )


@login_required
def points(request: AuthedRequest) -> HttpResponse:
    """The register: every active point in scope, reddest first; filters by unit, grade, category, check status."""
    require(request, "risk.read")
    qs: QuerySet[RiskPoint] = selectors.points_for(request.user).active()
    unit = None
    if request.GET.get("unit", "").isdigit():
        unit = get_object_or_404(units_for(request.user), pk=int(request.GET["unit"]))
        qs = qs.filter(unit__path__under=unit.path)
    grade, category, show = request.GET.get("grade", ""), request.GET.get("category", ""), request.GET.get("show", "")
    qs = selectors.filtered(qs, grade=grade, category=category, show=show)
    page = paginate(selectors.by_grade(qs), page=request.GET.get("page"))
    items = list(page.items)
    hazards = selectors.open_hazard_counts(items)
    for item in items:
        item.open_hazard_count = hazards.get(item.pk, 0)
    return render(
        request,
        "risks/points.html",
        {
            "page": page,
            "items": items,
            "unit": unit,
            "grade": grade,
            "category": category,
            "show": show,
            "grades": Grade.choices,
            "categories": Category.choices,
            "today": timezone.localdate(),
            "may_manage": bool(selectors.manageable_units(request.user)),
        },
    )


@login_required
def point_new(request: AuthedRequest) -> HttpResponse:
    require(request, "risk.change")
    units = selectors.manageable_units(request.user)
    if not units:
        raise PermissionDenied("教育局、区县教育局人员只能为本单位场所登记风险点")
    chosen = units[0]
    if request.GET.get("unit", "").isdigit():
        chosen = next((u for u in units if u.pk == int(request.GET["unit"])), chosen)
    if request.method == "POST":

        def page(form: forms.Form, status: int) -> HttpResponse:
            _offer(form, selectors.people_of(chosen))
            return render(request, "risks/point_form.html", {"form": form, "point": None}, status=status)

        return _submit(
            request,
            PointForm(request.POST, units=units, people=ALL_PEOPLE),
            lambda d: services.create_point(actor=request.user, unit=d["unit"], data=_data(d)),
            lambda p: f"已登记风险点“{p.place}”",
            lambda p: redirect("risks:point", p.pk),
            page,
        )
    form = PointForm(units=units, people=selectors.people_of(chosen), initial={"unit": chosen.pk})
    return render(request, "risks/point_form.html", {"form": form, "point": None, "units": units})


@login_required
def point_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    point = _point_or_404(request, pk)
    checks = list(point.checks.select_related("checked_by")[:30])
    states = selectors.hazard_states(checks)
    return render(
        request,
        "risks/point.html",
        {
            "point": point,
            "checks": [(c, states.get(c.ledger_item_id or 0)) for c in checks],
            "open_hazards": selectors.open_hazards(point),
            "may_manage": services.manages(request.user, point.unit),
            "may_check": services.may_check(request.user, point),
            "today": timezone.localdate(),
            "perms_read": can(request.user, "risk.read"),
        },
    )


@login_required
def point_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    point = _point_or_404(request, pk)
    if not services.manages(request.user, point.unit):
        raise PermissionDenied("只有本单位校长或学校管理员可以修改风险点")
    people = selectors.people_of(point.unit)
    if request.method == "POST":

        def page(form: forms.Form, status: int) -> HttpResponse:
            _offer(form, people)
            return render(request, "risks/point_form.html", {"form": form, "point": point}, status=status)

        return _submit(
            request,
            PointForm(request.POST, units=[], people=ALL_PEOPLE, with_unit=False),
            lambda d: services.update_point(
                actor=request.user, point=point, data=_data(d), version=posted_version(request)
            ),
            lambda p: "已保存修改",
            lambda p: redirect("risks:point", p.pk),
            page,
        )
    initial = {
        "category": point.category,
        "place": point.place,
        "description": point.description,
        "grade": point.grade,
        "measures": point.measures,
        "responsible": point.responsible_id,
        "frequency": point.frequency,
    }
    form = PointForm(units=[], people=people, with_unit=False, initial=initial)
    return render(request, "risks/point_form.html", {"form": form, "point": point})


@login_required
@require_POST
def point_retire(request: AuthedRequest, pk: int) -> HttpResponse:
    point = _point_or_404(request, pk)
    return post_form(
        request,
        RetireForm,
        redirect("risks:point", point.pk),
        lambda d: services.retire_point(
            actor=request.user, point=point, reason=d["reason"], version=posted_version(request)
        ),
        "风险点已销号，不再安排排查",
    )


@login_required
def point_check(request: AuthedRequest, pk: int) -> HttpResponse:
    """The phone form: normal, or a hazard with a description, its level and an optional photo."""
    point = _point_or_404(request, pk)
    if not services.may_check(request.user, point):
        raise PermissionDenied("只有该风险点的责任人或本单位校长、学校管理员可以记录排查")
    if request.method == "POST":

        def record(d: dict[str, Any]) -> RiskCheck:
            upload = request.FILES.get("photo")
            return services.record_check(
                actor=request.user,
                point=point,
                checked_on=d["checked_on"],
                result=str(d["result"]),
                note=str(d["note"]),
                hazard_level=str(d["hazard_level"]),
                photo=(upload, upload.name or "photo.jpg") if upload else None,
            )

        return _submit(
            request,
            CheckForm(request.POST, request.FILES),
            record,
            lambda c: "已记录：发现隐患，已转入整改台账" if c.ledger_item_id else "已记录：排查正常",
            lambda c: redirect("risks:point", point.pk),
            lambda form, status: render(request, "risks/check.html", {"point": point, "form": form}, status=status),
        )
    return render(request, "risks/check.html", {"point": point, "form": CheckForm()})


@login_required
def mine(request: AuthedRequest) -> HttpResponse:
    """我的排查: points the user is responsible for, overdue first, then due now, then coming."""
    require(request, "risk.check")
    today = timezone.localdate()
    rows = list(selectors.my_points(request.user)[:200])
    overdue = [p for p in rows if p.check_deadline < today]
    due = [p for p in rows if p.next_check_on <= today <= p.check_deadline]
    later = [p for p in rows if p.next_check_on > today]
    return render(
        request,
        "risks/mine.html",
        {
            "groups": [
                ("逾期未排查", overdue, "danger"),
                ("本周期待排查", due, "warning"),
                ("近期无需排查", later, ""),
            ],
            "overdue": overdue,
            "due": due,
            "later": later,
            "today": today,
        },
    )


@login_required
def overview(request: AuthedRequest) -> HttpResponse:
    """A district's (or the city's) schools with red and orange points and overdue checks, counts per school."""
    require(request, "risk.read")
    assignment = acting_assignment(request.user)
    assert assignment is not None
    within: OrgUnit = assignment.unit
    if request.GET.get("unit", "").isdigit():
        within = get_object_or_404(units_for(request.user), pk=int(request.GET["unit"]))
    rows = selectors.overview(request.user, within)
    return render(
        request,
        "risks/overview.html",
        {
            "within": within,
            "rows": rows,
            "totals": {
                "major": sum(r.major for r in rows),
                "large": sum(r.large for r in rows),
                "overdue": sum(r.overdue for r in rows),
            },
        },
    )


@login_required
def import_points(request: AuthedRequest) -> HttpResponse:
    require(request, "risk.change")
    units = selectors.manageable_units(request.user)
    if not units:
        raise PermissionDenied("教育局、区县教育局人员只能为本单位场所登记风险点")
    errors: list[object] = []
    form = ImportForm(units=units)
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES, units=units)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                count = excel.import_points(
                    actor=request.user, unit=form.cleaned_data["unit"], upload=upload, filename=upload.name or ""
                )
            except Forbidden as exc:
                raise PermissionDenied(exc.message) from exc
            except ImportRejected as exc:
                messages.error(request, exc.message)
                errors = list(exc.errors)
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, f"已导入 {count} 个风险点")
                return redirect(f"{reverse('risks:points')}?unit={form.cleaned_data['unit'].pk}")
        else:
            messages.error(request, "请选择单位和要导入的 Excel 文件")
    return render(request, "risks/import.html", {"form": form, "errors": errors})


@login_required
def import_template(request: AuthedRequest) -> HttpResponse:
    require(request, "risk.change")
    response = HttpResponse(
        excel.template_bytes(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = 'attachment; filename="risk-points-template.xlsx"'
    return response
