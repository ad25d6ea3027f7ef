"""Health jobs: alert escalation every 10 minutes, the outbreak scan after the morning and noon checks."""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from dudao.health.services import escalate_alerts, scan_day

log = logging.getLogger("dudao.health")


@db_periodic_task(crontab(minute="*/10"))
def escalate_unacknowledged_alerts() -> int:
    """Alerts unacknowledged for 2 hours reach the district's health officer (`manage.py health_escalate`)."""
    count = escalate_alerts()
    if count:
        log.info("health alerts escalated: %s", count)
    return count


@db_periodic_task(crontab(hour="9,14,20", minute="30"))
def outbreak_scan() -> dict[str, int]:
    """09:30, 14:30 and 20:30 Beijing time, after each session's deadline (`manage.py health_scan`)."""
    result = scan_day()
    log.info("health scan: %s", result)
    return result
