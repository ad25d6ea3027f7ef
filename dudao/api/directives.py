"""/api/v1/directives, /forms, /submissions: 工作部署, report forms, submissions and their approval."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema
from ninja.errors import HttpError

from dudao.accounts.requests import AuthedRequest
from dudao.api.auth import require
from dudao.api.schemas import Paged, PageParams
from dudao.core.errors import DomainError
from dudao.core.pagination import paginate
from dudao.directives import exports, selectors, services
from dudao.directives.models import (
    Directive,
    FormVersion,
    IdempotencyKey,
    Period,
    Submission,
    SubmissionStatus,
    ValueFlag,
)
from dudao.orgs.models import OrgUnit

router = Router(tags=["工作部署与报送"])
IDEMPOTENCY_HEADER = "Idempotency-Key"


# ----- schemas ----------------------------------------------------------------------------------


class CorrectionOut(Schema):
    """A 更正通知: its text and what it changed (`{"deadline": {"before", "after"}}`, `title` likewise)."""

    id: int
    text: str
    changes: dict[str, Any]
    created_at: dt.datetime


class DirectiveOut(Schema):
    id: int
    title: str
    body: str
    issuing_unit: int
    issuing_unit_name: str
    parent: int | None
    form_version: int | None
    deadline: dt.datetime
    allow_late: bool
    approval_kinds: list[str]
    recurrence: str
    repeat_until: dt.date | None
    status: str
    status_display: str
    light: str
    created_at: dt.datetime
    issued_at: dt.datetime | None
    doc_number: str
    withdrawn_at: dt.datetime | None
    withdraw_reason: str
    corrections: list[CorrectionOut]
    version: int


class DirectiveIn(Schema):
    title: str
    body: str = ""
    deadline: dt.datetime
    targets: dict[str, Any]
    form_version: int | None = None
    approval_kinds: list[str] = []
    allow_late: bool = True
    recurrence: str = "none"
    repeat_until: dt.date | None = None
    issue: bool = True


class DraftIn(Schema):
    """The fields of a draft to change (those left out keep their value) and the `version` it was read at."""

    version: int
    title: str | None = None
    body: str | None = None
    deadline: dt.datetime | None = None
    targets: dict[str, Any] | None = None
    form_version: int | None = None
    approval_kinds: list[str] | None = None
    allow_late: bool | None = None
    recurrence: str | None = None
    repeat_until: dt.date | None = None


class IssueIn(Schema):
    version: int | None = None
    doc_prefix: str = ""


class WithdrawIn(Schema):
    reason: str
    version: int | None = None


class CorrectIn(Schema):
    text: str
    deadline: dt.datetime | None = None
    title: str = ""
    version: int | None = None


class CascadeIn(Schema):
    deadline: dt.datetime
    body: str = ""
    approval_kinds: list[str] = []


class TargetOut(Schema):
    id: int
    unit: int
    unit_name: str
    acknowledged_at: dt.datetime | None


class CompletenessOut(Schema):
    expected: int
    submitted: int
    on_time: int
    late: int
    missing: int
    approved: int


class FormOut(Schema):
    id: int
    name: str
    description: str
    unit: int
    unit_name: str
    draft_schema: dict[str, Any]
    latest_version: int | None
    latest_number: int | None


class FormIn(Schema):
    name: str
    description: str = ""
    fields: list[dict[str, Any]] = []
    rules: list[dict[str, Any]] = []
    totals: list[dict[str, Any]] = []


class SubmissionOut(Schema):
    id: int
    directive: int
    directive_title: str
    period: int
    period_label: str
    deadline: dt.datetime
    unit: int
    unit_name: str
    form_version: int | None
    status: str
    approved_levels: int
    approval_levels: int
    is_late: bool
    submitted_at: dt.datetime | None
    values: dict[str, Any]
    version: int


class FlagOut(Schema):
    """A data-quality flag (数据异常提示) on one reported number."""

    id: int
    field: str
    label: str
    kind: str  # history_outlier / peer_outlier / impossible
    kind_display: str
    value: float
    reference: dict[str, Any]
    explanation: str
    acknowledged_at: dt.datetime | None
    acknowledged_by: str | None


class SubmissionDetailOut(SubmissionOut):
    flags: list[FlagOut]


class ValuesIn(Schema):
    values: dict[str, Any]
    version: int | None = None


class SubmitIn(Schema):
    values: dict[str, Any] | None = None
    version: int | None = None


class CommentIn(Schema):
    comment: str = ""


def _directive_out(d: Directive) -> DirectiveOut:
    return DirectiveOut(
        id=d.pk,
        title=d.title,
        body=d.body,
        issuing_unit=d.issuing_unit_id,
        issuing_unit_name=d.issuing_unit.name,
        parent=d.parent_id,
        form_version=d.form_version_id,
        deadline=d.deadline,
        allow_late=d.allow_late,
        approval_kinds=list(d.approval_kinds or []),
        recurrence=d.recurrence,
        repeat_until=d.repeat_until,
        status=d.status,
        status_display=d.get_status_display(),
        light=selectors.light(d.deadline, done=d.status == "closed"),
        created_at=d.created_at,
        issued_at=d.issued_at,
        doc_number=d.doc_number,
        withdrawn_at=d.withdrawn_at,
        withdraw_reason=d.withdraw_reason,
        corrections=[
            CorrectionOut(id=c.pk, text=c.text, changes=c.changes, created_at=c.created_at) for c in d.corrections.all()
        ],
        version=d.version,
    )


def _submission_out(s: Submission, chain_length: int | None = None) -> SubmissionOut:
    return SubmissionOut(
        id=s.pk,
        directive=s.directive_id,
        directive_title=s.directive.title,
        period=s.period_id,
        period_label=s.period.label,
        deadline=s.period.deadline,
        unit=s.unit_id,
        unit_name=s.unit.name,
        form_version=s.form_version_id,
        status=s.status,
        approved_levels=s.approved_levels,
        approval_levels=chain_length if chain_length is not None else len(services.approval_chain(s)),
        is_late=s.is_late,
        submitted_at=s.submitted_at,
        values=s.values,
        version=s.version,
    )


def _directive(request: AuthedRequest, directive_id: int) -> Directive:
    require(request, "directive.read")
    return get_object_or_404(selectors.directives_for(request.user), pk=directive_id)


def _period(directive: Directive, period: int | None) -> Period:
    found = directive.periods.filter(index=period).first() if period is not None else None
    found = found or selectors.current_period(directive)
    if found is None:
        raise HttpError(404, "该通知尚无报送周期")
    return found


# ----- directives -------------------------------------------------------------------------------


@router.get("/directives", response=Paged[DirectiveOut])
def list_directives(
    request: AuthedRequest, paging: Query[PageParams], status: str = "", q: str = "", unit: int | None = None
) -> dict[str, object]:
    """Directives the acting role may see; `unit` keeps those sent to a unit (or issued by it) inside its subtree."""
    require(request, "directive.read")
    qs = selectors.directives_for(request.user, q=q, status=status)
    if unit is not None:
        scope = get_object_or_404(OrgUnit.objects.for_user(request.user), pk=unit)
        qs = qs.filter(targets__unit__path__under=scope.path).distinct()
    page = paginate(qs.prefetch_related("corrections"), page=paging.page, page_size=paging.page_size)
    return {"items": [_directive_out(d) for d in page.items], "count": page.count}


@router.post("/directives", response={201: DirectiveOut})
def create_directive(request: AuthedRequest, response: HttpResponse, payload: DirectiveIn) -> DirectiveOut:
    """Create and issue a directive (`"issue": false` keeps it a draft). `targets`: {"mode":
    "subtree"|"kind"|"school_type"|"list"|"group", …}."""
    require(request, "directive.change")
    version = _form_version(request, payload.form_version)
    directive = services.create_directive(
        actor=request.user,
        title=payload.title,
        body=payload.body,
        deadline=payload.deadline,
        targets=payload.targets,
        form_version=version,
        approval_kinds=payload.approval_kinds,
        allow_late=payload.allow_late,
        recurrence=payload.recurrence,
        repeat_until=payload.repeat_until,
        issue=payload.issue,
    )
    response.status_code = 201
    return _directive_out(directive)


def _form_version(request: AuthedRequest, pk: int | None) -> FormVersion | None:
    if pk is None:
        return None
    forms = selectors.forms_for(request.user).values("pk")
    return get_object_or_404(FormVersion.objects.filter(form__in=forms), pk=pk)


def _changeable(request: AuthedRequest, directive_id: int) -> Directive:
    """A directive issued in the acting unit's subtree: 403 for a role without `directive.change`, 404 else."""
    require(request, "directive.change")
    return get_object_or_404(Directive.objects.for_user(request.user, "change"), pk=directive_id)


