"""Daily notice reminders (e.g. 防溺水 to left-behind children's guardians all summer), queued sends, and the sweep
that recovers both when a worker died."""

from __future__ import annotations

import datetime as dt
import logging

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from dudao.notices.services import run_reminders

log = logging.getLogger("dudao.notices")
REMINDER_HOUR = 8


@db_periodic_task(crontab(hour=str(REMINDER_HOUR), minute="0"))
def daily_notice_reminders() -> dict[str, int]:
    """08:00 Beijing time; a rerun the same day sends nothing twice."""
    sent = run_reminders()
    log.info("notice reminders: %s", sent)
    return sent


def recover_lost_work(now: dt.datetime | None = None) -> dict[str, int]:
    """Sends still 发送中 long after they were queued go back on the queue, and a day's reminders that a dead
    worker never ran run now (only after 08:00, when they were due). Both are idempotent: a notice is written once
    (it is locked and checked 发送中), a reminder plan sends once a day (one `ReminderRun` row per day, written
    in the transaction that writes its messages), so no parent gets two messages for one send."""
    from dudao.notices.services import requeue_stuck_sends

    now = timezone.localtime(now)
    requeued = requeue_stuck_sends()
    if requeued:
        log.warning("notice sends queued again after a lost worker: %s", requeued)
    reminders = {"plans": 0, "messages": 0}
    if now.hour >= REMINDER_HOUR:
        reminders = run_reminders(today=now.date())
        if reminders["plans"]:
            log.warning("notice reminders caught up after a lost worker: %s", reminders)
    return {"sends": len(requeued), **reminders}


@db_periodic_task(crontab(minute="*/5"))
def recover_lost_notice_work() -> dict[str, int]:
    """Every five minutes (see `recover_lost_work`)."""
    return recover_lost_work()


@db_task(retries=2, retry_delay=60)
def send_queued_notice(notice_id: int, actor_id: int) -> dict[str, int]:
    """A large audience's receipts and links, written in the background (see services.send_notice)."""
    from dudao.notices.services import send_queued

    counts = send_queued(notice_id=notice_id, actor_id=actor_id)
    log.info("queued notice %s sent: %s", notice_id, counts)
    return counts
