"""Daily ledger job: remind owners before and on the due date, escalate overdue items."""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from dudao.rectification.services import send_reminders

log = logging.getLogger("dudao.rectification")


@db_periodic_task(crontab(hour="7", minute="30"))
def daily_reminders() -> dict[str, int]:
    """07:30 Beijing time, before the school day: yesterday's overdue items reach the principal at once,
    those overdue more than three days reach the district bureau."""
    sent = send_reminders()
    log.info("rectification reminders sent: %s", sent)
    return sent
