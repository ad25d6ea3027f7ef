"""Writing a notice: sanitized body, questions, audience, link expiry and attachments, saved as a draft; editing
and deleting the draft before it is sent."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import IO, Any

import nh3
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from dudao.accounts.models import User
from dudao.audit.services import record_change, snapshot
from dudao.core.errors import DomainError, Forbidden
from dudao.core.files import DOCUMENT_TYPES, IMAGE_TYPES, store_upload
from dudao.core.locking import bump, locked
from dudao.notices.audience import outermost
from dudao.notices.models import Notice, NoticeAttachment, NoticeImage, NoticeStatus, QuestionKind
from dudao.notices.services._common import NOTICE_FIELDS, _check_flags
from dudao.orgs.models import OrgUnit, UnitKind
from dudao.orgs.scoping import can

ISSUER_KINDS = (UnitKind.BUREAU, UnitKind.DISTRICT, UnitKind.SCHOOL)
ALLOWED_TAGS = {
    "p", "br", "strong", "b", "em", "i", "u", "ul", "ol", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote",
    "a", "hr", "img",
}  # fmt: skip
# A letter has two heading levels (标题, 小标题); headings pasted from Word or a web page are brought to them.
_HEADINGS = re.compile(r"<(/?)h([1-6])>")
MAX_BODY = 20_000
MAX_QUESTIONS = 10
MAX_OPTIONS = 8
MAX_ATTACHMENTS = 5
CHOICE_KINDS = (QuestionKind.CHOICE, QuestionKind.MULTI)
# A multiple-choice answer is stored as one string, the chosen options joined by this.
MULTI_SEPARATOR = "；"
ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
# The only pictures a body may show: those uploaded through the editor, by the staff URL of `views.image`.
# Anything else (data: URLs, other sites, other paths) is dropped with its <img>.
IMAGE_SRC = re.compile(r"/notices/images/([0-9]{1,18})/")
_IMG_TAG = re.compile(r"<img\b[^>]*>")


def _keep_attribute(element: str, attribute: str, value: str) -> str | None:
    if element == "img" and attribute == "src":
        return value if IMAGE_SRC.fullmatch(value) else None
    return value


def _drop_image(tag: re.Match[str], keep: set[int] | None) -> str:
    found = IMAGE_SRC.search(tag.group(0))
    if found is None or (keep is not None and int(found.group(1)) not in keep):
        return ""
    return tag.group(0)


def clean_body(text: str) -> str:
    """Sanitized HTML. Text without tags becomes paragraphs, so a pasted letter keeps its lines.

    Only the tags of the editor's toolbar survive; links keep href (http, https, mailto) and title and get
    rel="noopener noreferrer nofollow"; pictures keep only a src of an uploaded notice image and their alt text
    (which unit's pictures may appear is `_check_draft`'s question). No style, class, script or on* attribute
    survives. The editor writes spaces as &nbsp; (so that they are not collapsed while typing); they are plain
    spaces again here, so that lines wrap."""
    text = (text or "").strip()
    if not re.search(r"<[a-zA-Z/][^>]*>", text):
        from django.utils.html import escape

        paragraphs = [p.strip() for p in re.split(r"\n\s*\n|\r?\n", text) if p.strip()]
        text = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    cleaned = nh3.clean(
        text,
        tags=ALLOWED_TAGS,
        attributes={"a": {"href", "title"}, "img": {"src", "alt"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
        attribute_filter=_keep_attribute,
    )
    cleaned = _IMG_TAG.sub(lambda tag: _drop_image(tag, None), cleaned)
    cleaned = _HEADINGS.sub(lambda tag: f"<{tag.group(1)}h{3 if tag.group(2) <= '3' else 4}>", cleaned)
    return cleaned.replace("&nbsp;", " ").replace("\u00a0", " ")


def body_image_ids(body_html: str) -> set[int]:
    return {int(found) for found in IMAGE_SRC.findall(body_html)}


def check_questions(questions: Sequence[Any]) -> list[dict[str, Any]]:
    """Normalised questions, or DomainError naming the bad one (by its number as the writer sees it)."""
    if len(questions) > MAX_QUESTIONS:
        raise DomainError(f"回执问题最多 {MAX_QUESTIONS} 个，现在有 {len(questions)} 个", code="too_many_questions")
    clean = []
    kinds = {k.value for k in QuestionKind}
    for index, question in enumerate(questions, start=1):
        if not isinstance(question, dict):
            raise DomainError(f"第 {index} 个问题的格式不正确", code="question_invalid")
        kind = str(question.get("kind", ""))
        label = str(question.get("label", "")).strip()
        if kind not in kinds:
            raise DomainError(f"第 {index} 个问题的类型不正确（可选：确认、单选、多选、简答）", code="question_invalid")
        if not label:
            raise DomainError(f"第 {index} 个问题的题目是空的，请填写或删除这个问题", code="question_invalid")
        if len(label) > 100:
            raise DomainError(f"第 {index} 个问题的题目超过 100 字", code="question_invalid")
        raw_options = question.get("options") or []
        if not isinstance(raw_options, list):
            raise DomainError(f"第 {index} 个问题的选项格式不正确", code="question_invalid")
        options = [str(o).strip() for o in raw_options if str(o).strip()]
        if kind in CHOICE_KINDS:
            label_of_kind = QuestionKind(kind).label
            if len(options) < 2:
                raise DomainError(
                    f"第 {index} 个问题（{label_of_kind}）至少要有 2 个选项（可选 2–{MAX_OPTIONS} 个）",
                    code="question_invalid",
                )
            if len(options) > MAX_OPTIONS:
                raise DomainError(
                    f"第 {index} 个问题（{label_of_kind}）最多 {MAX_OPTIONS} 个选项（可选 2–{MAX_OPTIONS} 个）",
                    code="question_invalid",
                )
            repeated = next((o for i, o in enumerate(options) if o in options[:i]), None)
            if repeated is not None:
                raise DomainError(f"第 {index} 个问题的选项“{repeated}”重复了", code="question_invalid")
            if kind == QuestionKind.MULTI and any(MULTI_SEPARATOR in o for o in options):
                raise DomainError(
                    f"第 {index} 个问题（多选）的选项中不能有“{MULTI_SEPARATOR}”", code="question_invalid"
                )
            if any(len(o) > 40 for o in options):
                raise DomainError(f"第 {index} 个问题的选项超过 40 字", code="question_invalid")
        clean.append(
            {
                "key": f"q{index}",
                "kind": kind,
                "label": label,
                "options": options if kind in CHOICE_KINDS else [],
                "required": bool(question.get("required", kind != QuestionKind.TEXT)),
            }
        )
    return clean


@dataclass(frozen=True)
class _Draft:
    """A notice's content after every check, ready to be written."""

    title: str
    body_html: str
    questions: list[dict[str, Any]]
    audience_units: list[OrgUnit]
    grade_names: list[str]
    flags: list[str]
    links_expire_at: dt.datetime
    images: list[NoticeImage]


