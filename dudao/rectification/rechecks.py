"""区县抽查复核: the district's decision on a 自查 close-out that the school verified itself and the draw picked
(`services.is_drawn_for_recheck`). Confirming ends it; reopening sends the item back to 整改中 with the reason
and reminds the owner through the ledger's reminders."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from dudao.accounts.models import User
from dudao.audit.services import record_change, snapshot
from dudao.core.errors import DomainError, Forbidden
from dudao.rectification import rules
from dudao.rectification.models import (
    ItemStatus,
    RecheckStatus,
    RectificationItem,
    Reminder,
    ReminderKind,
    Step,
    StepKind,
)
from dudao.rectification.services import _locked, _save

RECHECK_FIELDS = ["status", "progress", "owner", "recheck_status", "closed_by", "closed_at"]


def may_recheck(user: User, item: RectificationItem) -> bool:
    """Someone above the school with the verify permission (the district, the bureau, an inspector)."""
    return rules.verifies_from_above(user, item)


def _check(actor: User, item: RectificationItem) -> None:
    if not may_recheck(actor, item):
        raise Forbidden("只有区县或上级单位可以抽查复核")


def _check_pending(item: RectificationItem, what: str) -> None:
    if item.status != ItemStatus.CLOSED or item.recheck_status != RecheckStatus.PENDING:
        raise DomainError(f"该问题不在待复核状态，不能{what}", code="not_pending_recheck", status=409)


def confirm_recheck(*, actor: User, item: RectificationItem, text: str = "", version: int | None) -> RectificationItem:
    _check(actor, item)
    with transaction.atomic():
        item = _locked(item, version)
        _check(actor, item)
        _check_pending(item, "确认")
        before = snapshot(item, RECHECK_FIELDS)
        note = text.strip()[:500] or "复核属实，确认销号"
        item.recheck_status = RecheckStatus.CONFIRMED
        item.recheck_by, item.recheck_at, item.recheck_note = actor, timezone.now(), note
        _save(item, ["recheck_status", "recheck_by", "recheck_at", "recheck_note"])
        Step.objects.create(item=item, kind=StepKind.RECHECK_CONFIRMED, actor=actor, text=note)
        record_change(
            actor=actor,
            action="recheck_confirm",
            obj=item,
            unit_path=item.school.path,
            before=before,
            after={**snapshot(item, RECHECK_FIELDS), "note": note},
        )
    return item


def reopen_after_recheck(
    *, actor: User, item: RectificationItem, reason: str, version: int | None
) -> RectificationItem:
    """Not fixed after all: back to 整改中 (the close-out undone), the owner reminded."""
    _check(actor, item)
    reason = reason.strip()
    if not reason:
        raise DomainError("请写明复核退回的原因", code="reason_required")
    with transaction.atomic():
        item = _locked(item, version)
        _check(actor, item)
        _check_pending(item, "退回")
        before = snapshot(item, RECHECK_FIELDS)
        item.status = ItemStatus.IN_PROGRESS
        item.progress = min(item.progress, 90)
        item.closed_by = item.closed_at = None
        item.closeout_requested_by = item.closeout_requested_at = None
        item.recheck_status = RecheckStatus.REOPENED
        item.recheck_by, item.recheck_at, item.recheck_note = actor, timezone.now(), reason[:500]
        _save(
            item,
            [
                "status",
                "progress",
                "closed_by",
                "closed_at",
                "closeout_requested_by",
                "closeout_requested_at",
                "recheck_status",
                "recheck_by",
                "recheck_at",
                "recheck_note",
            ],
        )
        Step.objects.create(item=item, kind=StepKind.RECHECK_REOPENED, actor=actor, text=reason[:500])
        if item.owner_id is not None:
            # Once per item and person by the reminders' key: a second reopening shows the reminder as new again.
            Reminder.objects.update_or_create(
                item=item,
                kind=ReminderKind.REOPENED,
                recipient_id=item.owner_id,
                defaults={"created_at": timezone.now(), "read_at": None},
            )
        record_change(
            actor=actor,
            action="recheck_reopen",
            obj=item,
            unit_path=item.school.path,
            before=before,
            after={**snapshot(item, RECHECK_FIELDS), "reason": reason[:500]},
        )
    return item
