"""Pages of 工作部署: list, create, detail with completeness, cascade, reminders, aggregates, approvals."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from dudao.accounts.requests import AuthedRequest
from dudao.core.errors import DomainError, Forbidden
from dudao.core.files import file_response
from dudao.core.pagination import Page, paginate, parse_int
from dudao.core.web import perform, post_form, require
from dudao.directives import exports, plausibility, selectors, services
from dudao.directives.forms import TARGET_ERROR_FIELDS, CascadeForm, DirectiveForm, TargetForm
from dudao.directives.models import (
    Directive,
    DirectiveStatus,
    Period,
    SubmissionStatus,
)
from dudao.directives.schema import number_labels
from dudao.orgs import picker
from dudao.orgs.models import OrgUnit, UnitKind
from dudao.orgs.scoping import acting_assignment, can
from dudao.orgs.selectors import units_for

STATUS_FILTERS = {
    "missing": Q(status__in=[SubmissionStatus.PENDING, SubmissionStatus.DRAFT, SubmissionStatus.RETURNED]),
    "submitted": Q(status__in=[SubmissionStatus.SUBMITTED, SubmissionStatus.APPROVED]),
    "late": Q(status__in=[SubmissionStatus.SUBMITTED, SubmissionStatus.APPROVED], is_late=True),
    "approved": Q(status=SubmissionStatus.APPROVED),
    "returned": Q(status=SubmissionStatus.RETURNED),
    "awaiting": Q(status=SubmissionStatus.SUBMITTED),
}


def _directive(request: AuthedRequest, pk: int) -> Directive:
    require(request, "directive.read")
    return get_object_or_404(selectors.directives_for(request.user), pk=pk)


def _unit_param(request: AuthedRequest) -> OrgUnit | None:
    """`?unit=<id>`: a unit in the reader's scope (404 otherwise, also for a malformed id)."""
    raw = request.GET.get("unit", "")
    if not raw:
        return None
    if not raw.isdigit():
        raise Http404
    return get_object_or_404(units_for(request.user), pk=int(raw))


def _period(request: AuthedRequest, directive: Directive) -> Period | None:
    index = request.GET.get("period") or request.POST.get("period")
    if index is not None and str(index).isdigit():
        found = directive.periods.filter(index=int(index)).first()
        if found is not None:
            return found
    return selectors.current_period(directive)


@login_required
def directive_list(request: AuthedRequest) -> HttpResponse:
    require(request, "directive.read")
    acting = acting_assignment(request.user)
    assert acting is not None
    mine = request.GET.get("mine") == "1"
    tab = request.GET.get("status", "")
    tab = tab if tab in selectors.LIST_TABS else "sent"
    qs = selectors.directives_for(request.user, q=request.GET.get("q", ""), status="issued" if mine else tab)
    if mine:
        tab = ""
        qs = qs.filter(targets__unit=acting.unit)
    page = paginate(qs, page=request.GET.get("page"), page_size=20)
    rows = selectors.list_rows(page.items, acting.unit)
    can_create = can(request.user, "directive.change")
    return render(
        request,
        "directives/list.html",
        {
            "page": page,
            "rows": rows,
            "mine": mine,
            "tab": tab,
            "q": request.GET.get("q", ""),
            "can_create": can_create,
            "drafts": selectors.drafts_count(request.user) if can_create else 0,
        },
    )


def directive_form(request: AuthedRequest, data: Any = None, initial: dict[str, Any] | None = None) -> DirectiveForm:
    """The create (and draft edit) form with the acting unit's groups and report forms."""
    acting = acting_assignment(request.user)
    assert acting is not None
    return DirectiveForm(
        data,
        initial=initial,
        groups=selectors.group_choices(acting.unit),
        versions=selectors.form_version_choices(request.user),
    )


def target_picker(request: AuthedRequest, form: TargetForm, issuer: OrgUnit) -> dict[str, Any]:
    """The unit-tree picker of the list mode, below the issuer, with the units the form holds as chips."""
    units, wholes = _posted_ids(form, "units"), _posted_ids(form, "schools_of")
    options = picker.Options(root=issuer, kinds=(UnitKind.DISTRICT, UnitKind.SCHOOL), multiple=True, whole=True)
    chips = picker.chips_for(request.user, issuer, units, name="units", whole_ids=wholes, whole_name="schools_of")
    return picker.picker_context(
        options=options,
        name="units",
        whole_name="schools_of",
        chips=chips,
        input_id="target-search",
        placeholder="搜索学校、区县：名称或拼音首字母如 wz",
    )


