"""投诉与建议 API.

- `GET /api/v1/complaints` (scoped to the responsible unit's subtree, paged), `GET /api/v1/complaints/{id}`, and the
  handling steps: `route`, `reply`, `accept`, `send-back` (optimistic locking through `version`: stale → 409).
  The complainant's name and phone are never in these answers; the office reads them with
  `GET /api/v1/complaints/{id}/identity` (an access event each time; any other role: 404 and a denied-access event).
- `POST /api/v1/public/complaints`: the public intake for a partner portal or a mini-program. No account and no
  CSRF token (no cookie is read, so a cross-site page gains nothing); protected instead by the budget per client
  address (429 with a Chinese message when used up) and by the one-time `Idempotency-Key` header (the same key
  and content twice return the first item). The answer carries the case number and the private tracking link.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema, Status
from pydantic import Field

from dudao.accounts.requests import AuthedRequest
from dudao.api.auth import require
from dudao.api.schemas import Error, Id, Paged, PageParams
from dudao.complaints import ratelimit, selectors, services, tracking
from dudao.complaints.models import Complaint
from dudao.core.errors import DomainError
from dudao.core.middleware import client_ip
from dudao.core.pagination import paginate
from dudao.orgs.selectors import units_for

router = Router(tags=["投诉与建议"])

_NOT_FOUND = "对象不存在或不在您的管理范围内"


class ComplaintOut(Schema):
    id: int
    number: str
    kind: str
    kind_name: str
    category: str
    category_name: str
    channel: str
    channel_name: str
    title: str
    unit: int
    unit_name: str
    status: str
    status_name: str
    is_overdue: bool
    deadline: dt.date | None
    received_at: dt.datetime
    replied_at: dt.datetime | None
    rating: str
    reopened: bool
    version: int


class StepOut(Schema):
    kind: str
    kind_name: str
    text: str
    unit_name: str
    at: dt.datetime


class ComplaintDetailOut(ComplaintOut):
    content: str
    about: str
    is_anonymous: bool
    reply: str
    measures: str
    rating_comment: str
    steps: list[StepOut]


def _out(c: Complaint) -> ComplaintOut:
    return ComplaintOut(
        id=c.pk,
        number=c.number,
        kind=c.kind,
        kind_name=c.get_kind_display(),
        category=c.category,
        category_name=c.get_category_display(),
        channel=c.channel,
        channel_name=c.get_channel_display(),
        title=c.title,
        unit=c.unit_id,
        unit_name=c.unit.name,
        status=c.status,
        status_name=c.status_label,
        is_overdue=c.is_overdue,
        deadline=c.deadline,
        received_at=c.received_at,
        replied_at=c.replied_at,
        rating=c.rating,
        reopened=c.reopened,
        version=c.version,
    )


def _found(request: AuthedRequest, pk: int) -> Complaint:
    complaint = selectors.complaint_detail(request.user, pk)
    if complaint is None:
        raise DomainError(_NOT_FOUND, code="not_found", status=404)
    return complaint


def _detail(request: AuthedRequest, pk: int) -> ComplaintDetailOut:
    c = _found(request, pk)
    return ComplaintDetailOut(
        **_out(c).dict(),
        content=c.content,
        about=c.about,
        is_anonymous=c.is_anonymous,
        reply=c.reply,
        measures=c.measures,
        rating_comment=c.rating_comment,
        steps=[
            StepOut(
                kind=s.kind,
                kind_name=s.get_kind_display(),
                text=s.text,
                unit_name=s.unit.name if s.unit else "",
                at=s.created_at,
            )
            for s in selectors.steps(c)
        ],
    )


@router.get("/complaints", response=Paged[ComplaintOut])
def list_complaints(
    request: AuthedRequest,
    paging: Query[PageParams],
    box: Literal["mine", "all"] = "all",
    status: Literal["received", "routed", "replied", "answered", "closed", "open", "overdue"] | None = None,
    category: str | None = None,
    unit: Id | None = None,
) -> dict[str, object]:
    """Items whose responsible unit is in scope. `box=mine`: answered by the acting unit; `status=overdue`: awaiting
    a reply after the deadline, `open`: not closed; `unit`: responsible units inside it."""
    require(request, "complaint.read")
    inside = get_object_or_404(units_for(request.user), pk=unit) if unit is not None else None
    qs = selectors.complaint_list(request.user, box=box, status=status or "", category=category or "", unit=inside)
    page = paginate(qs, page=paging.page, page_size=paging.page_size)
    return {"items": [_out(c) for c in page.items], "count": page.count}


@router.get("/complaints/{complaint_id}", response=ComplaintDetailOut)
def get_complaint(request: AuthedRequest, complaint_id: Id) -> ComplaintDetailOut:
    require(request, "complaint.read")
    return _detail(request, complaint_id)


class IdentityOut(Schema):
    is_anonymous: bool
    name: str
    phone: str


@router.get("/complaints/{complaint_id}/identity", response=IdentityOut)
def get_identity(request: AuthedRequest, complaint_id: Id) -> IdentityOut:
    """The complainant's name and phone: the bureau's office only (every read is logged); others get 404."""
    require(request, "complaint.read")
    c = _found(request, complaint_id)
    name, phone = services.reveal_identity(actor=request.user, complaint=c)
    return IdentityOut(is_anonymous=c.is_anonymous, name=name, phone=phone)


class RouteIn(Schema):
    unit: Id
    deadline: dt.date | None = None
    note: str = ""
    version: int | None = None


@router.post("/complaints/{complaint_id}/route", response=ComplaintDetailOut)
def route_complaint(request: AuthedRequest, complaint_id: Id, payload: RouteIn) -> ComplaintDetailOut:
    """Route to a school, district bureau or office in the router's scope (deadline default: 5 working days)."""
    require(request, "complaint.handle")
    c = _found(request, complaint_id)
    target = selectors.route_target(request.user, payload.unit)
    if target is None:
        raise DomainError("承办单位不存在或不在您的管理范围内，不能分办给该单位", code="unit_outside_scope")
    services.route(
        actor=request.user,
        complaint=c,
        unit=target,
        deadline=payload.deadline,
        note=payload.note,
        version=payload.version,
    )
    return _detail(request, complaint_id)


