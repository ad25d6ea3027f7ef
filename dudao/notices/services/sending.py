"""Sending a notice (audience → cascade → receipts, guardian links and class QR codes; a large audience in a
queued background send, queued again when its worker was lost) and withdrawing it."""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from dudao.accounts.models import User
from dudao.audit.services import record_change, snapshot
from dudao.core.errors import DomainError, Forbidden
from dudao.core.locking import bump, locked
from dudao.notices.audience import students_reached
from dudao.notices.models import ClassCode, GuardianLink, Notice, NoticeSchool, NoticeStatus, Receipt, ReminderPlan
from dudao.notices.services._common import NOTICE_FIELDS
from dudao.orgs.models import Guardian, OrgUnit, Student, UnitKind
from dudao.orgs.scoping import can


def audience(notice: Notice) -> QuerySet[Student]:
    """Enrolled students the notice reaches: the issuer's subtree, narrowed by units, grade names and flags."""
    return students_reached(
        notice.issuer, list(notice.audience_units.all()), notice.audience_grade_names, notice.audience_flags
    )


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
    return locked(Notice.objects.select_related("issuer"), notice.pk, version)


def send_notice(*, actor: User, notice: Notice, version: int | None = None) -> dict[str, int]:
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
            notice.sent_by = actor
            notice.send_queued_at = timezone.now()
            bump(notice, ["status", "sent_by", "send_queued_at"])
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
    actor = User.objects.get(pk=actor_id)
    with transaction.atomic():
        notice = Notice.objects.select_for_update(of=("self",)).select_related("issuer").get(pk=notice_id)
        if notice.status != NoticeStatus.SENDING:
            return {}
        return _write_send(actor=actor, notice=notice)


def requeue_stuck_sends(*, older_than: dt.timedelta | None = None) -> list[int]:
    """Queue again every send still 发送中 that was handed to the background job more than `older_than` ago
    (default DUDAO_NOTICE_STUCK_MINUTES): its worker died, or the queue lost the task. Returns the notice ids.

    Harmless to repeat and to race with the original task: `send_queued` writes a notice's rows in one transaction
    on the locked notice and does nothing once it is 已发送, so a notice is never sent twice; and the new
    `send_queued_at` keeps the next sweep from queueing it again for another `older_than`."""
    older_than = older_than or dt.timedelta(minutes=settings.DUDAO_NOTICE_STUCK_MINUTES)
    now = timezone.now()
    requeued = []
    with transaction.atomic():
        stuck = (
            Notice.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("issuer")
            .filter(status=NoticeStatus.SENDING)
            .filter(Q(send_queued_at__lt=now - older_than) | Q(send_queued_at__isnull=True))
            .order_by("id")
        )
        for notice in stuck:
            before = snapshot(notice, ["send_queued_at"])
            notice.send_queued_at = now
            notice.save(update_fields=["send_queued_at"])
            actor_id = notice.sent_by_id or notice.created_by_id
            record_change(
                actor=None,
                action="requeue_send",
                obj=notice,
                unit_path=notice.issuer.path,
                before=before,
                after=snapshot(notice, ["send_queued_at"]),
            )
            transaction.on_commit(functools.partial(_enqueue_send, notice.pk, actor_id))
            requeued.append(notice.pk)
    return requeued


def _write_send(*, actor: User, notice: Notice) -> dict[str, int]:
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
    notice.sent_by = actor
    bump(notice, ["status", "sent_at", "sent_by"])
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


def withdraw_notice(*, actor: User, notice: Notice, version: int | None = None) -> Notice:
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
        bump(notice, ["status", "withdrawn_at"])
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
