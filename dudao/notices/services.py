"""告知书 services: write, send (audience → cascade → receipts and links), withdraw, confirm (public and by
phone), class-QR verification with its attempt limit, link revocation, reminders and SMS."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import IO, Any

import nh3
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from dudao.audit.services import record_change, snapshot
from dudao.core.errors import DomainError, Forbidden, check_version
from dudao.core.files import DOCUMENT_TYPES, IMAGE_TYPES, store_upload
from dudao.notices import sms, tokens
from dudao.notices.models import (
    Channel,
    ClassCode,
    GuardianLink,
    Notice,
    NoticeAttachment,
    NoticeSchool,
    NoticeStatus,
    QuestionKind,
    Receipt,
    ReminderPlan,
    ReminderRun,
    StudentFlag,
    VerifyAttempt,
)
from dudao.orgs.models import Guardian, OrgUnit, Student, StudentStatus, UnitKind
from dudao.orgs.scoping import can

ISSUER_KINDS = (UnitKind.BUREAU, UnitKind.DISTRICT, UnitKind.SCHOOL)
ALLOWED_TAGS = {"p", "br", "strong", "b", "em", "i", "u", "ul", "ol", "li", "h3", "h4", "blockquote", "a", "hr"}
MAX_BODY = 20_000
MAX_QUESTIONS = 10
MAX_ATTACHMENTS = 5
ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
MAX_ANSWER = 200
FLAG_VALUES = {f.value for f in StudentFlag}
NOTICE_FIELDS = ["title", "status", "links_expire_at", "sent_at", "withdrawn_at"]


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
    actor: Any,
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
    bad_flags = set(flags) - FLAG_VALUES
    if bad_flags:
        raise DomainError("学生群体只能是留守儿童、困境儿童或住校生", code="flag_invalid")
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


def audience(notice: Notice) -> Any:
    """Enrolled students the notice reaches: the issuer's subtree, narrowed by units, grade names and flags."""
    students = Student.objects.filter(status=StudentStatus.ENROLLED, klass__path__under=notice.issuer.path)
    units = list(notice.audience_units.all())
    if units:
        where = Q()
        for unit in units:
            where |= Q(klass__path__under=unit.path)
        students = students.filter(where)
    if notice.audience_grade_names:
        grades = OrgUnit.objects.filter(
            kind=UnitKind.GRADE, name__in=notice.audience_grade_names, path__under=notice.issuer.path
        ).values_list("path", flat=True)
        where = Q()
        for path in grades:
            where |= Q(klass__path__under=path)
        students = students.filter(where) if where else students.none()
    if notice.audience_flags:
        where = Q()
        for flag in notice.audience_flags:
            where |= Q(**{flag: True})
        students = students.filter(where)
    return students


@dataclass(frozen=True)
class Owners:
    grade: int | None
    school: int
    district: int | None


def owners_of_classes(class_paths: dict[int, str]) -> dict[int, Owners]:
    """Grade, school and district ids of each class, from its ancestors' paths (one query)."""
    step = OrgUnit.steplen
    prefixes = {path[:i] for path in class_paths.values() for i in range(step, len(path), step)}
    kinds = {
        path: (pk, kind)
        for pk, path, kind in OrgUnit.objects.filter(path__in=prefixes).values_list("pk", "path", "kind")
    }
    owners = {}
    for class_id, path in class_paths.items():
        grade = school = district = None
        for i in range(step, len(path), step):
            pk, kind = kinds.get(path[:i], (None, ""))
            if kind == UnitKind.SCHOOL:
                school = pk
            elif kind == UnitKind.DISTRICT:
                district = pk
            elif kind == UnitKind.GRADE:
                grade = pk
        if school is None:
            continue
        owners[class_id] = Owners(grade, school, district)
    return owners


def _locked(notice: Notice, version: int | None) -> Notice:
    fresh = Notice.objects.select_for_update(of=("self",)).select_related("issuer").get(pk=notice.pk)
    check_version(fresh, version)
    return fresh


def _bump(notice: Notice, fields: list[str]) -> None:
    notice.version += 1
    notice.save(update_fields=[*fields, "version"])


