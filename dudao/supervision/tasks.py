"""The daily escalation of overdue 督办单 (08:00 Beijing time); `manage.py supervision_escalate` runs the same."""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from dudao.supervision.services import escalate_overdue

log = logging.getLogger("dudao.supervision")


@db_periodic_task(crontab(hour="8", minute="0"))
def escalate_orders() -> int:
    escalated = escalate_overdue()
    log.info("supervision orders escalated: %s", escalated)
    return escalated