def _check_draft(
    *,
    issuer: OrgUnit,
    title: str,
    body: str,
    questions: Sequence[dict[str, Any]],
    audience_units: Sequence[OrgUnit],
    grade_names: Sequence[str],
    flags: Sequence[str],
    links_expire_on: dt.date | None,
) -> _Draft:
    title = (title or "").strip()
    if not title or len(title) > 120:
        raise DomainError("请填写 1–120 字的标题", code="title_required")
    if len(body or "") > MAX_BODY:
        raise DomainError(f"正文不能超过 {MAX_BODY} 字", code="body_too_long")
    body_html = clean_body(body)
    images = list(NoticeImage.objects.filter(pk__in=body_image_ids(body_html), unit=issuer))
    if len(images) != len(body_image_ids(body_html)):  # another unit's picture: not shown to these parents
        body_html = _IMG_TAG.sub(lambda tag: _drop_image(tag, {i.pk for i in images}), body_html)
    if not re.sub(r"<(?!img)[^>]+>|\s|&nbsp;", "", body_html):
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
    expires_at = timezone.make_aware(dt.datetime.combine(expire_on, dt.time(23, 59, 59)))
    return _Draft(
        title, body_html, clean_questions, outermost(audience_units), names, sorted(set(flags)), expires_at, images
    )


def _store_attachments(actor: User, notice: Notice, attachments: Sequence[tuple[IO[bytes], str]]) -> None:
    for upload, name in attachments:
        stored = store_upload(
            actor=actor,
            upload=upload,
            name=name,
            allowed=DOCUMENT_TYPES | IMAGE_TYPES,
            max_bytes=ATTACHMENT_MAX_BYTES,
        )
        NoticeAttachment.objects.create(notice=notice, file=stored)


