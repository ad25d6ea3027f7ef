"""消息中心 API: the caller's own messages (unread first), marking read, the unread count, and message settings.
Another person's message answers 404, like anything outside one's scope."""

from __future__ import annotations

import datetime as dt

from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema

from dudao.accounts.requests import AuthedRequest
from dudao.api.auth import require
from dudao.api.schemas import Id, Paged, PageParams
from dudao.core.pagination import paginate
from dudao.messaging import retries, selectors, services
from dudao.messaging.models import Category, Channel, Message

router = Router(tags=["消息中心"])


class DeliveryOut(Schema):
    channel: str
    channel_name: str
    status: str
    status_name: str
    attempts: int
    next_attempt_at: dt.datetime
    last_error: str
    sent_at: dt.datetime | None


class MessageOut(Schema):
    id: int
    category: str
    category_name: str
    title: str
    body: str
    url: str
    urgent: bool
    created_at: dt.datetime
    read_at: dt.datetime | None
    deliveries: list[DeliveryOut]


def _message_out(m: Message) -> MessageOut:
    return MessageOut(
        id=m.pk,
        category=m.category,
        category_name=m.get_category_display(),
        title=m.title,
        body=m.body,
        url=m.url,
        urgent=m.urgent,
        created_at=m.created_at,
        read_at=m.read_at,
        deliveries=[
            DeliveryOut(
                channel=d.channel,
                channel_name=d.get_channel_display(),
                status=d.status,
                status_name=d.get_status_display(),
                attempts=d.attempts,
                next_attempt_at=d.next_attempt_at,
                last_error=d.last_error,
                sent_at=d.sent_at,
            )
            for d in getattr(m, "pushes", [])
        ],
    )


@router.get("/messages", response=Paged[MessageOut])
def list_messages(
    request: AuthedRequest, paging: Query[PageParams], category: Category | None = None, unread: bool = False
) -> dict[str, object]:
    """The caller's messages: unread first, then newest first; `unread=true` for unread ones only."""
    qs = selectors.inbox(request.user, category=category.value if category else "", unread_only=unread)
    page = paginate(qs, page=paging.page, page_size=paging.page_size)
    selectors.attach_deliveries(page.items)
    return {"items": [_message_out(m) for m in page.items], "count": page.count}


class UnreadOut(Schema):
    unread: int


@router.get("/messages/unread-count", response=UnreadOut)
def unread_count(request: AuthedRequest) -> UnreadOut:
    return UnreadOut(unread=selectors.unread_count(request.user))


class ReadAllIn(Schema):
    category: Category | None = None


class CountOut(Schema):
    count: int


@router.post("/messages/read-all", response=CountOut)
def read_all(request: AuthedRequest, payload: ReadAllIn | None = None) -> CountOut:
    """Marks every unread message (of `category`, if given) read; returns how many changed."""
    category = payload.category.value if payload and payload.category else None
    return CountOut(count=services.mark_all_read(actor=request.user, category=category))


@router.post("/messages/{message_id}/read", response=MessageOut)
def read_message(request: AuthedRequest, message_id: Id) -> MessageOut:
    """Idempotent: a message read again keeps its first reading time."""
    message = get_object_or_404(selectors.messages_for(request.user), pk=message_id)
    services.mark_read(actor=request.user, message=message)
    selectors.attach_deliveries([message])
    return _message_out(message)


class PreferencesOut(Schema):
    channels: dict[str, list[str]]
    available_channels: list[str]
    quiet_enabled: bool
    quiet_start: dt.time
    quiet_end: dt.time
    version: int


class PreferencesIn(Schema):
    channels: dict[Category, list[Channel]]
    quiet_enabled: bool = True
    quiet_start: dt.time
    quiet_end: dt.time
    version: int | None = None


def _preferences_out(prefs: services.Preferences) -> PreferencesOut:
    return PreferencesOut(
        channels={k: sorted(v) for k, v in prefs.channels.items()},
        available_channels=[c.value for c in selectors.configured_channels()],
        quiet_enabled=prefs.quiet_enabled,
        quiet_start=prefs.quiet_start,
        quiet_end=prefs.quiet_end,
        version=prefs.version,
    )


@router.get("/messages/preferences", response=PreferencesOut)
def get_preferences(request: AuthedRequest) -> PreferencesOut:
    """Channels per category (`wecom`, `dingtalk`, `sms`; the message centre always), quiet hours (local time)."""
    return _preferences_out(services.preferences_of(request.user))


@router.put("/messages/preferences", response=PreferencesOut)
def put_preferences(request: AuthedRequest, payload: PreferencesIn) -> PreferencesOut:
    """Replace the settings; send the `version` you read (0 before the first save) or get 409 after another edit."""
    services.save_preferences(
        actor=request.user,
        channels_by_category={k.value: [c.value for c in v] for k, v in payload.channels.items()},
        quiet_enabled=payload.quiet_enabled,
        quiet_start=payload.quiet_start,
        quiet_end=payload.quiet_end,
        version=payload.version,
    )
    return _preferences_out(services.preferences_of(request.user))


# --- failed pushes (administrators) ------------------------------------------------------------------------------


class FailedPushOut(Schema):
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


def _failed_out(row: selectors.FailedPush) -> FailedPushOut:
    return FailedPushOut(**row.__dict__)


@router.get("/failed-pushes", response=Paged[FailedPushOut])
def list_failed_pushes(
    request: AuthedRequest, paging: Query[PageParams], channel: Channel | None = None
) -> dict[str, object]:
    """Pushes to the people of the caller's subtree that failed on 企业微信/钉钉/SMS, latest failure first. SMS
    numbers are masked; the system administrator gets the category without the message's title."""
    require(request, "push.read")
    qs = selectors.failed_pushes(request.user, channel=channel.value if channel else "")
    page = paginate(qs, page=paging.page, page_size=paging.page_size)
    rows = selectors.failed_rows(page.items, titles=selectors.may_read_titles(request.user))
    return {"items": [_failed_out(r) for r in rows], "count": page.count}


class RetriedOut(Schema):
    id: int
    status: str
    status_name: str
    channel: str
    address: str


@router.post("/failed-pushes/{delivery_id}/retry", response=RetriedOut)
def retry_failed_push(request: AuthedRequest, delivery_id: Id) -> RetriedOut:
    """Send one failed push again, to the account the person has bound now. Retrying a push already waiting or
    sent changes nothing; a push that can reach nobody answers 400 with the reason."""
    require(request, "push.retry")
    get_object_or_404(selectors.pushes_for(request.user, "retry"), pk=delivery_id)
    row = retries.retry_delivery(actor=request.user, delivery_id=delivery_id)
    row.refresh_from_db()
    [shown] = selectors.failed_rows([row], titles=False)
    return RetriedOut(
        id=row.pk, status=row.status, status_name=row.get_status_display(), channel=row.channel, address=shown.address
    )


class RetryAllIn(Schema):
    channel: Channel | None = None


class RetryAllOut(Schema):
    retried: int
    skipped: int


@router.post("/failed-pushes/retry-all", response=RetryAllOut)
def retry_all_failed_pushes(request: AuthedRequest, payload: RetryAllIn | None = None) -> RetryAllOut:
    """Every failed push of the caller's subtree (of `channel`, if given; at most 5,000 a call) goes to the
    background send job again; `skipped`: those that can reach nobody now (no bound account, no phone)."""
    require(request, "push.retry")
    channel = payload.channel.value if payload and payload.channel else ""
    outcome = retries.retry_failed(actor=request.user, channel=channel)
    return RetryAllOut(retried=outcome.retried, skipped=outcome.skipped)
