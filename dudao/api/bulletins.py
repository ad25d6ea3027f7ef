"""通报: generated from a finished round, edited, published to the schools inspected, confirmed by principals."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema, Status

from dudao.accounts.requests import AuthedRequest
from dudao.api.auth import require
from dudao.api.schemas import Id, Paged, PageParams
from dudao.core.errors import Forbidden
from dudao.core.pagination import paginate
from dudao.dashboard import services
from dudao.dashboard.models import Bulletin, BulletinRecipient, BulletinStatus
from dudao.dashboard.selectors import bulletins_for, recipients_for
from dudao.inspections.selectors import rounds_for

router = Router(tags=["通报"])


class BulletinOut(Schema):
    id: int
    inspection: int
    inspection_name: str
    unit: int
    unit_name: str
    title: str
    threshold: int
    status: str
    status_name: str
    created_at: dt.datetime
    published_at: dt.datetime | None
    number_text: str  # 发文字号, given on publishing; "" for a draft
    version: int


class RecipientOut(Schema):
    school: int
    school_name: str
    read_at: dt.datetime | None
    read_by: int | None
    read_by_name: str


class BulletinDetailOut(BulletinOut):
    body: str
    figures: dict[str, Any]
    recipients_total: int
    recipients_read: int
    recipients: list[RecipientOut]


def _bulletin(bulletin: Bulletin) -> BulletinOut:
    return BulletinOut(
        id=bulletin.pk,
        inspection=bulletin.inspection_id,
        inspection_name=bulletin.inspection.name,
        unit=bulletin.unit_id,
        unit_name=bulletin.unit.name,
        title=bulletin.title,
        threshold=bulletin.threshold,
        status=bulletin.status,
        status_name=bulletin.get_status_display(),
        created_at=bulletin.created_at,
        published_at=bulletin.published_at,
        number_text=bulletin.number_text,
        version=bulletin.version,
    )


def _recipient(recipient: BulletinRecipient) -> RecipientOut:
    return RecipientOut(
        school=recipient.school_id,
        school_name=recipient.school.name,
        read_at=recipient.read_at,
        read_by=recipient.read_by_id,
        read_by_name=recipient.read_by.display_name if recipient.read_by else "",
    )


def _get(request: AuthedRequest, bulletin_id: int) -> Bulletin:
    require(request, "bulletin.read")
    return get_object_or_404(bulletins_for(request.user), pk=bulletin_id)


def _detail(request: AuthedRequest, bulletin_id: int) -> BulletinDetailOut:
    bulletin = _get(request, bulletin_id)
    counts = services.read_counts(bulletin)
    recipients = recipients_for(request.user, bulletin).order_by("school__path")
    return BulletinDetailOut(
        **_bulletin(bulletin).dict(),
        body=bulletin.body,
        figures=bulletin.figures,
        recipients_total=counts["total"],
        recipients_read=counts["read"],
        recipients=[_recipient(r) for r in recipients],
    )


@router.get("/bulletins", response=Paged[BulletinOut])
def list_bulletins(
    request: AuthedRequest,
    paging: Query[PageParams],
    status: BulletinStatus | None = None,
    inspection: Id | None = None,
) -> dict[str, object]:
    """Bulletins issued inside the scope (drafts too), and published ones sent to schools inside it."""
    require(request, "bulletin.read")
    qs = bulletins_for(request.user)
    if status is not None:
        qs = qs.filter(status=status)
    if inspection is not None:
        qs = qs.filter(inspection_id=inspection)
    page = paginate(qs, page=paging.page, page_size=paging.page_size)
    return {"items": [_bulletin(b) for b in page.items], "count": page.count}


@router.get("/bulletins/{bulletin_id}", response=BulletinDetailOut)
def get_bulletin(request: AuthedRequest, bulletin_id: int) -> BulletinDetailOut:
    """Text, the figures it was generated from, and who has confirmed reading (`recipients`: those in scope)."""
    return _detail(request, bulletin_id)


class BulletinIn(Schema):
    inspection: Id
    threshold: int = services.DEFAULT_THRESHOLD
    title: str = ""


class BulletinUpdateIn(Schema):
    title: str
    body: str
    version: int


class VersionIn(Schema):
    version: int


@router.post("/bulletins", response={201: BulletinDetailOut})
def generate_bulletin(request: AuthedRequest, payload: BulletinIn) -> Status[BulletinDetailOut]:
    """Draft a bulletin on a finished round (`inspection`: round id); schools with at least `threshold` problems
    are named."""
    require(request, "bulletin.change")
    inspection = get_object_or_404(rounds_for(request.user), pk=payload.inspection)
    bulletin = services.generate_bulletin(
        actor=request.user, inspection=inspection, threshold=payload.threshold, title=payload.title
    )
    return Status(201, _detail(request, bulletin.pk))


@router.put("/bulletins/{bulletin_id}", response=BulletinDetailOut)
def update_bulletin(request: AuthedRequest, bulletin_id: int, payload: BulletinUpdateIn) -> BulletinDetailOut:
    """Edit a draft's title and text."""
    bulletin = _get(request, bulletin_id)
    services.update_bulletin(
        actor=request.user, bulletin=bulletin, title=payload.title, body=payload.body, version=payload.version
    )
    return _detail(request, bulletin_id)


@router.post("/bulletins/{bulletin_id}/publish", response=BulletinDetailOut)
def publish_bulletin(request: AuthedRequest, bulletin_id: int, payload: VersionIn) -> BulletinDetailOut:
    """Send it to every school of the round."""
    bulletin = _get(request, bulletin_id)
    services.publish_bulletin(actor=request.user, bulletin=bulletin, version=payload.version)
    return _detail(request, bulletin_id)


@router.post("/bulletins/{bulletin_id}/confirm", response=RecipientOut)
def confirm_bulletin(request: AuthedRequest, bulletin_id: int) -> RecipientOut:
    """The principal (or school office) confirms that their school has read it. Confirming again changes nothing."""
    bulletin = _get(request, bulletin_id)
    # A school's scope holds its own recipient only; issuers and districts see many but may confirm none
    # (the service refuses them).
    recipient = recipients_for(request.user, bulletin).order_by("school__path").first()
    if recipient is None:
        raise Forbidden("该通报没有发给您所在的学校，无需确认")
    return _recipient(services.confirm_read(actor=request.user, recipient=recipient))
