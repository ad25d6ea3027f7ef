"""Garbage collection in a long-running app process: no 200 ms pauses in the middle of a request.

CPython's full (generation 2) collection walks every container object the process holds. A worker that has
served a few pages at city scale holds ~460,000 of them (Django, the project's modules, compiled templates, the
URL resolver, the enrolment table's cache), and each full collection then stops the request it happens in for
150–230 ms (measured with `gc.callbacks` while `bench.pages` crawled the city demo: the p50 of a page stayed at
5–120 ms, its p95 jumped past 300 ms whichever page the pause hit).

Nearly all of those objects live as long as the process, so they are moved to the permanent generation
(`gc.freeze()`) once the process has started and again when the lazily built caches have filled (after the
first requests); full collections then walk only what requests allocate. Reference counting still frees frozen
objects that are no longer used; only reference cycles among them stay until the worker restarts (gunicorn's
`max_requests` restarts each worker after ~20,000 requests).

`install()` runs in dudao/wsgi.py (each gunicorn worker imports it) and in the benches that measure pages in
process (bench.pages), so that they measure what a worker does.
"""

from __future__ import annotations

import gc
import threading
from typing import Any

from django.core.signals import request_finished

# Requests after which the process freezes again: the caches fill on the first pages a worker serves.
FREEZE_AFTER = frozenset({20, 200, 1000})

# Young collections every 20,000 allocations instead of 700: a city-scale page holds ~300,000 objects while it
# renders; collected every 700 allocations, they are promoted to the old generation mid-request and die there, which
# brings a full collection every few pages, each walking them all.
THRESHOLDS = (20_000, 20, 20)

_lock = threading.Lock()
_served = 0


def freeze() -> None:
    """Collect once, then move every surviving object out of the collector's reach."""
    gc.collect()
    gc.freeze()


def _after_request(**_: Any) -> None:
    global _served
    with _lock:
        _served += 1
        due = _served in FREEZE_AFTER
    if due:
        freeze()


def install() -> None:
    """Freeze now (after start-up) and again after the first requests have filled the caches."""
    gc.set_threshold(*THRESHOLDS)
    freeze()
    request_finished.connect(_after_request, dispatch_uid="dudao.core.gc_tuning")


def served() -> int:
    return _served
