"""Refreshing the indicator summary: every 10 minutes in the working day, at the end and the start of each day,
and soon after a write that may change a figure (debounced: one refresh per burst of writes)."""

from __future__ import annotations

import logging

from django.conf import settings
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from dudao.command import summary

log = logging.getLogger("dudao.command")


@db_task()
def refresh_summary() -> int:
    rows = summary.refresh()
    log.info("indicator summary refreshed: %s rows", rows)
    return rows


@db_periodic_task(crontab(minute="*/10", hour="6-22"))
def refresh_summary_daytime() -> int:
    return summary.refresh()


@db_periodic_task(crontab(minute="50", hour="23"))
def refresh_summary_day_end() -> int:
    """The day's last figures: the point its trends keep."""
    return summary.refresh()


@db_periodic_task(crontab(minute="10", hour="0"))
def refresh_summary_day_start() -> int:
    """The new day's first figures, and old day rows pruned."""
    summary.prune()
    return summary.refresh()


def queue_refresh() -> None:
    """After a write: mark the summary stale and, if it was fresh, queue one refresh a little later (writes in the
    meantime find it already marked and queue nothing)."""
    if summary.mark_stale():
        refresh_summary.schedule(delay=settings.DUDAO_SUMMARY_DEBOUNCE_SECONDS)
