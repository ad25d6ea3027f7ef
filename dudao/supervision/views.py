"""Pages of 督办与问责: orders (list, new — pre-filled from a module row or an indicator cell —, detail with its
actions, printable form, answer files), accountability records, commendations and the list of 问责形式."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any
from urllib.parse import quote

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
from dudao.core.errors import DomainError, Forbidden
from dudao.core.files import file_response
from dudao.core.pagination import paginate
from dudao.core.web import form_errors, perform, posted_version, require
from dudao.orgs.models import OrgUnit
from dudao.orgs.scoping import can
from dudao.orgs.selectors import units_for
from dudao.supervision import exports, selectors, services, sources
from dudao.supervision.forms import (
    AccountabilityRecordForm,
    CloseForm,
    CommendationForm,
    FormNameForm,
    OrderForm,
    RespondForm,
    ReturnForm,
    RevokeForm,
)
from dudao.supervision.models import (
    AccountabilityRecord,
    Commendation,
    OrderStatus,
    SupervisionOrder,
)


def _scope(request: AuthedRequest) -> OrgUnit:
    unit = selectors.scope_unit(request.user)
    if unit is None:
        raise PermissionDenied("您当前的身份无权访问此页面")
    return unit


def _domain_to_http(exc: DomainError) -> Exception:
    if exc.status == 404:
        return Http404(exc.message)
    return PermissionDenied(exc.message)


def _int(raw: str | None) -> int | None:
    return int(raw) if raw and raw.isdigit() and len(raw) < 19 else None


# ---- 督办单 ----


@login_required
def order_list(request: AuthedRequest) -> HttpResponse:
    require(request, "supervision.read")
    unit = _scope(request)
    box = request.GET.get("box", "")
    if box not in selectors.BOXES:
        box = "all"
    status = request.GET.get("status", "")
    q = request.GET.get("q", "")[:50]
    qs = selectors.order_list(request.user, box=box, status=status, q=q)
    page = paginate(qs, page=request.GET.get("page"))
    return render(
        request,
        "supervision/list.html",
        {
            "page": page,
            "unit": unit,
            "box": box,
            "boxes": selectors.BOXES,
            "status": status,
            "statuses": [*OrderStatus.choices, ("overdue", "逾期")],
            "q": q,
            "may_issue": selectors.may_issue(request.user),
            "may_record": selectors.may_record(request.user),
            "today": timezone.localdate(),
        },
    )


def _prefill(request: AuthedRequest, issuer: OrgUnit) -> selectors.Prefill:
    kind, row_id = request.GET.get("kind", ""), _int(request.GET.get("id"))
    unit_id, code = _int(request.GET.get("unit")), request.GET.get("indicator", "")
    try:
        if kind and row_id:
            return selectors.prefill_from_row(request.user, kind, row_id)
        if unit_id and code:
            unit = get_object_or_404(units_for(request.user), pk=unit_id)
            return selectors.prefill_from_indicator(request.user, unit, code[:80])
        if unit_id:
            unit = get_object_or_404(units_for(request.user), pk=unit_id)
            return selectors.Prefill(target=unit, around=unit)
    except Forbidden as exc:
        raise PermissionDenied(exc.message) from exc
    except DomainError as exc:
        if exc.status in (403, 404):
            raise _domain_to_http(exc) from exc
        messages.error(request, exc.message)
    return selectors.Prefill()


@login_required
def order_create(request: AuthedRequest) -> HttpResponse:
    require(request, "supervision.issue")
    issuer = _scope(request)
    if issuer.kind not in services.ISSUER_KINDS:
        raise PermissionDenied("请切换到教育局或区县教育局身份后再下达督办单")
    prefill = _prefill(request, issuer) if request.method == "GET" else selectors.Prefill()
    around = prefill.around if prefill.around and prefill.around.path.startswith(issuer.path) else None
    targets = selectors.target_choices(issuer, around)
    facts: list[sources.Fact] = prefill.facts
    if request.method == "POST":
        targets = selectors.target_choices(issuer)
        form = OrderForm(request.POST, targets=targets)
        try:
            links = sources.parse(request.POST.getlist("facts"))
            facts = sources.resolve(request.user, links, kinds=sources.ORDER_KINDS)
        except DomainError as exc:
            messages.error(request, exc.message)
            links, facts = [], []
        else:
            if form.is_valid():
                data = form.cleaned_data
                target = next(u for u in targets if str(u.pk) == data["target"])
                try:
                    order = services.issue_order(
                        actor=request.user,
                        issuer=issuer,
                        target=target,
                        subject=data["subject"],
                        body=data["body"],
                        deadline=data["deadline"],
                        facts=links,
                        request_key=data["request_key"],
                    )
                except Forbidden as exc:
                    raise PermissionDenied(exc.message) from exc
                except DomainError as exc:
                    messages.error(request, exc.message)
                else:
                    messages.success(request, f"已下达{order.number}")
                    return redirect("supervision:detail", pk=order.pk)
            else:
                messages.error(request, form_errors(form))
        status = 400
    else:
        form = OrderForm(
            initial={
                "target": prefill.target.pk if prefill.target else "",
                "subject": prefill.subject,
                "body": prefill.body,
                "deadline": timezone.localdate() + dt.timedelta(days=7),
                "request_key": secrets.token_urlsafe(24),
            },
            targets=targets,
        )
        status = 200
    return render(
        request,
        "supervision/order_form.html",
        {"form": form, "issuer": issuer, "facts": facts, "source": prefill.source},
        status=status,
    )


def _order(request: AuthedRequest, pk: int) -> SupervisionOrder:
    require(request, "supervision.read")
    order = selectors.order_detail(request.user, pk)
    if order is None:
        raise Http404
    return order


@login_required
def order_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    order = _order(request, pk)
    acting = selectors.scope_unit(request.user)
    user = request.user
    is_receiver = acting is not None and acting.pk == order.target_id and can(user, "supervision.respond")
    is_issuer = can(user, "supervision.issue", order.issuer)
    return render(
        request,
        "supervision/detail.html",
        {
            "order": order,
            "facts": [(f, sources.url_for(f.kind, f.object_id)) for f in order.facts.all()],
            "steps": selectors.order_steps(order),
            "may_sign": is_receiver and order.status == OrderStatus.ISSUED,
            "may_respond": is_receiver and order.status in (OrderStatus.ISSUED, OrderStatus.SIGNED),
            "may_close": is_issuer and order.status == OrderStatus.RESPONDED,
            # A record is about a unit below the recorder's: not offered to the receiving unit itself.
            "may_record": selectors.may_record(user)
            and acting is not None
            and order.target_id != acting.pk
            and can(user, "accountability.change", order.target),
            "respond_form": RespondForm(),
            "return_form": ReturnForm(),
            "close_form": CloseForm(),
        },
    )


@login_required
def order_print(request: AuthedRequest, pk: int) -> HttpResponse:
    order = _order(request, pk)
    return render(
        request,
        "supervision/print.html",
        {"order": order, "facts": list(order.facts.all()), "steps": selectors.order_steps(order)},
    )


@login_required
def order_docx(request: AuthedRequest, pk: int) -> HttpResponse:
    """The order as a .docx in the official layout, the same text as the print view."""
    order = _order(request, pk)
    response = HttpResponse(
        exports.order_docx(order),
        content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )
    name = quote(f"{order.number} {order.subject}")
    response["Content-Disposition"] = f"attachment; filename=\"order.docx\"; filename*=UTF-8''{name}.docx"
    return response


@login_required
def order_file(request: AuthedRequest, pk: int, file_pk: int) -> HttpResponseBase:
    order = _order(request, pk)
    stored = selectors.order_file(order, file_pk)
    if stored is None:
        raise Http404
    return file_response(stored)


def _back(order: SupervisionOrder) -> HttpResponse:
    return redirect("supervision:detail", pk=order.pk)


@login_required
@require_POST
def order_sign(request: AuthedRequest, pk: int) -> HttpResponse:
    order = _order(request, pk)
    return perform(
        request,
        _back(order),
        lambda: services.sign_order(actor=request.user, order=order, version=posted_version(request)),
        "已签收",
    )


@login_required
@require_POST
def order_respond(request: AuthedRequest, pk: int) -> HttpResponse:
    order = _order(request, pk)
    form = RespondForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return _back(order)
    uploads = [(f, f.name or "file") for f in request.FILES.getlist("attachments") if f]
    return perform(
        request,
        _back(order),
        lambda: services.respond_order(
            actor=request.user,
            order=order,
            text=form.cleaned_data["text"],
            attachments=uploads,
            version=posted_version(request),
        ),
        "已反馈办理情况，等待督办单位审核",
    )


@login_required
@require_POST
def order_close(request: AuthedRequest, pk: int) -> HttpResponse:
    order = _order(request, pk)
    form = CloseForm(request.POST)
    text = form.cleaned_data["text"] if form.is_valid() else ""
    return perform(
        request,
        _back(order),
        lambda: services.close_order(actor=request.user, order=order, text=text, version=posted_version(request)),
        "督办单已办结",
    )


@login_required
@require_POST
def order_return(request: AuthedRequest, pk: int) -> HttpResponse:
    order = _order(request, pk)
    form = ReturnForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return _back(order)
    data = form.cleaned_data
    return perform(
        request,
        _back(order),
        lambda: services.return_order(
            actor=request.user,
            order=order,
            reason=data["reason"],
            new_deadline=data["new_deadline"],
            version=posted_version(request),
        ),
        "已退回承办单位重新办理",
    )


# ---- 问责 and 通报表扬 ----


def _list_filters(request: AuthedRequest) -> dict[str, Any]:
    unit_id = _int(request.GET.get("unit"))
    unit = get_object_or_404(units_for(request.user), pk=unit_id) if unit_id else None
    person = selectors.person_named(request.user, request.GET.get("person", "")[:150])
    year = _int(request.GET.get("year"))
    return {"unit": unit, "person": person, "year": year if year and 2000 < year < 2100 else None}


@login_required
def record_list(request: AuthedRequest) -> HttpResponse:
    require(request, "accountability.read")
    _scope(request)
    filters = _list_filters(request)
    show_revoked = request.GET.get("revoked") == "1"
    qs = selectors.filtered(selectors.records_for(request.user), include_revoked=show_revoked, **filters)
    page = paginate(qs, page=request.GET.get("page"))
    services.log_list(actor=request.user, records=page.items, via="list")
    return render(
        request,
        "supervision/records.html",
        {
            "page": page,
            "filters": filters,
            "show_revoked": show_revoked,
            "may_record": selectors.may_record(request.user),
            "tab": "accountability",
        },
    )


@login_required
def commendation_list(request: AuthedRequest) -> HttpResponse:
    require(request, "accountability.read")
    _scope(request)
    filters = _list_filters(request)
    show_revoked = request.GET.get("revoked") == "1"
    qs = selectors.filtered(selectors.commendations_for(request.user), include_revoked=show_revoked, **filters)
    page = paginate(qs, page=request.GET.get("page"))
    return render(
        request,
        "supervision/commendations.html",
        {
            "page": page,
            "filters": filters,
            "show_revoked": show_revoked,
            "may_record": selectors.may_record(request.user),
            "tab": "commendations",
        },
    )


def _evidence_prefill(request: AuthedRequest) -> tuple[list[sources.Fact], OrgUnit | None]:
    kind, row_id = request.GET.get("kind", ""), _int(request.GET.get("id"))
    if not (kind and row_id):
        return [], None
    try:
        facts = sources.resolve(request.user, [(kind, row_id)])
    except DomainError as exc:
        messages.error(request, exc.message)
        return [], None
    return facts, facts[0].unit


def _decision_create(
    request: AuthedRequest, *, form_class: type[Any], template: str, save: Any, extra: dict[str, Any]
) -> HttpResponse:
    require(request, "accountability.change")
    deciding = _scope(request)
    if deciding.kind not in services.DECIDING_KINDS:
        raise PermissionDenied("请切换到教育局或区县教育局身份后再记录")
    subjects = selectors.subject_choices(deciding)
    people = list(selectors.deciders(deciding)[:200])
    if request.user not in people:
        people.insert(0, request.user)
    kwargs = {"subjects": subjects, "deciders": people, **extra}
    if request.method == "POST":
        form = form_class(request.POST, **kwargs)
        try:
            links = sources.parse(request.POST.getlist("evidence"))
            facts = sources.resolve(request.user, links)
        except DomainError as exc:
            messages.error(request, exc.message)
            links, facts = [], []
        else:
            if form.is_valid():
                data = form.cleaned_data
                unit = next((u for u in subjects if str(u.pk) == data["subject_unit"]), None)
                person = None
                if data["person"]:
                    person = selectors.person_named(request.user, data["person"])
                    if person is None:
                        messages.error(request, f"账号“{data['person'][:40]}”不存在或不在您的管理范围内")
                        return render(
                            request, template, {"form": form, "deciding": deciding, "facts": facts}, status=400
                        )
                decided_by = next((u for u in people if str(u.pk) == data["decided_by"]), None)
                try:
                    record = save(data=data, unit=unit, person=person, decided_by=decided_by, links=links)
                except Forbidden as exc:
                    raise PermissionDenied(exc.message) from exc
                except DomainError as exc:
                    messages.error(request, exc.message)
                else:
                    messages.success(request, "已记录")
                    return redirect(record[1])
            else:
                messages.error(request, form_errors(form))
        return render(request, template, {"form": form, "deciding": deciding, "facts": facts}, status=400)
    facts, around = _evidence_prefill(request)
    initial: dict[str, Any] = {"decided_on": timezone.localdate(), "decided_by": request.user.pk}
    unit_id = _int(request.GET.get("unit"))
    if unit_id and any(u.pk == unit_id for u in subjects):
        initial["subject_unit"] = unit_id
    elif around is not None and any(u.pk == around.pk for u in subjects):
        initial["subject_unit"] = around.pk
    form = form_class(initial=initial, **kwargs)
    return render(request, template, {"form": form, "deciding": deciding, "facts": facts})


@login_required
def record_create(request: AuthedRequest) -> HttpResponse:
    def save(**kw: Any) -> tuple[AccountabilityRecord, str]:
        data = kw["data"]
        record = services.record_accountability(
            actor=request.user,
            form=data["form"],
            subject_unit=kw["unit"],
            subject_person=kw["person"],
            reason=data["reason"],
            decided_by=kw["decided_by"],
            decided_on=data["decided_on"],
            deduction=data["deduction"],
            evidence=kw["links"],
        )
        return record, reverse("supervision:record", args=[record.pk])

    return _decision_create(
        request,
        form_class=AccountabilityRecordForm,
        template="supervision/record_form.html",
        save=save,
        extra={"forms_qs": selectors.active_forms()},
    )


@login_required
def commendation_create(request: AuthedRequest) -> HttpResponse:
    def save(**kw: Any) -> tuple[Commendation, str]:
        data = kw["data"]
        record = services.record_commendation(
            actor=request.user,
            title=data["title"],
            subject_unit=kw["unit"],
            subject_person=kw["person"],
            reason=data["reason"],
            decided_by=kw["decided_by"],
            decided_on=data["decided_on"],
            bonus=data["bonus"],
            evidence=kw["links"],
        )
        return record, reverse("supervision:commendation", args=[record.pk])

    return _decision_create(
        request, form_class=CommendationForm, template="supervision/commendation_form.html", save=save, extra={}
    )


@login_required
def record_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    require(request, "accountability.read")
    record = get_object_or_404(selectors.records_for(request.user), pk=pk)
    services.log_read(actor=request.user, record=record, via="read")
    return render(
        request,
        "supervision/decision.html",
        {
            "record": record,
            "kind": "accountability",
            "evidence": [(e, sources.url_for(e.kind, e.object_id)) for e in record.evidence.all()],
            "may_revoke": not record.is_revoked
            and selectors.records_for(request.user, "change").filter(pk=record.pk).exists(),
            "revoke_form": RevokeForm(),
            "revoke_url": reverse("supervision:record_revoke", args=[record.pk]),
        },
    )


@login_required
def commendation_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    require(request, "accountability.read")
    record = get_object_or_404(selectors.commendations_for(request.user), pk=pk)
    return render(
        request,
        "supervision/decision.html",
        {
            "record": record,
            "kind": "commendation",
            "evidence": [(e, sources.url_for(e.kind, e.object_id)) for e in record.evidence.all()],
            "may_revoke": not record.is_revoked
            and selectors.commendations_for(request.user, "change").filter(pk=record.pk).exists(),
            "revoke_form": RevokeForm(),
            "revoke_url": reverse("supervision:commendation_revoke", args=[record.pk]),
        },
    )


def _revoke(request: AuthedRequest, record: AccountabilityRecord | Commendation, back: HttpResponse) -> HttpResponse:
    form = RevokeForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return back
    return perform(
        request,
        back,
        lambda: services.revoke(
            actor=request.user, record=record, reason=form.cleaned_data["reason"], version=posted_version(request)
        ),
        "已撤销（记录保留备查，不再计入考评）",
    )


@login_required
@require_POST
def record_revoke(request: AuthedRequest, pk: int) -> HttpResponse:
    require(request, "accountability.read")
    record = get_object_or_404(selectors.records_for(request.user), pk=pk)
    return _revoke(request, record, redirect("supervision:record", pk=pk))


@login_required
@require_POST
def commendation_revoke(request: AuthedRequest, pk: int) -> HttpResponse:
    require(request, "accountability.read")
    record = get_object_or_404(selectors.commendations_for(request.user), pk=pk)
    return _revoke(request, record, redirect("supervision:commendation", pk=pk))


# ---- 问责形式 ----


@login_required
def form_list(request: AuthedRequest) -> HttpResponse:
    require(request, "accountability.read")
    back = redirect("supervision:forms")
    if request.method == "POST":
        form = FormNameForm(request.POST)
        if not form.is_valid():
            messages.error(request, form_errors(form))
            return back
        data = form.cleaned_data
        return perform(
            request,
            back,
            lambda: services.add_form(actor=request.user, name=data["name"], order=data["order"] or 100),
            lambda f: f"已添加问责形式“{f.name}”",
        )
    return render(
        request,
        "supervision/forms.html",
        {"forms": list(selectors.all_forms()), "form": FormNameForm(), "may_edit": _may_edit_forms(request)},
    )


def _may_edit_forms(request: AuthedRequest) -> bool:
    unit = selectors.scope_unit(request.user)
    return unit is not None and unit.depth == 1 and selectors.may_record(request.user)


@login_required
@require_POST
def form_toggle(request: AuthedRequest, pk: int) -> HttpResponse:
    require(request, "accountability.change")
    item = get_object_or_404(selectors.all_forms(), pk=pk)
    return perform(
        request,
        redirect("supervision:forms"),
        lambda: services.set_form_active(
            actor=request.user, form=item, is_active=not item.is_active, version=posted_version(request)
        ),
        lambda f: f"已{'启用' if f.is_active else '停用'}“{f.name}”",
    )
