"""Pages of 投诉与建议: the office's list, an item's page with its actions, hotline entry, 12345 import and the
statistics; the public form and the complainant's tracking page (no login) are in `public`."""

from __future__ import annotations

import secrets
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from dudao.accounts.requests import AuthedRequest
from dudao.complaints import excel, selectors, services, tracking
from dudao.complaints.forms import CallForm, ImportForm, NoteForm, ReplyForm, RouteForm, SendBackForm
from dudao.complaints.models import Category, Complaint, Status
from dudao.core.errors import DomainError, Forbidden
from dudao.core.excel import ImportRejected
from dudao.core.files import file_response
from dudao.core.pagination import paginate
from dudao.core.web import form_errors, perform, post_form, posted_version, require
from dudao.orgs.models import OrgUnit
from dudao.orgs.scoping import acting_assignment, can

STATUS_FILTERS = [("open", "未办结"), *Status.choices, ("overdue", "逾期未答复")]


def _scope(request: AuthedRequest) -> OrgUnit:
    unit = selectors.scope_unit(request.user)
    if unit is None:
        raise PermissionDenied("您当前的身份无权访问此页面")
    return unit


@login_required
def complaint_list(request: AuthedRequest) -> HttpResponse:
    require(request, "complaint.read")
    unit = _scope(request)
    office = selectors.may_handle(request.user)
    box = request.GET.get("box", "all" if office else "mine")
    box = box if box in selectors.BOXES else "all"
    status = request.GET.get("status", "")
    category = request.GET.get("category", "")
    q = request.GET.get("q", "")[:50]
    qs = selectors.complaint_list(request.user, box=box, status=status, category=category, q=q)
    page = paginate(qs, page=request.GET.get("page"))
    return render(
        request,
        "complaints/list.html",
        {
            "page": page,
            "unit": unit,
            "box": box,
            "boxes": selectors.BOXES,
            "status": status,
            "statuses": STATUS_FILTERS,
            "category": category,
            "categories": Category.choices,
            "q": q,
            "office": office,
        },
    )


def _item(request: AuthedRequest, pk: int) -> Complaint:
    require(request, "complaint.read")
    complaint = selectors.complaint_detail(request.user, pk)
    if complaint is None:
        raise Http404
    return complaint


@login_required
def complaint_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    complaint = _item(request, pk)
    user = request.user
    acting = acting_assignment(user)
    office = can(user, "complaint.handle", complaint.intake_unit)
    is_unit = acting is not None and acting.unit_id == complaint.unit_id and can(user, "complaint.reply")
    return render(
        request,
        "complaints/detail.html",
        {
            "item": complaint,
            "steps": selectors.steps(complaint),
            "office": office,
            "may_see_identity": can(user, "complaint.identity", complaint.intake_unit),
            "may_route": office and complaint.status in (Status.RECEIVED, Status.ROUTED),
            "may_reply": is_unit and complaint.status == Status.ROUTED,
            "may_accept": office and complaint.status == Status.REPLIED,
            "may_close": office and complaint.status in (Status.ANSWERED, Status.RECEIVED),
            "units": selectors.route_choices(user) if office else [],
            "default_deadline": services.default_deadline(complaint.intake_unit),
            "tracking_url": request.build_absolute_uri(tracking.path_for(complaint.pk)) if office else "",
            "reply_form": ReplyForm(),
            "send_back_form": SendBackForm(),
        },
    )


@login_required
def complaint_identity(request: AuthedRequest, pk: int) -> HttpResponse:
    """The complainant's name and phone (htmx fragment); anyone but the office: 404 and a denied-access event."""
    complaint = _item(request, pk)
    try:
        name, phone = services.reveal_identity(actor=request.user, complaint=complaint)
    except DomainError as exc:
        raise Http404(exc.message) from exc
    return render(request, "complaints/_identity.html", {"item": complaint, "name": name, "phone": phone})


@login_required
def complaint_file(request: AuthedRequest, pk: int, file_pk: int) -> HttpResponseBase:
    complaint = _item(request, pk)
    stored = selectors.step_file(complaint, file_pk)
    if stored is None:
        raise Http404
    return file_response(stored)


def _back(complaint: Complaint) -> HttpResponse:
    return redirect("complaints:detail", pk=complaint.pk)


@login_required
@require_POST
def complaint_route(request: AuthedRequest, pk: int) -> HttpResponse:
    complaint = _item(request, pk)
    require(request, "complaint.handle")
    form = RouteForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return _back(complaint)
    data = form.cleaned_data
    target = selectors.route_target(request.user, data["unit"])
    if target is None:
        messages.error(request, "所选承办单位不在您的管理范围内，不能分办给该单位")
        return _back(complaint)
    return perform(
        request,
        _back(complaint),
        lambda: services.route(
            actor=request.user,
            complaint=complaint,
            unit=target,
            deadline=data["deadline"],
            note=data["note"],
            version=posted_version(request),
        ),
        lambda c: f"已分办至{c.unit.name}，答复时限 {c.deadline:%Y-%m-%d}",
    )


