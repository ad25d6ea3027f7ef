"""Reads of the message centre: a person sees only their own messages (another's message answers 404)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Case, Count, F, IntegerField, QuerySet, Value, When

from dudao.accounts.models import User
from dudao.messaging import channels
from dudao.messaging.models import Channel, ChannelBinding, Delivery, DeliveryStatus, Message
from dudao.orgs.roles import ADMIN_TRIAD
from dudao.orgs.scoping import acting_assignment
from dudao.orgs.text import mask_phone


def messages_for(user: User) -> QuerySet[Message]:
    return Message.objects.filter(recipient_id=user.pk)


def inbox(user: User, *, category: str = "", unread_only: bool = False) -> QuerySet[Message]:
    """Unread first (urgent ones at the top), then newest first."""
    qs = messages_for(user)
    if category:
        qs = qs.filter(category=category)
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    return qs.alias(
        read_rank=Case(When(read_at__isnull=True, then=Value(0)), default=Value(1), output_field=IntegerField())
    ).order_by("read_rank", "-urgent", "-created_at", "-id")


def unread_count(user: User) -> int:
    return Message.objects.filter(recipient_id=user.pk, read_at__isnull=True).count()


def bindings_of(user: User) -> dict[str, ChannelBinding]:
    return {b.channel: b for b in ChannelBinding.objects.filter(user=user)}


def attach_deliveries(messages: list[Message]) -> None:
    """`message.pushes`: the external pushes of the messages on one page, in one query."""
    found: dict[int, list[Delivery]] = {}
    for d in Delivery.objects.filter(message_id__in=[m.pk for m in messages]).order_by("channel"):
        found.setdefault(d.message_id, []).append(d)
    for m in messages:
        setattr(m, "pushes", found.get(m.pk, []))  # noqa: B010  (a page attribute, not a model field)


def configured_channels() -> list[Channel]:
    return channels.configured_channels()


# --- failed pushes (the administrators' page) -------------------------------------------------------------------


def pushes_for(user: User, action: str = "read") -> QuerySet[Delivery]:
    """Outside pushes to the people whose unit lies in the viewer's subtree (`push.read` / `push.retry`)."""
    return Delivery.objects.for_user(user, action)


def failed_pushes(user: User, *, channel: str = "") -> QuerySet[Delivery]:
    """Pushes that failed on an outside channel, to people whose unit lies in the viewer's subtree; the latest
    failure first."""
    qs = pushes_for(user).filter(status=DeliveryStatus.FAILED)
    if channel:
        qs = qs.filter(channel=channel)
    return qs.select_related("message__recipient__unit").order_by(F("last_attempt_at").desc(nulls_last=True), "-id")


def failed_counts(user: User) -> dict[str, int]:
    """Failed pushes per channel in the viewer's subtree (one GROUP BY)."""
    rows = (
        pushes_for(user).filter(status=DeliveryStatus.FAILED).values_list("channel").annotate(n=Count("id")).order_by()
    )
    return {str(channel): int(n) for channel, n in rows}


def may_read_titles(user: User) -> bool:
    """三员分立: the system administrator keeps the pushes working but reads no work data, so the failed-push
    list shows them the kind of message, not its title."""
    assignment = acting_assignment(user)
    return assignment is not None and assignment.role not in ADMIN_TRIAD


@dataclass(frozen=True)
class FailedPush:
    """One line of the failed-push page and API: who, where, which channel, why, how often, when."""

    id: int
    recipient: int
    recipient_name: str
    unit_name: str
    channel: str
    channel_name: str
    address: str
    category: str
    category_name: str
    title: str
    error: str
    attempts: int
    failed_at: dt.datetime | None
    message_at: dt.datetime


def failed_rows(deliveries: list[Delivery], *, titles: bool) -> list[FailedPush]:
    """Page rows: SMS numbers masked (an administrator needs to see that a number is there, not to read it), the
    message's title only for `titles`."""
    rows = []
    for d in deliveries:
        m = d.message
        person = m.recipient
        rows.append(
            FailedPush(
                id=d.pk,
                recipient=person.pk,
                recipient_name=person.display_name,
                unit_name=person.unit.name if person.unit else "",
                channel=d.channel,
                channel_name=d.get_channel_display(),
                address=mask_phone(d.address) if d.channel == Channel.SMS else d.address,
                category=m.category,
                category_name=m.get_category_display(),
                title=m.title if titles else "",
                error=d.last_error or "未知原因",
                attempts=d.attempts,
                failed_at=d.last_attempt_at,
                message_at=m.created_at,
            )
        )
    return rows
