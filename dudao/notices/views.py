"""Staff pages of notices: list, write, send/withdraw, 知晓率 by unit, a class's readers and non-readers
(phones, phone confirmations, copyable messages, printable slips), reminders, SMS and the receipts export."""

from __future__ import annotations

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from dudao.accounts.requests import AuthedRequest
from dudao.audit.services import record_access
from dudao.core.errors import DomainError, Forbidden
from dudao.core.excel import check_export_size, xlsx_response
from dudao.core.files import file_response
from dudao.core.pagination import paginate
from dudao.core.web import form_errors, perform, post_form, posted_version, require
from dudao.notices import audience, exports, selectors, services, tokens
from dudao.notices.forms import NoticeForm, PhoneConfirmForm, ReminderForm, initial_of
from dudao.notices.models import Notice, NoticeStatus
from dudao.orgs.models import OrgUnit, UnitKind
from dudao.orgs.scoping import can
from dudao.orgs.selectors import units_for


def _scope(request: AuthedRequest) -> OrgUnit:
    unit = selectors.scope_unit(request.user)
    if unit is None:
        raise PermissionDenied("您当前的身份无权访问此页面")
    return unit


@login_required
def notice_list(request: AuthedRequest) -> HttpResponse:
    require(request, "notice.read")
    unit = _scope(request)
    qs = selectors.notices_for(request.user).order_by("-created_at", "-id")
    status = request.GET.get("status", "")
    if status in NoticeStatus.values:
        qs = qs.filter(status=status)
    page = paginate(qs, page=request.GET.get("page"))
    rows = selectors.list_rows(page.items, unit)
    return render(
        request,
        "notices/list.html",
        {
            "page": page,
            "rows": rows,
            "unit": unit,
            "tabs": _status_tabs(selectors.status_counts(request.user)),
            "status": status,
            "status_label": NoticeStatus(status).label if status else "",
            "can_write": can(request.user, "notice.change") and unit.kind in services.ISSUER_KINDS,
        },
    )


def _status_tabs(counts: dict[str, int]) -> list[tuple[str, str, int]]:
    """(status, label, count) for the list's filter tabs: 草稿 and 已发送 always, the others when they occur."""
    always = (NoticeStatus.DRAFT, NoticeStatus.SENT)
    return [(s.value, s.label, counts.get(s.value, 0)) for s in NoticeStatus if s in always or counts.get(s.value)]


@login_required
def notice_create(request: AuthedRequest) -> HttpResponse:
    require(request, "notice.change")
    issuer = _scope(request)
    if issuer.kind not in services.ISSUER_KINDS:
        raise PermissionDenied("请切换到教育局、区县教育局或学校身份后再发布告知书")
    form = NoticeForm(request.POST or None, request.FILES or None, issuer=issuer)
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            uploads = [(f, f.name or "file") for f in request.FILES.getlist("attachments") if f]
            try:
                notice = services.create_notice(
                    actor=request.user,
                    issuer=issuer,
                    title=data["title"],
                    body=data["body"],
                    questions=data["questions"],
                    audience_units=list(data["audience_units"]),
                    grade_names=data["grade_names"],
                    flags=data["flags"],
                    links_expire_on=data["links_expire_on"],
                    attachments=uploads,
                )
            except Forbidden as exc:
                raise PermissionDenied(exc.message) from exc
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, "已保存草稿，请核对后发送")
                return redirect("notices:detail", pk=notice.pk)
        else:
            messages.error(request, form_errors(form))
    return render(
        request, "notices/form.html", _form_context(form, issuer), status=400 if request.method == "POST" else 200
    )


def _form_context(form: NoticeForm, issuer: OrgUnit, **extra: object) -> dict[str, object]:
    """The form with its audience picker: the tree's first level, the ticked units (named with where they sit),
    the upload limit of pictures in the body."""
    return {
        "form": form,
        "issuer": issuer,
        "tree": audience.children(issuer, issuer),
        "chosen": audience.labelled(issuer, form.chosen_units()),
        "image_max_mb": services.IMAGE_MAX_BYTES // (1024 * 1024),
        **extra,
    }


def _notice(request: AuthedRequest, pk: int) -> Notice:
    require(request, "notice.read")
    return get_object_or_404(selectors.notices_for(request.user), pk=pk)


def _unit_in_scope(request: AuthedRequest, raw: str | None) -> OrgUnit:
    scope = _scope(request)
    if not raw:
        return scope
    if not raw.isdigit():
        raise Http404
    return get_object_or_404(units_for(request.user), pk=int(raw))


