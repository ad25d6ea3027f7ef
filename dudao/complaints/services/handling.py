"""分办、答复、审核、评价: the office routes an item to the responsible unit with a deadline, the unit replies, the
office accepts (the complainant then sees the reply) or sends it back; the complainant rates the answer, and a
first 不满意 reopens the item once. Overdue items are escalated daily."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import IO

from django.db import transaction
from django.utils import timezone

from dudao.accounts.models import User
from dudao.audit.services import Entry, append, record_access, record_change, snapshot
from dudao.complaints.models import (
    Complaint,
    ComplaintStep,
    Rating,
    Status,
    StepKind,
)
from dudao.complaints.services.intake import AUDIT_FIELDS
from dudao.complaints.workdays import DEFAULT_REPLY_DAYS, add_working_days
from dudao.core.errors import DomainError, Forbidden, check_version
from dudao.core.files import DOCUMENT_TYPES, IMAGE_TYPES, removed_on_failure, store_upload
from dudao.core.locking import bump, locked
from dudao.messaging.services import UnitNote, notify_units
from dudao.orgs.models import OrgUnit, UnitKind
from dudao.orgs.scoping import acting_assignment, can

ROUTE_KINDS = (UnitKind.DISTRICT, UnitKind.SCHOOL, UnitKind.OFFICE)
MAX_TEXT = 5000
MAX_COMMENT = 500
MAX_DAYS_AHEAD = 90
MAX_ATTACHMENTS = 5
ATTACHMENT_MAX_BYTES = 20 * 1024 * 1024
# Who answers for the responsible unit and hears of its items.
UNIT_ROLES = ("principal", "school_staff", "district_admin", "bureau_staff")
HEAD_ROLES = ("principal", "district_admin", "bureau_leader")
OFFICE_ROLES = ("bureau_staff",)
CATEGORY = "system"


def _text(value: str, *, label: str, limit: int, code: str) -> str:
    text = (value or "").strip()
    if not text:
        raise DomainError(f"请填写{label}", code=code)
    if len(text) > limit:
        raise DomainError(f"{label}不能超过 {limit} 字", code=code)
    return text


def _office(actor: User, complaint: Complaint) -> None:
    if not can(actor, "complaint.handle", complaint.intake_unit):
        raise Forbidden("只有教育局办公室的受理人员才能分办、审核投诉建议")


def default_deadline(unit: OrgUnit | str, today: dt.date | None = None) -> dt.date:
    """Five working days from today on the calendar of `unit` (the receiving bureau: its holidays and 调休)."""
    return add_working_days(today or timezone.localdate(), DEFAULT_REPLY_DAYS, unit=unit)


def _check_deadline(deadline: dt.date) -> dt.date:
    today = timezone.localdate()
    if deadline < today:
        raise DomainError(f"答复时限（{deadline.isoformat()}）不能早于今天", code="deadline_in_past")
    if deadline > today + dt.timedelta(days=MAX_DAYS_AHEAD):
        raise DomainError(f"答复时限最长为 {MAX_DAYS_AHEAD} 天", code="deadline_too_far")
    return deadline


def check_route_target(actor: User, target: OrgUnit) -> None:
    """An item goes to an open school, district bureau or office inside the router's own scope."""
    assignment = acting_assignment(actor)
    if assignment is None or not target.path.startswith(assignment.unit.path):
        raise DomainError(f"“{target.name}”不在您的管理范围内，不能分办给该单位", code="unit_outside_scope")
    if target.kind not in ROUTE_KINDS or target.is_closed:
        raise DomainError("只能分办给在办的学校、区县教育局或局机关科室", code="unit_kind")


def _save(
    actor: User | None, complaint: Complaint, action: str, before: dict[str, object], fields: list[str]
) -> Complaint:
    bump(complaint, fields)
    record_change(
        actor=actor,
        action=action,
        obj=complaint,
        unit_path=complaint.unit.path,
        before=before,
        after=snapshot(complaint, AUDIT_FIELDS),
    )
    return complaint


def _fresh(complaint: Complaint, version: int | None) -> Complaint:
    return locked(Complaint.objects.select_related("unit", "intake_unit"), complaint.pk, version)