@router.patch("/directives/{directive_id}", response=DirectiveOut)
def update_draft(request: AuthedRequest, directive_id: int, payload: DraftIn) -> DirectiveOut:
    """Edit a draft: the fields sent change, the others keep their value (`form_version`/`repeat_until` sent as
    null clear it). An issued directive answers 409 (send a correction or withdraw it); so does a stale
    `version`."""
    directive = _changeable(request, directive_id)
    sent = payload.model_fields_set
    updated = services.update_draft(
        actor=request.user,
        directive=directive,
        version=payload.version,
        title=payload.title if payload.title is not None else directive.title,
        body=payload.body if payload.body is not None else directive.body,
        deadline=payload.deadline or directive.deadline,
        targets=payload.targets if payload.targets is not None else directive.target_spec,
        form_version=_form_version(request, payload.form_version) if "form_version" in sent else directive.form_version,
        approval_kinds=payload.approval_kinds if payload.approval_kinds is not None else directive.approval_kinds,
        allow_late=payload.allow_late if payload.allow_late is not None else directive.allow_late,
        recurrence=payload.recurrence or directive.recurrence,
        repeat_until=payload.repeat_until if "repeat_until" in sent else directive.repeat_until,
    )
    return _directive_out(updated)


@router.delete("/directives/{directive_id}", response={204: None})
def delete_draft(request: AuthedRequest, directive_id: int, version: int | None = None) -> tuple[int, None]:
    """Delete a draft (`?version=` guards against deleting what someone just changed); issued ones answer 409."""
    directive = _changeable(request, directive_id)
    services.delete_draft(actor=request.user, directive=directive, version=version)
    return 204, None


