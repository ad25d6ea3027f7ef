"""The public intake's budget per client address: a fixed window counted in the shared cache, as the complaints
intake does (Redis or the database cache in production, so every worker counts the same)."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

DEFAULT_PER_WINDOW = 5
DEFAULT_WINDOW_SECONDS = 3600
REFUSED_MESSAGE = "同一网络地址提交过于频繁，请一小时后再试；如情况紧急，请直接联系班主任、学校或拨打 110。"


def limits() -> tuple[int, int]:
    per = int(getattr(settings, "DUDAO_BULLYING_PER_ADDRESS", DEFAULT_PER_WINDOW))
    window = int(getattr(settings, "DUDAO_BULLYING_WINDOW_SECONDS", DEFAULT_WINDOW_SECONDS))
    return per, max(window, 1)


def admit(address: str | None) -> bool:
    """Count one submission from `address`; False once the address used up its budget in this window."""
    per, window = limits()
    bucket = f"bullying:intake:{address or 'unknown'}:{int(timezone.now().timestamp() // window)}"
    if cache.add(bucket, 1, timeout=window + 60):
        return per >= 1
    try:
        return int(cache.incr(bucket)) <= per
    except ValueError:  # the entry expired between add and incr
        return cache.add(bucket, 1, timeout=window + 60) or True
