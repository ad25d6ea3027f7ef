"""The parents' side: live links and class QR codes, confirmations (public, and by phone through the class
teacher), link revocation, and class-QR verification with its attempt limit."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from dudao.accounts.models import User
from dudao.audit.services import record_change
from dudao.core.errors import DomainError, Forbidden
from dudao.notices import tokens
from dudao.notices.models import (
    Channel,
    ClassCode,
    GuardianLink,
    NoticeStatus,
    QuestionKind,
    Receipt,
    VerifyAttempt,
)
from dudao.notices.services.drafting import MULTI_SEPARATOR
from dudao.orgs.models import Guardian
from dudao.orgs.scoping import can

MAX_ANSWER = 200


def live_link(token: str) -> GuardianLink | None:
    """The link behind a personal token if it is genuine, live and its notice still open; else None."""
    parsed = tokens.parse(token)
    if parsed is None or parsed[0] != "g":
        return None
    found = (
        GuardianLink.objects.select_related("receipt__notice__issuer", "receipt__klass", "receipt__student", "guardian")
        .filter(pk=parsed[1], revoked_at__isnull=True)
        .order_by()[:1]
    )
    link = next(iter(found), None)
    if link is None or not link.receipt.notice.is_live:
        return None
    return link


def live_code(token: str) -> ClassCode | None:
    parsed = tokens.parse(token)
    if parsed is None or parsed[0] != "c":
        return None
    code = (
        ClassCode.objects.select_related("notice", "notice__issuer", "klass")
        .filter(pk=parsed[1], revoked_at__isnull=True)
        .first()
    )
    if code is None or not code.notice.is_live:
        return None
    return code


def mark_opened(link: GuardianLink) -> None:
    if link.opened_at is None:
        GuardianLink.objects.filter(pk=link.pk, opened_at__isnull=True).update(opened_at=timezone.now())


def check_answers(questions: Sequence[dict[str, Any]], posted: dict[str, str]) -> dict[str, str]:
    answers: dict[str, str] = {}
    for question in questions:
        key, kind, label = question["key"], question["kind"], question["label"]
        value = (posted.get(key) or "").strip()
        if kind == QuestionKind.CONFIRM:
            value = "是" if value else ""
        elif kind == QuestionKind.CHOICE and value and value not in question["options"]:
            raise DomainError(f"“{label}”请从选项中选择", code="answer_invalid")
        elif kind == QuestionKind.MULTI and value:
            chosen = [v for v in value.split(MULTI_SEPARATOR) if v]
            if set(chosen) - set(question["options"]):
                raise DomainError(f"“{label}”请从选项中选择", code="answer_invalid")
            # In the order of the options, each once, whatever order the browser sent them in.
            value = MULTI_SEPARATOR.join(o for o in question["options"] if o in chosen)
        elif kind == QuestionKind.TEXT and len(value) > MAX_ANSWER:
            raise DomainError(f"“{label}”不能超过 {MAX_ANSWER} 字", code="answer_too_long")
        if question.get("required") and not value:
            raise DomainError(f"请回答：{label}", code="answer_required")
        if value:
            answers[key] = value
    return answers


def confirm(*, link: GuardianLink, posted: dict[str, str], ip: str = "", channel: str = Channel.LINK) -> bool:
    """The parent's 已阅 with answers through a link already checked live. True when this was the
    confirmation; False when the receipt had already been confirmed (a second submission, from any link, is
    counted once and changes nothing)."""
    answers = check_answers(link.receipt.notice.questions, posted)
    return _confirm_once(link.receipt_id, link.pk, answers, ip, channel)


def confirm_by_token(*, link_id: int, posted: dict[str, str], ip: str = "") -> bool | None:
    """The public POST path: one narrow SELECT that also checks the link is live, one conditional UPDATE.
    None when the link is dead.

    Hand-written SQL on purpose: this path takes a city's confirmations in one evening, and compiling the two
    ORM queries cost as much CPU as the rest of the request (bench.receipts_load). The ORM twin of each
    statement is in `confirm` / `_confirm_once`; tests run both.

    No audit event: the receipt row itself is the record (time, link, channel, IP), written by the parent,
    and the chained audit log would serialise a million confirmations through one row."""
    now = timezone.now()
    ops = connection.ops
    with connection.cursor() as cursor:
        cursor.execute(_LIVE_LINK_SQL, [link_id, NoticeStatus.SENT.value, ops.adapt_datetimefield_value(now)])
        row = cursor.fetchone()
        if row is None:
            return None
        receipt_id, questions = row
        if isinstance(questions, str):
            questions = json.loads(questions)
        answers = check_answers(questions or [], posted)
        cursor.execute(
            _CONFIRM_SQL_PG if connection.vendor == "postgresql" else _CONFIRM_SQL,
            [
                ops.adapt_datetimefield_value(now),
                Channel.LINK.value,
                link_id,
                json.dumps(answers, ensure_ascii=False),
                ip[:45],
                receipt_id,
            ],
        )
        return bool(cursor.rowcount == 1)


_LIVE_LINK_SQL = (
    "SELECT r.id, n.questions FROM notices_guardianlink l "
    "JOIN notices_receipt r ON r.id = l.receipt_id JOIN notices_notice n ON n.id = r.notice_id "
    "WHERE l.id = %s AND l.revoked_at IS NULL AND n.status = %s AND n.links_expire_at > %s"
)
_CONFIRM_SQL = (
    "UPDATE notices_receipt SET confirmed_at = %s, channel = %s, link_id = %s, answers = %s, ip = %s "
    "WHERE id = %s AND confirmed_at IS NULL"
)
_CONFIRM_SQL_PG = _CONFIRM_SQL.replace("answers = %s", "answers = %s::jsonb")


def _confirm_once(receipt_id: int, link_id: int, answers: dict[str, str], ip: str, channel: str) -> bool:
    updated = Receipt.objects.filter(pk=receipt_id, confirmed_at__isnull=True).update(
        confirmed_at=timezone.now(), channel=channel, link_id=link_id, answers=answers, ip=ip[:45]
    )
    return updated == 1


def confirm_by_phone(*, actor: User, receipt: Receipt, note: str = "") -> Receipt:
    """The class teacher records a confirmation given on the phone (recorded as such, with who and when)."""
    if not can(actor, "notice.confirm", receipt.klass):
        raise Forbidden("只有班主任或学校管理员可以登记电话确认")
    note = note.strip()
    if len(note) > 200:
        raise DomainError("备注不能超过 200 字", code="note_too_long")
    with transaction.atomic():
        fresh = Receipt.objects.select_for_update(of=("self",)).select_related("notice", "klass").get(pk=receipt.pk)
        if fresh.notice.status != NoticeStatus.SENT:
            raise DomainError("该告知书已撤回", code="withdrawn", status=409)
        if fresh.confirmed_at is not None:
            raise DomainError("该家长已确认，无需重复登记", code="already_confirmed", status=409)
        fresh.confirmed_at = timezone.now()
        fresh.channel = Channel.PHONE
        fresh.confirmed_by = actor
        fresh.note = note or "电话确认"
        fresh.save(update_fields=["confirmed_at", "channel", "confirmed_by", "note"])
        record_change(
            actor=actor,
            action="phone_confirm",
            obj=fresh,
            unit_path=fresh.klass.path,
            before={"confirmed_at": None},
            after={"confirmed_at": fresh.confirmed_at.isoformat(), "channel": "phone", "note": fresh.note},
        )
    return fresh


def revoke_link(*, actor: User, link: GuardianLink, reissue: bool = True) -> GuardianLink | None:
    """Stop one guardian's link (forwarded to the wrong group, phone lost); by default issue a fresh one."""
    receipt = link.receipt
    if not can(actor, "notice.confirm", receipt.klass):
        raise Forbidden("只有班主任或学校管理员可以停用家长链接")
    with transaction.atomic():
        fresh = GuardianLink.objects.select_for_update().get(pk=link.pk)
        if fresh.revoked_at is not None:
            raise DomainError("该链接已停用", code="already_revoked", status=409)
        fresh.revoked_at = timezone.now()
        fresh.save(update_fields=["revoked_at"])
        new = (
            GuardianLink.objects.create(receipt_id=fresh.receipt_id, guardian_id=fresh.guardian_id) if reissue else None
        )
        record_change(
            actor=actor,
            action="revoke_link",
            obj=fresh,
            unit_path=receipt.klass.path,
            before={"revoked_at": None},
            after={"revoked_at": fresh.revoked_at.isoformat(), "reissued": new.pk if new else None},
        )
    return new


