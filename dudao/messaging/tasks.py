"""The send job: deliveries queued after a message is written, and a sweep every minute for the held (quiet hours),
the retries and anything a stopped worker left behind. `manage.py messaging_send` runs the sweep by hand."""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from dudao.messaging import services

log = logging.getLogger("dudao.messaging")


@db_task()
def send_deliveries(ids: list[int]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for pk in ids:
        status = services.attempt_delivery(pk)
        counts[status] = counts.get(status, 0) + 1
    return counts


@db_periodic_task(crontab(minute="*"))
def send_due_deliveries() -> dict[str, int]:
    counts = services.send_due()
    if counts:
        log.info("message deliveries: %s", counts)
    return counts


@db_task()
def send_binding_code(binding_id: int) -> bool:
    outcome = services.send_code(binding_id)
    if not outcome.ok:
        log.warning("binding code %s not sent: %s", binding_id, outcome.error)
    return outcome.ok
