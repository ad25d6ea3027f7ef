"""下载中心: start an export (directly when small, as a background job when large), run it, serve and expire it.

A job runs with the identity its owner started it under and calls the export's writer again at run time, so a
role revoked or a unit moved out of scope in the meantime stops the job with a message instead of writing the
file (docs/下载中心.md).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import tempfile
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import IO

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone

from dudao.accounts.models import User
from dudao.audit.services import Entry, append, record_access, record_change
from dudao.core.errors import DomainError, Forbidden
from dudao.core.excel import write_xlsx
from dudao.core.exporting import ExportKind, ExportPlan, export_kind
from dudao.exports.models import ACTIVE, ExportJob, JobStatus
from dudao.orgs.scoping import acting_assignment, assignments_of, can

log = logging.getLogger("dudao.exports")

FAILED_UNEXPECTEDLY = "生成文件时服务器出错，文件未生成。请稍后重试，或联系管理员。"
INTERRUPTED = "导出未正常结束（服务器进程中断），文件未生成，请重新导出。"
IDENTITY_GONE = "发起时使用的身份已被撤销或所在单位已撤并，任务未执行。"
JOB_FIELDS = ["kind", "label", "filters", "status", "row_count", "filename", "size", "error"]


def clean_filters(filters: Mapping[str, object]) -> dict[str, str]:
    """The export's filters as plain strings (they are query parameters); empty ones and paging dropped."""
    cleaned: dict[str, str] = {}
    for key, value in filters.items():
        if key in {"page", "after", "before", "csrfmiddlewaretoken", "kind", "next", "background"} or value is None:
            continue
        text = str(value).strip()
        if text and len(key) <= 40 and len(text) <= 200:
            cleaned[str(key)] = text
    return dict(sorted(cleaned.items()))


def plan_for(*, actor: User, kind: str, filters: Mapping[str, str]) -> tuple[ExportKind, ExportPlan]:
    """The export as the direct download would write it: role, scope and input checked by the owning app."""
    spec = export_kind(kind)
    if not can(actor, spec.permission):
        raise Forbidden("您当前的身份不能导出这些数据")
    return spec, spec.writer(actor, filters)


@dataclass(frozen=True)
class Started:
    """What the export button gets back: a job (new, or the one already under way) or a direct download."""

    job: ExportJob | None
    plan: ExportPlan
    created: bool = False


def sync_limit() -> int:
    return int(settings.DUDAO_EXPORT_SYNC_LIMIT)


def start_export(*, actor: User, kind: str, filters: Mapping[str, object], background: bool = False) -> Started:
    """Start an export. Up to `DUDAO_EXPORT_SYNC_LIMIT` rows it stays a direct download (no job) unless
    `background`; above, or when asked, a job is queued. The same export already queued or running for the same
    user and identity is returned instead of a second one."""
    cleaned = clean_filters(filters)
    spec, plan = plan_for(actor=actor, kind=kind, filters=cleaned)
    if plan.count == 0:
        raise DomainError("没有符合条件的记录可以导出", code="export_empty")
    if plan.count <= sync_limit() and not background:
        return Started(job=None, plan=plan)
    assignment = acting_assignment(actor)
    fingerprint = _fingerprint(actor, assignment.pk if assignment else None, kind, cleaned)
    running = ExportJob.objects.filter(fingerprint=fingerprint, status__in=ACTIVE).first()
    if running is not None:
        return Started(job=running, plan=plan)
    try:
        with transaction.atomic():
            job = ExportJob.objects.create(
                owner=actor,
                assignment_id=assignment.pk if assignment else None,
                kind=kind,
                label=plan.description or spec.label,
                filters=cleaned,
                fingerprint=fingerprint,
                total_rows=plan.count,
                personal_data=spec.personal_data,
                filename=plan.filename,
            )
            record_change(
                actor=actor,
                action="start_export",
                obj=job,
                unit_path=assignment.unit.path if assignment else "",
                after={"kind": kind, "label": job.label, "filters": cleaned, "rows": plan.count},
            )
            job_id = job.pk
            transaction.on_commit(lambda: _enqueue(job_id))
    except IntegrityError:
        # The other click won the race: show its job.
        return Started(job=ExportJob.objects.get(fingerprint=fingerprint, status__in=ACTIVE), plan=plan)
    return Started(job=job, plan=plan, created=True)


