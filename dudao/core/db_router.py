"""Heavy reads on a streaming read replica, when one is configured (`DATABASE_REPLICA_URL`).

Routing is opt-in and explicit: nothing goes to the replica unless it runs inside `read_replica()` (a decorator
for functions and a context manager for blocks) — the cockpit, dashboards, completeness figures and exports, whose
numbers may lag the primary by the replication delay (normally well under a second). Everything else, every write
and every read inside a transaction reads the primary.

Read-your-own-writes: a request that wrote (any method but GET/HEAD/OPTIONS, or any ORM write while it ran) pins
its browser to the primary for `DUDAO_REPLICA_PIN_SECONDS` (cookie `dudao_primary`, set by
`PrimaryPinMiddleware`), so the page a clerk sees after saving never shows the figures from before the save.

Faults: a decorated function that fails on the replica with a connection error runs again on the primary, and the
replica is left alone for `DUDAO_REPLICA_RETRY_SECONDS`; a block (context manager) is routed to the primary when
the replica cannot be reached at its start.
"""

from __future__ import annotations

import contextvars
import functools
import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, ParamSpec, TypeVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, InterfaceError, OperationalError, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Model

log = logging.getLogger("dudao.db")

REPLICA = "replica"
PIN_COOKIE = "dudao_primary"

P = ParamSpec("P")
R = TypeVar("R")

# Inside read_replica(): reads may go to the replica.
_wanted: contextvars.ContextVar[bool] = contextvars.ContextVar("dudao_replica_wanted", default=False)
# This request (or job) wrote, or its browser wrote a moment ago: everything reads the primary.
_pinned: contextvars.ContextVar[bool] = contextvars.ContextVar("dudao_primary_pinned", default=False)
# This request wrote through the ORM (the middleware then pins its browser for a few seconds).
_wrote: contextvars.ContextVar[bool] = contextvars.ContextVar("dudao_request_wrote", default=False)


class _Health:
    """When the replica last failed, shared by the threads of one process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._down_until = 0.0
        self.fallbacks = 0

    def is_down(self) -> bool:
        return time.monotonic() < self._down_until

    def mark_down(self, reason: object) -> None:
        seconds = float(getattr(settings, "DUDAO_REPLICA_RETRY_SECONDS", 30))
        with self._lock:
            self._down_until = time.monotonic() + seconds
            self.fallbacks += 1
        log.warning("只读副本不可用，%.0f 秒内读主库：%s", seconds, reason)

    def reset(self) -> None:
        with self._lock:
            self._down_until = 0.0
            self.fallbacks = 0


health = _Health()


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


def pin_to_primary() -> None:
    """Everything this request or job reads from now on comes from the primary."""
    _pinned.set(True)


def is_pinned() -> bool:
    return _pinned.get()


def wrote() -> bool:
    return _wrote.get()


@contextmanager
def pinned_scope(pinned: bool) -> Iterator[None]:
    """A fresh pin state for one request (the middleware) or one job."""
    pin_token = _pinned.set(pinned)
    wrote_token = _wrote.set(False)
    try:
        yield
    finally:
        _wrote.reset(wrote_token)
        _pinned.reset(pin_token)


def _in_transaction() -> bool:
    return connections[DEFAULT_DB_ALIAS].in_atomic_block


def reading_alias() -> str:
    """The database the current code reads from: the replica only inside `read_replica()`, when configured and
    healthy, outside any transaction, and when this request has not written."""
    if _wanted.get() and not _pinned.get() and replica_configured() and not health.is_down() and not _in_transaction():
        return REPLICA
    return DEFAULT_DB_ALIAS


def reading_connection() -> BaseDatabaseWrapper:
    """For selectors that run SQL of their own: the connection `reading_alias()` names."""
    return connections[reading_alias()]


def _reachable() -> bool:
    try:
        connections[REPLICA].ensure_connection()
    except (OperationalError, InterfaceError) as exc:
        health.mark_down(exc)
        connections[REPLICA].close()
        return False
    return True


@contextmanager
def _routing() -> Iterator[bool]:
    token = _wanted.set(True)
    try:
        yield reading_alias() == REPLICA
    finally:
        _wanted.reset(token)


def read_replica(func: Callable[P, R] | None = None) -> Any:
    """`@read_replica` on a read-only function, or `with read_replica():` around a block.

    Only the queries that run inside go to the replica: a function must evaluate its querysets before it returns.
    A decorated function that fails on the replica with a connection error is run again on the primary.
    """
    if func is None:
        return _block()

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with _routing() as on_replica:
            if not on_replica:
                return func(*args, **kwargs)
            try:
                return func(*args, **kwargs)
            except (OperationalError, InterfaceError) as exc:
                health.mark_down(exc)
                connections[REPLICA].close()
        return func(*args, **kwargs)

    return wrapper


@contextmanager
def _block() -> Iterator[None]:
    with _routing() as on_replica:
        if on_replica and not _reachable():
            token = _wanted.set(False)
            try:
                yield
            finally:
                _wanted.reset(token)
            return
        yield


class ReplicaRouter:
    """DATABASE_ROUTERS entry: reads follow `reading_alias()`; writes, relations and migrations are the primary's."""

    def db_for_read(self, model: type[Model], **hints: Any) -> str:
        return reading_alias()

    def db_for_write(self, model: type[Model], **hints: Any) -> str:
        # An ORM write pins the rest of the request to the primary (read-your-own-writes).
        _pinned.set(True)
        _wrote.set(True)
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Model, obj2: Model, **hints: Any) -> bool:
        # The replica is a copy of the primary: rows read from either may be related.
        return True

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints: Any) -> bool:
        return db == DEFAULT_DB_ALIAS


def replica_status() -> str:
    """For /readyz: "none" (not configured), "ok", or "down" (reads use the primary meanwhile)."""
    if not replica_configured():
        return "none"
    if health.is_down():
        return "down"
    return "ok" if _reachable() else "down"
