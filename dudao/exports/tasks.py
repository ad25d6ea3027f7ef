"""Background exports and the hourly clean-up of expired files."""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

log = logging.getLogger("dudao.exports")


@db_task()
def run_export_job(job_id: int) -> str:
    from dudao.exports.services import run_export

    job = run_export(job_id=job_id)
    log.info("export job %s: %s, %s rows", job.pk, job.status, job.row_count)
    return str(job.status)


@db_task()
def run_import_job(job_id: int) -> str:
    from dudao.exports.imports import run_import

    job = run_import(job_id=job_id)
    log.info("import job %s: %s %s", job.pk, job.status, job.counts)
    return str(job.status)


@db_periodic_task(crontab(minute="17"))
def purge_expired_exports() -> dict[str, int]:
    """Hourly: files past their expiry are deleted; jobs whose worker died are marked failed."""
    from dudao.exports.services import purge_expired

    counts = purge_expired()
    log.info("export clean-up: %s", counts)
    return counts
