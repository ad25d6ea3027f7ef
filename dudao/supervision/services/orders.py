"""督办单: issue to a unit below, sign, answer with what was done, close or send back; daily escalation."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import IO

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from dudao.accounts.models import User
from dudao.audit.services import Entry, append, record_change, snapshot
from dudao.core.errors import DomainError, Forbidden, check_version
from dudao.core.files import DOCUMENT_TYPES, IMAGE_TYPES, removed_on_failure, store_upload
from dudao.core.locking import bump, locked
from dudao.messaging.services import Note, UnitNote, notify_batch, notify_units
from dudao.orgs.models import OrgUnit, UnitKind
from dudao.orgs.scoping import acting_assignment, can
from dudao.supervision import sources
from dudao.supervision.models import (
    OPEN_STATUSES,
    OrderFact,
    OrderSeries,
    OrderStatus,
    OrderStep,
    StepKind,
    SupervisionOrder,
)

ISSUER_KINDS = (UnitKind.BUREAU, UnitKind.DISTRICT)
TARGET_KINDS = (UnitKind.DISTRICT, UnitKind.SCHOOL)
MAX_SUBJECT = 120
MAX_TEXT = 5000
MAX_DAYS_AHEAD = 366
MAX_ATTACHMENTS = 5
ATTACHMENT_MAX_BYTES = 20 * 1024 * 1024
# The closing sentence of an order's text (the pre-filled forms and the demo use it).
CLOSING_HINT = "请你单位于办结时限前查明原因、限期整改到位，并将办理情况（附佐证材料）书面反馈。"
# Who answers for the receiving unit (a district bureau or a school) and hears of its orders.
RECEIVER_ROLES = ("principal", "school_staff", "district_admin", "bureau_staff")
ORDER_FIELDS = ["year", "seq", "subject", "target", "deadline", "status", "response", "escalated_at"]


def _text(value: str, *, label: str, limit: int, code: str) -> str:
    text = (value or "").strip()
    if not text:
        raise DomainError(f"请填写{label}", code=code)
    if len(text) > limit:
        raise DomainError(f"{label}不能超过 {limit} 字", code=code)
    return text


def _check_deadline(deadline: dt.date | None) -> dt.date:
    today = timezone.localdate()
    if deadline is None:
        raise DomainError("请填写办结时限", code="deadline_required")
    if deadline < today:
        raise DomainError(f"办结时限（{deadline.isoformat()}）不能早于今天", code="deadline_in_past")
    if deadline > today + dt.timedelta(days=MAX_DAYS_AHEAD):
        raise DomainError("办结时限最长为一年", code="deadline_too_far")
    return deadline


def check_target(issuer: OrgUnit, target: OrgUnit) -> None:
    """A 督办单 goes to an open district bureau or school below the issuing unit."""
    if target.pk == issuer.pk or not target.path.startswith(issuer.path):
        raise DomainError(
            f"“{target.name}”不在{issuer.name}的管理范围内，不能向其下达督办单", code="target_outside_scope"
        )
    if target.kind not in TARGET_KINDS or target.is_closed:
        raise DomainError("督办单只能下达给在办的区县教育局或学校", code="target_kind")


def _next_number(issuer: OrgUnit, year: int) -> int:
    """The issuer's next yearly sequence number; the series row stays locked until the transaction ends."""
    OrderSeries.objects.get_or_create(issuer=issuer, year=year)
    series = OrderSeries.objects.select_for_update().get(issuer=issuer, year=year)
    series.last += 1
    series.save(update_fields=["last"])
    return series.last


