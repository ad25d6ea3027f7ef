"""Who is acting in the current request or command, for audit events.

A contextvar rather than a thread-local so that it is correct under ASGI too.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    request_id: str
    ip: str | None = None
    acting_unit_id: int | None = None
    acting_unit_name: str = ""


_current: ContextVar[RequestContext | None] = ContextVar("dudao_request_context", default=None)


def current() -> RequestContext:
    ctx = _current.get()
    if ctx is None:
        # Management commands and background jobs: one id per process-level operation.
        ctx = RequestContext(request_id=f"cmd-{uuid.uuid4().hex[:16]}")
        _current.set(ctx)
    return ctx


def set_current(ctx: RequestContext) -> object:
    return _current.set(ctx)


def reset(token: object) -> None:
    _current.reset(token)  # type: ignore[arg-type]


def update(**changes: object) -> None:
    from dataclasses import replace

    _current.set(replace(current(), **changes))  # type: ignore[arg-type]


@contextmanager
def bound(ctx: RequestContext) -> Iterator[RequestContext]:
    token = _current.set(ctx)
    try:
        yield ctx
    finally:
        _current.reset(token)
