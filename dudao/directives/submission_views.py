"""Pages of one submission: fill in (autosaved drafts), attach, submit, withdraw, approve, return, history."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from dudao.accounts.requests import AuthedRequest
from dudao.core.errors import DomainError, Forbidden
from dudao.core.files import file_response
from dudao.core.web import perform, require
from dudao.directives import filling, selectors, services
from dudao.directives.models import FieldType, Submission, SubmissionStatus
from dudao.directives.schema import FieldError, fields_of, number_labels, numbers
from dudao.orgs.scoping import acting_assignment, can


def _submission(request: AuthedRequest, pk: int, action: str = "read") -> Submission:
    require(request, f"submission.{action}")
    return get_object_or_404(selectors.submissions_for(request.user, action), pk=pk)


def _back(submission: Submission) -> HttpResponse:
    return redirect("directives:submission", pk=submission.pk)


@login_required
def submission_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    submission = _submission(request, pk)
    schema = submission.form_version.schema if submission.form_version else {"fields": []}
    can_fill = (
        submission.status in services.EDITABLE
        and can(request.user, "submission.change", submission.unit)
        and submission.directive.status == "issued"
    )
    errors: list[FieldError] = services.field_errors(submission) if request.GET.get("check") else []
    aggregated = services.is_aggregated(submission)
    aggregated_keys = (
        {f["key"] for f in fields_of(schema) if f["type"] in ("integer", "decimal", "table")} if aggregated else set()
    )
    files = {f.pk: f for f in submission.attachments.all()}
    flags = list(submission.flags.select_related("acknowledged_by"))
    chain = services.approval_chain(submission)
    acting = acting_assignment(request.user)
    next_approver = chain[submission.approved_levels] if submission.approved_levels < len(chain) else None
    may_approve = (
        submission.status == SubmissionStatus.SUBMITTED
        and next_approver is not None
        and acting is not None
        and acting.unit_id == next_approver.pk
        and can(request.user, "submission.approve", submission.unit)
    )
    may_return = (
        submission.status in services.SUBMITTED
        and acting is not None
        and any(u.pk == acting.unit_id for u in chain)
        and can(request.user, "submission.approve", submission.unit)
    )
    next_review, waiting = (
        selectors.next_awaiting(request.user, after=submission)
        if can(request.user, "submission.approve")
        else (None, 0)
    )
    return render(
        request,
        "directives/submission.html",
        {
            "submission": submission,
            "directive": submission.directive,
            "widgets": filling.widgets(
                schema,
                {**submission.values, **services.current_aggregate(submission)}
                if aggregated and can_fill
                else submission.values,
                errors,
                aggregated_keys=aggregated_keys,
                files=files,
                editable=can_fill,
            ),
            "return_comment": submission.events.filter(action="return").values_list("comment", flat=True).first(),
            "errors": errors,
            "can_fill": can_fill,
            # Withdrawing is the reporting unit's own step: a reviewer above (who may also fill on its behalf)
            # returns a report instead.
            "can_withdraw": submission.status == SubmissionStatus.SUBMITTED
            and submission.approved_levels == 0
            and acting is not None
            and acting.unit_id == submission.unit_id
            and can(request.user, "submission.change", submission.unit),
            "may_approve": may_approve,
            "may_return": may_return,
            "chain": chain,
            "light": selectors.report_light(submission, submission.period.deadline),
            "next_review": next_review,
            "waiting": waiting,
            "events": _history(submission, schema),
            "flags": flags,
            "flags_by_key": _flags_by_field(flags),
            "open_flags": [f for f in flags if f.acknowledged_at is None],
            "attachments": list(files.values()),
            "aggregated": aggregated,
            "people": _people(submission) if can_fill else [],
            "schools": _schools(submission) if can_fill else [],
            "totals": [
                (t["label"], numbers(schema, submission.values).get(t["key"])) for t in schema.get("totals") or []
            ],
        },
    )


def _flags_by_field(flags: list[Any]) -> dict[str, list[Any]]:
    """Flags under the form field they belong to (a table column's flag under its table)."""
    result: dict[str, list[Any]] = {}
    for flag in flags:
        result.setdefault(flag.field_key.split(".")[0], []).append(flag)
    return result


def _history(submission: Submission, schema: dict[str, Any]) -> list[tuple[Any, list[str]]]:
    """Events with the changed fields named as the form names them (a table's column, a total and a flag's field
    too); a key the form no longer has is not shown as its code."""
    labels = {**{f["key"]: str(f["label"]) for f in fields_of(schema)}, **number_labels(schema)}
    events = submission.events.select_related("actor")[:100]
    return [
        (e, [_changed_label(e.action, str(k), labels) for k in e.changes])
        if isinstance(e.changes, list) and e.action != "approve"
        else (e, [])
        for e in events
    ]


def _changed_label(action: str, key: str, labels: dict[str, str]) -> str:
    if action == "attach":
        return key  # the file's name
    return labels.get(key) or labels.get(key.split(".")[0]) or "表单中已删除的项目"


def _people(submission: Submission) -> list[tuple[int, str]]:
    people = services.reference_choices(submission)[FieldType.PERSON]
    return list(people.order_by("full_name").values_list("pk", "full_name")[:300])


def _schools(submission: Submission) -> list[tuple[int, str]]:
    schools = services.reference_choices(submission)[FieldType.SCHOOL]
    return list(schools.order_by("path").values_list("pk", "name")[:2000])


def _save(request: AuthedRequest, submission: Submission) -> Submission:
    schema = submission.form_version.schema if submission.form_version else {"fields": []}
    version = request.POST.get("version")
    return services.save_draft(
        actor=request.user,
        submission=submission,
        values={**submission.values, **filling.values_from_post(schema, request.POST)},
        version=int(version) if version and version.isdigit() else None,
    )


@login_required
@require_POST
def submission_save(request: AuthedRequest, pk: int) -> HttpResponse:
    """Autosave (htmx) or the 保存草稿 button: answers the save status line with the new version."""
    submission = _submission(request, pk, "change")
    try:
        submission = _save(request, submission)
    except Forbidden as exc:
        raise PermissionDenied(exc.message) from exc
    except DomainError as exc:
        if request.htmx:
            return render(
                request, "directives/_save_status.html", {"error": exc.message, "submission": submission}, status=200
            )
        messages.error(request, exc.message)
        return _back(submission)
    if request.htmx:
        return render(
            request, "directives/_save_status.html", {"submission": submission, "saved_at": timezone.localtime()}
        )
    messages.success(request, "草稿已保存")
    return _back(submission)


@login_required
@require_POST
def submission_submit(request: AuthedRequest, pk: int) -> HttpResponse:
    submission = _submission(request, pk, "change")
    try:
        if submission.status in services.EDITABLE and request.POST:
            submission = _save(request, submission)
        services.submit(actor=request.user, submission=submission)
    except Forbidden as exc:
        raise PermissionDenied(exc.message) from exc
    except DomainError as exc:
        messages.error(request, "未能报送：" + exc.message)
        return redirect(reverse("directives:submission", args=[submission.pk]) + "?check=1")
    messages.success(request, "已报送")
    return _back(submission)


@login_required
@require_POST
def submission_withdraw(request: AuthedRequest, pk: int) -> HttpResponse:
    submission = _submission(request, pk, "change")
    return perform(
        request, _back(submission), lambda: services.withdraw(actor=request.user, submission=submission), "已撤回"
    )


def _after_decision(request: AuthedRequest, submission: Submission) -> HttpResponse:
    """“通过并审核下一份”: straight to the next report waiting for this unit; else back to this one (its page then
    offers 审核下一份)."""
    if request.POST.get("then") == "next":
        following, _ = selectors.next_awaiting(request.user, after=submission)
        if following is not None:
            return redirect("directives:submission", pk=following.pk)
        messages.info(request, "没有其他等待本单位审核的报送了")
        return redirect("directives:approvals")
    return _back(submission)


@login_required
@require_POST
def submission_approve(request: AuthedRequest, pk: int) -> HttpResponse:
    submission = _submission(request, pk, "approve")
    return perform(
        request,
        _back(submission),
        lambda: services.approve(
            actor=request.user,
            submission=submission,
            acknowledge=[int(v) for v in request.POST.getlist("acknowledge") if v.isdigit()],
        ),
        lambda s: "审核通过"
        + ("（已全部审核）" if s.status == SubmissionStatus.APPROVED else "，已报上一级审核")
        + f"：{s.unit.name}",
        then=lambda s: _after_decision(request, s),
    )


@login_required
@require_POST
def submission_return(request: AuthedRequest, pk: int) -> HttpResponse:
    submission = _submission(request, pk, "approve")
    return perform(
        request,
        _back(submission),
        lambda: services.return_submission(
            actor=request.user, submission=submission, comment=request.POST.get("comment", "")
        ),
        lambda s: f"已退回{s.unit.name}的报送，填报单位可修改后重新报送",
        then=lambda s: _after_decision(request, s),
    )


@login_required
@require_POST
def submission_attach(request: AuthedRequest, pk: int) -> HttpResponse:
    submission = _submission(request, pk, "change")
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, "请选择要上传的文件")
        return _back(submission)
    field_key = request.POST.get("field", "")
    schema = submission.form_version.schema if submission.form_version else {"fields": []}
    if field_key and field_key not in {f["key"] for f in fields_of(schema) if f["type"] == FieldType.FILE}:
        field_key = ""
    return perform(
        request,
        _back(submission),
        lambda: services.attach_to_submission(
            actor=request.user, submission=submission, upload=upload, field_key=field_key
        ),
        lambda stored: f"已上传“{stored.name}”",
    )


@login_required
def submission_file(request: AuthedRequest, pk: int, file_pk: int) -> HttpResponseBase:
    submission = _submission(request, pk)
    return file_response(get_object_or_404(submission.attachments.all(), pk=file_pk))
