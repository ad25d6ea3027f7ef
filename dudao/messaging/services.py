"""Messages to staff: `notify` and friends (called by every domain app's reminders and escalations), reading,
preferences and account bindings, and the send job for the external channels.

A message always lands in the person's message centre (in-app). Each external channel the deployment has configured
(`channels.configured_channels`) and the person has chosen for the category, with a verified account (or a phone for
SMS), gets one `Delivery` row; the send job works them off outside the web request, with retries and backoff.
During the person's quiet hours a delivery waits (status 免打扰暂缓) until they end, unless the category is urgent.

Messages and reads are personal state written by jobs in bulk, like parents' receipts: they leave no audit event
(one per reminder would queue every job on the chain lock). Preferences and bindings are audited.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import hmac
import secrets
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from dudao.accounts.models import User
from dudao.audit.services import record_change
from dudao.core.errors import DomainError, StaleEditError
from dudao.core.locking import bump, locked
from dudao.messaging import channels
from dudao.messaging.models import (
    DEFAULT_QUIET_END,
    DEFAULT_QUIET_START,
    OPEN_DELIVERY_STATUSES,
    URGENT_CATEGORIES,
    Category,
    Channel,
    ChannelBinding,
    Delivery,
    DeliveryStatus,
    Message,
    Preference,
)
from dudao.orgs.models import OrgUnit, RoleAssignment

# Minutes to wait after the 1st, 2nd … failed attempt; after the last one the delivery is given up.
BACKOFF_MINUTES = (1, 5, 15, 60)
# A claimed delivery whose worker died is picked up again after this long.
SENDING_LEASE = dt.timedelta(minutes=10)
CODE_LIFETIME = dt.timedelta(minutes=10)
CODE_MAX_TRIES = 5
BOUND_CHANNELS = (Channel.WECOM, Channel.DINGTALK)
# Without a saved choice: work-app pushes for everything, SMS (it costs money) only for the urgent categories.
DEFAULT_CHANNELS: dict[str, tuple[str, ...]] = {
    c.value: (Channel.WECOM, Channel.DINGTALK, Channel.SMS)
    if c in URGENT_CATEGORIES
    else (Channel.WECOM, Channel.DINGTALK)
    for c in Category
}


@dataclass(frozen=True)
class Note:
    """One message for one person (`notify_batch`). `url` is a path or a URL name ("rectification:item") reversed
    with `url_args`, so a calling service needs no import of its own for the link."""

    recipient_id: int
    title: str
    body: str = ""
    url: str = ""
    dedupe_key: str = ""
    url_args: tuple[int | str, ...] = ()


@dataclass(frozen=True)
class UnitNote:
    """One message for the people answering for a unit (`notify_units`)."""

    unit_id: int
    title: str
    body: str = ""
    url: str = ""
    dedupe_key: str = ""
    url_args: tuple[int | str, ...] = ()


# Stand-ins for integer arguments: a URL name is reversed once per number of arguments and the ids are put in its
# place (Django's reverse costs ~0.3 ms; a city's reminder job links thousands of items).
_STAND_IN = 987_654_320


@functools.lru_cache(maxsize=256)
def _url_template(name: str, arity: int) -> str:
    return reverse(name, args=[_STAND_IN + i for i in range(arity)])


def resolve_url(url: str, args: Sequence[int | str] = ()) -> str:
    """A path stays as it is; a URL name is reversed (an unknown one leaves the message without a link)."""
    if not url or url.startswith("/") or "://" in url:
        return url
    try:
        if all(isinstance(a, int) for a in args):
            path = _url_template(url, len(args))
            for i, arg in enumerate(args):
                path = path.replace(str(_STAND_IN + i), str(arg))
            return path
        return reverse(url, args=list(args))
    except NoReverseMatch:
        return ""


@dataclass(frozen=True)
class Preferences:
    channels: dict[str, frozenset[str]]
    quiet_enabled: bool = True
    quiet_start: dt.time = DEFAULT_QUIET_START
    quiet_end: dt.time = DEFAULT_QUIET_END
    version: int = 0
    saved: bool = False

    def wants(self, category: str, channel: str) -> bool:
        return channel in self.channels.get(category, frozenset())


def default_preferences() -> Preferences:
    return Preferences(channels={k: frozenset(v) for k, v in DEFAULT_CHANNELS.items()})


def _from_row(row: Preference) -> Preferences:
    chosen = {
        c.value: frozenset(str(x) for x in row.channels.get(c.value, DEFAULT_CHANNELS[c.value]) if x in Channel.values)
        for c in Category
    }
    return Preferences(
        channels=chosen,
        quiet_enabled=row.quiet_enabled,
        quiet_start=row.quiet_start,
        quiet_end=row.quiet_end,
        version=row.version,
        saved=True,
    )


def preferences_of(user: User) -> Preferences:
    row = Preference.objects.filter(user=user).first()
    return _from_row(row) if row else default_preferences()


def quiet_until(prefs: Preferences, now: dt.datetime) -> dt.datetime | None:
    """When the quiet hours that `now` falls in end (local time), or None outside them."""
    if not prefs.quiet_enabled or prefs.quiet_start == prefs.quiet_end:
        return None
    local = timezone.localtime(now)
    t, start, end = local.time(), prefs.quiet_start, prefs.quiet_end
    inside = start <= t < end if start < end else (t >= start or t < end)
    if not inside:
        return None
    day = local.date() if t < end else local.date() + dt.timedelta(days=1)
    return dt.datetime.combine(day, end, tzinfo=local.tzinfo)


# --- sending -----------------------------------------------------------------------------------------------------


def notify(
    recipients: Iterable[User | int],
    *,
    category: str,
    title: str,
    body: str = "",
    url: str = "",
    urgent: bool = False,
    dedupe_key: str = "",
    url_args: tuple[int | str, ...] = (),
    now: dt.datetime | None = None,
) -> int:
    """One message to each recipient (a user or a user id); returns how many messages are new. The same
    `dedupe_key` reaches a person once, however often it is sent."""
    ids = {r if isinstance(r, int) else r.pk for r in recipients}
    return notify_batch(
        [Note(i, title, body, url, dedupe_key, url_args) for i in sorted(ids)],
        category=category,
        urgent=urgent,
        now=now,
    )


def notify_units(
    notes: Iterable[UnitNote],
    *,
    category: str,
    roles: Sequence[str],
    fallback_roles: Sequence[str] = (),
    upwards: bool = False,
    urgent: bool = False,
    now: dt.datetime | None = None,
) -> int:
    """Messages addressed to units, delivered to the active holders of `roles` at each unit (and, with `upwards`,
    at the units above it: a district's health officer hears of a school's alert). A unit where nobody holds
    `roles` gets the message through the holders of `fallback_roles` (a small school without an office clerk:
    the principal fills in its reports). Two queries however many units."""
    notes = list(notes)
    if not notes:
        return 0
    paths = dict(OrgUnit.objects.filter(pk__in={n.unit_id for n in notes}).values_list("pk", "path"))
    steplen = OrgUnit.steplen
    wanted: set[str] = set()
    for path in paths.values():
        wanted |= {path[:i] for i in range(steplen, len(path) + 1, steplen)} if upwards else {path}
    holders: dict[str, set[int]] = {}
    standby: dict[str, set[int]] = {}
    for role, path, user_id in RoleAssignment.objects.filter(
        role__in={*roles, *fallback_roles}, unit__path__in=wanted, user__is_active=True
    ).values_list("role", "unit__path", "user_id"):
        if role in roles:
            holders.setdefault(path, set()).add(user_id)
        if role in fallback_roles:
            standby.setdefault(path, set()).add(user_id)
    personal: list[Note] = []
    for note in notes:
        path = paths.get(note.unit_id)
        if path is None:
            continue
        scope = [path[:i] for i in range(steplen, len(path) + 1, steplen)] if upwards else [path]
        people = set().union(*(holders.get(p, set()) for p in scope))
        if not people and fallback_roles:
            people = set().union(*(standby.get(p, set()) for p in scope))
        url = resolve_url(note.url, note.url_args)
        personal += [Note(u, note.title, note.body, url, note.dedupe_key) for u in sorted(people)]
    return notify_batch(personal, category=category, urgent=urgent, now=now)


def notify_batch(notes: Iterable[Note], *, category: str, urgent: bool = False, now: dt.datetime | None = None) -> int:
    """Messages for many people at once (a job's reminders): bulk inserts, one query per 500 for the dedupe keys,
    deliveries queued after the transaction commits. Returns how many messages are new. `now`: the job's clock
    (quiet hours are judged by it)."""
    if category not in Category.values:
        raise ValueError(f"unknown message category {category!r}")
    urgent = urgent or category in URGENT_CATEGORIES
    unique: dict[tuple[int, str], Note] = {}
    links: dict[tuple[str, tuple[int | str, ...]], str] = {}
    for note in notes:
        if note.url_args or (note.url and not note.url.startswith("/")):
            link = (note.url, note.url_args)
            if link not in links:
                links[link] = resolve_url(*link)
            note = Note(note.recipient_id, note.title, note.body, links[link], note.dedupe_key)
        key = (note.dedupe_key or uuid.uuid4().hex)[:120]
        unique.setdefault((note.recipient_id, key), note)
    if not unique:
        return 0
    stamp = now or timezone.now()
    with transaction.atomic():
        existing = {(recipient, key) for rows in _matching(list(unique)) for _, recipient, key in rows}
        fresh = [
            Message(
                recipient_id=recipient,
                category=category,
                title=note.title[:200],
                body=note.body[:4000],
                url=note.url[:500],
                urgent=urgent,
                dedupe_key=key,
                created_at=stamp,
            )
            for (recipient, key), note in unique.items()
            if (recipient, key) not in existing
        ]
        if not fresh:
            return 0
        Message.objects.bulk_create(fresh, batch_size=1000, ignore_conflicts=True)
        # ignore_conflicts leaves the primary keys unset: read back the pairs this batch wrote.
        created = [
            (pk, recipient)
            for rows in _matching([(m.recipient_id, m.dedupe_key) for m in fresh])
            for pk, recipient, _ in rows
        ]
        due: list[int] = []
        for start in range(0, len(created), 2000):  # keeps every IN list far below the databases' parameter limits
            due += _plan_deliveries(created[start : start + 2000], category=category, urgent=urgent, now=stamp)
        if due:
            transaction.on_commit(lambda: _queue(due))
    return len(created)


def _matching(pairs: list[tuple[int, str]]) -> Iterator[list[tuple[int, int, str]]]:
    """(pk, recipient, key) of the messages with these (recipient, dedupe key) pairs: 500 keys a query, each one
    range of the unique index (key, recipient); pairs not asked for are dropped here. (Filtering on recipients too
    would make the database try every recipient with every key.)"""
    wanted = set(pairs)
    keys = sorted({key for _, key in pairs})
    for start in range(0, len(keys), 500):
        rows = Message.objects.filter(dedupe_key__in=keys[start : start + 500])
        yield [row for row in rows.values_list("pk", "recipient_id", "dedupe_key") if (row[1], row[2]) in wanted]


def _queue(ids: list[int]) -> None:
    from dudao.messaging.tasks import send_deliveries

    for start in range(0, len(ids), 200):
        send_deliveries(ids[start : start + 200])


def _plan_deliveries(messages: list[tuple[int, int]], *, category: str, urgent: bool, now: dt.datetime) -> list[int]:
    """A delivery per message and external channel the person wants and can be reached on; returns the ids that
    may go at once (the others wait for the end of quiet hours)."""
    live = channels.configured_channels()
    if not live or not messages:
        return []
    people = {r for _, r in messages}
    rows = {p.user_id: _from_row(p) for p in Preference.objects.filter(user_id__in=people)}
    addresses: dict[tuple[int, str], str] = {
        (user_id, ch): ext
        for user_id, ch, ext in ChannelBinding.objects.filter(
            user_id__in=people, channel__in=live, verified_at__isnull=False
        ).values_list("user_id", "channel", "external_id")
    }
    if Channel.SMS in live:
        for user_id, phone in User.objects.filter(pk__in=people).exclude(phone="").values_list("pk", "phone"):
            addresses[(user_id, Channel.SMS)] = phone
    plan: list[Delivery] = []
    default = default_preferences()
    for message_id, user_id in messages:
        prefs = rows.get(user_id, default)
        hold = None if urgent else quiet_until(prefs, now)
        for ch in live:
            address = addresses.get((user_id, ch))
            if address and prefs.wants(category, ch):
                plan.append(
                    Delivery(
                        message_id=message_id,
                        channel=ch,
                        address=address,
                        status=DeliveryStatus.HELD if hold else DeliveryStatus.PENDING,
                        next_attempt_at=hold or now,
                    )
                )
    Delivery.objects.bulk_create(plan, batch_size=1000, ignore_conflicts=True)
    return list(
        Delivery.objects.filter(
            message_id__in=[m for m, _ in messages], status=DeliveryStatus.PENDING, next_attempt_at__lte=now
        ).values_list("pk", flat=True)
    )


def due_deliveries(now: dt.datetime | None = None, *, limit: int = 500) -> list[int]:
    """Deliveries whose time has come: new, held past quiet hours, waiting to retry, or claimed by a worker that
    died (its lease ran out)."""
    now = now or timezone.now()
    return list(
        Delivery.objects.filter(status__in=(*OPEN_DELIVERY_STATUSES, DeliveryStatus.SENDING), next_attempt_at__lte=now)
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )


def attempt_delivery(delivery_id: int, *, now: dt.datetime | None = None) -> str:
    """Send one delivery if it is due and no other worker has claimed it; returns its status afterwards.

    The claim is one conditional UPDATE (status and attempts unchanged since read), so two workers never send the
    same row; the network call runs outside any transaction."""
    now = now or timezone.now()
    row = Delivery.objects.select_related("message").filter(pk=delivery_id).first()
    if row is None:
        return ""
    if row.status not in (*OPEN_DELIVERY_STATUSES, DeliveryStatus.SENDING) or row.next_attempt_at > now:
        return str(row.status)
    if row.message.read_at is not None and not row.message.urgent:
        # Read in the app while it waited: a push now would only disturb.
        Delivery.objects.filter(pk=row.pk, status=row.status).update(
            status=DeliveryStatus.CANCELLED, last_error="已在消息中心阅读，无需再推送"
        )
        return DeliveryStatus.CANCELLED
    claimed = Delivery.objects.filter(pk=row.pk, status=row.status, attempts=row.attempts).update(
        status=DeliveryStatus.SENDING,
        attempts=F("attempts") + 1,
        next_attempt_at=now + SENDING_LEASE,
        last_attempt_at=now,
    )
    if not claimed:
        return DeliveryStatus.SENDING
    attempts = row.attempts + 1
    message = row.message
    outcome = channels.adapter(row.channel).send(
        address=row.address, title=message.title, body=message.body, url=message.url
    )
    done = timezone.now()
    if outcome.ok:
        Delivery.objects.filter(pk=row.pk).update(
            status=DeliveryStatus.SENT, sent_at=done, external_id=outcome.external_id, last_error=""
        )
        return DeliveryStatus.SENT
    max_attempts = int(settings.DUDAO_MESSAGING_MAX_ATTEMPTS)
    if outcome.permanent or attempts >= max_attempts:
        error = outcome.error if outcome.permanent else f"{outcome.error}（已尝试 {attempts} 次，不再重试）"
        Delivery.objects.filter(pk=row.pk).update(status=DeliveryStatus.FAILED, last_error=error[:300])
        return DeliveryStatus.FAILED
    wait = BACKOFF_MINUTES[min(attempts, len(BACKOFF_MINUTES)) - 1]
    Delivery.objects.filter(pk=row.pk).update(
        status=DeliveryStatus.RETRY, last_error=outcome.error[:300], next_attempt_at=done + dt.timedelta(minutes=wait)
    )
    return DeliveryStatus.RETRY


def send_due(*, now: dt.datetime | None = None, limit: int = 500) -> dict[str, int]:
    """The send job's sweep: every due delivery, once. Returns counts by resulting status."""
    counts: dict[str, int] = {}
    for pk in due_deliveries(now, limit=limit):
        status = attempt_delivery(pk, now=now)
        counts[status] = counts.get(status, 0) + 1
    return counts


# --- reading -----------------------------------------------------------------------------------------------------


def mark_read(*, actor: User, message: Message) -> Message:
    """Idempotent: a message read twice keeps its first reading time."""
    if message.recipient_id != actor.pk:
        raise DomainError("只能标记自己的消息", code="not_own_message", status=404)
    if message.read_at is None:
        now = timezone.now()
        Message.objects.filter(pk=message.pk, read_at__isnull=True).update(read_at=now)
        message.refresh_from_db(fields=["read_at"])
    return message


def mark_all_read(*, actor: User, category: str | None = None) -> int:
    unread = Message.objects.filter(recipient=actor, read_at__isnull=True)
    if category:
        unread = unread.filter(category=category)
    return unread.update(read_at=timezone.now())


# --- preferences and bindings ------------------------------------------------------------------------------------


def _unit_path(user: User) -> str:
    return user.unit.path if user.unit_id and user.unit else ""


def save_preferences(
    *,
    actor: User,
    channels_by_category: Mapping[str, Sequence[str]],
    quiet_enabled: bool,
    quiet_start: dt.time,
    quiet_end: dt.time,
    version: int | None,
) -> Preference:
    """The person's own choices. `version`: the one the form showed (0 before the first save; None: unchecked); a
    stale one answers 409."""
    unknown = [c for c in channels_by_category if c not in Category.values]
    if unknown:
        raise DomainError("消息类别不正确", code="unknown_category")
    chosen = {}
    for category in Category.values:
        picked = [str(c) for c in channels_by_category.get(category, ())]
        if any(c not in Channel.values for c in picked):
            raise DomainError("推送渠道不正确", code="unknown_channel")
        chosen[category] = sorted(set(picked))
    if quiet_enabled and quiet_start == quiet_end:
        raise DomainError("免打扰的开始和结束时间不能相同", code="quiet_hours_empty")
    after = {"channels": chosen, "quiet": [quiet_enabled, quiet_start.isoformat(), quiet_end.isoformat()]}
    with transaction.atomic():
        row, created = Preference.objects.get_or_create(user=actor)
        row = locked(Preference.objects, row.pk, None)
        before = {
            "channels": row.channels,
            "quiet": [row.quiet_enabled, row.quiet_start.isoformat(), row.quiet_end.isoformat()],
        }
        if not created and before == after:
            return row  # the same form posted twice
        # A form rendered before the first save carries version 0: it may create the row, not overwrite one.
        if not created and version is not None and version != row.version:
            raise StaleEditError()
        row.channels = chosen
        row.quiet_enabled = quiet_enabled
        row.quiet_start = quiet_start
        row.quiet_end = quiet_end
        bump(row, ["channels", "quiet_enabled", "quiet_start", "quiet_end"])
        record_change(
            actor=actor,
            action="message_preferences",
            obj=row,
            unit_path=_unit_path(actor),
            before=None if created else before,
            after=after,
        )
    return row


def _digest(binding_id: int, code: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), f"{binding_id}:{code}".encode(), hashlib.sha256).hexdigest()