@login_required
@require_POST
def complaint_reply(request: AuthedRequest, pk: int) -> HttpResponse:
    complaint = _item(request, pk)
    require(request, "complaint.reply")
    uploads = [(f, f.name or "file") for f in request.FILES.getlist("attachments") if f]
    return post_form(
        request,
        ReplyForm,
        _back(complaint),
        lambda data: services.reply(
            actor=request.user,
            complaint=complaint,
            text=data["text"],
            measures=data["measures"],
            attachments=uploads,
            version=posted_version(request),
        ),
        "已提交答复，等待教育局办公室审核",
    )


@login_required
@require_POST
def complaint_accept(request: AuthedRequest, pk: int) -> HttpResponse:
    complaint = _item(request, pk)
    require(request, "complaint.handle")
    return post_form(
        request,
        NoteForm,
        _back(complaint),
        lambda data: services.accept(
            actor=request.user, complaint=complaint, note=data["note"], version=posted_version(request)
        ),
        "审核通过，投诉人可通过查询链接查看答复并评价",
    )


@login_required
@require_POST
def complaint_send_back(request: AuthedRequest, pk: int) -> HttpResponse:
    complaint = _item(request, pk)
    require(request, "complaint.handle")
    return post_form(
        request,
        SendBackForm,
        _back(complaint),
        lambda data: services.send_back(
            actor=request.user,
            complaint=complaint,
            reason=data["reason"],
            new_deadline=data["new_deadline"],
            version=posted_version(request),
        ),
        "已退回承办单位重新办理",
    )


@login_required
@require_POST
def complaint_close(request: AuthedRequest, pk: int) -> HttpResponse:
    complaint = _item(request, pk)
    require(request, "complaint.handle")
    return post_form(
        request,
        NoteForm,
        _back(complaint),
        lambda data: services.close(
            actor=request.user, complaint=complaint, note=data["note"], version=posted_version(request)
        ),
        "已办结",
    )


@login_required
def complaint_call(request: AuthedRequest) -> HttpResponse:
    """来电登记: the office's clerk types in a call (or a single 12345 ticket)."""
    require(request, "complaint.handle")
    if request.method == "POST":
        form = CallForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                complaint = services.record_call(
                    actor=request.user,
                    submission=services.Submission(
                        kind=data["kind"],
                        category=data["category"],
                        title=data["title"],
                        content=data["content"],
                        about=data["about"],
                        is_anonymous=data["is_anonymous"],
                        name=data["name"],
                        phone=data["phone"],
                        external_no=data["external_no"],
                    ),
                    channel=data["channel"],
                    request_key=data["request_key"],
                )
            except Forbidden as exc:
                raise PermissionDenied(exc.message) from exc
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, f"已登记，受理编号 {complaint.number}，请告知来电人")
                return redirect("complaints:detail", pk=complaint.pk)
        else:
            messages.error(request, form_errors(form))
        status = 400
    else:
        form = CallForm(initial={"request_key": secrets.token_urlsafe(24), "kind": "complaint"})
        status = 200
    return render(request, "complaints/call_form.html", {"form": form}, status=status)


@login_required
def complaint_import(request: AuthedRequest) -> HttpResponse:
    """12345 转办: an Excel of forwarded tickets, all or nothing, errors by row and column."""
    require(request, "complaint.handle")
    errors: list[str] = []
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                created = excel.import_tickets(actor=request.user, data=upload.read(), filename=upload.name or "")
            except Forbidden as exc:
                raise PermissionDenied(exc.message) from exc
            except ImportRejected as exc:
                messages.error(request, exc.message)
                errors = [str(e) for e in exc.errors]
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, f"已导入 {len(created)} 件 12345 转办工单，请逐件分办")
                return redirect(f"{reverse('complaints:list')}?status=received")
        else:
            messages.error(request, form_errors(form))
    return render(request, "complaints/import.html", {"form": ImportForm(), "errors": errors, "columns": excel.COLUMNS})


@login_required
def import_template(request: AuthedRequest) -> HttpResponse:
    require(request, "complaint.handle")
    response = HttpResponse(
        excel.template_bytes(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    name = quote("12345转办工单模板.xlsx")
    response["Content-Disposition"] = f"attachment; filename=\"12345-template.xlsx\"; filename*=UTF-8''{name}"
    return response


@login_required
def complaint_stats(request: AuthedRequest) -> HttpResponse:
    require(request, "complaint.read")
    unit = _scope(request)
    today = timezone.localdate()
    raw = request.GET.get("year", "")
    year = int(raw) if raw.isdigit() and 2000 <= int(raw) <= today.year + 1 else today.year
    stats = selectors.statistics(request.user, year)
    chart = {
        "categories": [label for label, _ in stats.by_category],
        "category_counts": [r.total for _, r in stats.by_category],
        "months": [f"{m}月" for m, _ in stats.by_month],
        "month_counts": [r.total for _, r in stats.by_month],
        "month_on_time": [r.on_time_rate for _, r in stats.by_month],
        "month_satisfaction": [r.satisfaction_rate for _, r in stats.by_month],
    }
    return render(
        request,
        "complaints/stats.html",
        {
            "stats": stats,
            "unit": unit,
            "year": year,
            "office": selectors.may_handle(request.user),
            "years": range(today.year, today.year - 4, -1),
            "chart": chart,
        },
    )
