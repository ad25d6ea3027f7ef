from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.backends import ModelBackend


class LockoutAwareBackend(ModelBackend):
    """Model backend that refuses demo accounts outside demo/development deployments.

    Lockout itself is decided in `accounts.services.login`, before this backend is asked.
    """

    def user_can_authenticate(self, user: Any) -> bool:
        if getattr(user, "is_demo", False) and not settings.DUDAO_DEMO:
            return False
        return super().user_can_authenticate(user)