class ReplyIn(Schema):
    text: str
    measures: str = ""
    version: int | None = None


@router.post("/complaints/{complaint_id}/reply", response=ComplaintDetailOut)
def reply_complaint(request: AuthedRequest, complaint_id: Id, payload: ReplyIn) -> ComplaintDetailOut:
    """The responsible unit's reply (attachments: on the item's page)."""
    require(request, "complaint.reply")
    services.reply(
        actor=request.user,
        complaint=_found(request, complaint_id),
        text=payload.text,
        measures=payload.measures,
        version=payload.version,
    )
    return _detail(request, complaint_id)


class NoteIn(Schema):
    note: str = ""
    version: int | None = None


@router.post("/complaints/{complaint_id}/accept", response=ComplaintDetailOut)
def accept_complaint(request: AuthedRequest, complaint_id: Id, payload: NoteIn) -> ComplaintDetailOut:
    require(request, "complaint.handle")
    services.accept(
        actor=request.user, complaint=_found(request, complaint_id), note=payload.note, version=payload.version
    )
    return _detail(request, complaint_id)


class SendBackIn(Schema):
    reason: str
    new_deadline: dt.date | None = None
    version: int | None = None


@router.post("/complaints/{complaint_id}/send-back", response=ComplaintDetailOut)
def send_back_complaint(request: AuthedRequest, complaint_id: Id, payload: SendBackIn) -> ComplaintDetailOut:
    require(request, "complaint.handle")
    services.send_back(
        actor=request.user,
        complaint=_found(request, complaint_id),
        reason=payload.reason,
        new_deadline=payload.new_deadline,
        version=payload.version,
    )
    return _detail(request, complaint_id)


class PublicIn(Schema):
    kind: Literal["complaint", "suggestion"] = "complaint"
    category: str
    title: str = Field(max_length=400)
    content: str = Field(max_length=8000)
    about: str = Field("", max_length=400)
    is_anonymous: bool = False
    name: str = Field("", max_length=100)
    phone: str = Field("", max_length=40)


class PublicOut(Schema):
    number: str
    tracking_url: str


@router.post("/public/complaints", auth=None, response={201: PublicOut, 400: Error, 409: Error, 429: Error})
def public_intake(request: HttpRequest, payload: PublicIn) -> Status[PublicOut]:
    """The public intake (no account). Budget per client address; `Idempotency-Key` makes a resend harmless."""
    if not ratelimit.admit(client_ip(request)):
        raise DomainError(ratelimit.REFUSED_MESSAGE, code="rate_limited", status=429)
    complaint = services.submit_public(
        submission=services.Submission(
            kind=payload.kind,
            category=payload.category,
            title=payload.title,
            content=payload.content,
            about=payload.about,
            is_anonymous=payload.is_anonymous,
            name=payload.name,
            phone=payload.phone,
        ),
        request_key=request.headers.get("Idempotency-Key", ""),
    )
    url = request.build_absolute_uri(tracking.path_for(complaint.pk))
    return Status(201, PublicOut(number=complaint.number, tracking_url=url))