class VerifyLocked(DomainError):
    def __init__(self, minutes: int) -> None:
        super().__init__(f"验证错误次数过多，请 {minutes} 分钟后再试", code="verify_locked", status=429)


def verify_guardian(*, code: ClassCode, receipt_id: int, digits: str, ip: str = "") -> GuardianLink:
    """Class QR: the parent picked a child and typed the last 4 digits of a registered phone. Three wrong
    tries for one child (or ten from one address) within the window, and that child (address) must wait."""
    tries = settings.DUDAO_NOTICE_VERIFY_TRIES
    wait = settings.DUDAO_NOTICE_VERIFY_WAIT_MINUTES
    since = timezone.now() - dt.timedelta(minutes=wait)
    digits = (digits or "").strip()
    if not re.fullmatch(r"\d{4}", digits):
        raise DomainError("请输入登记手机号的后 4 位数字", code="digits_invalid")
    left = 0
    with transaction.atomic():
        # The receipt row is the lock: simultaneous guesses for one child are counted one after another, so no
        # more than `tries` are ever checked in a window.
        receipt = (
            Receipt.objects.select_for_update()
            .filter(pk=receipt_id, notice_id=code.notice_id, klass_id=code.klass_id)
            .first()
        )
        if receipt is None:
            raise DomainError("请选择您的孩子", code="child_required")
        if VerifyAttempt.objects.filter(receipt=receipt, created_at__gte=since).count() >= tries or (
            ip and VerifyAttempt.objects.filter(ip=ip[:45], created_at__gte=since).count() >= tries * 3 + 1
        ):
            raise VerifyLocked(wait)
        guardian = next(
            (
                g
                for g in Guardian.objects.filter(student_id=receipt.student_id).order_by("-is_primary", "id")
                if g.phone.strip().endswith(digits)
            ),
            None,
        )
        if guardian is None:
            VerifyAttempt.objects.create(code=code, receipt=receipt, ip=ip[:45])
            left = tries - VerifyAttempt.objects.filter(receipt=receipt, created_at__gte=since).count()
            link = None
        else:
            link = GuardianLink.objects.filter(receipt=receipt, guardian=guardian, revoked_at__isnull=True).first()
            if link is None:
                link = GuardianLink.objects.create(receipt=receipt, guardian=guardian)
    # Raised after the commit, so that the failed attempt stays counted.
    if link is None:
        if left <= 0:
            raise VerifyLocked(wait)
        raise DomainError(f"手机号后 4 位不正确，还可尝试 {left} 次", code="digits_wrong")
    return link


def mask_guardian_phone(phone: str) -> str:
    """138******** : the last four digits are what a parent types at the class QR, so staff lists never show them
    (a district reader could otherwise confirm in a parent's name)."""
    phone = (phone or "").strip()
    return phone[:3] + "*" * max(0, len(phone) - 3)
