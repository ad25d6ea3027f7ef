"""The nightly recomputation of every scheme under way (announced, period started); `manage.py appraisal_compute`
runs the same."""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from dudao.appraisal.services import recompute_open_schemes

log = logging.getLogger("dudao.appraisal")


@db_periodic_task(crontab(hour="2", minute="30"))
def recompute_results() -> dict[int, str]:
    outcome = recompute_open_schemes()
    log.info("appraisal results recomputed: %s", outcome)
    return outcome