def send_notice(*, actor: Any, notice: Notice, version: int | None = None) -> dict[str, int]:
    """Send a draft: one receipt per student reached, one link per guardian, one QR code per class, and the
    cascade rows that make it each school's own task. Sending twice is refused, so nothing doubles.

    An audience above DUDAO_NOTICE_SYNC_LIMIT students (a city-wide letter reaches a million) is queued: the
    notice shows 发送中 and a background job writes the rows, instead of a web request that would time out."""
    if not can(actor, "notice.change", notice.issuer):
        raise Forbidden("只有发文单位可以发送告知书")
    with transaction.atomic():
        notice = _locked(notice, version)
        _check_sendable(notice)
        size = audience(notice).count()
        if not size:
            raise DomainError("所选范围内没有在籍学生，未发送", code="audience_empty")
        if size > settings.DUDAO_NOTICE_SYNC_LIMIT:
            before = snapshot(notice, NOTICE_FIELDS)
            notice.status = NoticeStatus.SENDING
            _bump(notice, ["status"])
            record_change(
                actor=actor,
                action="queue_send",
                obj=notice,
                unit_path=notice.issuer.path,
                before=before,
                after={**snapshot(notice, NOTICE_FIELDS), "students": size},
            )
            notice_id, actor_id = notice.pk, actor.pk
            transaction.on_commit(lambda: _enqueue_send(notice_id, actor_id))
            return {"queued": size}
        return _write_send(actor=actor, notice=notice)


def _enqueue_send(notice_id: int, actor_id: int) -> None:
    from dudao.notices.tasks import send_queued_notice

    send_queued_notice(notice_id, actor_id)


def _check_sendable(notice: Notice) -> None:
    if notice.status != NoticeStatus.DRAFT:
        raise DomainError("该告知书已发送，不能重复发送", code="already_sent", status=409)
    if notice.links_expire_at <= timezone.now():
        raise DomainError("链接有效期已过，请重新填写有效期", code="expired")


def send_queued(*, notice_id: int, actor_id: int) -> dict[str, int]:
    """The background half of a queued send (huey task `send_queued_notice`); a rerun after success does nothing."""
    from dudao.accounts.models import User

    actor = User.objects.get(pk=actor_id)
    with transaction.atomic():
        notice = Notice.objects.select_for_update(of=("self",)).select_related("issuer").get(pk=notice_id)
        if notice.status != NoticeStatus.SENDING:
            return {}
        return _write_send(actor=actor, notice=notice)


def _write_send(*, actor: Any, notice: Notice) -> dict[str, int]:
    """Inside the caller's transaction, on the locked notice: write receipts, links, QR codes and cascade rows."""
    rows = list(audience(notice).values_list("pk", "klass_id", "klass__path"))
    if not rows:
        raise DomainError("所选范围内没有在籍学生，未发送", code="audience_empty")
    owners = owners_of_classes({klass: path for _, klass, path in rows})
    receipts = [
        Receipt(
            notice=notice,
            student_id=student,
            klass_id=klass,
            grade_id=owners[klass].grade,
            school_id=owners[klass].school,
            district_id=owners[klass].district,
        )
        for student, klass, _ in rows
        if klass in owners
    ]
    created = Receipt.objects.bulk_create(receipts, batch_size=2000)
    by_student = {r.student_id: r.pk for r in created}
    # By the student ids already in hand, in chunks: a subquery over the audience let PostgreSQL pick a plan that
    # ran for minutes on freshly loaded tables.
    student_ids = list(by_student)
    guardians = [
        row
        for start in range(0, len(student_ids), 5000)
        for row in Guardian.objects.filter(student_id__in=student_ids[start : start + 5000]).values_list(
            "pk", "student_id"
        )
    ]
    now = timezone.now()
    links = [
        GuardianLink(receipt_id=by_student[student], guardian_id=guardian, created_at=now)
        for guardian, student in guardians
        if student in by_student
    ]
    GuardianLink.objects.bulk_create(links, batch_size=2000)
    # A class QR lists the children it reaches; for a flag group (留守儿童, 困境儿童) posting it in the class chat
    # would tell everyone who they are, so such notices go by personal links only.
    classes = sorted({r.klass_id for r in created})
    if not notice.audience_flags:
        ClassCode.objects.bulk_create([ClassCode(notice=notice, klass_id=k, created_at=now) for k in classes])
    per_school: dict[int, list[Any]] = {}
    for r in created:
        entry = per_school.setdefault(r.school_id, [r.district_id, 0])
        entry[1] += 1
    NoticeSchool.objects.bulk_create(
        [
            NoticeSchool(notice=notice, school_id=school, district_id=district, students=count)
            for school, (district, count) in per_school.items()
        ]
    )
    before = snapshot(notice, NOTICE_FIELDS)
    notice.status = NoticeStatus.SENT
    notice.sent_at = now
    _bump(notice, ["status", "sent_at"])
    counts = {"schools": len(per_school), "classes": len(classes), "students": len(created), "links": len(links)}
    record_change(
        actor=actor,
        action="send",
        obj=notice,
        unit_path=notice.issuer.path,
        before=before,
        after={**snapshot(notice, NOTICE_FIELDS), **counts},
    )
    return counts


