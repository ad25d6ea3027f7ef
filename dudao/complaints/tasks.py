"""The daily escalation of overdue complaints (08:10 Beijing time); `manage.py complaints_escalate` runs the same."""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from dudao.complaints.services import escalate_overdue

log = logging.getLogger("dudao.complaints")


@db_periodic_task(crontab(hour="8", minute="10"))
def escalate_complaints() -> int:
    escalated = escalate_overdue()
    log.info("complaints escalated: %s", escalated)
    return escalated