@login_required
def notice_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    notice = _notice(request, pk)
    unit = _unit_in_scope(request, request.GET.get("unit"))
    if unit.kind == UnitKind.CLASS:
        return redirect("notices:class", pk=pk, class_pk=unit.pk)
    user = request.user
    may_change = can(user, "notice.change", notice.issuer)
    audience_units = list(notice.audience_units.all())
    reach = None
    if notice.status == NoticeStatus.DRAFT:
        reach = audience.count(notice.issuer, audience_units, notice.audience_grade_names, notice.audience_flags)
    return render(
        request,
        "notices/detail.html",
        {
            "notice": notice,
            "unit": unit,
            "rates": selectors.rates(notice, unit) if notice.status != NoticeStatus.DRAFT else None,
            "scope": _scope(request),
            "attachments": list(notice.attachments.select_related("file")),
            "audience_units": audience.labelled(notice.issuer, audience_units),
            "reach": reach,
            "may_change": may_change,
            "may_sms": notice.is_live and (may_change or can(user, "notice.confirm", unit)),
            "reminders": list(notice.reminders.filter(cancelled_at__isnull=True)),
            "reminder_form": ReminderForm(initial={"only_pending": True}),
        },
    )


def _draft(request: AuthedRequest, pk: int) -> Notice:
    """A draft the acting unit issued: 403 for a role that may not write, 404 outside the scope, and a message
    (not an error page) once the notice has left the drafts."""
    require(request, "notice.change")
    notice = _notice(request, pk)
    if not can(request.user, "notice.change", notice.issuer):
        raise PermissionDenied("只有发文单位可以修改告知书")
    return notice


@login_required
def notice_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    notice = _draft(request, pk)
    if notice.status != NoticeStatus.DRAFT:
        messages.error(request, f"该告知书{notice.get_status_display()}，只有草稿可以修改")
        return redirect("notices:detail", pk=pk)
    form = NoticeForm(request.POST or None, request.FILES or None, issuer=notice.issuer, initial=initial_of(notice))
    attachments = list(notice.attachments.select_related("file"))
    version = notice.version
    if request.method == "POST":
        version = posted_version(request) or -1
        if form.is_valid():
            data = form.cleaned_data
            uploads = [(f, f.name or "file") for f in request.FILES.getlist("attachments") if f]
            removed = [int(v) for v in request.POST.getlist("remove_attachment") if v.isdigit()]
            try:
                services.update_notice(
                    actor=request.user,
                    notice=notice,
                    version=version,
                    title=data["title"],
                    body=data["body"],
                    questions=data["questions"],
                    audience_units=list(data["audience_units"]),
                    grade_names=data["grade_names"],
                    flags=data["flags"],
                    links_expire_on=data["links_expire_on"],
                    attachments=uploads,
                    remove_attachments=removed,
                )
            except Forbidden as exc:
                raise PermissionDenied(exc.message) from exc
            except DomainError as exc:
                messages.error(request, exc.message)
                status = exc.status if exc.status == 409 else 400
                context = _form_context(form, notice.issuer, notice=notice, attachments=attachments, version=version)
                return render(request, "notices/form.html", context, status=status)
            messages.success(request, "已保存修改，可预览后发送")
            return redirect("notices:detail", pk=pk)
        messages.error(request, form_errors(form))
    return render(
        request,
        "notices/form.html",
        _form_context(form, notice.issuer, notice=notice, attachments=attachments, version=version),
        status=400 if request.method == "POST" else 200,
    )


@login_required
def notice_preview(request: AuthedRequest, pk: int) -> HttpResponse:
    """The parent's phone page as it will look, from the same template, marked 预览: no link, no receipt, and
    the confirm button does nothing."""
    notice = _notice(request, pk)
    return render(
        request,
        "notices/public.html",
        {
            "notice": notice,
            "body": notice.body_html,
            "child": "小明（示例）",
            "klass": "××班",
            "receipt": None,
            "questions": [{**q, "answer": "", "chosen": []} for q in notice.questions],
            "attachments": list(notice.attachments.select_related("file")),
            "preview": True,
            "done": "",
        },
    )


@login_required
@require_POST
def notice_delete(request: AuthedRequest, pk: int) -> HttpResponse:
    notice = _draft(request, pk)
    title = notice.title
    return perform(
        request,
        redirect("notices:detail", pk=pk),
        lambda: services.delete_notice(actor=request.user, notice=notice, version=posted_version(request)),
        f"已删除草稿《{title}》",
        then=lambda _: redirect("notices:list"),
    )