def withdraw_notice(*, actor: Any, notice: Notice, version: int | None = None) -> Notice:
    """撤回: every link and QR code of the notice stops working at once; receipts already given stay."""
    if not can(actor, "notice.change", notice.issuer):
        raise Forbidden("只有发文单位可以撤回告知书")
    with transaction.atomic():
        notice = _locked(notice, version)
        if notice.status == NoticeStatus.WITHDRAWN:
            raise DomainError("该告知书已撤回", code="already_withdrawn", status=409)
        before = snapshot(notice, NOTICE_FIELDS)
        notice.status = NoticeStatus.WITHDRAWN
        notice.withdrawn_at = timezone.now()
        _bump(notice, ["status", "withdrawn_at"])
        ReminderPlan.objects.filter(notice=notice, cancelled_at__isnull=True).update(cancelled_at=timezone.now())
        record_change(
            actor=actor,
            action="withdraw",
            obj=notice,
            unit_path=notice.issuer.path,
            before=before,
            after=snapshot(notice, NOTICE_FIELDS),
        )
    return notice


# ---- public side -------------------------------------------------------------------------------------------


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


def confirm_by_phone(*, actor: Any, receipt: Receipt, note: str = "") -> Receipt:
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


def revoke_link(*, actor: Any, link: GuardianLink, reissue: bool = True) -> GuardianLink | None:
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


# ---- SMS and reminders -------------------------------------------------------------------------------------


def public_url(path: str, base: str = "") -> str:
    root = settings.DUDAO_PUBLIC_BASE_URL or base
    return f"{root.rstrip('/')}{path}"


def link_url(link_id: int, base: str = "") -> str:
    from django.urls import reverse

    return public_url(reverse("notices:public", args=[tokens.link_token(link_id)]), base)