def issue_order(
    *,
    actor: User,
    issuer: OrgUnit,
    target: OrgUnit,
    subject: str,
    body: str,
    deadline: dt.date | None,
    facts: Sequence[tuple[str, int]] = (),
    request_key: str = "",
) -> SupervisionOrder:
    """Issue a 督办单 from `issuer` (the actor's bureau or district bureau) to `target` below it, with facts linked
    from the modules (each found inside the actor's scope and belonging to the target's subtree).

    The same `request_key` twice (a double click, a resent form) returns the first order."""
    if not can(actor, "supervision.issue", issuer):
        raise Forbidden("您当前的身份不能以该单位名义下达督办单")
    key = (request_key or "").strip()[:64] or None
    if key is not None:
        existing = SupervisionOrder.objects.filter(request_key=key, issued_by=actor).first()
        if existing is not None:
            return existing
    if issuer.kind not in ISSUER_KINDS:
        raise DomainError("督办单须以教育局或区县教育局名义下达", code="issuer_kind")
    check_target(issuer, target)
    subject = _text(subject, label="督办事项", limit=MAX_SUBJECT, code="subject_required")
    body = _text(body, label="督办内容及要求", limit=MAX_TEXT, code="body_required")
    deadline = _check_deadline(deadline)
    linked = sources.resolve(actor, facts, kinds=sources.ORDER_KINDS)
    for fact in linked:
        if not fact.unit.path.startswith(target.path):
            raise DomainError(f"事实依据“{fact.label[:60]}”不属于{target.name}", code="fact_not_of_target")
    year = timezone.localdate().year
    try:
        with transaction.atomic():
            order = SupervisionOrder.objects.create(
                issuer=issuer,
                year=year,
                seq=_next_number(issuer, year),
                subject=subject,
                body=body,
                target=target,
                deadline=deadline,
                issued_by=actor,
                request_key=key,
            )
            OrderFact.objects.bulk_create(
                OrderFact(order=order, kind=f.kind, object_id=f.object_id, label=f.label, unit=f.unit) for f in linked
            )
            OrderStep.objects.create(order=order, kind=StepKind.ISSUED, text=body, actor=actor)
            notify_units(
                [
                    UnitNote(
                        target.pk,
                        f"督办单：{subject}",
                        f"{order.number}，{issuer.name}下达"
                        + (f"，请于 {deadline:%m月%d日} 前回复" if deadline else ""),
                        "supervision:detail",
                        f"supervision-issued:{order.pk}",
                        (order.pk,),
                    )
                ],
                category="supervision",
                roles=RECEIVER_ROLES,
            )
            record_change(
                actor=actor,
                action="create",
                obj=order,
                unit_path=target.path,
                after={
                    **snapshot(order, ORDER_FIELDS),
                    "issuer": issuer.pk,
                    "number": order.number,
                    "facts": [f"{f.kind}:{f.object_id}" for f in linked],
                },
            )
    except IntegrityError:
        # The same key sent twice at once: the other request created the order.
        existing = SupervisionOrder.objects.filter(request_key=key, issued_by=actor).first() if key else None
        if existing is None:
            raise
        return existing
    return order


def _receiving(actor: User, order: SupervisionOrder) -> None:
    """Signing and answering are done by the receiving unit itself, by a role that answers for it."""
    assignment = acting_assignment(actor)
    if assignment is None or assignment.unit_id != order.target_id or not can(actor, "supervision.respond"):
        raise Forbidden("只有承办单位才能签收和反馈督办单")


def _issuing(actor: User, order: SupervisionOrder) -> None:
    """Closing and sending back belong to the issuing unit (or a unit above it)."""
    if not can(actor, "supervision.issue", order.issuer):
        raise Forbidden("只有督办单位才能办结或退回督办单")


def _transition(
    actor: User, order: SupervisionOrder, action: str, before: dict[str, object], fields: list[str]
) -> SupervisionOrder:
    bump(order, fields)
    record_change(
        actor=actor,
        action=action,
        obj=order,
        unit_path=order.target.path,
        before=before,
        after=snapshot(order, ORDER_FIELDS),
    )
    return order


def sign_order(*, actor: User, order: SupervisionOrder, version: int | None) -> SupervisionOrder:
    """签收: the receiving unit has seen the order. Signing again changes nothing."""
    _receiving(actor, order)
    with transaction.atomic():
        fresh = locked(SupervisionOrder.objects.select_related("target"), order.pk, None)
        if fresh.status != OrderStatus.ISSUED:
            return fresh
        check_version(fresh, version)
        before = snapshot(fresh, ORDER_FIELDS)
        fresh.status = OrderStatus.SIGNED
        fresh.signed_by, fresh.signed_at = actor, timezone.now()
        OrderStep.objects.create(order=fresh, kind=StepKind.SIGNED, actor=actor)
        return _transition(actor, fresh, "sign", before, ["status", "signed_by", "signed_at"])


