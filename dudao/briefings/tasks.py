"""Briefing jobs: one briefing generated in the background (progress on its row), and the weekly run."""

from __future__ import annotations

import logging

from django.conf import settings
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from dudao.briefings import services

log = logging.getLogger("dudao.briefings")


def _schedule() -> crontab:
    """DUDAO_BRIEFING_WEEKDAY (1 = Monday … 7 = Sunday) at DUDAO_BRIEFING_TIME, local time (default Monday 08:00)."""
    hour, minute = (int(part) for part in settings.DUDAO_BRIEFING_TIME.split(":"))
    return crontab(day_of_week=str(settings.DUDAO_BRIEFING_WEEKDAY % 7), hour=str(hour), minute=str(minute))


@db_task(retries=0)
def generate_briefing(briefing_id: int) -> str:
    briefing = services.run_generation(briefing_id)
    log.info("briefing %s: %s", briefing_id, briefing.status)
    return str(briefing.status)


@db_periodic_task(_schedule())
def weekly_briefings() -> int:
    made = services.generate_weekly()
    log.info("weekly briefings generated: %s", len(made))
    return len(made)
