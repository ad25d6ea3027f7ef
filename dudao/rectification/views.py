"""Ledger pages: list, Excel, one item's 四定/progress/销号, 日结日清, 挂图作战, 公示 posting and its public page."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from dudao.accounts.models import User
from dudao.accounts.requests import AuthedRequest
from dudao.core.errors import DomainError, Forbidden
from dudao.core.excel import ImportRejected, check_export_size, xlsx_response
from dudao.core.files import file_response
from dudao.core.pagination import paginate
from dudao.core.web import form_errors, perform, post_form, require
from dudao.orgs.models import OrgUnit, UnitKind
from dudao.orgs.scoping import acting_assignment, can, scope_root_path
from dudao.orgs.selectors import account_by_id, units_for
from dudao.rectification import excel, problems, rechecks, rules, selectors, services
from dudao.rectification.forms import (
    AssignForm,
    CloseoutForm,
    FindingsImportForm,
    ProblemForm,
    ProgressForm,
    RecheckConfirmForm,
    RecheckReopenForm,
    RejectForm,
    VerifyForm,
)
from dudao.rectification.models import ItemSource, ItemStatus, RecheckStatus, RectificationItem, StepKind
from dudao.rectification.sources import finding_source


def _filters(request: AuthedRequest) -> selectors.LedgerFilters:
    return selectors.LedgerFilters.from_params(request.GET, units_for(request.user))


@login_required
def ledger(request: AuthedRequest) -> HttpResponse:
    require(request, "rectification.read")
    filters = _filters(request)
    # An owner opens the ledger on their own open items; the filter form (it sends `f`) can untick it.
    if not request.GET and selectors.owns_open_items(request.user):
        filters.owner = request.user.pk
    page = paginate(selectors.with_rows(selectors.ledger(request.user, filters)), page=request.GET.get("page"))
    return render(
        request,
        "rectification/ledger.html",
        {
            "page": page,
            "filters": filters,
            "statuses": ItemStatus.choices,
            "categories": selectors.categories(request.user),
            "rounds": finding_source().rounds_for(request.user).order_by("-starts_on")[:50]
            if can(request.user, "inspection.read")
            else [],
            "today": timezone.localdate(),
            "can_import": can(request.user, "rectification.import"),
            "can_raise": bool(selectors.raisable_sources(request.user)),
            "sources": ItemSource.choices,
            "recheck_filters": selectors.RECHECK_FILTERS.items(),
            # A school's ledger filters by any of its owners; wider scopes by "mine" (the list would be thousands).
            "owners": _school_owners(request),
            "query": request.GET.urlencode(),
        },
    )


def _school_owners(request: AuthedRequest) -> list[Any]:
    assignment = acting_assignment(request.user)
    if assignment is None or assignment.unit.kind != UnitKind.SCHOOL:
        return []
    return list(selectors.owner_candidates(assignment.unit)[:300])


@login_required
def ledger_export(request: AuthedRequest) -> HttpResponseBase:
    require(request, "rectification.read")
    qs = selectors.ledger(request.user, _filters(request))
    try:
        check_export_size(qs.count())
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(f"{reverse('rectification:ledger')}?{request.GET.urlencode()}")
    filters = _filters(request)
    unit = filters.unit or acting_assignment(request.user).unit  # type: ignore[union-attr]
    return xlsx_response(
        filename=f"整改台账-{timezone.localdate():%Y%m%d}.xlsx",
        headers=excel.EXPORT_HEADERS,
        rows=excel.export_rows(qs),
        sheet_name="整改台账",
        column_widths=excel.EXPORT_WIDTHS,
        title=excel.export_title(unit.name, timezone.localdate()),
        landscape=True,
    )


@login_required
def import_template(request: AuthedRequest) -> HttpResponse:
    require(request, "rectification.import")
    response = HttpResponse(
        excel.template_bytes(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = 'attachment; filename="findings-template.xlsx"'
    return response


@login_required
def findings_import(request: AuthedRequest) -> HttpResponse:
    require(request, "rectification.import")
    form = FindingsImportForm(request.POST or None, request.FILES or None)
    errors: list[Any] = []
    root = scope_root_path(request.user, "rectification.import")
    unit = get_object_or_404(OrgUnit, path=root)
    if request.method == "POST":
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                count = excel.import_findings(actor=request.user, unit=unit, upload=upload, filename=upload.name)
            except Forbidden as exc:
                raise PermissionDenied(exc.message) from exc
            except ImportRejected as exc:
                messages.error(request, exc.message)
                errors = exc.errors
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, f"已导入 {count} 个问题，已进入各校整改台账")
                return redirect("rectification:ledger")
        else:
            messages.error(request, form_errors(form))
    return render(request, "rectification/import.html", {"form": form, "errors": errors, "unit": unit})


@login_required
def problem_new(request: AuthedRequest) -> HttpResponse:
    """登记问题: a problem against a unit in the person's subtree (a school: its own 自查 problem)."""
    require(request, "rectification.read")
    sources = selectors.raisable_sources(request.user)
    units = selectors.raisable_units(request.user)
    if not sources or not units:
        raise PermissionDenied("您没有登记问题的权限")
    initial = {"source": sources[0][0], "due_limit": timezone.localdate() + dt.timedelta(days=30)}
    form = ProblemForm(request.POST or None, units=units, sources=sources, initial=initial)
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            unit = get_object_or_404(units_for(request.user), pk=data["unit"])
            try:
                item = problems.raise_problem(
                    actor=request.user,
                    unit=unit,
                    source=data["source"],
                    source_ref=data["source_ref"],
                    category=data["category"],
                    description=data["description"],
                    severity=data["severity"],
                    due_limit=data["due_limit"],
                    photos=_photos(request),
                )
            except Forbidden as exc:
                raise PermissionDenied(exc.message) from exc
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, f"已登记问题，请{unit.name}落实四定")
                return redirect("rectification:item", pk=item.pk)
        else:
            messages.error(request, form_errors(form))
    return render(
        request,
        "rectification/problem_new.html",
        {"form": form, "can_import": can(request.user, "rectification.import")},
    )