def respond_order(
    *,
    actor: User,
    order: SupervisionOrder,
    text: str,
    attachments: Sequence[tuple[IO[bytes], str]] = (),
    version: int | None,
) -> SupervisionOrder:
    """反馈: the receiving unit reports what it did (signing the order if it had not); the issuer then closes it or
    sends it back. The same answer sent twice is kept once."""
    _receiving(actor, order)
    text = _text(text, label="办理情况", limit=MAX_TEXT, code="response_required")
    if len(attachments) > MAX_ATTACHMENTS:
        raise DomainError(f"附件最多 {MAX_ATTACHMENTS} 个", code="too_many_attachments")
    # A refused attachment rolls the answer back and deletes the files already stored.
    with removed_on_failure(), transaction.atomic():
        fresh = locked(SupervisionOrder.objects.select_related("target"), order.pk, None)
        if fresh.status == OrderStatus.RESPONDED and fresh.response == text:
            return fresh
        if fresh.status not in OPEN_STATUSES:
            raise DomainError(f"督办单{fresh.get_status_display()}，不能再反馈", code="order_not_open", status=409)
        check_version(fresh, version)
        before = snapshot(fresh, ORDER_FIELDS)
        now = timezone.now()
        if fresh.signed_at is None:
            fresh.signed_by, fresh.signed_at = actor, now
        fresh.status = OrderStatus.RESPONDED
        fresh.response, fresh.responded_by, fresh.responded_at = text, actor, now
        step = OrderStep.objects.create(order=fresh, kind=StepKind.RESPONDED, text=text, actor=actor)
        stored = [
            store_upload(
                actor=actor,
                upload=upload,
                name=name,
                allowed=DOCUMENT_TYPES | IMAGE_TYPES,
                max_bytes=ATTACHMENT_MAX_BYTES,
            )
            for upload, name in attachments
        ]
        step.files.set(stored)
        return _transition(
            actor,
            fresh,
            "respond",
            before,
            ["status", "signed_by", "signed_at", "response", "responded_by", "responded_at"],
        )


def close_order(*, actor: User, order: SupervisionOrder, text: str = "", version: int | None) -> SupervisionOrder:
    """办结: the issuer accepts the answer. Closing a closed order changes nothing."""
    _issuing(actor, order)
    with transaction.atomic():
        fresh = locked(SupervisionOrder.objects.select_related("target"), order.pk, None)
        if fresh.status == OrderStatus.CLOSED:
            return fresh
        if fresh.status != OrderStatus.RESPONDED:
            raise DomainError("承办单位尚未反馈办理情况，不能办结", code="order_not_responded", status=409)
        check_version(fresh, version)
        before = snapshot(fresh, ORDER_FIELDS)
        fresh.status = OrderStatus.CLOSED
        fresh.closed_by, fresh.closed_at = actor, timezone.now()
        OrderStep.objects.create(order=fresh, kind=StepKind.CLOSED, text=(text or "").strip()[:MAX_TEXT], actor=actor)
        return _transition(actor, fresh, "close", before, ["status", "closed_by", "closed_at"])


def return_order(
    *,
    actor: User,
    order: SupervisionOrder,
    reason: str,
    new_deadline: dt.date | None = None,
    version: int | None,
) -> SupervisionOrder:
    """退回重办: the answer is not enough; the order is open again (signed), optionally with a new deadline."""
    _issuing(actor, order)
    reason = _text(reason, label="退回原因", limit=MAX_TEXT, code="reason_required")
    if new_deadline is not None:
        _check_deadline(new_deadline)
    with transaction.atomic():
        fresh = locked(SupervisionOrder.objects.select_related("target"), order.pk, version)
        if fresh.status != OrderStatus.RESPONDED:
            raise DomainError("只有已反馈的督办单才能退回", code="order_not_responded", status=409)
        before = snapshot(fresh, ORDER_FIELDS)
        fresh.status = OrderStatus.SIGNED
        fields = ["status"]
        if new_deadline is not None and new_deadline != fresh.deadline:
            fresh.deadline = new_deadline
            fresh.escalated_at = None
            fields += ["deadline", "escalated_at"]
        OrderStep.objects.create(order=fresh, kind=StepKind.RETURNED, text=reason, actor=actor)
        return _transition(actor, fresh, "return", before, fields)