def _posted_ids(form: TargetForm, name: str) -> list[int]:
    value = form[name].value() or []
    return [int(v) for v in (value if isinstance(value, list | tuple) else [value]) if str(v).isdigit()][:5000]


def show_target_error(request: AuthedRequest, form: TargetForm, exc: DomainError) -> None:
    """A refusal about the recipients goes beside the control it is about; others above the form."""
    field = TARGET_ERROR_FIELDS.get(exc.code)
    if field is not None:
        form.add_error(field, exc.message)
    else:
        messages.error(request, exc.message)


@login_required
def directive_create(request: AuthedRequest) -> HttpResponse:
    require(request, "directive.change")
    form = directive_form(request, request.POST or None)
    as_draft = request.POST.get("save_as") == "draft"
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        version = None
        if data["form_version"]:
            version = get_object_or_404(selectors.form_versions_for(request.user), pk=data["form_version"])
        try:
            # One transaction: a refused attachment must not leave the directive already sent to its targets.
            with transaction.atomic():
                directive = _create_with_attachments(request, data, form, version, issue=not as_draft)
        except Forbidden as exc:
            raise PermissionDenied(exc.message) from exc
        except DomainError as exc:
            show_target_error(request, form, exc)
        else:
            if as_draft:
                messages.success(request, "已存为草稿，可随时修改、预览后下发")
            else:
                messages.success(request, f"已下发“{directive.title}”，共 {directive.targets.count()} 个单位")
            return redirect("directives:detail", pk=directive.pk)
    acting = acting_assignment(request.user)
    assert acting is not None
    return render(
        request,
        "directives/create.html",
        {
            "form": form,
            "picker": target_picker(request, form, acting.unit),
            "count_url": reverse("directives:recipients"),
        },
    )


def _create_with_attachments(
    request: AuthedRequest, data: dict[str, Any], form: Any, version: Any, *, issue: bool = True
) -> Any:
    """Issue (or keep as a draft) the directive, save the target group and keep the attachments; the caller holds
    the transaction."""
    directive = services.create_directive(
        actor=request.user,
        title=data["title"],
        body=data["body"],
        deadline=data["deadline"],
        targets=form.target_spec(),
        form_version=version,
        approval_kinds=data["approval_kinds"],
        allow_late=data["allow_late"],
        recurrence=data["recurrence"],
        repeat_until=data["repeat_until"],
        issue=issue,
    )
    if data["save_group_name"].strip() and data["target_mode"] == "list":
        # The group keeps the units the choice names now (a district ticked whole: its schools).
        chosen = [t.unit for t in directive.targets.select_related("unit")]
        services.save_group(actor=request.user, name=data["save_group_name"], units=chosen)
    for upload in request.FILES.getlist("attachments"):
        services.attach_to_directive(actor=request.user, directive=directive, upload=upload)
    return directive


@login_required
def directive_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    directive = _directive(request, pk)
    period = _period(request, directive)
    issuer_side = can(request.user, "submission.read") and directive.issuing_unit.path.startswith(
        acting_assignment(request.user).unit.path  # type: ignore[union-attr]
    )
    sees_reports = can(request.user, "submission.read")
    total, rows = selectors.completeness(period, request.user) if period and sees_reports else (None, [])
    target = selectors.my_target(request.user, directive)
    my_submission = selectors.unit_submission(period, target.unit) if target is not None and period else None
    my_cascade = directive.cascades.filter(issuing_unit=target.unit).first() if target is not None else None
    can_cascade = (
        target is not None
        and my_cascade is None
        and directive.status == DirectiveStatus.ISSUED
        and target.unit.kind == UnitKind.DISTRICT
        and can(request.user, "directive.change", target.unit)
    )
    return render(
        request,
        "directives/detail.html",
        {
            "directive": directive,
            "period": period,
            "periods": list(directive.periods.all()),
            "light": selectors.light(period.deadline if period else directive.deadline),
            "total": total,
            "rows": rows,
            "issuer_side": issuer_side,
            "sees_reports": sees_reports,
            "can_change": can(request.user, "directive.change", directive.issuing_unit)
            and selectors.may_change(request.user, directive),
            "target": target,
            "my_submission": my_submission,
            "my_cascade": my_cascade,
            "can_cascade": can_cascade,
            "can_acknowledge": target is not None and can(request.user, "directive.acknowledge", target.unit),
            "cascade_form": CascadeForm(),
            "cascades": selectors.cascades_completeness(directive, period.index) if period and issuer_side else [],
            "targets": selectors.targets_for(request.user, directive) if sees_reports else [],
            "attachments": list(directive.attachments.all()),
            "corrections": selectors.corrections_for(directive),
            "withdrawn_by": directive.withdrawn_by if directive.withdrawn_by_id else None,
        },
    )


