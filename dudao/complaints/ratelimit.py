"""The public intake's budget per client address (`dudao.core.ratelimit`, a fixed window in the shared cache).
Only the flooding address is refused; other addresses have budgets of their own, so their submissions are never
turned away."""

from __future__ import annotations

from django.conf import settings

from dudao.core import ratelimit

# Defaults a bureau may change in the environment-backed settings.
DEFAULT_PER_WINDOW = 5
DEFAULT_WINDOW_SECONDS = 3600
REFUSED_MESSAGE = "同一网络地址提交过于频繁，请一小时后再试；如情况紧急，请拨打教育局监督电话或 12345 热线。"


def limits() -> tuple[int, int]:
    per = int(getattr(settings, "DUDAO_COMPLAINTS_PER_ADDRESS", DEFAULT_PER_WINDOW))
    window = int(getattr(settings, "DUDAO_COMPLAINTS_WINDOW_SECONDS", DEFAULT_WINDOW_SECONDS))
    return per, max(window, 1)


def admit(address: str | None) -> bool:
    """Count one submission from `address`; False once the address used up its budget in this window."""
    per, window = limits()
    return ratelimit.admit("complaints-intake", address, per=per, window=window)
