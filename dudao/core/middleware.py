from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.utils.cache import patch_cache_control

from dudao.core import context

_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def client_ip(request: HttpRequest) -> str | None:
    """The client address.

    Behind N trusted reverse proxies (DUDAO_TRUSTED_PROXIES=N), the address is the N-th entry
    from the right of X-Forwarded-For: the one our own proxy appended. Entries further left
    come from the client and can be forged, so they are never believed.
    """
    from django.conf import settings

    hops = int(getattr(settings, "DUDAO_TRUSTED_PROXIES", 0))
    if hops > 0:
        entries = [e.strip() for e in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if e.strip()]
        if len(entries) >= hops:
            return entries[-hops]
    return request.META.get("REMOTE_ADDR")


class RequestIdMiddleware:
    """Gives every request an id (or keeps a sane incoming X-Request-ID) for logs and audit."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _SAFE_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id  # type: ignore[attr-defined]
        token = context.set_current(context.RequestContext(request_id=request_id, ip=client_ip(request)))
        try:
            response = self.get_response(request)
        finally:
            context.reset(token)
        response["X-Request-ID"] = request_id
        return response


class SecurityHeadersMiddleware:
    """A Content-Security-Policy that allows only this site's own scripts: no inline script,
    no third-party origin (the intranet has none anyway), no framing."""

    POLICY = (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        "font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'self'"
    )

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", self.POLICY)
        return response


class NoStoreMiddleware:
    """`Cache-Control: no-store, private` on every page for a signed-in user and every API answer: they carry work
    and personal data that no shared office browser (back button, disk cache) or proxy may keep.

    Static files never get here (whitenoise answers first, with long-lived caching). Anonymous pages are left to
    their views: the public token pages (/n/ parent notices, /p/ 公示) are personal or revocable and set
    `never_cache` themselves. A view's own stricter header is merged, not replaced.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if request.path.startswith("/api/") or (user is not None and user.is_authenticated):
            patch_cache_control(response, no_store=True, private=True)
        return response


class SlidingSessionMiddleware:
    """Idle timeout without a database write per request: a signed-in user's session is saved again (restarting
    SESSION_COOKIE_AGE) at most once per DUDAO_SESSION_REFRESH_SECONDS. SESSION_SAVE_EVERY_REQUEST rewrote the
    session row on every GET, and under SQLite every such write waits for the one write lock.
    """

    KEY = "_refreshed"

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        session = getattr(request, "session", None)
        # Only a browser's signed-in session: API clients with a bearer token send no session cookie, and their
        # requests must neither read nor create one.
        if session is None or session.session_key is None or response.status_code >= 500:
            return response
        if SESSION_KEY not in session:
            return response
        now = int(time.time())
        last = session.get(self.KEY)
        if session.modified or not isinstance(last, int) or now - last >= settings.DUDAO_SESSION_REFRESH_SECONDS:
            session[self.KEY] = now
        return response


class RejectNulMiddleware:
    """Refuse NUL characters in parameters and JSON bodies with a 400.

    PostgreSQL text cannot hold NUL, so such input would otherwise surface as a 500 deep
    inside a query; no legitimate form or API value contains one.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self._has_nul(request):
            if request.path.startswith("/api/"):
                return JsonResponse(
                    {"detail": "请求中含有非法字符（NUL）", "code": "bad_input"},
                    status=400,
                    json_dumps_params={"ensure_ascii": False},
                )
            return HttpResponseBadRequest(
                "请求中含有非法字符（NUL）".encode(), content_type="text/plain; charset=utf-8"
            )
        return self.get_response(request)

    @staticmethod
    def _has_nul(request: HttpRequest) -> bool:
        if any("\x00" in key or any("\x00" in v for v in values) for key, values in request.GET.lists()):
            return True
        content_type = request.content_type or ""
        if content_type == "application/json":
            return b"\\u0000" in request.body or b"\x00" in request.body
        if request.method == "POST" and content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            return any("\x00" in key or any("\x00" in v for v in values) for key, values in request.POST.lists())
        return False