@login_required
def recheck_queue(request: AuthedRequest) -> HttpResponse:
    """抽查复核: 自查 close-outs verified in school and drawn for the district's check."""
    require(request, "rectification.verify")
    page = paginate(selectors.recheck_queue(request.user), page=request.GET.get("page"))
    return render(request, "rectification/rechecks.html", {"page": page, "today": timezone.localdate()})


def _item(request: AuthedRequest, pk: int) -> RectificationItem:
    return get_object_or_404(
        selectors.items_for(request.user).select_related("school", "owner", "inspection", "finding"), pk=pk
    )


def _school_staff(school: OrgUnit) -> list[User]:
    return list(selectors.owner_candidates(school)[:300])


@login_required
def item_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    require(request, "rectification.read")
    item = _item(request, pk)
    user = request.user
    is_owner = item.owner_id == user.pk
    office = rules.manages(user, item.school)
    if item.is_school_item:
        owner_may_progress = is_owner and can(user, "rectification.progress")
    else:
        owner_may_progress = is_owner and rules.belongs_to(user, item.school)
    awaiting = item.status == ItemStatus.AWAITING_VERIFICATION
    open_statuses = (ItemStatus.OPEN, ItemStatus.IN_PROGRESS)
    steps = list(item.steps.select_related("actor").prefetch_related("photos__file"))
    may_recheck = item.recheck_status == RecheckStatus.PENDING and rechecks.may_recheck(user, item)
    return render(
        request,
        "rectification/item.html",
        {
            "item": item,
            "steps": steps,
            "before_photos": selectors.before_photos(item),
            "after_photos": selectors.latest_after_photos(item) if awaiting or may_recheck else [],
            "may_assign": office and item.status != ItemStatus.CLOSED,
            # The owner may hold the role on a class below the school; the service checks the same way.
            "may_progress": (office or owner_may_progress)
            and item.status in open_statuses
            and item.owner_id is not None,
            "may_verify": awaiting and rules.may_verify(user, item),
            "verifies_in_school": awaiting and not rules.verifies_from_above(user, item),
            "may_recheck": may_recheck,
            "recheck_confirm_form": RecheckConfirmForm(auto_id="recheck_%s", initial={"version": item.version}),
            "recheck_reopen_form": RecheckReopenForm(auto_id="reopen_%s", initial={"version": item.version}),
            "warnings": services.evidence_warnings(item) if awaiting or may_recheck else [],
            "staff": _school_staff(item.school) if office else [],
            "assign_form": AssignForm(
                auto_id="assign_%s",
                initial={
                    "owner": item.owner_id,
                    "responsibility": item.responsibility,
                    "due_date": item.due_date,
                    "version": item.version,
                },
            ),
            "progress_form": ProgressForm(
                auto_id="progress_%s", initial={"progress": item.progress, "version": item.version}
            ),
            "closeout_form": CloseoutForm(auto_id="closeout_%s", initial={"version": item.version}),
            "verify_form": VerifyForm(auto_id="verify_%s", initial={"version": item.version}),
            "reject_form": RejectForm(auto_id="reject_%s", initial={"version": item.version}),
            "step_kinds": StepKind,
        },
    )


def _photos(request: AuthedRequest) -> list[tuple[Any, str]]:
    return [(f, f.name or "photo.jpg") for f in request.FILES.getlist("photos") if f]


def _back(pk: int) -> HttpResponse:
    return redirect("rectification:item", pk=pk)