@router.get("/directives/{directive_id}/preview", response=Paged[TargetOut])
def preview(request: AuthedRequest, directive_id: int, paging: Query[PageParams]) -> dict[str, object]:
    """The units a draft would go to if issued now (`count` is the “将下发给 N 个单位”)."""
    directive = _changeable(request, directive_id)
    if directive.status != "draft":
        raise DomainError("该通知已下发，收文单位见 /targets", code="not_a_draft", status=409)
    units = services.preview_targets(directive)
    start = (paging.page - 1) * paging.page_size
    items = [
        TargetOut(id=0, unit=u.pk, unit_name=u.name, acknowledged_at=None)
        for u in units[start : start + paging.page_size]
    ]
    return {"items": items, "count": len(units)}


@router.post(
    "/directives/{directive_id}/issue",
    response=DirectiveOut,
    openapi_extra={
        "requestBody": {
            "required": False,
            "content": {"application/json": {"schema": IssueIn.model_json_schema()}},
        }
    },
)
def issue(request: AuthedRequest, directive_id: int) -> DirectiveOut:
    """下发 a draft: targets resolved afresh, periods opened. Optional JSON body `{"version", "doc_prefix"}`:
    `doc_prefix` (e.g. "临教基") gives it a 发文字号; a bare POST issues without one."""
    directive = _changeable(request, directive_id)
    body = _issue_body(request)
    issued = services.issue_directive(
        actor=request.user, directive=directive, version=body.version, doc_prefix=body.doc_prefix
    )
    return _directive_out(issued)


def _issue_body(request: AuthedRequest) -> IssueIn:
    """The optional body of /issue: none (or not JSON) issues as it is; a malformed one is refused with 400."""
    if request.content_type != "application/json" or not request.body.strip():
        return IssueIn()
    try:
        return IssueIn.model_validate_json(request.body)
    except ValueError as exc:
        raise DomainError('请求内容应为 {"version": 整数, "doc_prefix": "发文字号前缀"}', code="body_invalid") from exc


@router.post("/directives/{directive_id}/withdraw", response=DirectiveOut)
def withdraw_directive(request: AuthedRequest, directive_id: int, payload: WithdrawIn) -> DirectiveOut:
    """撤回 with a `reason` (required, shown to the target units); forwardings below are withdrawn too."""
    directive = _changeable(request, directive_id)
    withdrawn = services.withdraw_directive(
        actor=request.user, directive=directive, reason=payload.reason, version=payload.version
    )
    return _directive_out(withdrawn)


