"""Fixed-window counters in the shared cache, for public pages without a login (parent links, the complaint form,
intake links): Redis or the database cache in production, so every worker counts the same.

Only the flooding key is refused: other keys (addresses, tokens) have budgets of their own."""

from __future__ import annotations

from django.core.cache import cache
from django.utils import timezone


def admit(scope: str, key: str | None, *, per: int, window: int) -> bool:
    """Count one hit of `key` in `scope`; False once the key used up its `per` hits in this `window` seconds."""
    window = max(int(window), 1)
    bucket = f"ratelimit:{scope}:{key or 'unknown'}:{int(timezone.now().timestamp() // window)}"
    if cache.add(bucket, 1, timeout=window + 60):
        return per >= 1
    try:
        return int(cache.incr(bucket)) <= per
    except ValueError:  # the entry expired between add and incr: count this hit in a fresh window
        cache.add(bucket, 1, timeout=window + 60)
        return per >= 1
