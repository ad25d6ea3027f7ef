"""Checks behind `/healthz` and `/readyz`, kept out of the views: views never touch the database connection.

`/healthz` answers while the process runs (a load balancer or systemd restarts a process that stops answering);
`/readyz` says whether this server can do its work: the database answers, the shared cache stores and returns a
value, the job queue's store can be read. A failing check is named, its error logged, never shown.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from django.core.cache import cache
from django.db import connection

from dudao.core import db_router

log = logging.getLogger("dudao.probes")


def ping_database() -> None:
    """One round trip; raises when the database does not answer."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def check_cache() -> None:
    """A write and a read of the shared cache (Redis, or the database cache table)."""
    key = f"dudao:readyz:{uuid.uuid4().hex}"
    cache.set(key, "1", timeout=10)
    if cache.get(key) != "1":
        raise RuntimeError("cache returned another value")
    cache.delete(key)


def check_queue() -> None:
    """The huey store answers (Redis ping / SQLite file read)."""
    from huey.contrib.djhuey import HUEY

    HUEY.storage.queue_size()


@dataclass(frozen=True)
class Readiness:
    ok: bool
    checks: dict[str, str]


CHECKS: dict[str, Callable[[], None]] = {"database": ping_database, "cache": check_cache, "queue": check_queue}


def readiness() -> Readiness:
    checks: dict[str, str] = {}
    for name, check in CHECKS.items():
        try:
            check()
        except Exception as exc:  # any failure means "not ready"; the reason goes to the log only
            log.error("就绪检查失败：%s：%s: %s", name, type(exc).__name__, exc)
            checks[name] = "failed"
        else:
            checks[name] = "ok"
    ok = all(value == "ok" for value in checks.values())
    # A replica that is down is reported but does not fail readiness: its reads fall back to the primary.
    checks["replica"] = db_router.replica_status()
    return Readiness(ok=ok, checks=checks)