@login_required
@require_POST
def notice_send(request: AuthedRequest, pk: int) -> HttpResponse:
    notice = _notice(request, pk)
    return perform(
        request,
        redirect("notices:detail", pk=pk),
        lambda: services.send_notice(actor=request.user, notice=notice, version=posted_version(request)),
        lambda c: (
            f"发送中：共 {c['queued']} 名学生，后台正在生成家长链接，完成后状态变为“已发送”"
            if "queued" in c
            else f"已发送：{c['schools']} 所学校、{c['classes']} 个班级、{c['students']} 名学生、"
            f"{c['links']} 个家长链接"
        ),
    )


@login_required
@require_POST
def notice_withdraw(request: AuthedRequest, pk: int) -> HttpResponse:
    notice = _notice(request, pk)
    return perform(
        request,
        redirect("notices:detail", pk=pk),
        lambda: services.withdraw_notice(actor=request.user, notice=notice, version=posted_version(request)),
        "已撤回：所有家长链接和班级二维码已失效",
    )


@login_required
@require_POST
def notice_reminder(request: AuthedRequest, pk: int) -> HttpResponse:
    notice = _notice(request, pk)
    return post_form(
        request,
        ReminderForm,
        redirect("notices:detail", pk=pk),
        lambda data: services.add_reminder(
            actor=request.user,
            notice=notice,
            flags=data["flags"],
            until=data["until"],
            starts_on=data["starts_on"],
            only_pending=data["only_pending"],
        ),
        lambda plan: f"已设置每日提醒，至 {plan.until:%Y-%m-%d}",
    )


@login_required
@require_POST
def notice_sms(request: AuthedRequest, pk: int) -> HttpResponse:
    notice = _notice(request, pk)
    unit = _unit_in_scope(request, request.POST.get("unit"))
    back = reverse("notices:class", args=[pk, unit.pk]) if unit.kind == UnitKind.CLASS else None
    return perform(
        request,
        redirect(back) if back else redirect(f"{reverse('notices:detail', args=[pk])}?unit={unit.pk}"),
        lambda: services.send_sms(
            actor=request.user,
            notice=notice,
            unit=unit,
            only_pending=request.POST.get("all") != "1",
            base=request.build_absolute_uri("/"),
            sender=services.sender_label(request.user, unit),
        ),
        lambda n: f"已提交短信 {n} 条",
    )


def _class(request: AuthedRequest, notice: Notice, class_pk: int) -> OrgUnit:
    klass = get_object_or_404(units_for(request.user), pk=class_pk, kind=UnitKind.CLASS)
    if not notice.receipts.filter(klass=klass).exists():  # the notice reached this class
        raise Http404
    return klass


@login_required
def class_page(request: AuthedRequest, pk: int, class_pk: int) -> HttpResponse:
    """The class teacher's page: one row per guardian of the children still to confirm (masked phone, the
    personal message and link to copy, opened / texted), the confirmed, and the class QR code."""
    notice = _notice(request, pk)
    klass = _class(request, notice, class_pk)
    user = request.user
    may_confirm = notice.status == NoticeStatus.SENT and can(user, "notice.confirm", klass)
    unmask = may_confirm and can(user, "student.unmask_phone", klass)
    receipts = list(selectors.class_receipts(notice, klass))
    pending = [r for r in receipts if r.confirmed_at is None]
    confirmed = [r for r in receipts if r.confirmed_at is not None]
    rows = selectors.guardian_rows(pending)
    base = request.build_absolute_uri("/")
    sender = services.sender_label(user, klass)
    copies = {}
    if may_confirm and notice.is_live:
        for row in rows:
            if row.link is not None:
                url = services.link_url(row.link.pk, base)
                copies[row.link.pk] = (url, services.message_text(notice, row.student_name, url, sender))
    if unmask and pending:
        record_access(
            actor=user,
            action="view_pending_guardians",
            obj=notice,
            unit_path=klass.path,
            details={"class": klass.pk, "students": len(pending), "unmasked_phone": True},
        )
    code = notice.class_codes.filter(klass=klass, revoked_at__isnull=True).first()
    qr_url = services.public_url(reverse("notices:public", args=[tokens.code_token(code.pk)]), base) if code else ""
    return render(
        request,
        "notices/class.html",
        {
            "notice": notice,
            "klass": klass,
            "pending": pending,
            "rows": [
                (row, *copies.get(row.link.pk if row.link else 0, ("", "")), services.mask_guardian_phone(row.phone))
                for row in rows
            ],
            "confirmed": confirmed,
            "total": len(receipts),
            "rate": round(100.0 * len(confirmed) / len(receipts), 1) if receipts else 0,
            "unmask": unmask,
            "may_confirm": may_confirm,
            "may_copy": bool(copies),
            "qr_url": qr_url,
            "qr": segno.make(qr_url, error="m").svg_inline(scale=4) if qr_url and notice.is_live else "",
            "phone_form": PhoneConfirmForm(),
        },
    )