def route(
    *,
    actor: User,
    complaint: Complaint,
    unit: OrgUnit,
    deadline: dt.date | None = None,
    note: str = "",
    version: int | None,
) -> Complaint:
    """分办: to the responsible unit with a reply deadline (default: five working days from today). An item still
    being handled may be routed again to another unit (wrongly routed); the same routing twice changes nothing."""
    _office(actor, complaint)
    check_route_target(actor, unit)
    deadline = _check_deadline(deadline) if deadline is not None else default_deadline(complaint.intake_unit)
    note = (note or "").strip()[:MAX_TEXT]
    with transaction.atomic():
        fresh = locked(Complaint.objects.select_related("unit", "intake_unit"), complaint.pk, None)
        if fresh.status == Status.ROUTED and fresh.unit_id == unit.pk and fresh.deadline == deadline:
            return fresh
        if fresh.status not in (Status.RECEIVED, Status.ROUTED):
            raise DomainError(f"该件{fresh.get_status_display()}，不能再分办", code="not_routable", status=409)
        check_version(fresh, version)
        before = snapshot(fresh, AUDIT_FIELDS)
        fresh.unit, fresh.deadline, fresh.status = unit, deadline, Status.ROUTED
        fresh.routed_at, fresh.routed_by, fresh.escalated_at = timezone.now(), actor, None
        ComplaintStep.objects.create(
            complaint=fresh,
            kind=StepKind.ROUTED,
            text=f"转{unit.name}办理，请于 {deadline:%Y-%m-%d} 前答复。{note}".strip(),
            unit=unit,
            actor=actor,
        )
        notify_units(
            [
                UnitNote(
                    unit.pk,
                    f"请办理群众诉求：{fresh.title}",
                    f"{fresh.number}（{fresh.get_category_display()}），请于 {deadline:%m月%d日} 前答复。",
                    "complaints:detail",
                    f"complaint-routed:{fresh.pk}:{unit.pk}:{deadline}",
                    (fresh.pk,),
                )
            ],
            category=CATEGORY,
            roles=UNIT_ROLES,
            fallback_roles=HEAD_ROLES,
        )
        return _save(
            actor, fresh, "route", before, ["unit", "deadline", "status", "routed_at", "routed_by", "escalated_at"]
        )


def _answering(actor: User, complaint: Complaint) -> None:
    assignment = acting_assignment(actor)
    if assignment is None or assignment.unit_id != complaint.unit_id or not can(actor, "complaint.reply"):
        raise Forbidden("只有承办单位才能答复该件")


def reply(
    *,
    actor: User,
    complaint: Complaint,
    text: str,
    measures: str = "",
    attachments: Sequence[tuple[IO[bytes], str]] = (),
    version: int | None,
) -> Complaint:
    """答复: the responsible unit's answer and what it did; the office then accepts or sends it back. The same
    reply sent twice is kept once; a reply to a closed item is refused."""
    _answering(actor, complaint)
    text = _text(text, label="答复内容", limit=MAX_TEXT, code="reply_required")
    measures = (measures or "").strip()
    if len(measures) > MAX_TEXT:
        raise DomainError(f"整改措施不能超过 {MAX_TEXT} 字", code="measures_too_long")
    if len(attachments) > MAX_ATTACHMENTS:
        raise DomainError(f"附件最多 {MAX_ATTACHMENTS} 个", code="too_many_attachments")
    with removed_on_failure(), transaction.atomic():
        fresh = _fresh(complaint, None)
        if fresh.status == Status.REPLIED and fresh.reply == text and fresh.measures == measures:
            return fresh
        if fresh.status != Status.ROUTED:
            raise DomainError(f"该件{fresh.get_status_display()}，不能再答复", code="not_open", status=409)
        check_version(fresh, version)
        before = snapshot(fresh, AUDIT_FIELDS)
        now = timezone.now()
        fresh.status, fresh.reply, fresh.measures = Status.REPLIED, text, measures
        fresh.replied_at, fresh.replied_by = now, actor
        if fresh.first_replied_on is None:
            fresh.first_replied_on = timezone.localdate()
        step = ComplaintStep.objects.create(
            complaint=fresh,
            kind=StepKind.REPLIED,
            text=text + (f"\n整改措施：{measures}" if measures else ""),
            unit=fresh.unit,
            actor=actor,
        )
        step.files.set(
            store_upload(
                actor=actor,
                upload=upload,
                name=name,
                allowed=DOCUMENT_TYPES | IMAGE_TYPES,
                max_bytes=ATTACHMENT_MAX_BYTES,
            )
            for upload, name in attachments
        )
        return _save(
            actor,
            fresh,
            "reply",
            before,
            ["status", "reply", "measures", "replied_at", "replied_by", "first_replied_on"],
        )