def given_name(name: str) -> str:
    """The part of a Chinese name a public page may show: 张小明 → 小明, 欧阳娜娜 → 娜娜."""
    compound = ("欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "令狐", "夏侯", "长孙")
    name = name.strip()
    if len(name) >= 3 and name[:2] in compound:
        return name[2:]
    return name[1:] if len(name) >= 2 else name


def message_text(notice: Notice, student_name: str, url: str) -> str:
    issuer = notice.issuer.short_name or notice.issuer.name
    return f"【{issuer}】《{notice.title}》请{given_name(student_name)}的家长阅读并确认：{url}"


def _messages_for(receipts: Iterable[Receipt], notice: Notice, base: str) -> list[sms.SmsMessage]:
    ids = [r.pk for r in receipts]
    links = (
        GuardianLink.objects.filter(receipt_id__in=ids, revoked_at__isnull=True)
        .select_related("guardian", "receipt__student")
        .order_by("receipt_id", "id")
    )
    return [
        sms.SmsMessage(
            phone=link.guardian.phone,
            text=message_text(notice, link.receipt.student.name, link_url(link.pk, base)),
            notice_id=notice.pk,
            link_id=link.pk,
        )
        for link in links
        if link.guardian.phone
    ]


def send_sms(*, actor: Any, notice: Notice, unit: OrgUnit, only_pending: bool = True, base: str = "") -> int:
    """Text every guardian (or those not yet confirmed) of the students under `unit` through the SMS backend."""
    if not (can(actor, "notice.confirm", unit) or can(actor, "notice.change", unit)):
        raise Forbidden("您当前的身份不能为该范围发送短信")
    if not notice.is_live:
        raise DomainError("告知书未发送、已撤回或链接已过期，不能发送短信", code="not_live", status=409)
    with transaction.atomic():
        receipts = Receipt.objects.filter(notice=notice, klass__path__under=unit.path)
        if only_pending:
            receipts = receipts.pending()
        messages = _messages_for(list(receipts.only("pk")), notice, base)
        accepted = sms.send_messages(messages)
        record_change(
            actor=actor,
            action="send_sms",
            obj=notice,
            unit_path=unit.path,
            after={"unit": unit.pk, "only_pending": only_pending, "messages": accepted},
        )
    return accepted


def add_reminder(
    *,
    actor: Any,
    notice: Notice,
    flags: Sequence[str],
    until: dt.date,
    only_pending: bool = True,
    starts_on: dt.date | None = None,
) -> ReminderPlan:
    """Repeat the notice every day from `starts_on` (default today) until `until` to guardians of the flagged
    students (all if no flags), e.g. 留守儿童 guardians from 7月1日 to 8月31日."""
    if not can(actor, "notice.change", notice.issuer):
        raise Forbidden("只有发文单位可以设置每日提醒")
    if set(flags) - FLAG_VALUES:
        raise DomainError("学生群体只能是留守儿童、困境儿童或住校生", code="flag_invalid")
    today = timezone.localdate()
    starts_on = starts_on or today
    if until < today:
        raise DomainError("提醒截止日期不能早于今天", code="until_in_past")
    if starts_on < today or starts_on > until:
        raise DomainError("提醒开始日期须在今天和截止日期之间", code="starts_invalid")
    if until > notice.links_expire_at.astimezone(timezone.get_current_timezone()).date():
        raise DomainError("提醒截止日期不能晚于链接有效期", code="until_after_expiry")
    with transaction.atomic():
        if Notice.objects.select_for_update().get(pk=notice.pk).status == NoticeStatus.WITHDRAWN:
            raise DomainError("该告知书已撤回", code="withdrawn", status=409)
        plan = ReminderPlan.objects.create(
            notice=notice,
            flags=sorted(set(flags)),
            only_pending=only_pending,
            starts_on=starts_on,
            until=until,
            created_by=actor,
        )
        record_change(
            actor=actor,
            action="add_reminder",
            obj=plan,
            unit_path=notice.issuer.path,
            after={
                "flags": plan.flags,
                "only_pending": only_pending,
                "starts_on": starts_on.isoformat(),
                "until": until.isoformat(),
            },
        )
    return plan


def run_reminders(*, today: dt.date | None = None, base: str = "") -> dict[str, int]:
    """The daily job: each open plan sends once a day (the run row makes reruns harmless)."""
    today = today or timezone.localdate()
    plans = ReminderPlan.objects.filter(
        cancelled_at__isnull=True, starts_on__lte=today, until__gte=today, notice__status=NoticeStatus.SENT
    ).select_related("notice", "notice__issuer")
    sent = runs = 0
    for plan in plans:
        if not plan.notice.is_live:
            continue
        with transaction.atomic():
            run, created = ReminderRun.objects.get_or_create(plan=plan, day=today)
            if not created:
                continue
            receipts = Receipt.objects.filter(notice=plan.notice)
            if plan.only_pending:
                receipts = receipts.pending()
            if plan.flags:
                where = Q()
                for flag in plan.flags:
                    where |= Q(**{f"student__{flag}": True})
                receipts = receipts.filter(where)
            messages = [
                sms.SmsMessage(m.phone, "【每日提醒】" + m.text, m.notice_id, m.link_id, kind="reminder")
                for m in _messages_for(list(receipts.only("pk")), plan.notice, base)
            ]
            run.messages = sms.send_messages(messages)
            run.save(update_fields=["messages"])
            sent += run.messages
            runs += 1
    return {"plans": runs, "messages": sent}