def bind_account(*, actor: User, channel: str, external_id: str) -> ChannelBinding:
    """Start binding (or re-binding) the actor's account in 企业微信/钉钉: the account is saved unverified and a
    six-digit code is sent to it by a background job; `verify_binding` with that code completes it."""
    if channel not in BOUND_CHANNELS:
        raise DomainError("只能绑定企业微信或钉钉账号", code="unknown_channel")
    if channel not in channels.configured_channels():
        raise DomainError(f"本系统尚未配置{Channel(channel).label}，暂不能绑定", code="channel_not_configured")
    external_id = (external_id or "").strip()
    if not external_id or len(external_id) > 64 or any(ch.isspace() for ch in external_id):
        raise DomainError("请填写正确的账号（UserID，不含空格，最长 64 位）", code="bad_account")
    taken = (
        ChannelBinding.objects.filter(channel=channel, external_id=external_id, verified_at__isnull=False)
        .exclude(user=actor)
        .exists()
    )
    if taken:
        raise DomainError("该账号已被其他用户绑定", code="account_taken", status=409)
    with transaction.atomic():
        row, created = ChannelBinding.objects.get_or_create(
            user=actor, channel=channel, defaults={"external_id": external_id}
        )
        row = locked(ChannelBinding.objects, row.pk, None)
        before = None if created else {"external_id": row.external_id, "verified": row.is_verified}
        if not created and row.external_id == external_id and row.is_verified:
            return row
        recent = row.code_sent_at and timezone.now() - row.code_sent_at < dt.timedelta(minutes=1)
        if recent and row.external_id == external_id:
            raise DomainError("验证码刚刚发出，请一分钟后再试", code="code_too_soon", status=409)
        row.external_id = external_id
        row.verified_at = None
        row.code_digest = ""
        row.code_tries = 0
        row.code_sent_at = timezone.now()
        bump(row, ["external_id", "verified_at", "code_digest", "code_tries", "code_sent_at"])
        record_change(
            actor=actor,
            action="message_bind",
            obj=row,
            unit_path=_unit_path(actor),
            before=before,
            after={"channel": channel, "external_id": external_id, "verified": False},
        )
        binding_id = row.pk
        transaction.on_commit(lambda: _queue_code(binding_id))
    return row