@router.post("/directives/{directive_id}/correct", response={201: CorrectionOut})
def correct(request: AuthedRequest, response: HttpResponse, directive_id: int, payload: CorrectIn) -> CorrectionOut:
    """更正通知: `text` (required), optionally a new `deadline` (the current round) or `title`; old values are kept
    in `changes`."""
    directive = _changeable(request, directive_id)
    correction = services.correct_directive(
        actor=request.user,
        directive=directive,
        text=payload.text,
        deadline=payload.deadline,
        title=payload.title,
        version=payload.version,
    )
    response.status_code = 201
    return CorrectionOut(
        id=correction.pk, text=correction.text, changes=correction.changes, created_at=correction.created_at
    )


@router.get("/directives/{directive_id}", response=DirectiveOut)
def get_directive(request: AuthedRequest, directive_id: int) -> DirectiveOut:
    return _directive_out(_directive(request, directive_id))


@router.post("/directives/{directive_id}/cascade", response={201: DirectiveOut})
def cascade(request: AuthedRequest, response: HttpResponse, directive_id: int, payload: CascadeIn) -> DirectiveOut:
    """Forward a received directive to the acting unit's schools with an earlier deadline."""
    require(request, "directive.change")
    parent = _directive(request, directive_id)
    child = services.cascade_directive(
        actor=request.user,
        parent=parent,
        deadline=payload.deadline,
        body=payload.body,
        approval_kinds=payload.approval_kinds,
    )
    response.status_code = 201
    return _directive_out(child)


@router.get("/directives/{directive_id}/targets", response=Paged[TargetOut])
def list_targets(request: AuthedRequest, directive_id: int, paging: Query[PageParams]) -> dict[str, object]:
    directive = _directive(request, directive_id)
    page = paginate(selectors.targets_for(request.user, directive), page=paging.page, page_size=paging.page_size)
    items = [
        TargetOut(id=t.pk, unit=t.unit_id, unit_name=t.unit.name, acknowledged_at=t.acknowledged_at) for t in page.items
    ]
    return {"items": items, "count": page.count}


@router.post("/directives/{directive_id}/acknowledge", response=TargetOut)
def acknowledge(request: AuthedRequest, directive_id: int) -> TargetOut:
    directive = _directive(request, directive_id)
    target = selectors.my_target(request.user, directive)
    if target is None:
        raise HttpError(403, "本单位不是该通知的下发对象")
    target = services.acknowledge(actor=request.user, target=target)
    return TargetOut(
        id=target.pk, unit=target.unit_id, unit_name=target.unit.name, acknowledged_at=target.acknowledged_at
    )


@router.get("/directives/{directive_id}/completeness", response=CompletenessOut)
def completeness(request: AuthedRequest, directive_id: int, period: int | None = None) -> dict[str, int]:
    """Counts of the period (default: the latest) over the reports in the caller's scope."""
    require(request, "submission.read")
    directive = _directive(request, directive_id)
    total, _ = selectors.completeness(_period(directive, period), request.user)
    counts = total.as_dict()
    return {key: counts[key] for key in ("expected", "submitted", "on_time", "late", "missing", "approved")}


@router.get("/directives/{directive_id}/export")
def export(request: AuthedRequest, directive_id: int, period: int | None = None) -> HttpResponseBase:
    """All reports of the period in scope as one Excel workbook (tables on their own sheets)."""
    require(request, "submission.read")
    directive = _directive(request, directive_id)
    return exports.submissions_xlsx(request.user, directive, _period(directive, period))


@router.post("/directives/{directive_id}/remind")
def remind(request: AuthedRequest, directive_id: int, period: int | None = None) -> dict[str, int]:
    directive = _directive(request, directive_id)
    return {"reminded": services.remind_missing(actor=request.user, period=_period(directive, period))}


# ----- forms ------------------------------------------------------------------------------------


def _form_out(form: Any) -> FormOut:
    latest = form.latest
    return FormOut(
        id=form.pk,
        name=form.name,
        description=form.description,
        unit=form.unit_id,
        unit_name=form.unit.name,
        draft_schema=form.draft_schema,
        latest_version=latest.pk if latest else None,
        latest_number=latest.number if latest else None,
    )


