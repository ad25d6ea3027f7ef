"""Writing a notice: sanitized body, questions, audience, link expiry and attachments, saved as a draft."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from typing import IO, Any

import nh3
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from dudao.accounts.models import User
from dudao.audit.services import record_change, snapshot
from dudao.core.errors import DomainError, Forbidden
from dudao.core.files import DOCUMENT_TYPES, IMAGE_TYPES, store_upload
from dudao.notices.models import Notice, NoticeAttachment, QuestionKind
from dudao.notices.services._common import NOTICE_FIELDS, _check_flags
from dudao.orgs.models import OrgUnit, UnitKind
from dudao.orgs.scoping import can

ISSUER_KINDS = (UnitKind.BUREAU, UnitKind.DISTRICT, UnitKind.SCHOOL)
ALLOWED_TAGS = {"p", "br", "strong", "b", "em", "i", "u", "ul", "ol", "li", "h3", "h4", "blockquote", "a", "hr"}
MAX_BODY = 20_000
MAX_QUESTIONS = 10
MAX_ATTACHMENTS = 5
ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024


def clean_body(text: str) -> str:
    """Sanitized HTML. Text without tags becomes paragraphs, so a pasted letter keeps its lines."""
    text = (text or "").strip()
    if not re.search(r"<[a-zA-Z/][^>]*>", text):
        from django.utils.html import escape

        paragraphs = [p.strip() for p in re.split(r"\n\s*\n|\r?\n", text) if p.strip()]
        text = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    return nh3.clean(
        text,
        tags=ALLOWED_TAGS,
        attributes={"a": {"href", "title"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )


def check_questions(questions: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Normalised questions, or DomainError naming the bad one."""
    if len(questions) > MAX_QUESTIONS:
        raise DomainError(f"问题最多 {MAX_QUESTIONS} 个", code="too_many_questions")
    clean = []
    kinds = {k.value for k in QuestionKind}
    for index, question in enumerate(questions, start=1):
        kind = str(question.get("kind", ""))
        label = str(question.get("label", "")).strip()
        if kind not in kinds:
            raise DomainError(f"第 {index} 个问题的类型不正确（可选：确认、单选、简答）", code="question_invalid")
        if not label or len(label) > 100:
            raise DomainError(f"第 {index} 个问题须有 1–100 字的题目", code="question_invalid")
        options = [str(o).strip() for o in question.get("options") or [] if str(o).strip()]
        if kind == QuestionKind.CHOICE and not 2 <= len(options) <= 8:
            raise DomainError(f"第 {index} 个问题（单选）须有 2–8 个选项", code="question_invalid")
        if len(set(options)) != len(options) or any(len(o) > 40 for o in options):
            raise DomainError(f"第 {index} 个问题的选项重复或过长", code="question_invalid")
        clean.append(
            {
                "key": f"q{index}",
                "kind": kind,
                "label": label,
                "options": options if kind == QuestionKind.CHOICE else [],
                "required": bool(question.get("required", kind != QuestionKind.TEXT)),
            }
        )
    return clean


def create_notice(
    *,
    actor: User,
    issuer: OrgUnit,
    title: str,
    body: str,
    questions: Sequence[dict[str, Any]] = (),
    audience_units: Sequence[OrgUnit] = (),
    grade_names: Sequence[str] = (),
    flags: Sequence[str] = (),
    links_expire_on: dt.date | None = None,
    attachments: Sequence[tuple[IO[bytes], str]] = (),
) -> Notice:
    """A draft notice from `issuer` (a bureau, district bureau or school in the actor's scope)."""
    if not can(actor, "notice.change", issuer):
        raise Forbidden("您当前的身份不能以该单位名义发布告知书")
    if issuer.kind not in ISSUER_KINDS:
        raise DomainError("告知书须以教育局、区县教育局或学校名义发布", code="issuer_kind")
    title = (title or "").strip()
    if not title or len(title) > 120:
        raise DomainError("请填写 1–120 字的标题", code="title_required")
    if len(body or "") > MAX_BODY:
        raise DomainError(f"正文不能超过 {MAX_BODY} 字", code="body_too_long")
    body_html = clean_body(body)
    if not re.sub(r"<[^>]+>|\s|&nbsp;", "", body_html):
        raise DomainError("请填写正文", code="body_required")
    clean_questions = check_questions(questions)
    _check_flags(flags)
    for unit in audience_units:
        if not unit.path.startswith(issuer.path) or unit.kind not in (
            UnitKind.SCHOOL,
            UnitKind.CAMPUS,
            UnitKind.GRADE,
            UnitKind.CLASS,
            UnitKind.DISTRICT,
        ):
            raise DomainError(f"“{unit.name}”不在发文单位范围内", code="audience_outside")
    names = sorted({n.strip() for n in grade_names if n.strip()})
    today = timezone.localdate()
    expire_on = links_expire_on or today + dt.timedelta(days=settings.DUDAO_NOTICE_LINK_DAYS)
    if expire_on < today:
        raise DomainError("链接有效期不能早于今天", code="expiry_in_past")
    if expire_on > today + dt.timedelta(days=366):
        raise DomainError("链接有效期最长一年", code="expiry_too_far")
    if len(attachments) > MAX_ATTACHMENTS:
        raise DomainError(f"附件最多 {MAX_ATTACHMENTS} 个", code="too_many_attachments")
    expires_at = timezone.make_aware(dt.datetime.combine(expire_on, dt.time(23, 59, 59)))
    with transaction.atomic():
        notice = Notice.objects.create(
            issuer=issuer,
            title=title,
            body_html=body_html,
            questions=clean_questions,
            audience_grade_names=names,
            audience_flags=sorted(set(flags)),
            links_expire_at=expires_at,
            created_by=actor,
        )
        notice.audience_units.set(audience_units)
        for upload, name in attachments:
            stored = store_upload(
                actor=actor,
                upload=upload,
                name=name,
                allowed=DOCUMENT_TYPES | IMAGE_TYPES,
                max_bytes=ATTACHMENT_MAX_BYTES,
            )
            NoticeAttachment.objects.create(notice=notice, file=stored)
        record_change(
            actor=actor,
            action="create",
            obj=notice,
            unit_path=issuer.path,
            after={
                **snapshot(notice, NOTICE_FIELDS),
                "audience_units": [u.pk for u in audience_units],
                "grade_names": names,
                "flags": notice.audience_flags,
                "questions": len(clean_questions),
            },
        )
    return notice
