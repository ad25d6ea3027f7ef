"""Nightly purge of visitor records past the retention period (DUDAO_VISITOR_RETENTION_DAYS, default 30 days):
personal data is kept no longer than needed. `manage.py gate_purge` runs the same job."""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from dudao.gate.services import purge_expired

log = logging.getLogger("dudao.gate")


@db_periodic_task(crontab(hour="2", minute="40"))
def purge_visitors() -> int:
    deleted = purge_expired()
    log.info("visitor records purged: %s", deleted)
    return deleted
