"""调度通报: generated from the live indicators (in the background), edited, published with a 发文字号, confirmed
read by the heads of the units concerned; the official document as .docx."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import quote

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema, Status

from dudao.accounts.requests import AuthedRequest
from dudao.api.auth import require
from dudao.api.schemas import Id, Paged, PageParams
from dudao.briefings import documents, selectors, services
from dudao.briefings.models import Briefing, BriefingRecipient, BriefingStatus
from dudao.briefings.services.publishing import ISSUERS
from dudao.core.errors import DomainError, Forbidden
from dudao.core.pagination import paginate
from dudao.orgs.scoping import acting_assignment
from dudao.orgs.selectors import units_for

router = Router(tags=["调度通报"])


class BriefingOut(Schema):
    id: int
    unit: int
    unit_name: str
    campaign: int | None
    campaign_name: str
    title: str
    number: str
    period_start: dt.date
    period_end: dt.date
    trigger: str
    status: str
    status_name: str
    progress: int
    progress_note: str
    created_at: dt.datetime
    published_at: dt.datetime | None
    version: int


class SectionSchema(Schema):
    heading: str
    text: str


class RecipientOut(Schema):
    unit: int
    unit_name: str
    is_named: bool
    read_at: dt.datetime | None
    read_by: int | None
    read_by_name: str


class BriefingDetailOut(BriefingOut):
    addressee: str
    sections: list[SectionSchema]
    copy_to: str
    figures: dict[str, Any]
    recipients_total: int
    recipients_read: int
    recipients: list[RecipientOut]


def _briefing(briefing: Briefing) -> BriefingOut:
    return BriefingOut(
        id=briefing.pk,
        unit=briefing.unit_id,
        unit_name=briefing.unit.name,
        campaign=briefing.campaign_id,
        campaign_name=briefing.campaign.name if briefing.campaign else "",
        title=briefing.title,
        number=briefing.number_text,
        period_start=briefing.period_start,
        period_end=briefing.period_end,
        trigger=briefing.trigger,
        status=briefing.status,
        status_name=briefing.get_status_display(),
        progress=briefing.progress,
        progress_note=briefing.progress_note,
        created_at=briefing.created_at,
        published_at=briefing.published_at,
        version=briefing.version,
    )


def _recipient(recipient: BriefingRecipient) -> RecipientOut:
    return RecipientOut(
        unit=recipient.unit_id,
        unit_name=recipient.unit.name,
        is_named=recipient.is_named,
        read_at=recipient.read_at,
        read_by=recipient.read_by_id,
        read_by_name=recipient.read_by.display_name if recipient.read_by else "",
    )


def _get(request: AuthedRequest, briefing_id: int) -> Briefing:
    require(request, "briefing.read")
    return get_object_or_404(selectors.briefings_for(request.user), pk=briefing_id)


def _detail(request: AuthedRequest, briefing_id: int) -> BriefingDetailOut:
    briefing = _get(request, briefing_id)
    counts = services.read_counts(briefing)
    return BriefingDetailOut(
        **_briefing(briefing).dict(),
        addressee=briefing.addressee,
        sections=[SectionSchema(heading=s.get("heading", ""), text=s.get("text", "")) for s in briefing.sections],
        copy_to=briefing.copy_to,
        figures=briefing.figures,
        recipients_total=counts["total"],
        recipients_read=counts["read"],
        recipients=[_recipient(r) for r in selectors.recipients_for(request.user, briefing)],
    )


@router.get("/briefings", response=Paged[BriefingOut])
def list_briefings(
    request: AuthedRequest,
    paging: Query[PageParams],
    status: BriefingStatus | None = None,
    campaign: Id | None = None,
    unit: Id | None = None,
) -> dict[str, object]:
    """Briefings issued inside the scope (drafts too), and published ones sent to units inside it; newest first.
    `unit`: issued by that unit or a unit under it."""
    require(request, "briefing.read")
    qs = selectors.briefings_for(request.user)
    if status is not None:
        qs = qs.filter(status=status)
    if campaign is not None:
        qs = qs.filter(campaign_id=campaign)
    if unit is not None:
        qs = qs.filter(unit__path__under=get_object_or_404(units_for(request.user), pk=unit).path)
    page = paginate(qs, page=paging.page, page_size=paging.page_size)
    return {"items": [_briefing(b) for b in page.items], "count": page.count}


@router.get("/briefings/{briefing_id}", response=BriefingDetailOut)
def get_briefing(request: AuthedRequest, briefing_id: int) -> BriefingDetailOut:
    """Text, the frozen figures it was generated from, progress while generating, and who confirmed reading."""
    return _detail(request, briefing_id)


class BriefingIn(Schema):
    campaign: Id | None = None
    end: dt.date | None = None


@router.post("/briefings", response={202: BriefingOut})
def generate_briefing(request: AuthedRequest, payload: BriefingIn) -> Status[BriefingOut]:
    """Start generating a briefing of the acting unit (a city or district bureau), or of a campaign's units inside
    it, for the seven days up to `end` (default today). Answers 202 at once; poll `GET /briefings/{id}` until
    `status` is `draft` (or `failed`)."""
    require(request, "briefing.change")
    acting = acting_assignment(request.user)
    if acting is None or acting.unit.kind not in ISSUERS:
        raise DomainError("调度通报由市、区县教育局发出，请切换到教育局的身份后再生成", code="invalid_unit")
    campaign = None
    if payload.campaign is not None:
        campaign = get_object_or_404(selectors.campaigns_to_brief(request.user), pk=payload.campaign)
    briefing = services.request_briefing(actor=request.user, unit=acting.unit, campaign=campaign, end=payload.end)
    briefing.refresh_from_db()
    return Status(202, _briefing(briefing))


class BriefingUpdateIn(Schema):
    title: str
    addressee: str = ""
    sections: list[SectionSchema]
    copy_to: str = ""
    version: int


class VersionIn(Schema):
    version: int


@router.put("/briefings/{briefing_id}", response=BriefingDetailOut)
def update_briefing(request: AuthedRequest, briefing_id: int, payload: BriefingUpdateIn) -> BriefingDetailOut:
    """Edit a generated draft: title, 主送机关, sections, 抄送; a stale `version` answers 409."""
    briefing = _get(request, briefing_id)
    services.update_briefing(
        actor=request.user,
        briefing=briefing,
        title=payload.title,
        addressee=payload.addressee,
        sections=[s.dict() for s in payload.sections],
        copy_to=payload.copy_to,
        version=payload.version,
    )
    return _detail(request, briefing_id)


@router.post("/briefings/{briefing_id}/publish", response=BriefingDetailOut)
def publish_briefing(request: AuthedRequest, briefing_id: int, payload: VersionIn) -> BriefingDetailOut:
    """Allocate the 发文字号 and send it to the units concerned; publishing again answers 409."""
    briefing = _get(request, briefing_id)
    services.publish_briefing(actor=request.user, briefing=briefing, version=payload.version)
    return _detail(request, briefing_id)


@router.post("/briefings/{briefing_id}/confirm", response=RecipientOut)
def confirm_briefing(request: AuthedRequest, briefing_id: int) -> RecipientOut:
    """The head of a receiving unit confirms reading it (the acting unit's own copy). Confirming again changes
    nothing."""
    briefing = _get(request, briefing_id)
    acting = acting_assignment(request.user)
    recipient = (
        selectors.recipients_for(request.user, briefing).filter(unit_id=acting.unit_id).first() if acting else None
    )
    if recipient is None:
        raise Forbidden("该调度通报没有发给您所在的单位，无需确认")
    return _recipient(services.confirm_read(actor=request.user, recipient=recipient))


@router.get("/briefings/{briefing_id}/document", response={200: None})
def briefing_document(request: AuthedRequest, briefing_id: int) -> HttpResponse:
    """The briefing as a .docx in the official-document layout (GB/T 9704-2012); a draft is marked 草稿 and has
    no number yet."""
    briefing = _get(request, briefing_id)
    if briefing.status in (BriefingStatus.GENERATING, BriefingStatus.FAILED):
        raise DomainError("通报尚未生成完成，不能下载", code="not_ready", status=409)
    response = HttpResponse(
        documents.docx_bytes(briefing),
        content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )
    response["Content-Disposition"] = (
        f"attachment; filename=\"briefing.docx\"; filename*=UTF-8''{quote(documents.file_name(briefing))}"
    )
    return response