def _queue_code(binding_id: int) -> None:
    from dudao.messaging.tasks import send_binding_code

    send_binding_code(binding_id)


def send_code(binding_id: int) -> channels.SendOutcome:
    """The background half of binding: make a code, keep its digest, send it through the channel."""
    code = f"{secrets.randbelow(10**6):06d}"
    with transaction.atomic():
        row = ChannelBinding.objects.select_for_update().filter(pk=binding_id, verified_at__isnull=True).first()
        if row is None:
            return channels.SendOutcome(ok=False, error="绑定已完成或已解除", permanent=True)
        row.code_digest = _digest(row.pk, code)
        row.code_sent_at = timezone.now()
        row.save(update_fields=["code_digest", "code_sent_at"])
    return channels.adapter(row.channel).send(
        address=row.external_id,
        title="督导通账号绑定验证码",
        body=f"验证码 {code}，10 分钟内有效。如非本人操作，请忽略。",
        url="",
    )


def verify_binding(*, actor: User, channel: str, code: str) -> ChannelBinding:
    row = ChannelBinding.objects.filter(user=actor, channel=channel).first()
    if row is None:
        raise DomainError("请先填写账号并获取验证码", code="no_binding")
    if row.is_verified:
        return row
    with transaction.atomic():
        row = locked(ChannelBinding.objects, row.pk, None)
        if not row.code_digest or not row.code_sent_at or timezone.now() - row.code_sent_at > CODE_LIFETIME:
            raise DomainError("验证码已失效，请重新获取", code="code_expired")
        if row.code_tries >= CODE_MAX_TRIES:
            raise DomainError("验证码错误次数过多，请重新获取", code="code_locked")
        if not hmac.compare_digest(row.code_digest, _digest(row.pk, (code or "").strip())):
            ChannelBinding.objects.filter(pk=row.pk).update(code_tries=F("code_tries") + 1)
            left = CODE_MAX_TRIES - row.code_tries - 1
            raise DomainError(f"验证码不正确，还可尝试 {left} 次", code="code_wrong")
        if (
            ChannelBinding.objects.filter(channel=channel, external_id=row.external_id, verified_at__isnull=False)
            .exclude(pk=row.pk)
            .exists()
        ):
            raise DomainError("该账号已被其他用户绑定", code="account_taken", status=409)
        row.verified_at = timezone.now()
        row.code_digest = ""
        bump(row, ["verified_at", "code_digest"])
        record_change(
            actor=actor,
            action="message_bind_verify",
            obj=row,
            unit_path=_unit_path(actor),
            after={"channel": channel, "external_id": row.external_id, "verified": True},
        )
    return row


def unbind(*, actor: User, channel: str) -> bool:
    with transaction.atomic():
        row = ChannelBinding.objects.select_for_update().filter(user=actor, channel=channel).first()
        if row is None:
            return False
        record_change(
            actor=actor,
            action="message_unbind",
            obj=row,
            unit_path=_unit_path(actor),
            before={"channel": channel, "external_id": row.external_id},
        )
        # Pushes still waiting for this account would go to someone who may no longer hold it.
        Delivery.objects.filter(message__recipient=actor, channel=channel, status__in=OPEN_DELIVERY_STATUSES).update(
            status=DeliveryStatus.CANCELLED, last_error="账号已解绑"
        )
        row.delete()
    return True


__all__ = [
    "Note",
    "Preferences",
    "UnitNote",
    "attempt_delivery",
    "bind_account",
    "mark_all_read",
    "mark_read",
    "notify",
    "notify_batch",
    "notify_units",
    "preferences_of",
    "save_preferences",
    "send_due",
    "unbind",
    "verify_binding",
]