@login_required
@require_POST
def item_assign(request: AuthedRequest, pk: int) -> HttpResponse:
    item = _item(request, pk)
    return post_form(
        request,
        AssignForm,
        _back(pk),
        lambda data: services.assign(
            actor=request.user,
            item=item,
            owner=account_by_id(data["owner"]),
            responsibility=data["responsibility"],
            due_date=data["due_date"],
            version=data["version"],
        ),
        "已落实四定",
    )


@login_required
@require_POST
def item_progress(request: AuthedRequest, pk: int) -> HttpResponse:
    item = _item(request, pk)
    return post_form(
        request,
        ProgressForm,
        _back(pk),
        lambda data: services.record_progress(
            actor=request.user,
            item=item,
            progress=data["progress"],
            text=data["text"],
            photos=_photos(request),
            version=data["version"],
        ),
        "已更新进度",
    )


@login_required
@require_POST
def item_closeout(request: AuthedRequest, pk: int) -> HttpResponse:
    item = _item(request, pk)
    return post_form(
        request,
        CloseoutForm,
        _back(pk),
        lambda data: services.request_closeout(
            actor=request.user, item=item, text=data["text"], photos=_photos(request), version=data["version"]
        ),
        "已申请销号，等待验收",
    )


@login_required
@require_POST
def item_verify(request: AuthedRequest, pk: int) -> HttpResponse:
    item = _item(request, pk)
    return post_form(
        request,
        VerifyForm,
        _back(pk),
        lambda data: services.verify_closeout(
            actor=request.user, item=item, text=data["text"], version=data["version"]
        ),
        "已验收销号",
    )


@login_required
@require_POST
def item_reject(request: AuthedRequest, pk: int) -> HttpResponse:
    item = _item(request, pk)
    return post_form(
        request,
        RejectForm,
        _back(pk),
        lambda data: services.reject_closeout(
            actor=request.user, item=item, reason=data["reason"], version=data["version"]
        ),
        "已退回整改",
    )


@login_required
@require_POST
def item_recheck_confirm(request: AuthedRequest, pk: int) -> HttpResponse:
    item = _item(request, pk)
    return post_form(
        request,
        RecheckConfirmForm,
        redirect("rectification:rechecks"),
        lambda data: rechecks.confirm_recheck(
            actor=request.user, item=item, text=data["text"], version=data["version"]
        ),
        "已确认销号（复核通过）",
    )


@login_required
@require_POST
def item_recheck_reopen(request: AuthedRequest, pk: int) -> HttpResponse:
    item = _item(request, pk)
    return post_form(
        request,
        RecheckReopenForm,
        _back(pk),
        lambda data: rechecks.reopen_after_recheck(
            actor=request.user, item=item, reason=data["reason"], version=data["version"]
        ),
        "已退回学校重新整改，并提醒了责任人",
    )


@login_required
def item_photo(request: AuthedRequest, pk: int, file_pk: int) -> HttpResponseBase:
    """A before (finding) or after/progress photo of an item the user may read."""
    photo = selectors.item_photo(_item(request, pk), file_pk)
    if photo is None:
        raise Http404
    return file_response(photo, as_attachment=False)


@login_required
def today(request: AuthedRequest) -> HttpResponse:
    """日结日清: per school, found today, closed today, still open."""
    require(request, "rectification.read")
    raw = request.GET.get("day", "")
    try:
        day = dt.date.fromisoformat(raw) if raw else timezone.localdate()
    except ValueError:
        day = timezone.localdate()
    if not 2000 <= day.year <= 2100:
        day = timezone.localdate()
    rows = selectors.day_summary(request.user, day)
    totals = {
        "found": sum(r.found for r in rows),
        "closed": sum(r.closed for r in rows),
        "still_open": sum(r.still_open for r in rows),
    }
    return render(
        request,
        "rectification/today.html",
        {"rows": rows[:500], "day": day, "totals": totals, "previous": day - dt.timedelta(days=1)},
    )


@login_required
def overview(request: AuthedRequest) -> HttpResponse:
    require(request, "rectification.read")
    areas = selectors.counts_by_area(request.user)
    statuses = ItemStatus.choices
    return render(
        request,
        "rectification/overview.html",
        {
            "areas": areas,
            "statuses": statuses,
            "rows": [(a, [a.by_status.get(s, 0) for s, _ in statuses]) for a in areas],
            "totals": [sum(a.by_status.get(s, 0) for a in areas) for s, _ in statuses],
            "grand_total": sum(a.total for a in areas),
            "overdue_total": sum(a.overdue for a in areas),
            "close_rate": round(100 * sum(a.closed for a in areas) / total, 1)
            if (total := sum(a.total for a in areas))
            else 0.0,
        },
    )


BOARD_LIMIT = 60


