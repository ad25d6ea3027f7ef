"""What the user sees while the database cannot be reached: a plain Chinese 503 page (JSON under /api/), with
`Retry-After`, instead of a 500 with a traceback; and the primary pin of `core.db_router` per request.

A database error can surface in a view (caught by `process_exception`) or in a middleware around it — the session
is saved after the view, the acting assignment is looked up before it — where Django has already turned it into a
500. Django announces every such exception with `got_request_exception`; the receiver below marks the request and
the middleware, placed outside the others, answers 503 instead.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.signals import got_request_exception
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils import timezone

from dudao.core import db_router

log = logging.getLogger("dudao.availability")

RETRY_AFTER_SECONDS = 30
UNAVAILABLE_MESSAGE = "数据库暂时无法访问，操作未完成，请稍后重试"
_MARK = "_dudao_database_unavailable"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def is_database_unavailable(exc: BaseException | None) -> bool:
    """Errors that mean "the database did not answer" (connection refused or lost, server shutting down, SQLite
    file locked or unreadable), as opposed to a bug in a query."""
    return isinstance(exc, OperationalError | InterfaceError)


def unavailable_response(request: HttpRequest) -> HttpResponse:
    request_id = getattr(request, "request_id", "")
    response: HttpResponse
    if request.path.startswith("/api/"):
        response = JsonResponse(
            {"detail": UNAVAILABLE_MESSAGE, "code": "database_unavailable"},
            status=503,
            json_dumps_params={"ensure_ascii": False},
        )
    else:
        # Rendered without the request: the base layout's context (user, menu) would query the database again.
        html = render_to_string(
            "core/unavailable.html",
            {
                "retry_after": RETRY_AFTER_SECONDS,
                "request_id": request_id,
                "now": timezone.localtime().strftime("%Y-%m-%d %H:%M:%S"),
            },
        )
        response = HttpResponse(html, status=503, content_type="text/html; charset=utf-8")
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    if request_id:
        response["X-Request-ID"] = request_id
    return response


def _note_request_exception(sender: Any, request: HttpRequest | None = None, **kwargs: Any) -> None:
    exc = sys.exc_info()[1]
    if request is not None and is_database_unavailable(exc):
        setattr(request, _MARK, True)


got_request_exception.connect(_note_request_exception, dispatch_uid="dudao.core.availability")


class DatabaseUnavailableMiddleware:
    """Outermost but for security headers and request ids: turns a database outage anywhere inside into a 503."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if getattr(request, _MARK, False):
            return unavailable_response(request)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not is_database_unavailable(exception):
            return None
        log.error("数据库不可用（%s %s）：%s", request.method, request.path, exception)
        return unavailable_response(request)


class PrimaryPinMiddleware:
    """Read-your-own-writes with a read replica (`core.db_router`): a request that writes, and the requests of the
    same browser for `DUDAO_REPLICA_PIN_SECONDS` after it, read only the primary."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not db_router.replica_configured():
            return self.get_response(request)
        writing = request.method not in SAFE_METHODS
        with db_router.pinned_scope(writing or _cookie_pinned(request)):
            response = self.get_response(request)
            wrote = writing or db_router.wrote()
        if wrote:
            seconds = int(getattr(settings, "DUDAO_REPLICA_PIN_SECONDS", 10))
            response.set_cookie(
                db_router.PIN_COOKIE,
                str(int(time.time()) + seconds),
                max_age=seconds,
                httponly=True,
                samesite="Lax",
                secure=settings.SESSION_COOKIE_SECURE,
            )
        return response


def _cookie_pinned(request: HttpRequest) -> bool:
    value = request.COOKIES.get(db_router.PIN_COOKIE, "")
    return value.isdigit() and int(value) > time.time()
