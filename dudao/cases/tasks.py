"""Nightly case jobs (Beijing time): dropout suggestions from daily checks, archiving closed cases of leavers."""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from dudao.cases.intake import suggest_dropouts
from dudao.cases.upkeep import archive_cases

log = logging.getLogger("dudao.cases")


@db_periodic_task(crontab(hour="18", minute="30"))
def dropout_suggestions() -> int:
    """18:30, after the day's afternoon checks: absence streaks of N school days become register suggestions."""
    created = suggest_dropouts()
    log.info("dropout suggestions created: %s", created)
    return created


@db_periodic_task(crontab(hour="3", minute="10"))
def archive_closed_cases() -> int:
    archived = archive_cases()
    log.info("cases archived: %s", archived)
    return archived
