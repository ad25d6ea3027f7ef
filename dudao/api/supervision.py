"""督办与问责 API: supervision orders (issue, sign, respond, close, send back), accountability records and
commendations. Scoped: a unit sees what concerns it and the units below it; a person's accountability record only
the head of their unit and above, and every read of one is an access event."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema, Status

from dudao.accounts.models import User
from dudao.accounts.requests import AuthedRequest
from dudao.api.auth import require
from dudao.api.schemas import Id, Paged, PageParams
from dudao.core.errors import DomainError
from dudao.core.pagination import paginate
from dudao.orgs.selectors import units_for
from dudao.supervision import selectors, services, sources
from dudao.supervision.models import AccountabilityRecord, Commendation, Link, SupervisionOrder

router = Router(tags=["督办与问责"])


class LinkOut(Schema):
    kind: str
    kind_name: str
    object_id: int
    label: str
    unit: int | None


def _links(rows: Any) -> list[LinkOut]:
    return [
        LinkOut(kind=f.kind, kind_name=f.get_kind_display(), object_id=f.object_id, label=f.label, unit=f.unit_id)
        for f in rows
    ]


class OrderOut(Schema):
    id: int
    number: str
    issuer: int
    issuer_name: str
    target: int
    target_name: str
    subject: str
    deadline: dt.date
    status: str
    status_name: str
    is_overdue: bool
    issued_at: dt.datetime
    responded_at: dt.datetime | None
    closed_at: dt.datetime | None
    escalated_at: dt.datetime | None
    version: int


class StepOut(Schema):
    kind: str
    kind_name: str
    text: str
    actor_name: str
    at: dt.datetime
    files: list[str]


class OrderDetailOut(OrderOut):
    body: str
    response: str
    facts: list[LinkOut]
    steps: list[StepOut]


def _order(o: SupervisionOrder) -> OrderOut:
    return OrderOut(
        id=o.pk,
        number=o.number,
        issuer=o.issuer_id,
        issuer_name=o.issuer.name,
        target=o.target_id,
        target_name=o.target.name,
        subject=o.subject,
        deadline=o.deadline,
        status=o.status,
        status_name=o.status_label,
        is_overdue=o.is_overdue,
        issued_at=o.issued_at,
        responded_at=o.responded_at,
        closed_at=o.closed_at,
        escalated_at=o.escalated_at,
        version=o.version,
    )


def _order_detail(request: AuthedRequest, pk: int) -> OrderDetailOut:
    order = selectors.order_detail(request.user, pk)
    if order is None:
        raise DomainError("对象不存在或不在您的管理范围内", code="not_found", status=404)
    return OrderDetailOut(
        **_order(order).dict(),
        body=order.body,
        response=order.response,
        facts=_links(order.facts.all()),
        steps=[
            StepOut(
                kind=s.kind,
                kind_name=s.get_kind_display(),
                text=s.text if s.kind != "issued" else "",
                actor_name=s.actor.display_name if s.actor else "系统",
                at=s.created_at,
                files=[f.name for f in s.files.all()],
            )
            for s in selectors.order_steps(order)
        ],
    )


@router.get("/supervision-orders", response=Paged[OrderOut])
def list_orders(
    request: AuthedRequest,
    paging: Query[PageParams],
    box: Literal["in", "out", "all"] = "all",
    status: Literal["issued", "signed", "responded", "closed", "overdue"] | None = None,
    unit: Id | None = None,
) -> dict[str, object]:
    """Orders addressed to units in scope. `box`: `in` addressed to the acting unit, `out` issued by it;
    `status=overdue`: unanswered after the deadline; `unit`: addressed to units inside it."""
    require(request, "supervision.read")
    inside = get_object_or_404(units_for(request.user), pk=unit) if unit is not None else None
    qs = selectors.order_list(request.user, box=box, status=status or "", unit=inside)
    page = paginate(qs, page=paging.page, page_size=paging.page_size)
    return {"items": [_order(o) for o in page.items], "count": page.count}


class OrderIn(Schema):
    target: Id
    subject: str
    body: str
    deadline: dt.date
    # Linked rows as "kind:id": rectification_item, submission, directive_target, health_alert.
    facts: list[str] = []
    # A key the client chooses per order: sending the same key again returns the first order (201 both times).
    idempotency_key: str = ""


@router.post("/supervision-orders", response={201: OrderDetailOut})
def issue_order(request: AuthedRequest, payload: OrderIn) -> Status[OrderDetailOut]:
    """Issue a 督办单 from the acting unit (a bureau or district bureau). A target outside the issuer's scope, a
    deadline in the past or a fact outside the scope or not of the target answers 400 and changes nothing."""
    require(request, "supervision.issue")
    issuer = selectors.scope_unit(request.user)
    if issuer is None:
        raise DomainError("当前身份没有所属单位", code="no_scope", status=403)
    target = units_for(request.user).filter(pk=payload.target).first()
    if target is None:
        raise DomainError("承办单位不存在或不在您的管理范围内，不能向其下达督办单", code="target_outside_scope")
    key = payload.idempotency_key or request.headers.get("Idempotency-Key", "")
    order = services.issue_order(
        actor=request.user,
        issuer=issuer,
        target=target,
        subject=payload.subject,
        body=payload.body,
        deadline=payload.deadline,
        facts=sources.parse(payload.facts),
        request_key=f"api:{key}" if key else "",
    )
    return Status(201, _order_detail(request, order.pk))


@router.get("/supervision-orders/{order_id}", response=OrderDetailOut)
def get_order(request: AuthedRequest, order_id: Id) -> OrderDetailOut:
    require(request, "supervision.read")
    return _order_detail(request, order_id)


class VersionIn(Schema):
    version: int | None = None


class RespondIn(Schema):
    text: str
    version: int | None = None


class CloseIn(Schema):
    text: str = ""
    version: int | None = None


class ReturnIn(Schema):
    reason: str
    new_deadline: dt.date | None = None
    version: int | None = None


def _found(request: AuthedRequest, order_id: int) -> SupervisionOrder:
    order = selectors.order_detail(request.user, order_id)
    if order is None:
        raise DomainError("对象不存在或不在您的管理范围内", code="not_found", status=404)
    return order


@router.post("/supervision-orders/{order_id}/sign", response=OrderDetailOut)
def sign_order(request: AuthedRequest, order_id: Id, payload: VersionIn) -> OrderDetailOut:
    require(request, "supervision.respond")
    services.sign_order(actor=request.user, order=_found(request, order_id), version=payload.version)
    return _order_detail(request, order_id)


@router.post("/supervision-orders/{order_id}/respond", response=OrderDetailOut)
def respond_order(request: AuthedRequest, order_id: Id, payload: RespondIn) -> OrderDetailOut:
    """The receiving unit reports what it did (attachments: on the order's page). Stale `version` → 409."""
    require(request, "supervision.respond")
    services.respond_order(
        actor=request.user, order=_found(request, order_id), text=payload.text, version=payload.version
    )
    return _order_detail(request, order_id)


@router.post("/supervision-orders/{order_id}/close", response=OrderDetailOut)
def close_order(request: AuthedRequest, order_id: Id, payload: CloseIn) -> OrderDetailOut:
    require(request, "supervision.issue")
    services.close_order(
        actor=request.user, order=_found(request, order_id), text=payload.text, version=payload.version
    )
    return _order_detail(request, order_id)


@router.post("/supervision-orders/{order_id}/return", response=OrderDetailOut)
def return_order(request: AuthedRequest, order_id: Id, payload: ReturnIn) -> OrderDetailOut:
    require(request, "supervision.issue")
    services.return_order(
        actor=request.user,
        order=_found(request, order_id),
        reason=payload.reason,
        new_deadline=payload.new_deadline,
        version=payload.version,
    )
    return _order_detail(request, order_id)


# ---- 问责 and 通报表扬 ----


class DecisionOut(Schema):
    id: int
    subject_unit: int
    subject_unit_name: str
    subject_person: int | None
    subject_person_name: str
    reason: str
    deciding_unit: int
    deciding_unit_name: str
    decided_by: int
    decided_by_name: str
    decided_on: dt.date
    is_revoked: bool
    revoke_reason: str
    evidence: list[LinkOut]
    version: int


class AccountabilityOut(DecisionOut):
    form: int
    form_name: str
    deduction: Decimal | None


class CommendationOut(DecisionOut):
    title: str
    bonus: Decimal | None


def _decision(r: AccountabilityRecord | Commendation, evidence: list[Link]) -> dict[str, Any]:
    return {
        "id": r.pk,
        "subject_unit": r.subject_unit_id,
        "subject_unit_name": r.subject_unit.name,
        "subject_person": r.subject_person_id,
        "subject_person_name": r.subject_person.display_name if r.subject_person else "",
        "reason": r.reason,
        "deciding_unit": r.deciding_unit_id,
        "deciding_unit_name": r.deciding_unit.name,
        "decided_by": r.decided_by_id,
        "decided_by_name": r.decided_by.display_name,
        "decided_on": r.decided_on,
        "is_revoked": r.is_revoked,
        "revoke_reason": r.revoke_reason,
        "evidence": _links(evidence),
        "version": r.version,
    }


def _accountability(r: AccountabilityRecord) -> AccountabilityOut:
    return AccountabilityOut(
        **_decision(r, list(r.evidence.all())), form=r.form_id, form_name=r.form.name, deduction=r.deduction
    )


def _commendation(r: Commendation) -> CommendationOut:
    return CommendationOut(**_decision(r, list(r.evidence.all())), title=r.title, bonus=r.bonus)


class DecisionIn(Schema):
    # A unit below the acting bureau, or a person (`subject_person`, an account id) in its subtree.
    subject_unit: Id | None = None
    subject_person: Id | None = None
    reason: str
    decided_by: Id | None = None
    decided_on: dt.date
    # Linked rows as "kind:id": rectification_item, submission, directive_target, health_alert, supervision_order.
    evidence: list[str] = []


class AccountabilityIn(DecisionIn):
    form: Id
    deduction: Decimal | None = None


class CommendationIn(DecisionIn):
    title: str
    bonus: Decimal | None = None


class RevokeIn(Schema):
    reason: str
    version: int | None = None


def _subjects(request: AuthedRequest, payload: DecisionIn) -> dict[str, Any]:
    unit = None
    if payload.subject_unit is not None:
        unit = units_for(request.user).filter(pk=payload.subject_unit).first()
        if unit is None:
            raise DomainError("对象单位不存在或不在您的管理范围内", code="subject_outside_scope")
    person = None
    if payload.subject_person is not None:
        person = selectors.person_by_id(request.user, payload.subject_person)
        if person is None:
            raise DomainError("对象个人不存在或不在您的管理范围内", code="subject_outside_scope")
    decider: User | None = request.user
    if payload.decided_by is not None and payload.decided_by != request.user.pk:
        decider = selectors.person_by_id(request.user, payload.decided_by)
        if decider is None:
            raise DomainError("决定人不存在或不在您的管理范围内", code="decider_outside_unit")
    return {
        "subject_unit": unit,
        "subject_person": person,
        "reason": payload.reason,
        "decided_by": decider,
        "decided_on": payload.decided_on,
        "evidence": sources.parse(payload.evidence),
    }


def _paged_records(
    request: AuthedRequest, qs: Any, paging: PageParams, unit: int | None, person: int | None, year: int | None
) -> Any:
    inside = get_object_or_404(units_for(request.user), pk=unit) if unit is not None else None
    who = selectors.person_by_id(request.user, person) if person is not None else None
    if person is not None and who is None:
        raise DomainError("对象不存在或不在您的管理范围内", code="not_found", status=404)
    return paginate(
        selectors.filtered(qs, unit=inside, person=who, year=year, include_revoked=True),
        page=paging.page,
        page_size=paging.page_size,
    )


@router.get("/accountability", response=Paged[AccountabilityOut])
def list_accountability(
    request: AuthedRequest,
    paging: Query[PageParams],
    unit: Id | None = None,
    person: Id | None = None,
    year: int | None = None,
) -> dict[str, object]:
    """问责 records about units in scope (revoked ones included, marked). People's records only for the head of
    their unit and above; each one listed is an access event. `unit`: subjects inside it; `person`: one person."""
    require(request, "accountability.read")
    page = _paged_records(request, selectors.records_for(request.user), paging, unit, person, year)
    items = list(page.items)
    services.log_list(actor=request.user, records=items, via="api_list")
    return {"items": [_accountability(r) for r in items], "count": page.count}


@router.post("/accountability", response={201: AccountabilityOut})
def create_accountability(request: AuthedRequest, payload: AccountabilityIn) -> Status[AccountabilityOut]:
    require(request, "accountability.change")
    form = selectors.active_forms().filter(pk=payload.form).first()
    if form is None:
        raise DomainError("问责形式不存在或已停用", code="form_invalid")
    record = services.record_accountability(
        actor=request.user, form=form, deduction=payload.deduction, **_subjects(request, payload)
    )
    return Status(201, _accountability(record))


@router.get("/accountability/{record_id}", response=AccountabilityOut)
def get_accountability(request: AuthedRequest, record_id: Id) -> AccountabilityOut:
    require(request, "accountability.read")
    record = get_object_or_404(selectors.records_for(request.user), pk=record_id)
    services.log_read(actor=request.user, record=record, via="api_read")
    return _accountability(record)


@router.post("/accountability/{record_id}/revoke", response=AccountabilityOut)
def revoke_accountability(request: AuthedRequest, record_id: Id, payload: RevokeIn) -> AccountabilityOut:
    require(request, "accountability.change")
    record = get_object_or_404(selectors.records_for(request.user), pk=record_id)
    services.revoke(actor=request.user, record=record, reason=payload.reason, version=payload.version)
    return _accountability(get_object_or_404(selectors.records_for(request.user), pk=record_id))


class FormOut(Schema):
    id: int
    name: str
    is_active: bool


@router.get("/accountability-forms", response=list[FormOut])
def list_forms(request: AuthedRequest) -> list[FormOut]:
    """The configurable list of 问责形式 (inactive ones are kept for old records)."""
    require(request, "accountability.read")
    return [FormOut(id=f.pk, name=f.name, is_active=f.is_active) for f in selectors.all_forms()]


@router.get("/commendations", response=Paged[CommendationOut])
def list_commendations(
    request: AuthedRequest,
    paging: Query[PageParams],
    unit: Id | None = None,
    person: Id | None = None,
    year: int | None = None,
) -> dict[str, object]:
    """通报表扬 of units (and people) in scope, revoked ones included and marked."""
    require(request, "accountability.read")
    page = _paged_records(request, selectors.commendations_for(request.user), paging, unit, person, year)
    return {"items": [_commendation(r) for r in page.items], "count": page.count}


@router.post("/commendations", response={201: CommendationOut})
def create_commendation(request: AuthedRequest, payload: CommendationIn) -> Status[CommendationOut]:
    require(request, "accountability.change")
    record = services.record_commendation(
        actor=request.user, title=payload.title, bonus=payload.bonus, **_subjects(request, payload)
    )
    return Status(201, _commendation(record))


@router.get("/commendations/{record_id}", response=CommendationOut)
def get_commendation(request: AuthedRequest, record_id: Id) -> CommendationOut:
    require(request, "accountability.read")
    return _commendation(get_object_or_404(selectors.commendations_for(request.user), pk=record_id))


@router.post("/commendations/{record_id}/revoke", response=CommendationOut)
def revoke_commendation(request: AuthedRequest, record_id: Id, payload: RevokeIn) -> CommendationOut:
    require(request, "accountability.change")
    record = get_object_or_404(selectors.commendations_for(request.user), pk=record_id)
    services.revoke(actor=request.user, record=record, reason=payload.reason, version=payload.version)
    return _commendation(get_object_or_404(selectors.commendations_for(request.user), pk=record_id))