@router.get("/forms", response=Paged[FormOut])
def list_forms(request: AuthedRequest, paging: Query[PageParams]) -> dict[str, object]:
    require(request, "form.read")
    page = paginate(selectors.forms_for(request.user), page=paging.page, page_size=paging.page_size)
    return {"items": [_form_out(f) for f in page.items], "count": page.count}


@router.get("/forms/{form_id}", response=FormOut)
def get_form(request: AuthedRequest, form_id: int) -> FormOut:
    require(request, "form.read")
    return _form_out(get_object_or_404(selectors.forms_for(request.user), pk=form_id))


@router.post("/forms", response={201: FormOut})
def create_form(request: AuthedRequest, response: HttpResponse, payload: FormIn) -> FormOut:
    """A form and its draft schema: `fields`, `rules` (`{"left","op","right"}`), `totals` (`{"key","label","sum"}`)."""
    require(request, "form.change")
    form = services.create_form(
        actor=request.user,
        name=payload.name,
        description=payload.description,
        schema={"fields": payload.fields, "rules": payload.rules, "totals": payload.totals},
    )
    response.status_code = 201
    return _form_out(form)


@router.post("/forms/{form_id}/publish", response={201: FormOut})
def publish_form(request: AuthedRequest, response: HttpResponse, form_id: int) -> FormOut:
    require(request, "form.change")
    form = get_object_or_404(selectors.forms_for(request.user, "change"), pk=form_id)
    services.publish_form(actor=request.user, form=form)
    response.status_code = 201
    return _form_out(form)


# ----- submissions ------------------------------------------------------------------------------


def _submission(request: AuthedRequest, submission_id: int, action: str = "read") -> Submission:
    require(request, f"submission.{action}")
    return get_object_or_404(selectors.submissions_for(request.user, action), pk=submission_id)


@router.get("/submissions", response=Paged[SubmissionOut])
def list_submissions(
    request: AuthedRequest,
    paging: Query[PageParams],
    directive: int | None = None,
    period: int | None = None,
    status: SubmissionStatus | None = None,
    unit: int | None = None,
) -> dict[str, object]:
    """Reports in scope. `directive` (and `period` index), `status`, `unit` (subtree)."""
    require(request, "submission.read")
    qs = selectors.submissions_for(request.user).order_by("-period__deadline", "unit__path")
    if directive is not None:
        qs = qs.filter(directive_id=directive)
        if period is not None:
            qs = qs.filter(period__index=period)
    if status:
        qs = qs.filter(status=status)
    if unit is not None:
        scope = get_object_or_404(OrgUnit.objects.for_user(request.user), pk=unit)
        qs = qs.filter(unit__path__under=scope.path)
    page = paginate(qs, page=paging.page, page_size=paging.page_size)
    chains = services.approval_chains(page.items)
    return {"items": [_submission_out(s, len(chains[s.pk])) for s in page.items], "count": page.count}


def _flag_out(f: ValueFlag) -> FlagOut:
    return FlagOut(
        id=f.pk,
        field=f.field_key,
        label=f.label,
        kind=f.kind,
        kind_display=f.get_kind_display(),
        value=f.value,
        reference=f.reference,
        explanation=f.explanation,
        acknowledged_at=f.acknowledged_at,
        acknowledged_by=f.acknowledged_by.display_name if f.acknowledged_by else None,
    )


@router.get("/submissions/{submission_id}", response=SubmissionDetailOut)
def get_submission(request: AuthedRequest, submission_id: int) -> SubmissionDetailOut:
    """One report, with its data-quality flags (`flags`: outliers against the unit's history or its peers,
    impossible numbers; `acknowledged_at` once the approver ticked 已核实)."""
    submission = _submission(request, submission_id)
    out = _submission_out(submission)
    flags = [_flag_out(f) for f in submission.flags.select_related("acknowledged_by")]
    return SubmissionDetailOut(**out.dict(), flags=flags)


@router.put("/submissions/{submission_id}", response=SubmissionOut)
def save_submission(request: AuthedRequest, submission_id: int, payload: ValuesIn) -> SubmissionOut:
    """Save a draft (no required-field or rule checks yet). `version` guards against overwriting others."""
    submission = _submission(request, submission_id, "change")
    saved = services.save_draft(
        actor=request.user, submission=submission, values=payload.values, version=payload.version
    )
    return _submission_out(saved)