def _fingerprint(actor: User, assignment_id: int | None, kind: str, filters: dict[str, str]) -> str:
    payload = json.dumps([actor.pk, assignment_id, kind, filters], ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()


def _enqueue(job_id: int) -> None:
    from dudao.exports.tasks import run_export_job

    run_export_job(job_id)


def run_export(*, job_id: int) -> ExportJob:
    """The background half (huey task `run_export_job`, command `run_export`). A rerun of a job that already
    started or ended does nothing."""
    now = timezone.now()
    claimed = ExportJob.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(
        status=JobStatus.RUNNING, started_at=now
    )
    job = ExportJob.objects.select_related("owner").get(pk=job_id)
    if not claimed:
        return job
    storage_name = ""
    try:
        owner = owner_as_then(job.owner_id, job.assignment_id)
        _, plan = plan_for(actor=owner, kind=job.kind, filters=job.filters)
        with tempfile.TemporaryFile() as spool:
            rows = _write(job, plan, spool)
            spool.seek(0)
            storage_name = default_storage.save(f"exports/{job.owner_id}/{uuid.uuid4().hex}.xlsx", File(spool))
        with transaction.atomic():
            finished = timezone.now()
            ExportJob.objects.filter(pk=job.pk).update(
                status=JobStatus.DONE,
                progress=100,
                row_count=rows,
                storage_name=storage_name,
                size=default_storage.size(storage_name),
                filename=plan.filename,
                finished_at=finished,
                expires_at=finished + dt.timedelta(days=settings.DUDAO_EXPORT_KEEP_DAYS),
            )
            # The access event of the export itself, as the direct download leaves it.
            plan.record_access()
    except DomainError as exc:
        _fail(job, exc.message, storage_name)
    except Exception:
        log.exception("export job %s failed", job.pk)
        _fail(job, FAILED_UNEXPECTEDLY, storage_name)
    job.refresh_from_db()
    return job


def owner_as_then(owner_id: int, assignment_id: int | None) -> User:
    """A job's owner acting through the identity the job was started under, which must still be theirs."""
    owner = User.objects.get(pk=owner_id)
    if not owner.is_active:
        raise DomainError("发起任务的账号已停用，任务未执行。", code="job_owner_inactive")
    if assignment_id is not None:
        if assignment_id not in {a.pk for a in assignments_of(owner)}:
            raise DomainError(IDENTITY_GONE, code="job_identity_gone")
        owner.acting_assignment_id = assignment_id
    return owner


def _write(job: ExportJob, plan: ExportPlan, spool: IO[bytes]) -> int:
    total = max(plan.count, 1)
    # About a hundred progress writes for a large export, none per row.
    every = max(200, min(10_000, total // 100))

    def report(done: int) -> None:
        ExportJob.objects.filter(pk=job.pk).update(progress=min(99, done * 100 // total), row_count=done)

    return write_xlsx(
        spool,
        headers=plan.headers,
        rows=plan.rows(),
        sheet_name=plan.sheet_name,
        column_widths=plan.column_widths,
        title=plan.title,
        landscape=plan.landscape,
        on_rows=report,
        every=every,
        split_sheets=True,
    )


def _fail(job: ExportJob, message: str, storage_name: str) -> None:
    if storage_name:
        default_storage.delete(storage_name)
    ExportJob.objects.filter(pk=job.pk).update(
        status=JobStatus.FAILED, error=message, finished_at=timezone.now(), storage_name=""
    )


def open_download(*, actor: User, job: ExportJob) -> File[bytes]:
    """The job's file for its owner (the caller found the job through `selectors.jobs_for`); the download of
    personal data leaves an access event."""
    if job.owner_id != actor.pk:
        raise Forbidden("只能下载本人导出的文件")
    if job.status == JobStatus.EXPIRED or (job.expires_at is not None and job.expires_at <= timezone.now()):
        raise DomainError("文件已过期删除，请重新导出", code="export_expired", status=410)
    if job.status != JobStatus.DONE:
        raise DomainError("文件尚未生成完毕，请稍候", code="export_not_ready", status=409)
    handle = default_storage.open(job.storage_name, "rb")
    with transaction.atomic():
        ExportJob.objects.filter(pk=job.pk, downloaded_at__isnull=True).update(downloaded_at=timezone.now())
        if job.personal_data:
            record_access(
                actor=actor,
                action="download_export",
                obj=job,
                unit_path=_unit_path(job),
                details={"kind": job.kind, "label": job.label, "rows": job.row_count, "filters": job.filters},
            )
    return handle


def _unit_path(job: ExportJob) -> str:
    for assignment in assignments_of(job.owner):
        if assignment.pk == job.assignment_id:
            return str(assignment.unit.path)
    return ""


def delete_job(*, actor: User, job: ExportJob) -> None:
    """The owner removes a file before it expires (or a failed entry from the list)."""
    if job.owner_id != actor.pk:
        raise Forbidden("只能删除本人导出的文件")
    if job.is_active:
        raise DomainError("导出正在进行，完成后才能删除", code="export_running", status=409)
    with transaction.atomic():
        before = {"status": job.status, "filename": job.filename, "rows": job.row_count}
        name = job.storage_name
        record_change(actor=actor, action="delete_export", obj=job, unit_path=_unit_path(job), before=before)
        job.delete()
        if name:
            transaction.on_commit(lambda: default_storage.delete(name))


def purge_expired(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Delete the files of expired exports (the job row stays, marked 已过期) and fail jobs whose process died
    (huey periodic task, command `purge_exports`)."""
    now = now or timezone.now()
    expired = list(ExportJob.objects.filter(status=JobStatus.DONE, expires_at__lte=now).select_related("owner"))
    for job in expired:
        if job.storage_name:
            default_storage.delete(job.storage_name)
    if expired:
        with transaction.atomic():
            ExportJob.objects.filter(pk__in=[j.pk for j in expired]).update(status=JobStatus.EXPIRED, storage_name="")
            append(
                actor=None,
                entries=[
                    Entry(
                        action="expire_export",
                        obj=job,
                        unit_path=_unit_path(job),
                        changes={"status": [JobStatus.DONE.value, JobStatus.EXPIRED.value], "filename": job.filename},
                    )
                    for job in expired
                ],
            )
    stale = now - dt.timedelta(minutes=settings.DUDAO_EXPORT_STALE_MINUTES)
    interrupted = ExportJob.objects.filter(status__in=ACTIVE, created_at__lt=stale).update(
        status=JobStatus.FAILED, error=INTERRUPTED, finished_at=now
    )
    return {"expired": len(expired), "interrupted": interrupted}