@login_required
def board(request: AuthedRequest) -> HttpResponse:
    """挂图作战: items in columns by due date, burn-down to the assessment day."""
    require(request, "rectification.read")
    filters = _filters(request)
    qs = selectors.ledger(request.user, filters)
    today_date = timezone.localdate()
    inspection = None
    if filters.inspection and can(request.user, "inspection.read"):
        inspection = finding_source().rounds_for(request.user).filter(pk=filters.inspection).first()
    columns, counts = selectors.board_columns(qs, today_date, limit=BOARD_LIMIT)
    end = inspection.assessment_on if inspection and inspection.assessment_on else today_date + dt.timedelta(days=14)
    start = inspection.starts_on if inspection else today_date - dt.timedelta(days=14)
    chart = selectors.burn_down(qs, start, max(end, today_date), today_date)
    countdown = (inspection.assessment_on - today_date).days if inspection and inspection.assessment_on else None
    return render(
        request,
        "rectification/board.html",
        {
            "columns": [
                (key, label, colour, columns[key], counts[key]) for key, label, colour in selectors.BOARD_COLUMNS
            ],
            "inspection": inspection,
            "countdown": countdown,
            "chart": json.dumps(chart, ensure_ascii=False),
            "query": request.GET.urlencode(),
            "limit": BOARD_LIMIT,
            "rounds": finding_source().rounds_for(request.user).exclude(status="planned").order_by("-starts_on")[:50]
            if can(request.user, "inspection.read")
            else [],
        },
    )


def _school(request: AuthedRequest, pk: int) -> OrgUnit:
    school = get_object_or_404(units_for(request.user), pk=pk)
    if school.kind != UnitKind.SCHOOL:
        raise Http404
    return school


@login_required
def posting(request: AuthedRequest, school_pk: int) -> HttpResponse:
    """The printable A4 四定公示表 with the QR code of the public progress page."""
    require(request, "rectification.read")
    school = _school(request, school_pk)
    live = selectors.live_posting(school)
    public_url = _public_url(request, reverse("public_posting", args=[live.token])) if live else ""
    return render(
        request,
        "rectification/posting.html",
        {
            "school": school,
            "items": selectors.public_items(school).exclude(status=ItemStatus.CLOSED),
            "closed": selectors.public_items(school).filter(status=ItemStatus.CLOSED).count(),
            "posting": live,
            "public_url": public_url,
            "qr": segno.make(public_url, error="m").svg_inline(scale=4) if public_url else "",
            "can_post": can(request.user, "rectification.post", school),
            "today": timezone.localdate(),
        },
    )


def _public_url(request: AuthedRequest, path: str) -> str:
    """The address printed under the QR code: the configured public site if set (the address parents and the
    public reach), else the address this page was opened with."""
    base = settings.DUDAO_PUBLIC_BASE_URL
    return f"{base.rstrip('/')}{path}" if base else request.build_absolute_uri(path)


@login_required
@require_POST
def posting_create(request: AuthedRequest, school_pk: int) -> HttpResponse:
    school = _school(request, school_pk)
    return perform(
        request,
        redirect("rectification:posting", school_pk=school_pk),
        lambda: services.create_posting(actor=request.user, school=school),
        "已生成新的公示二维码（旧二维码已失效）",
    )


@login_required
@require_POST
def posting_revoke(request: AuthedRequest, school_pk: int) -> HttpResponse:
    school = _school(request, school_pk)
    live = selectors.live_posting(school)
    if live is None:
        raise Http404
    return perform(
        request,
        redirect("rectification:posting", school_pk=school_pk),
        lambda: services.revoke_posting(actor=request.user, posting=live),
        "公示链接已停用",
    )


@never_cache
def public_posting(request: HttpRequest, token: str) -> HttpResponse:
    """Public, read-only progress of one school's items: no student data, no photos, no login."""
    live = selectors.posting_by_token(token)
    if live is None:
        raise Http404
    items = list(selectors.public_items(live.school))
    total = len(items)
    closed = sum(1 for i in items if i.status == ItemStatus.CLOSED)
    return render(
        request,
        "rectification/public.html",
        {"school": live.school, "items": items, "total": total, "closed": closed, "today": timezone.localdate()},
    )


@login_required
def reminders(request: AuthedRequest) -> HttpResponse:
    """The reminders the daily job sent to this user: due soon, due today, overdue (escalations)."""
    require(request, "rectification.read")
    rows = list(selectors.reminders_of(request.user).select_related("item", "item__school", "item__owner")[:300])
    return render(request, "rectification/reminders.html", {"rows": rows})


@login_required
@require_POST
def reminders_read(request: AuthedRequest) -> HttpResponse:
    count = services.mark_reminders_read(actor=request.user)
    messages.success(request, f"已将 {count} 条提醒标为已读")
    return redirect("rectification:reminders")