def _idempotent(request: AuthedRequest, endpoint: str, action: Callable[[], SubmissionOut]) -> Any:
    """With an Idempotency-Key header, the first answer is stored and repeated for the same key."""
    key = (request.headers.get(IDEMPOTENCY_HEADER) or "").strip()
    if not key:
        return action()
    if len(key) > 100:
        raise DomainError(f"{IDEMPOTENCY_HEADER} 不能超过 100 个字符", code="idempotency_key_too_long")
    user_id = int(str(request.user.pk))
    stored = IdempotencyKey.objects.filter(user_id=user_id, key=key).first()
    if stored is None:
        try:
            result = action()
        except DomainError as exc:
            body: dict[str, Any] = {"detail": exc.message, "code": exc.code}
            status = exc.status
        else:
            body, status = result.dict(), 200
        try:
            with transaction.atomic():
                stored = IdempotencyKey.objects.create(
                    user_id=user_id, key=key, endpoint=endpoint, status=status, response=_plain(body)
                )
        except IntegrityError:
            stored = IdempotencyKey.objects.get(user_id=user_id, key=key)
    if stored.endpoint != endpoint:
        raise DomainError(
            f"{IDEMPOTENCY_HEADER} 已用于另一个请求，请换一个新的值", code="idempotency_key_reused", status=409
        )
    from dudao.api.main import api

    return api.create_response(request, stored.response, status=stored.status)


def _plain(body: dict[str, Any]) -> dict[str, Any]:
    import json

    from django.core.serializers.json import DjangoJSONEncoder

    return json.loads(json.dumps(body, cls=DjangoJSONEncoder))


@router.post("/submissions/{submission_id}/submit", response=SubmissionOut)
def submit(request: AuthedRequest, submission_id: int, payload: SubmitIn | None = None) -> HttpResponse:
    """Submit (报送). Optional `values` and `version`; a repeated `Idempotency-Key` answers the first result."""
    submission = _submission(request, submission_id, "change")
    body = payload or SubmitIn()
    return _idempotent(
        request,
        f"submit:{submission_id}",
        lambda: _submission_out(
            services.submit(actor=request.user, submission=submission, values=body.values, version=body.version)
        ),
    )


@router.post("/submissions/{submission_id}/withdraw", response=SubmissionOut)
def withdraw(request: AuthedRequest, submission_id: int) -> HttpResponse:
    submission = _submission(request, submission_id, "change")
    return _idempotent(
        request,
        f"withdraw:{submission_id}",
        lambda: _submission_out(services.withdraw(actor=request.user, submission=submission)),
    )


def _acknowledge(request: AuthedRequest) -> list[int]:
    """`{"acknowledge": [flag ids]}` when a JSON body is sent; approving without a body stays as it was."""
    if request.content_type != "application/json" or not request.body.strip():
        return []
    try:
        body = json.loads(request.body)
    except ValueError as exc:
        raise DomainError("请求内容不是有效的 JSON", code="json_invalid") from exc
    ids = body.get("acknowledge", []) if isinstance(body, dict) else None
    if not isinstance(ids, list) or not all(isinstance(i, int) and not isinstance(i, bool) for i in ids):
        raise DomainError("acknowledge 应为数据异常提示编号（整数）的列表", code="acknowledge_invalid")
    return ids


@router.post("/submissions/{submission_id}/approve", response=SubmissionOut)
def approve(request: AuthedRequest, submission_id: int) -> HttpResponse:
    """Approve one level. Open data-quality flags must be acknowledged (已核实): send `{"acknowledge": [flag
    ids]}` (the ids of `flags` on GET /submissions/{id}); with a flag left open the answer is 409."""
    submission = _submission(request, submission_id, "approve")
    acknowledge = _acknowledge(request)
    return _idempotent(
        request,
        f"approve:{submission_id}",
        lambda: _submission_out(services.approve(actor=request.user, submission=submission, acknowledge=acknowledge)),
    )


@router.post("/submissions/{submission_id}/return", response=SubmissionOut)
def return_submission(request: AuthedRequest, submission_id: int, payload: CommentIn) -> HttpResponse:
    """退回 with a comment (required)."""
    submission = _submission(request, submission_id, "approve")
    return _idempotent(
        request,
        f"return:{submission_id}",
        lambda: _submission_out(
            services.return_submission(actor=request.user, submission=submission, comment=payload.comment)
        ),
    )