@login_required
def class_slips(request: AuthedRequest, pk: int, class_pk: int) -> HttpResponse:
    """Printable A4 slips, several to a page with cut lines: one per child still to confirm (all with
    `?all=1`), with the child's full name, the first guardian's personal QR code and the short link to type.
    Names of children on paper are personal data: opening the sheet is logged."""
    notice = _notice(request, pk)
    klass = _class(request, notice, class_pk)
    if not can(request.user, "notice.confirm", klass):
        raise PermissionDenied("只有班主任或学校管理员可以打印回执条")
    if not notice.is_live:
        messages.error(request, "告知书已撤回或链接已过期，不能打印回执条")
        return redirect("notices:class", pk=pk, class_pk=class_pk)
    everyone = request.GET.get("all") == "1"
    base = request.build_absolute_uri("/")
    slips = []
    for receipt in selectors.class_receipts(notice, klass):
        link = next((li for li in receipt.links.all() if li.revoked_at is None), None)
        if link is None or (receipt.confirmed_at is not None and not everyone):
            continue
        url = services.link_url(link.pk, base)
        slips.append(
            {
                "name": receipt.student.name,
                "guardian": link.guardian.name,
                "url": url,
                "qr": segno.make(url, error="m").svg_inline(scale=3),
            }
        )
    record_access(
        actor=request.user,
        action="print_slips",
        obj=notice,
        unit_path=klass.path,
        details={"class": klass.pk, "slips": len(slips), "all": everyone, "unmasked_phone": False},
    )
    return render(
        request,
        "notices/slips.html",
        {"notice": notice, "klass": klass, "slips": slips, "everyone": everyone, "issuer": notice.issuer},
    )


@login_required
@require_POST
def phone_confirm(request: AuthedRequest, pk: int, receipt_pk: int) -> HttpResponse:
    notice = _notice(request, pk)
    receipt = get_object_or_404(selectors.receipts_for(request.user, notice).select_related("klass"), pk=receipt_pk)
    form = PhoneConfirmForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    return perform(
        request,
        redirect("notices:class", pk=pk, class_pk=receipt.klass_id),
        lambda: services.confirm_by_phone(actor=request.user, receipt=receipt, note=note),
        "已登记电话确认",
    )


@login_required
@require_POST
def link_revoke(request: AuthedRequest, pk: int, link_pk: int) -> HttpResponse:
    notice = _notice(request, pk)
    link = get_object_or_404(selectors.links_for(request.user, notice).select_related("receipt__klass"), pk=link_pk)
    return perform(
        request,
        redirect("notices:class", pk=pk, class_pk=link.receipt.klass_id),
        lambda: services.revoke_link(actor=request.user, link=link),
        "旧链接已停用，已生成新链接",
    )


@login_required
def receipts_export(request: AuthedRequest, pk: int) -> HttpResponseBase:
    notice = _notice(request, pk)
    unit = _unit_in_scope(request, request.GET.get("unit"))
    qs = selectors.receipts_for(request.user, notice).filter(selectors.receipt_filter(unit))
    count = qs.count()
    try:
        check_export_size(count)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("notices:detail", pk=pk)
    record_access(
        actor=request.user,
        action="export_receipts",
        obj=notice,
        unit_path=unit.path,
        details={"unit": unit.pk, "rows": count, "unmasked_phone": False},
    )
    return xlsx_response(
        filename=f"回执-{notice.pk}-{timezone.localdate():%Y%m%d}.xlsx",
        headers=exports.HEADERS,
        rows=exports.rows(notice, qs),
        sheet_name="回执",
        column_widths=exports.WIDTHS,
        title=f"{notice.title} 回执（{unit.name}）",
        landscape=True,
    )


@login_required
def attachment(request: AuthedRequest, pk: int, file_pk: int) -> HttpResponseBase:
    notice = _notice(request, pk)
    item = get_object_or_404(notice.attachments.select_related("file"), file_id=file_pk)
    return file_response(item.file)
