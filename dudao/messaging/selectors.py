"""Reads of the message centre: a person sees only their own messages (another's message answers 404)."""

from __future__ import annotations

from django.db.models import Case, IntegerField, QuerySet, Value, When

from dudao.accounts.models import User
from dudao.messaging import channels
from dudao.messaging.models import Channel, ChannelBinding, Delivery, Message


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
