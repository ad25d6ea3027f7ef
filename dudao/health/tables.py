"""The disease and cluster-threshold tables, cached per process for the check submission path.

Both are small reference tables (a data migration loads them; admins rarely edit them). Every check submission
needs the disease table (suspected codes, rule 2) and every illness case the thresholds (rule 3), so reading them
from the database each time cost two queries per submission. The cache is invalidated by a version key: saving or
deleting a row (signals below) bumps the shared version in Django's cache (Redis or the database cache in
production, so every worker sees it; with the per-process LocMemCache of development and demo boxes other processes
see the change at the latest after `MAX_AGE` seconds)."""

from __future__ import annotations

import threading
import time
from typing import Any

from django.core.cache import cache
from django.db.models.signals import post_delete, post_save

from dudao.health import rules
from dudao.health.models import ClusterThreshold, Disease

VERSION_KEY = "health:tables:version"
MAX_AGE = 60.0

_lock = threading.Lock()
_state: dict[str, Any] | None = None


def _version() -> Any:
    return cache.get(VERSION_KEY, 0)


def _load() -> dict[str, Any]:
    global _state
    version = _version()
    state = _state  # replaced whole, never mutated: safe to read without the lock
    if state and state["version"] == version and time.monotonic() - state["at"] < MAX_AGE:
        return state
    diseases = {d.code: d for d in Disease.objects.all()}
    by_pk = {d.pk: d for d in diseases.values()}
    table = [
        rules.Threshold(by_pk[t.disease_id].code, t.scope, t.count, t.window_days)
        for t in ClusterThreshold.objects.all()
        if t.disease_id in by_pk
    ]
    fresh = {"version": version, "at": time.monotonic(), "diseases": diseases, "thresholds": table}
    with _lock:
        _state = fresh
    return fresh


def diseases() -> dict[str, Disease]:
    """Code → disease (shared instances: read, never modify)."""
    return dict(_load()["diseases"])


def thresholds() -> list[rules.Threshold]:
    return list(_load()["thresholds"])


def invalidate(**_: Any) -> None:
    """Drop this process's copy and bump the shared version (other processes reload on their next read)."""
    global _state
    with _lock:
        _state = None
    try:
        cache.incr(VERSION_KEY)
    except ValueError:
        cache.set(VERSION_KEY, 1, None)


for _model in (Disease, ClusterThreshold):
    post_save.connect(invalidate, sender=_model, dispatch_uid=f"health-tables-save-{_model.__name__}")
    post_delete.connect(invalidate, sender=_model, dispatch_uid=f"health-tables-delete-{_model.__name__}")
