"""Reads of the download centre: a user sees only their own jobs (anyone else's answers 404)."""

from __future__ import annotations

from django.db.models import QuerySet

from dudao.accounts.models import User
from dudao.exports.models import ACTIVE, ExportJob, ImportJob, JobStatus


def jobs_for(user: User) -> QuerySet[ExportJob]:
    return ExportJob.objects.filter(owner=user).order_by("-created_at", "-id")


def active_jobs(user: User) -> QuerySet[ExportJob]:
    return jobs_for(user).filter(status__in=ACTIVE)


def ready_files(user: User) -> QuerySet[ExportJob]:
    """Finished files not yet downloaded: the home page's reminder."""
    return jobs_for(user).filter(status=JobStatus.DONE, downloaded_at__isnull=True)


def import_jobs_for(user: User) -> QuerySet[ImportJob]:
    return ImportJob.objects.filter(owner=user).order_by("-created_at", "-id")