@login_required
def directive_attachment(request: AuthedRequest, pk: int, file_pk: int) -> HttpResponseBase:
    directive = _directive(request, pk)
    return file_response(get_object_or_404(directive.attachments.all(), pk=file_pk))


@login_required
@require_POST
def directive_acknowledge(request: AuthedRequest, pk: int) -> HttpResponse:
    directive = _directive(request, pk)
    target = selectors.my_target(request.user, directive)
    if target is None:
        raise PermissionDenied("本单位不是该通知的下发对象")
    return perform(
        request,
        redirect("directives:detail", pk=pk),
        lambda: services.acknowledge(actor=request.user, target=target),
        "已签收",
    )


@login_required
@require_POST
def directive_cascade(request: AuthedRequest, pk: int) -> HttpResponse:
    directive = _directive(request, pk)
    require(request, "directive.change")
    return post_form(
        request,
        CascadeForm,
        redirect("directives:detail", pk=pk),
        lambda data: services.cascade_directive(
            actor=request.user,
            parent=directive,
            deadline=data["deadline"],
            body=data["body"],
            approval_kinds=[UnitKind.SCHOOL] if data["approve_by_school"] else [],
        ),
        lambda child: f"已转发给本区 {child.targets.count()} 所学校",
        then=lambda child: redirect("directives:detail", pk=child.pk),
        invalid_message="请填写本区截止时间",
    )


@login_required
@require_POST
def directive_remind(request: AuthedRequest, pk: int) -> HttpResponse:
    directive = _directive(request, pk)
    period = _period(request, directive)
    if period is None:
        raise PermissionDenied
    return perform(
        request,
        redirect("directives:detail", pk=pk),
        lambda: services.remind_missing(actor=request.user, period=period),
        lambda n: f"已向 {n} 个未报送单位发送催报提醒",
    )


@login_required
@require_POST
def directive_close(request: AuthedRequest, pk: int) -> HttpResponse:
    directive = _directive(request, pk)
    return perform(
        request,
        redirect("directives:detail", pk=pk),
        lambda: services.close_directive(actor=request.user, directive=directive),
        "已结束该通知，不再接收报送",
    )


@login_required
def directive_submissions(request: AuthedRequest, pk: int) -> HttpResponse:
    directive = _directive(request, pk)
    require(request, "submission.read")
    period = _period(request, directive)
    qs = selectors.submissions_for(request.user).filter(period=period).order_by("unit__path")
    unit = _unit_param(request)
    if unit is not None:
        qs = qs.filter(unit__path__under=unit.path)
    status = request.GET.get("status", "")
    if status in STATUS_FILTERS:
        qs = qs.filter(STATUS_FILTERS[status])
    page = paginate(qs.select_related("target"), page=request.GET.get("page"), page_size=100)
    chains = services.approval_chains(page.items)
    return render(
        request,
        "directives/submissions.html",
        {
            "directive": directive,
            "period": period,
            "page": page,
            "unit": unit,
            "status": status,
            "chains": chains,
            "light": selectors.light(period.deadline) if period else "green",
            "can_approve": can(request.user, "submission.approve"),
        },
    )


@login_required
@require_POST
def directive_bulk_approve(request: AuthedRequest, pk: int) -> HttpResponse:
    directive = _directive(request, pk)
    require(request, "submission.approve")
    ids = [int(i) for i in request.POST.getlist("submission") if i.isdigit()]
    chosen = list(selectors.submissions_for(request.user, "approve").filter(directive=directive, pk__in=ids))
    try:
        approved, refused = services.bulk_approve(actor=request.user, submissions=chosen)
    except Forbidden as exc:
        raise PermissionDenied(exc.message) from exc
    if approved:
        messages.success(request, f"已审核通过 {approved} 份报送")
    for reason in refused[:10]:
        messages.error(request, reason)
    if not approved and not refused:
        messages.error(request, "请先勾选要审核的报送")
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        back = f"/directives/{pk}/submissions/"
    return redirect(back or f"/directives/{pk}/submissions/")


