"""SMS sending through a pluggable backend (setting `DUDAO_SMS_BACKEND`, a dotted path to a class).

A backend receives a batch of `SmsMessage` and stores or sends them. The default, `OutboxBackend`, writes each
message to the outbox table (`OutboxMessage`, status 待发送) and the log; nothing leaves the machine. A real
gateway adapter subclasses `SmsBackend` and implements `send`, returning one `SendResult` per message in order;
see docs/家长告知书.md for the interface and an example.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

from dudao.notices.models import OutboxMessage, OutboxStatus

log = logging.getLogger("dudao.notices.sms")


@dataclass(frozen=True)
class SmsMessage:
    phone: str
    text: str
    notice_id: int | None = None
    link_id: int | None = None
    kind: str = "notice"


@dataclass(frozen=True)
class SendResult:
    ok: bool
    error: str = ""


class SmsBackend:
    """Adapter interface. `send` may be called inside a transaction: a gateway adapter should only enqueue
    (e.g. write the outbox and let a worker call the gateway), or be idempotent on retries."""

    name = "base"

    def send(self, messages: Sequence[SmsMessage]) -> list[SendResult]:
        raise NotImplementedError


class OutboxBackend(SmsBackend):
    """Default: every message becomes an outbox row (待发送) and a log line with the masked number."""

    name = "outbox"

    def send(self, messages: Sequence[SmsMessage]) -> list[SendResult]:
        now = timezone.now()
        OutboxMessage.objects.bulk_create(
            [
                OutboxMessage(
                    notice_id=m.notice_id,
                    link_id=m.link_id,
                    phone=m.phone,
                    text=m.text[:500],
                    kind=m.kind,
                    status=OutboxStatus.QUEUED,
                    backend=self.name,
                    created_at=now,
                )
                for m in messages
            ],
            batch_size=2000,
        )
        for m in messages:
            log.info("sms queued to %s***%s: %s", m.phone[:3], m.phone[-4:], m.text[:60])
        return [SendResult(ok=True) for _ in messages]


class MemoryBackend(SmsBackend):
    """For tests: keeps the messages in a list on the class."""

    name = "memory"
    sent: list[SmsMessage] = []

    def send(self, messages: Sequence[SmsMessage]) -> list[SendResult]:
        MemoryBackend.sent.extend(messages)
        return [SendResult(ok=True) for _ in messages]


@cache
def _backend_class(path: str) -> type[SmsBackend]:
    cls = import_string(path)
    if not (isinstance(cls, type) and issubclass(cls, SmsBackend)):
        raise TypeError(f"DUDAO_SMS_BACKEND {path!r} is not an SmsBackend subclass")
    return cls


def get_backend() -> SmsBackend:
    return _backend_class(settings.DUDAO_SMS_BACKEND)()


def send_messages(messages: Sequence[SmsMessage]) -> int:
    """Hand a batch to the configured backend; returns how many it accepted."""
    if not messages:
        return 0
    results = get_backend().send(messages)
    return sum(1 for r in results if r.ok)
