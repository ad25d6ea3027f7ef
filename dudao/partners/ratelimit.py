"""The budget of the partners' public pages per client address: a fixed one-minute window in the shared cache.
A partner opening, acknowledging and reporting a task uses a handful of requests; a scanner guessing links is
stopped after DUDAO_PARTNER_LINK_PER_MINUTE."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

DEFAULT_PER_MINUTE = 30
REFUSED_MESSAGE = "访问过于频繁，请一分钟后再试。"


def admit(address: str | None) -> bool:
    """Count one request from `address`; False once the address used up this minute's budget."""
    per = int(getattr(settings, "DUDAO_PARTNER_LINK_PER_MINUTE", DEFAULT_PER_MINUTE))
    bucket = f"partners:link:{address or 'unknown'}:{int(timezone.now().timestamp() // 60)}"
    if cache.add(bucket, 1, timeout=120):
        return per >= 1
    try:
        return int(cache.incr(bucket)) <= per
    except ValueError:  # the entry expired between add and incr
        return cache.add(bucket, 1, timeout=120) or True
