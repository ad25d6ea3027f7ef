"""Following a case: notes and contacts, scheduled reviews, referrals, attachments, closing."""

from __future__ import annotations

import datetime as dt
from typing import IO

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from dudao.accounts.models import User
from dudao.audit.services import record_change, snapshot
from dudao.cases.models import (
    DROPOUT_SETTLED,
    CaseAttachment,
    CaseFile,
    CaseKind,
    CaseNote,
    CaseStatus,
    CrisisStep,
    NoteKind,
    Referral,
    ReferralStatus,
)
from dudao.cases.services._common import (
    CASE_FIELDS,
    _locked,
    _record_case_change,
    _require_open,
    _require_writer,
    _save,
    clean_text,
    refuse_future,
)
from dudao.core.errors import DomainError
from dudao.core.locking import bump, locked

ATTACHMENT_TYPES = frozenset({"pdf", "jpeg", "png", "docx"})


def add_note(
    *,
    actor: User,
    case: CaseFile,
    text: str,
    kind: str = NoteKind.NOTE,
    occurred_on: dt.date | None = None,
    participants: str = "",
    outcome: str = "",
) -> CaseNote:
    """A follow-up, an interview, a 三线联动 contact (family/school/teacher) with its outcome, or a 劝返 visit."""
    if kind not in NoteKind.values or kind in (NoteKind.LEVEL, NoteKind.REVIEW):
        raise DomainError("记录类型不正确", code="bad_note_kind")
    text = clean_text(text, "记录内容")
    outcome = clean_text(outcome, "结果", required=False, limit=2000)
    participants = clean_text(participants, "参与人员", required=False, limit=200)
    occurred_on = occurred_on or timezone.localdate()
    refuse_future(occurred_on, "记录日期")
    with transaction.atomic():
        case = _locked(case)
        _require_writer(actor, case)
        _require_open(case)
        note = CaseNote.objects.create(
            case=case,
            kind=kind,
            author=actor,
            occurred_on=occurred_on,
            participants=participants,
            text=text,
            outcome=outcome,
        )
        if kind in (NoteKind.NOTE, NoteKind.INTERVIEW, NoteKind.PERSUASION):
            case.next_review_on = max(
                case.next_review_on or occurred_on, occurred_on + dt.timedelta(days=case.follow_up_days)
            )
        _save(case, ["next_review_on"])
        record_change(
            actor=actor,
            action="case_note",
            obj=case,
            unit_path=case.school.path,
            after={"note": note.pk, "note_kind": kind, "occurred_on": occurred_on.isoformat(), "chars": len(text)},
        )
    return note


def add_referral(
    *,
    actor: User,
    case: CaseFile,
    institution: str,
    referred_on: dt.date,
    status: str = ReferralStatus.REFERRED,
    note: str = "",
) -> Referral:
    institution = clean_text(institution, "转介机构", limit=100)
    note = clean_text(note, "说明", required=False, limit=2000)
    if status not in ReferralStatus.values:
        raise DomainError("转介状态不正确", code="bad_referral_status")
    refuse_future(referred_on, "转介日期")
    with transaction.atomic():
        case = _locked(case)
        _require_writer(actor, case)
        _require_open(case)
        referral = Referral.objects.create(
            case=case, institution=institution, referred_on=referred_on, status=status, note=note, created_by=actor
        )
        _save(case, [])
        record_change(
            actor=actor,
            action="case_referral",
            obj=case,
            unit_path=case.school.path,
            after={"referral": referral.pk, "institution_chars": len(institution), "status": status},
        )
    return referral


def update_referral(*, actor: User, referral: Referral, status: str, version: int | None) -> Referral:
    if status not in ReferralStatus.values:
        raise DomainError("转介状态不正确", code="bad_referral_status")
    with transaction.atomic():
        case = _locked(referral.case)
        _require_writer(actor, case)
        fresh = locked(Referral.objects, referral.pk, version)
        before = fresh.status
        fresh.status = status
        fresh.updated_at = timezone.now()
        bump(fresh, ["status", "updated_at"])
        record_change(
            actor=actor,
            action="case_referral",
            obj=case,
            unit_path=case.school.path,
            before={"referral": fresh.pk, "status": before},
            after={"referral": fresh.pk, "status": status},
        )
    return fresh


def review_case(*, actor: User, case: CaseFile, text: str, next_review_on: dt.date, version: int | None) -> CaseFile:
    """The scheduled review: what was found, and when to look again."""
    text = clean_text(text, "评估意见")
    if next_review_on <= timezone.localdate():
        raise DomainError("下次评估日期应晚于今天", code="review_in_past")
    with transaction.atomic():
        case = _locked(case, version)
        _require_writer(actor, case)
        _require_open(case)
        before = snapshot(case, CASE_FIELDS)
        CaseNote.objects.create(case=case, kind=NoteKind.REVIEW, author=actor, text=text)
        case.next_review_on = next_review_on
        _save(case, ["next_review_on"])
        _record_case_change(actor, case, action="case_review", before=before)
    return case


def close_case(*, actor: User, case: CaseFile, summary: str, version: int | None) -> CaseFile:
    summary = clean_text(summary, "结案小结")
    with transaction.atomic():
        case = _locked(case, version)
        _require_writer(actor, case)
        _require_open(case)
        if CrisisStep.objects.filter(case=case, done_at__isnull=True).exists():
            raise DomainError("危机处置清单还有未完成的步骤，不能结案", code="crisis_steps_open", status=409)
        if case.kind == CaseKind.DROPOUT and case.dropout_result not in DROPOUT_SETTLED:
            raise DomainError("学生尚未返校或妥善安置，不能结案", code="dropout_not_settled", status=409)
        before = snapshot(case, CASE_FIELDS)
        case.status = CaseStatus.CLOSED
        case.summary = summary
        case.closed_at = timezone.now()
        case.closed_by = actor
        _save(case, ["status", "summary", "closed_at", "closed_by"])
        _record_case_change(actor, case, action="case_close", before=before)
    return case


def add_attachment(*, actor: User, case: CaseFile, upload: IO[bytes], name: str) -> CaseAttachment:
    from dudao.core.files import store_upload

    with transaction.atomic():
        case = _locked(case)
        _require_writer(actor, case)
        stored = store_upload(
            actor=actor,
            upload=upload,
            name=name,
            allowed=ATTACHMENT_TYPES,
            max_bytes=settings.DUDAO_CASE_ATTACHMENT_MAX_BYTES,
        )
        attachment = CaseAttachment.objects.create(case=case, file=stored, uploaded_by=actor)
        record_change(
            actor=actor, action="case_attachment", obj=case, unit_path=case.school.path, after={"file": stored.pk}
        )
    return attachment
