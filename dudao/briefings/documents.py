"""A briefing as an official document (GB/T 9704-2012): the .docx and the print view share this description."""

from __future__ import annotations

from django.utils import timezone

from dudao.briefings.models import Briefing, BriefingStatus
from dudao.briefings.services import profile_for
from dudao.core.officialdoc import OfficialDocument, build_docx


def official_document(briefing: Briefing) -> OfficialDocument:
    """Published: as issued (number, masthead and 印发机关 fixed at publication). A draft: today's profile, no
    number, marked 草稿."""
    published = briefing.status == BriefingStatus.PUBLISHED
    profile = profile_for(briefing.unit)
    date = timezone.localdate(briefing.published_at) if published and briefing.published_at else timezone.localdate()
    return OfficialDocument(
        masthead=briefing.masthead or profile.masthead,
        number=briefing.number_text,
        title=briefing.title,
        addressee=briefing.addressee,
        body=briefing.body_text,
        signer=briefing.unit.name,
        date=date,
        copy_to=briefing.copy_to,
        printer=briefing.printer or profile.printer,
        draft_mark="" if published else "草稿",
    )


def docx_bytes(briefing: Briefing) -> bytes:
    return build_docx(official_document(briefing))


def file_name(briefing: Briefing) -> str:
    number = briefing.number_text or "草稿"
    return f"{number} {briefing.title}.docx".replace("/", "-")
