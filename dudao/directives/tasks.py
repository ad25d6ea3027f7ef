"""Periodic jobs: open the periods of repeating reports, remind at T-2/T-1/due day, daily overdue digest.

Each also runs as `manage.py directive_reminders`.
"""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from dudao.directives import reminders, services  # noqa: F401  (reminders: the hourly 催报 messages job)

logger = logging.getLogger("dudao.directives")


@db_periodic_task(crontab(hour="7", minute="0"))
def daily_directive_jobs() -> dict[str, int]:
    result = {
        "periods": services.open_due_periods(),
        "reminders": services.send_scheduled_reminders(),
        "digest": services.send_overdue_digest(),
    }
    logger.info("directive jobs: %s", result)
    return result
