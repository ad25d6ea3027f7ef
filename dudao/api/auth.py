"""API authentication: a personal bearer token, or the browser session (with CSRF for writes)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.middleware.csrf import CsrfViewMiddleware
from ninja.errors import HttpError

from dudao.accounts.middleware import SESSION_KEY, bind_acting
from dudao.accounts.services import user_for_token
from dudao.core.errors import DomainError
from dudao.orgs.scoping import can

ACTING_HEADER = "X-Acting-Assignment"


def _acting_choice(request: HttpRequest, default: Any) -> int | None:
    raw = request.headers.get(ACTING_HEADER)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise DomainError(f"请求头 {ACTING_HEADER} 应为角色授权编号", code="bad_acting_header") from exc


class TokenOrSession:
    """Callable auth for django-ninja. Returns the user or None (→ 401)."""

    openapi_type = "http"
    openapi_scheme = "bearer"

    def __call__(self, request: HttpRequest) -> Any:
        header = request.headers.get("Authorization", "")
        if header:
            scheme, _, value = header.partition(" ")
            if scheme.lower() != "bearer" or not value.strip():
                raise DomainError("Authorization 请求头应为 “Bearer <令牌>”", code="token_invalid", status=401)
            user = user_for_token(value.strip())
            request.user = user
            bind_acting(request, _acting_choice(request, None))
            return user
        session_user = getattr(request, "user", None)
        if session_user is not None and session_user.is_authenticated:
            if request.method not in ("GET", "HEAD", "OPTIONS"):
                reason = CsrfViewMiddleware(lambda r: None).process_view(request, None, (), {})  # type: ignore[arg-type]
                if reason is not None:
                    raise DomainError("CSRF 校验失败，请刷新页面后重试", code="csrf_failed", status=403)
            bind_acting(request, _acting_choice(request, request.session.get(SESSION_KEY)))
            return session_user
        return None


def require(request: HttpRequest, permission: str) -> None:
    """403 for an acting role without the permission; objects out of scope answer 404 through the selectors."""
    if not can(request.user, permission):
        raise HttpError(403, "您当前的身份无权访问此接口")
