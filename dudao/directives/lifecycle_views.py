"""Pages of a directive's life cycle: edit and delete a draft, preview and issue it, withdraw or correct it."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from dudao.accounts.requests import AuthedRequest
from dudao.core.errors import DomainError, Forbidden
from dudao.core.web import perform, post_form, posted_version, require
from dudao.directives import selectors, services
from dudao.directives.forms import CorrectionForm, IssueForm, TargetForm, WithdrawForm, initial_from
from dudao.directives.models import Directive, DirectiveStatus
from dudao.directives.schema import fields_of
from dudao.directives.views import directive_form, show_target_error, target_picker
from dudao.orgs.models import OrgUnit, UnitKind
from dudao.orgs.scoping import acting_assignment


def _changeable(request: AuthedRequest, pk: int) -> Directive:
    """A directive the acting unit may change (issued in its subtree); others answer 404, a role without the
    permission 403."""
    require(request, "directive.change")
    return get_object_or_404(
        selectors.directives_for(request.user).filter(pk__in=Directive.objects.for_user(request.user, "change")),
        pk=pk,
    )


def _detail(pk: int) -> HttpResponse:
    return redirect("directives:detail", pk=pk)


@login_required
def directive_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    """编辑 a draft with the create page's form; saving keeps it a draft."""
    directive = _changeable(request, pk)
    if directive.status != DirectiveStatus.DRAFT:
        messages.error(request, "该通知已下发，不能再修改；如需改动请发更正通知")
        return _detail(pk)
    form = directive_form(request, request.POST or None, initial=initial_from(directive))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        version = None
        if data["form_version"]:
            version = get_object_or_404(selectors.form_versions_for(request.user), pk=data["form_version"])
        try:
            with transaction.atomic():
                directive = services.update_draft(
                    actor=request.user,
                    directive=directive,
                    version=posted_version(request),
                    title=data["title"],
                    body=data["body"],
                    deadline=data["deadline"],
                    targets=form.target_spec(),
                    form_version=version,
                    approval_kinds=data["approval_kinds"],
                    allow_late=data["allow_late"],
                    recurrence=data["recurrence"],
                    repeat_until=data["repeat_until"],
                )
                for upload in request.FILES.getlist("attachments"):
                    services.attach_to_directive(actor=request.user, directive=directive, upload=upload)
        except Forbidden as exc:
            raise PermissionDenied(exc.message) from exc
        except DomainError as exc:
            show_target_error(request, form, exc)
        else:
            messages.success(request, "草稿已保存")
            if request.POST.get("then") == "preview":
                return redirect("directives:preview", pk=pk)
            return _detail(pk)
    return render(
        request,
        "directives/create.html",
        {
            "form": form,
            "directive": directive,
            "editing": True,
            "picker": target_picker(request, form, directive.issuing_unit),
            "count_url": reverse("directives:recipients") + f"?directive={directive.pk}",
        },
    )


@login_required
def recipient_count(request: AuthedRequest) -> HttpResponse:
    """htmx: “将下发给 N 个单位” for the target controls as they stand, resolved by the service that issuing uses.
    `directive` (a draft being edited) counts below its issuer; otherwise below the acting unit."""
    require(request, "directive.change")
    issuer = None
    raw = request.GET.get("directive", "")
    if raw:
        if not raw.isdigit():
            raise Http404
        issuer = _changeable(request, int(raw)).issuing_unit
    acting = acting_assignment(request.user)
    assert acting is not None
    form = TargetForm(request.GET, groups=selectors.group_choices(issuer or acting.unit))
    recipients, problem = None, ""
    if not form.is_valid():
        problem = next(str(e) for errors in form.errors.values() for e in errors)
    else:
        try:
            recipients = services.preview_recipients(actor=request.user, spec=form.target_spec(), issuer=issuer)
        except Forbidden as exc:
            raise PermissionDenied(exc.message) from exc
        except DomainError as exc:
            problem = exc.message
    return render(request, "directives/_recipient_count.html", {"recipients": recipients, "problem": problem})


@login_required
@require_POST
def directive_delete(request: AuthedRequest, pk: int) -> HttpResponse:
    directive = _changeable(request, pk)
    return perform(
        request,
        _detail(pk),
        lambda: services.delete_draft(actor=request.user, directive=directive, version=posted_version(request)),
        f"已删除草稿“{directive.title}”",
        then=lambda _: redirect("/directives/?status=draft"),
    )


@login_required
def directive_preview(request: AuthedRequest, pk: int) -> HttpResponse:
    """What each target unit will see, and to whom it goes: “将下发给 N 个单位” with the list."""
    directive = _changeable(request, pk)
    if directive.status != DirectiveStatus.DRAFT:
        return _detail(pk)
    units: list[OrgUnit] = []
    problem = ""
    try:
        units = services.preview_targets(directive)
    except DomainError as exc:
        problem = exc.message
    districts = sum(1 for u in units if u.kind == UnitKind.DISTRICT)
    return render(
        request,
        "directives/preview.html",
        {
            "directive": directive,
            "units": units,
            "districts": districts,
            "schools": len(units) - districts,
            "problem": problem,
            "fields": fields_of(directive.form_version.schema) if directive.form_version else [],
            "attachments": list(directive.attachments.all()),
            "issue_form": IssueForm(),
        },
    )


@login_required
@require_POST
def directive_issue(request: AuthedRequest, pk: int) -> HttpResponse:
    directive = _changeable(request, pk)
    if directive.status != DirectiveStatus.DRAFT:
        # A second click on 下发 (or a stale tab): the directive is already out, show it.
        messages.info(request, "该通知已下发")
        return _detail(pk)
    return post_form(
        request,
        IssueForm,
        redirect("directives:preview", pk=pk),
        lambda data: services.issue_directive(
            actor=request.user, directive=directive, version=posted_version(request), doc_prefix=data["doc_prefix"]
        ),
        _issued_message,
        then=lambda d: _detail(d.pk),
    )


def _issued_message(directive: Directive) -> str:
    number = f"（{directive.doc_number}）" if directive.doc_number else ""
    warning = selectors.deadline_warning(directive)  # the school calendar: a deadline on a holiday is flagged
    return f"已下发“{directive.title}”{number}，共 {directive.targets.count()} 个单位" + (
        f"。{warning}" if warning else ""
    )


@login_required
@require_POST
def directive_withdraw(request: AuthedRequest, pk: int) -> HttpResponse:
    directive = _changeable(request, pk)
    return post_form(
        request,
        WithdrawForm,
        _detail(pk),
        lambda data: services.withdraw_directive(
            actor=request.user, directive=directive, reason=data["reason"], version=posted_version(request)
        ),
        "已撤回，收文单位已收到撤回通知，不再需要报送",
        invalid_message="请填写撤回原因，收文单位会看到它",
    )


@login_required
@require_POST
def directive_correct(request: AuthedRequest, pk: int) -> HttpResponse:
    directive = _changeable(request, pk)
    return post_form(
        request,
        CorrectionForm,
        _detail(pk),
        lambda data: services.correct_directive(
            actor=request.user,
            directive=directive,
            text=data["text"],
            title=data["title"],
            deadline=data["deadline"],
            version=posted_version(request),
        ),
        "已发布更正通知，收文单位会在通知顶部看到",
        invalid_message="请填写更正内容（新的截止时间格式如 2026-12-31 17:00）",
    )
