"""Daily notice reminders (e.g. 防溺水 to left-behind children's guardians all summer)."""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from dudao.notices.services import run_reminders

log = logging.getLogger("dudao.notices")


@db_periodic_task(crontab(hour="8", minute="0"))
def daily_notice_reminders() -> dict[str, int]:
    """08:00 Beijing time; a rerun the same day sends nothing twice."""
    sent = run_reminders()
    log.info("notice reminders: %s", sent)
    return sent