def _content(notice: Notice) -> dict[str, Any]:
    """What an audit event records of a draft's content (the body by length and digest: it may be long)."""
    return {
        **snapshot(notice, NOTICE_FIELDS),
        "body_chars": len(notice.body_html),
        "body_sha256": hashlib.sha256(notice.body_html.encode()).hexdigest()[:16],
        "questions": notice.questions,
        "audience_units": sorted(u.pk for u in notice.audience_units.all()),
        "grade_names": notice.audience_grade_names,
        "flags": notice.audience_flags,
        "attachments": sorted(a.file_id for a in notice.attachments.all()),
        "images": sorted(i.pk for i in notice.images.all()),
    }


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
    draft = _check_draft(
        issuer=issuer,
        title=title,
        body=body,
        questions=questions,
        audience_units=audience_units,
        grade_names=grade_names,
        flags=flags,
        links_expire_on=links_expire_on,
    )
    if len(attachments) > MAX_ATTACHMENTS:
        raise DomainError(f"附件最多 {MAX_ATTACHMENTS} 个", code="too_many_attachments")
    with transaction.atomic():
        notice = Notice.objects.create(
            issuer=issuer,
            title=draft.title,
            body_html=draft.body_html,
            questions=draft.questions,
            audience_grade_names=draft.grade_names,
            audience_flags=draft.flags,
            links_expire_at=draft.links_expire_at,
            created_by=actor,
        )
        notice.audience_units.set(draft.audience_units)
        notice.images.set(draft.images)
        _store_attachments(actor, notice, attachments)
        record_change(actor=actor, action="create", obj=notice, unit_path=issuer.path, after=_content(notice))
    return notice


def _locked_draft(actor: User, notice: Notice, version: int | None, verb: str) -> Notice:
    """The draft re-read under a row lock, or the refusal: another unit's notice, a stale version, not a draft."""
    if not can(actor, "notice.change", notice.issuer):
        raise Forbidden(f"只有发文单位可以{verb}告知书")
    fresh = locked(Notice.objects.select_related("issuer"), notice.pk, version)
    if fresh.status != NoticeStatus.DRAFT:
        raise DomainError(f"该告知书已{fresh.get_status_display()}，只有草稿可以{verb}", code="not_draft", status=409)
    return fresh


def update_notice(
    *,
    actor: User,
    notice: Notice,
    version: int | None,
    title: str,
    body: str,
    questions: Sequence[dict[str, Any]] = (),
    audience_units: Sequence[OrgUnit] = (),
    grade_names: Sequence[str] = (),
    flags: Sequence[str] = (),
    links_expire_on: dt.date | None = None,
    attachments: Sequence[tuple[IO[bytes], str]] = (),
    remove_attachments: Sequence[int] = (),
) -> Notice:
    """Edit a draft (optimistic locking on `version`): the same checks as writing it; new attachments are added,
    `remove_attachments` (file ids) taken off. A sent notice cannot change: parents may already have read it."""
    draft = _check_draft(
        issuer=notice.issuer,
        title=title,
        body=body,
        questions=questions,
        audience_units=audience_units,
        grade_names=grade_names,
        flags=flags,
        links_expire_on=links_expire_on,
    )
    with transaction.atomic():
        fresh = _locked_draft(actor, notice, version, "修改")
        before = _content(fresh)
        kept = fresh.attachments.exclude(file_id__in=list(remove_attachments)).count()
        if kept + len(attachments) > MAX_ATTACHMENTS:
            raise DomainError(f"附件最多 {MAX_ATTACHMENTS} 个", code="too_many_attachments")
        fresh.title = draft.title
        fresh.body_html = draft.body_html
        fresh.questions = draft.questions
        fresh.audience_grade_names = draft.grade_names
        fresh.audience_flags = draft.flags
        fresh.links_expire_at = draft.links_expire_at
        bump(
            fresh,
            ["title", "body_html", "questions", "audience_grade_names", "audience_flags", "links_expire_at"],
        )
        fresh.audience_units.set(draft.audience_units)
        fresh.images.set(draft.images)
        fresh.attachments.filter(file_id__in=list(remove_attachments)).delete()
        _store_attachments(actor, fresh, attachments)
        after = _content(fresh)
        record_change(
            actor=actor,
            action="update",
            obj=fresh,
            unit_path=fresh.issuer.path,
            before=before,
            after=after,
        )
    return fresh


def delete_notice(*, actor: User, notice: Notice, version: int | None) -> None:
    """Delete a draft (never a sent notice: its receipts are the record). The audit event keeps what it said."""
    with transaction.atomic():
        fresh = _locked_draft(actor, notice, version, "删除")
        before = _content(fresh)
        record_change(actor=actor, action="delete", obj=fresh, unit_path=fresh.issuer.path, before=before)
        fresh.delete()