def accept(*, actor: User, complaint: Complaint, note: str = "", version: int | None) -> Complaint:
    """审核通过: the reply goes to the complainant (through the tracking link). Accepting twice changes nothing."""
    _office(actor, complaint)
    with transaction.atomic():
        fresh = _fresh(complaint, None)
        if fresh.status == Status.ANSWERED:
            return fresh
        if fresh.status != Status.REPLIED:
            raise DomainError("承办单位尚未答复，不能审核", code="not_replied", status=409)
        check_version(fresh, version)
        before = snapshot(fresh, AUDIT_FIELDS)
        fresh.status, fresh.answered_at = Status.ANSWERED, timezone.now()
        ComplaintStep.objects.create(
            complaint=fresh, kind=StepKind.ANSWERED, text=(note or "").strip()[:MAX_TEXT], actor=actor
        )
        return _save(actor, fresh, "accept", before, ["status", "answered_at"])


def send_back(
    *, actor: User, complaint: Complaint, reason: str, new_deadline: dt.date | None = None, version: int | None
) -> Complaint:
    """退回重办: the reply is not enough; the unit answers again (optionally by a new deadline)."""
    _office(actor, complaint)
    reason = _text(reason, label="退回原因", limit=MAX_TEXT, code="reason_required")
    if new_deadline is not None:
        _check_deadline(new_deadline)
    with transaction.atomic():
        fresh = _fresh(complaint, version)
        if fresh.status != Status.REPLIED:
            raise DomainError("只有待审核的答复才能退回", code="not_replied", status=409)
        before = snapshot(fresh, AUDIT_FIELDS)
        fresh.status = Status.ROUTED
        fields = ["status"]
        if new_deadline is not None and new_deadline != fresh.deadline:
            fresh.deadline, fresh.escalated_at = new_deadline, None
            fields += ["deadline", "escalated_at"]
        ComplaintStep.objects.create(complaint=fresh, kind=StepKind.RETURNED, text=reason, unit=fresh.unit, actor=actor)
        notify_units(
            [
                UnitNote(
                    fresh.unit_id,
                    f"答复被退回：{fresh.title}",
                    f"{fresh.number}：{reason[:100]}",
                    "complaints:detail",
                    f"complaint-returned:{fresh.pk}:{fresh.version}",
                    (fresh.pk,),
                )
            ],
            category=CATEGORY,
            roles=UNIT_ROLES,
            fallback_roles=HEAD_ROLES,
        )
        return _save(actor, fresh, "send_back", before, fields)


def close(*, actor: User, complaint: Complaint, note: str = "", version: int | None) -> Complaint:
    """办结 by the office: an answered item the complainant did not rate (or a duplicate never routed)."""
    _office(actor, complaint)
    note = _text(note, label="办结说明", limit=MAX_TEXT, code="note_required")
    with transaction.atomic():
        fresh = _fresh(complaint, None)
        if fresh.status == Status.CLOSED:
            return fresh
        if fresh.status not in (Status.ANSWERED, Status.RECEIVED):
            raise DomainError("只有已答复或待分办的件才能直接办结", code="not_closable", status=409)
        check_version(fresh, version)
        before = snapshot(fresh, AUDIT_FIELDS)
        fresh.status, fresh.closed_at = Status.CLOSED, timezone.now()
        ComplaintStep.objects.create(complaint=fresh, kind=StepKind.CLOSED, text=note, actor=actor)
        return _save(actor, fresh, "close", before, ["status", "closed_at"])