@login_required
def directive_aggregate(request: AuthedRequest, pk: int) -> HttpResponse:
    """Numbers summed up the tree: one column per child unit, drill down by clicking a child."""
    directive = _directive(request, pk)
    require(request, "submission.read")
    period = _period(request, directive)
    acting = acting_assignment(request.user)
    assert acting is not None
    # A district reads a city directive from its own unit down; the city reads a district's from the district down.
    under = acting.unit if acting.unit.path.startswith(directive.issuing_unit.path) else directive.issuing_unit
    under = _unit_param(request) or under
    if not under.path.startswith(acting.unit.path):
        raise PermissionDenied
    labels = number_labels(directive.form_version.schema) if directive.form_version else {}
    totals, by_child = selectors.sums_by_child(period, under) if period else ({}, {})
    columns = []
    for child, numbers, cascade in selectors.aggregate_children(directive, by_child):
        # A district that forwarded the directive holds its schools' numbers in its own cascade: drill into that.
        if cascade is not None:
            link = reverse("directives:aggregate", args=[cascade])
        else:
            link = f"?period={period.index if period else ''}&unit={child.pk}"
        columns.append((child, numbers, link))
    return render(
        request,
        "directives/aggregate.html",
        {
            "directive": directive,
            "period": period,
            "under": under,
            "labels": labels,
            "totals": totals,
            "columns": columns,
        },
    )


@login_required
def directive_export(request: AuthedRequest, pk: int) -> HttpResponseBase:
    directive = _directive(request, pk)
    require(request, "submission.read")
    period = _period(request, directive)
    if period is None:
        raise PermissionDenied
    return exports.submissions_xlsx(request.user, directive, period)


@login_required
def directive_zip(request: AuthedRequest, pk: int) -> HttpResponseBase:
    directive = _directive(request, pk)
    require(request, "submission.read")
    period = _period(request, directive)
    if period is None:
        raise PermissionDenied
    return exports.attachments_zip(request.user, directive, period)


APPROVALS_PAGE_SIZE = 50


@login_required
def approvals(request: AuthedRequest) -> HttpResponse:
    """待审核的报送: grouped by directive, filtered (directive, unit name, flags), paged, with batch approval."""
    require(request, "submission.approve")
    raw_directive = request.GET.get("directive", "")
    chosen = int(raw_directive) if raw_directive.isdigit() else None
    q, flagged = request.GET.get("q", "").strip(), request.GET.get("flagged", "")
    submissions, options = selectors.approval_queue(request.user, directive=chosen, q=q, flagged=flagged)
    number = parse_int(request.GET.get("page"), 1, low=1, high=10**6)
    page = Page(items=[], count=len(submissions), page=number, page_size=APPROVALS_PAGE_SIZE)
    page.page = min(number, page.num_pages)
    start = (page.page - 1) * APPROVALS_PAGE_SIZE
    page.items = submissions[start : start + APPROVALS_PAGE_SIZE]
    flags = plausibility.open_counts(page.items) if page.items else {}
    return render(
        request,
        "directives/approvals.html",
        {
            "groups": selectors.group_by_directive(page.items, flags, {d.pk: n for d, n in options}),
            "page": page,
            "options": options,
            "chosen": chosen,
            "q": q,
            "flagged": flagged,
            "waiting": sum(n for _, n in options),
            "filtered": chosen is not None or bool(q) or flagged in ("0", "1"),
        },
    )


@login_required
@require_POST
def approvals_bulk(request: AuthedRequest) -> HttpResponse:
    """Batch approval from the queue (the page asks for confirmation first); refusals are named one by one."""
    require(request, "submission.approve")
    ids = [int(i) for i in request.POST.getlist("submission") if i.isdigit()]
    chosen = list(selectors.submissions_for(request.user, "approve").filter(pk__in=ids).order_by("unit__path"))
    try:
        approved, refused = services.bulk_approve(actor=request.user, submissions=chosen)
    except Forbidden as exc:
        raise PermissionDenied(exc.message) from exc
    if approved:
        messages.success(request, f"已审核通过 {approved} 份报送")
    for reason in refused[:10]:
        messages.error(request, reason)
    if len(refused) > 10:
        messages.error(request, f"另有 {len(refused) - 10} 份未能审核通过")
    if not approved and not refused:
        messages.error(request, "请先勾选要审核的报送")
    back = request.POST.get("next", "")
    if not back.startswith("/directives/approvals/") or not url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        back = reverse("directives:approvals")
    return redirect(back)


@login_required
def reminders(request: AuthedRequest) -> HttpResponse:
    require(request, "directive.read")
    page = paginate(selectors.reminders_for(request.user), page=request.GET.get("page"), page_size=50)
    return render(request, "directives/reminders.html", {"page": page})
