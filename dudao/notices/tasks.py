"""Daily notice reminders (e.g. 防溺水 to left-behind children's guardians all summer)."""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from dudao.notices.services import run_reminders

log = logging.getLogger("dudao.notices")


@db_periodic_task(crontab(hour="8", minute="0"))
def daily_notice_reminders() -> dict[str, int]:
    """08:00 Beijing time; a rerun the same day sends nothing twice."""
    sent = run_reminders()
    log.info("notice reminders: %s", sent)
    return sent


@db_task(retries=2, retry_delay=60)
def send_queued_notice(notice_id: int, actor_id: int) -> dict[str, int]:
    """A large audience's receipts and links, written in the background (see services.send_notice)."""
    from dudao.notices.services import send_queued

    counts = send_queued(notice_id=notice_id, actor_id=actor_id)
    log.info("queued notice %s sent: %s", notice_id, counts)
    return counts