def _overdue_notes(orders: Sequence[SupervisionOrder], today: dt.date) -> None:
    """催办: the receiving unit's heads and the person who signed the order hear it is overdue (once per deadline)."""
    notes = [
        (
            o,
            f"督办单已逾期：{o.subject}",
            f"{o.number}，办结时限 {o.deadline:%m月%d日}，已逾期 {(today - o.deadline).days} 天，请尽快反馈办理情况。",
            f"supervision-overdue:{o.pk}:{o.deadline}",
        )
        for o in orders
    ]
    notify_units(
        [UnitNote(o.target_id, title, body, "supervision:detail", key, (o.pk,)) for o, title, body, key in notes],
        category="supervision",
        roles=RECEIVER_ROLES,
    )
    notify_batch(
        [
            Note(o.signed_by_id, title, body, "supervision:detail", key, (o.pk,))
            for o, title, body, key in notes
            if o.signed_by_id is not None
        ],
        category="supervision",
    )


def _escalation_notes(orders: Sequence[SupervisionOrder], today: dt.date) -> None:
    """上报: the leaders of the issuing unit and the person who issued the order."""
    notes = [
        (
            o,
            f"督办单逾期上报：{o.target.name}未反馈",
            f"{o.number}“{o.subject}”办结时限 {o.deadline:%m月%d日}，已逾期 {(today - o.deadline).days} 天仍未反馈，"
            "请督促或采取约谈、通报等措施。",
            f"supervision-escalated:{o.pk}:{o.deadline}",
        )
        for o in orders
    ]
    notify_units(
        [UnitNote(o.issuer_id, title, body, "supervision:detail", key, (o.pk,)) for o, title, body, key in notes],
        category="supervision",
        roles=("bureau_leader",),
    )
    notify_batch(
        [Note(o.issued_by_id, title, body, "supervision:detail", key, (o.pk,)) for o, title, body, key in notes],
        category="supervision",
    )


def escalate_overdue(*, today: dt.date | None = None) -> int:
    """The daily job for orders still unanswered after their deadline. From the first day: 催办 to the receiving
    unit (a message once per deadline). After DUDAO_SUPERVISION_ESCALATE_DAYS days: escalated once (a step and an
    audit event; the issuing unit's head and the receiving unit's parent see it on their home page) and the issuing
    leader is told. Returns how many orders were newly escalated; reruns send and mark nothing twice."""
    today = today or timezone.localdate()
    now = timezone.now()
    after = dt.timedelta(days=max(int(settings.DUDAO_SUPERVISION_ESCALATE_DAYS), 1))
    with transaction.atomic():
        overdue = list(SupervisionOrder.objects.overdue(today).select_related("target").order_by("id"))
        _overdue_notes(overdue, today)
        due = list(
            SupervisionOrder.objects.overdue(today)
            .filter(escalated_at__isnull=True, deadline__lte=today - after)
            .select_for_update(of=("self",))
            .select_related("target")
            .order_by("id")
        )
        if not due:
            return 0
        SupervisionOrder.objects.filter(pk__in=[o.pk for o in due]).update(escalated_at=now)
        OrderStep.objects.bulk_create(
            OrderStep(
                order=o,
                kind=StepKind.ESCALATED,
                text=f"超过办结时限 {(today - o.deadline).days} 天未反馈，已上报",
                actor=None,
                created_at=now,
            )
            for o in due
        )
        _escalation_notes(due, today)
        append(
            actor=None,
            entries=[
                Entry(
                    action="escalate",
                    obj=o,
                    unit_path=o.target.path,
                    changes={"escalated_at": [None, now.isoformat()], "deadline": o.deadline.isoformat()},
                )
                for o in due
            ],
        )
    return len(due)
