"""Nightly check of the audit chain (also available as `manage.py audit_verify`)."""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from dudao.audit.services import verify_chain

logger = logging.getLogger("dudao.audit")


@db_periodic_task(crontab(hour="2", minute="30"))
def verify_audit_chain() -> bool:
    result = verify_chain()
    if result.ok:
        logger.info("audit chain intact: %s events", result.checked)
    else:
        logger.error("audit chain broken at event %s: %s", result.broken_seq, result.reason)
    return result.ok
