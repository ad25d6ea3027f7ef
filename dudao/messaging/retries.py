"""Failed pushes (推送失败): an administrator sends a delivery that failed on 企业微信/钉钉/SMS again, one at a time or
all failed ones in their subtree at once.

A retry starts the delivery afresh (attempts back to 0, so the usual backoff applies again) and hands it to the
background send job after the transaction commits. The address is looked up again first: the usual cure for a
failed push is that the person bound the right account since, and a push must never go to an account the person
has unbound. A push that can no longer reach anyone stays failed and says why.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from dudao.accounts.models import User
from dudao.audit.services import Entry, append, record_change
from dudao.core.errors import DomainError, Forbidden
from dudao.messaging import channels
from dudao.messaging.models import Channel, ChannelBinding, Delivery, DeliveryStatus
from dudao.orgs.scoping import acting_assignment, can
from dudao.orgs.text import mask_phone

# One click of 全部重试 starts at most this many (the rest stay listed for the next click).
RETRY_ALL_LIMIT = 5000
# Deliveries per send job (as the message service queues them).
JOB_SIZE = 200
WAITING = (DeliveryStatus.PENDING, DeliveryStatus.HELD, DeliveryStatus.RETRY, DeliveryStatus.SENDING)


@dataclass(frozen=True)
class RetryOutcome:
    retried: int
    # Failed pushes left as they were: the person has no account (or phone) on that channel any more, or the
    # channel is no longer configured.
    skipped: int


def _queue(ids: list[int]) -> None:
    from dudao.messaging.tasks import send_deliveries

    for start in range(0, len(ids), JOB_SIZE):
        send_deliveries(ids[start : start + JOB_SIZE])


def current_addresses(pairs: Iterable[tuple[int, str]]) -> dict[tuple[int, str], str]:
    """(user id, channel) → the account a push would go to now: a verified binding, or the phone for SMS."""
    pairs = set(pairs)
    users = {u for u, _ in pairs}
    found: dict[tuple[int, str], str] = {
        (user_id, ch): ext
        for user_id, ch, ext in ChannelBinding.objects.filter(user_id__in=users, verified_at__isnull=False).values_list(
            "user_id", "channel", "external_id"
        )
    }
    if any(ch == Channel.SMS for _, ch in pairs):
        for user_id, phone in User.objects.filter(pk__in=users).exclude(phone="").values_list("pk", "phone"):
            found[(user_id, Channel.SMS)] = phone
    return {pair: found[pair] for pair in pairs if pair in found}


def _shown(channel: str, address: str) -> str:
    return mask_phone(address) if channel == Channel.SMS else address


def _require_retry(actor: User) -> None:
    if not can(actor, "push.retry"):
        raise Forbidden("您当前的身份不能重试推送")


def retry_delivery(*, actor: User, delivery_id: int) -> Delivery:
    """Send one failed push again. A push already waiting or sent is left alone (a double click), a cancelled
    one (read in the app, account unbound) is refused."""
    _require_retry(actor)
    with transaction.atomic():
        row = (
            Delivery.objects.for_user(actor, "retry")
            .select_for_update(of=("self",))
            .select_related("message__recipient__unit")
            .filter(pk=delivery_id)
            .first()
        )
        if row is None:
            raise DomainError("推送记录不存在或不在您的管理范围内", code="push_not_found", status=404)
        if row.status in WAITING or row.status == DeliveryStatus.SENT:
            return row
        if row.status != DeliveryStatus.FAILED:
            raise DomainError(f"该推送{row.get_status_display()}（{row.last_error}），不能重试", code="push_not_failed")
        channel = Channel(row.channel)
        if channel not in channels.configured_channels():
            raise DomainError(f"本系统目前未配置{channel.label}，无法重试", code="channel_not_configured")
        recipient = row.message.recipient
        address = current_addresses([(recipient.pk, channel)]).get((recipient.pk, channel))
        if not address:
            missing = "未登记手机号" if channel == Channel.SMS else f"未绑定{channel.label}账号（或已解绑）"
            raise DomainError(
                f"{recipient.display_name}{missing}，无法重试；请其在“消息设置”中绑定后再试", code="push_no_address"
            )
        before = {
            "status": row.status,
            "attempts": row.attempts,
            "last_error": row.last_error,
            "address": _shown(channel, row.address),
        }
        row.status, row.attempts, row.last_error = DeliveryStatus.PENDING, 0, ""
        row.address, row.next_attempt_at = address, timezone.now()
        row.save(update_fields=["status", "attempts", "last_error", "address", "next_attempt_at"])
        unit = recipient.unit
        record_change(
            actor=actor,
            action="push_retry",
            obj=row,
            unit_path=unit.path if unit else "",
            before=before,
            after={"status": row.status, "attempts": 0, "last_error": "", "address": _shown(channel, address)},
        )
        pk = row.pk
        transaction.on_commit(lambda: _queue([pk]))
    return row


def retry_failed(*, actor: User, channel: str = "") -> RetryOutcome:
    """全部重试: every failed push in the actor's subtree (of one channel, if given), oldest first, at most
    RETRY_ALL_LIMIT; one audit event naming them. The sending itself runs in background jobs."""
    _require_retry(actor)
    if channel and channel not in Channel.values:
        raise DomainError("推送渠道不正确", code="unknown_channel")
    live = {c.value for c in channels.configured_channels()}
    with transaction.atomic():
        failed = Delivery.objects.for_user(actor, "retry").filter(status=DeliveryStatus.FAILED)
        if channel:
            failed = failed.filter(channel=channel)
        # No row locks (they would reach the people and units joined for the scope): each update below is
        # conditional on the push still having failed, so a concurrent retry or send is not undone.
        rows = list(
            failed.order_by("id").values_list("pk", "message__recipient_id", "channel", "address")[:RETRY_ALL_LIMIT]
        )
        if not rows:
            return RetryOutcome(0, 0)
        addresses = current_addresses((user_id, ch) for _, user_id, ch, _ in rows if ch in live)
        same: list[int] = []
        moved: list[tuple[int, str]] = []
        for pk, user_id, ch, address in rows:
            now_at = addresses.get((user_id, ch))
            if now_at is None:
                continue
            if now_at == address:
                same.append(pk)
            else:
                moved.append((pk, now_at))
        now = timezone.now()
        fresh = {"status": DeliveryStatus.PENDING, "attempts": 0, "last_error": "", "next_attempt_at": now}
        still_failed = Delivery.objects.filter(status=DeliveryStatus.FAILED)
        for start in range(0, len(same), 1000):
            still_failed.filter(pk__in=same[start : start + 1000]).update(**fresh)
        for pk, address in moved:  # rare: the person bound another account since
            still_failed.filter(pk=pk).update(address=address, **fresh)
        retried = sorted(same + [pk for pk, _ in moved])
        skipped = len(rows) - len(retried)
        if not retried:
            return RetryOutcome(0, skipped)
        assignment = acting_assignment(actor)
        append(
            actor=actor,
            entries=[
                Entry(
                    action="push_retry_all",
                    object_type="messaging.delivery",
                    object_repr=f"{len(retried)} 条发送失败的推送",
                    unit_path=assignment.unit.path if assignment else "",
                    changes={
                        "channel": Channel(channel).label if channel else "全部渠道",
                        "retried": len(retried),
                        "skipped": skipped,
                        "deliveries": retried,
                    },
                )
            ],
        )
        transaction.on_commit(lambda: _queue(retried))
    return RetryOutcome(len(retried), skipped)


__all__ = ["RETRY_ALL_LIMIT", "RetryOutcome", "current_addresses", "retry_delivery", "retry_failed"]