def rate(*, complaint: Complaint, rating: str, comment: str = "") -> Complaint:
    """群众评价 through the tracking link: 满意/基本满意 close the item; a first 不满意 sends it back to the same
    unit with a new deadline (once), a second one closes it as 不满意. One rating per answer."""
    if rating not in Rating.values:
        raise DomainError("请选择满意、基本满意或不满意", code="rating_invalid")
    comment = (comment or "").strip()
    if len(comment) > MAX_COMMENT:
        raise DomainError(f"评价意见不能超过 {MAX_COMMENT} 字", code="comment_too_long")
    if rating == Rating.DISSATISFIED and not comment:
        raise DomainError("选择“不满意”时请写明理由，便于重新办理", code="comment_required")
    with transaction.atomic():
        fresh = _fresh(complaint, None)
        if fresh.rating:
            raise DomainError("您已经评价过本次答复，不能重复评价", code="already_rated", status=409)
        if fresh.status != Status.ANSWERED:
            raise DomainError("答复尚未送达，暂不能评价", code="not_answered", status=409)
        before = snapshot(fresh, AUDIT_FIELDS)
        now = timezone.now()
        label = Rating(rating).label
        ComplaintStep.objects.create(
            complaint=fresh, kind=StepKind.RATED, text=f"{label}{'：' + comment if comment else ''}"
        )
        fields = ["rating", "rating_comment", "rated_at", "status"]
        if rating == Rating.DISSATISFIED and not fresh.reopened:
            # Reopened: the same unit answers again; the rating of the first answer stays in the steps.
            deadline = default_deadline(fresh.intake_unit)
            fresh.status, fresh.reopened, fresh.deadline, fresh.escalated_at = Status.ROUTED, True, deadline, None
            fresh.rating, fresh.rating_comment, fresh.rated_at = "", "", None
            ComplaintStep.objects.create(
                complaint=fresh,
                kind=StepKind.REOPENED,
                text=f"群众不满意，转{fresh.unit.name}重新办理，请于 {deadline:%Y-%m-%d} 前答复。",
                unit=fresh.unit,
            )
            fields += ["reopened", "deadline", "escalated_at"]
            notify_units(
                [
                    UnitNote(
                        fresh.unit_id,
                        f"群众不满意，请重新办理：{fresh.title}",
                        f"{fresh.number}：{comment[:100]}",
                        "complaints:detail",
                        f"complaint-reopened:{fresh.pk}",
                        (fresh.pk,),
                    ),
                    UnitNote(
                        fresh.intake_unit_id,
                        f"群众不满意，已重新办理：{fresh.title}",
                        f"{fresh.number}：{comment[:100]}",
                        "complaints:detail",
                        f"complaint-reopened-office:{fresh.pk}",
                        (fresh.pk,),
                    ),
                ],
                category=CATEGORY,
                roles=UNIT_ROLES,
            )
        else:
            fresh.rating, fresh.rating_comment, fresh.rated_at = rating, comment, now
            fresh.status, fresh.closed_at = Status.CLOSED, now
            fields.append("closed_at")
        return _save(None, fresh, "rate", before, fields)


def reveal_identity(*, actor: User, complaint: Complaint) -> tuple[str, str]:
    """The complainant's name and phone for the office; anyone else gets 404 and a denied-access event (committed
    even though the request fails). Every read is an access event."""
    allowed = can(actor, "complaint.identity", complaint.intake_unit)
    details = {"object_type": "complaints.complaint", "object_repr": complaint.number, "field": "identity"}
    with transaction.atomic():
        record_access(
            actor=actor,
            action="view_identity" if allowed else "view_identity_denied",
            obj=complaint,
            unit_path=complaint.unit.path,
            details=details,
        )
    if not allowed:
        raise DomainError("对象不存在或不在您的管理范围内", code="not_found", status=404)
    return complaint.name, complaint.phone


def _escalation_notes(items: Sequence[Complaint], today: dt.date) -> None:
    notes = [
        (
            c,
            f"群众诉求逾期未答复：{c.title}",
            f"{c.number}（{c.unit.name}），答复时限 {c.deadline:%m月%d日}，已逾期 {(today - c.deadline).days} 天，"  # type: ignore[operator]
            "请尽快答复。",
            f"complaint-overdue:{c.pk}:{c.deadline}",
        )
        for c in items
    ]
    notify_units(
        [UnitNote(c.unit_id, title, body, "complaints:detail", key, (c.pk,)) for c, title, body, key in notes],
        category=CATEGORY,
        roles=HEAD_ROLES,
        fallback_roles=UNIT_ROLES,
    )
    notify_units(
        [UnitNote(c.intake_unit_id, title, body, "complaints:detail", key, (c.pk,)) for c, title, body, key in notes],
        category=CATEGORY,
        roles=OFFICE_ROLES,
    )


def escalate_overdue(*, today: dt.date | None = None) -> int:
    """The daily job: items still unanswered after their deadline are escalated once per deadline (a step, an
    audit event, a message to the unit's head and to the office). Returns how many were escalated now."""
    today = today or timezone.localdate()
    now = timezone.now()
    with transaction.atomic():
        due = list(
            Complaint.objects.overdue(today)
            .filter(escalated_at__isnull=True)
            .select_for_update(of=("self",))
            .select_related("unit")
            .order_by("id")
        )
        if not due:
            return 0
        Complaint.objects.filter(pk__in=[c.pk for c in due]).update(escalated_at=now)
        ComplaintStep.objects.bulk_create(
            ComplaintStep(
                complaint=c,
                kind=StepKind.ESCALATED,
                text=f"超过答复时限 {(today - c.deadline).days} 天未答复，已提醒承办单位负责人并报办公室",  # type: ignore[operator]
                unit=c.unit,
                created_at=now,
            )
            for c in due
        )
        _escalation_notes(due, today)
        append(
            actor=None,
            entries=[
                Entry(
                    action="escalate",
                    obj=c,
                    unit_path=c.unit.path,
                    changes={"escalated_at": [None, now.isoformat()], "deadline": str(c.deadline)},
                )
                for c in due
            ],
        )
    return len(due)
