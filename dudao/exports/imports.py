"""Large roster imports as background jobs: the upload is checked and kept privately, the worker imports it all or
nothing through `orgs.roster.import_roster` (which records it in 导入记录 too), and the owner sees the result or
every bad cell (row, column, what is wrong) on the job's page."""

from __future__ import annotations

import io
import logging
import uuid
from typing import IO

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from dudao.accounts.models import User
from dudao.audit.services import record_change
from dudao.core.errors import DomainError, Forbidden
from dudao.core.excel import ImportRejected, read_upload
from dudao.core.exporting import NotInScope
from dudao.exports.models import ImportJob, JobStatus
from dudao.exports.services import owner_as_then
from dudao.orgs import roster
from dudao.orgs.models import OrgUnit, UnitKind
from dudao.orgs.scoping import acting_assignment, can

log = logging.getLogger("dudao.exports")

IMPORT_FAILED = "导入时服务器出错，未导入任何数据。请稍后重试，或联系管理员。"


def _school(actor: User, unit_id: int) -> OrgUnit:
    if not can(actor, "student.change"):
        raise Forbidden("您当前的身份不能导入学生名册")
    school = OrgUnit.objects.for_user(actor, "read").filter(pk=unit_id).first()
    if school is None:
        raise NotInScope("学校不存在或不在您的管理范围内")
    if school.kind != UnitKind.SCHOOL or not can(actor, "student.change", school):
        raise Forbidden("您不能导入该校的学生名册")
    return school


def start_roster_import(*, actor: User, unit_id: int, upload: IO[bytes], filename: str) -> ImportJob:
    """Check the role, the school and the file (type, size) now; import later."""
    school = _school(actor, unit_id)
    if school.is_closed:
        raise DomainError("该校已撤销，不能导入名册", code="unit_closed")
    data = read_upload(upload, name=filename)
    name = default_storage.save(f"imports/{actor.pk}/{uuid.uuid4().hex}.xlsx", ContentFile(data))
    assignment = acting_assignment(actor)
    try:
        with transaction.atomic():
            job = ImportJob.objects.create(
                owner=actor,
                assignment_id=assignment.pk if assignment else None,
                unit_id=school.pk,
                unit_name=school.name,
                filename=filename[:200],
                storage_name=name,
            )
            record_change(
                actor=actor,
                action="start_import",
                obj=job,
                unit_path=school.path,
                after={"kind": "roster", "unit": school.pk, "filename": job.filename, "bytes": len(data)},
            )
            job_id = job.pk
            transaction.on_commit(lambda: _enqueue(job_id))
    except BaseException:
        default_storage.delete(name)
        raise
    return job


def _enqueue(job_id: int) -> None:
    from dudao.exports.tasks import run_import_job

    run_import_job(job_id)


def run_import(*, job_id: int) -> ImportJob:
    """The worker's half (huey task `run_import_job`); a rerun of a started job does nothing."""
    claimed = ImportJob.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(
        status=JobStatus.RUNNING, started_at=timezone.now()
    )
    job = ImportJob.objects.get(pk=job_id)
    if not claimed:
        return job
    fields: dict[str, object] = {}
    try:
        owner = owner_as_then(job.owner_id, job.assignment_id)
        school = _school(owner, job.unit_id)
        with default_storage.open(job.storage_name, "rb") as handle:
            data = handle.read()
        result = roster.import_roster(actor=owner, school=school, upload=io.BytesIO(data), filename=job.filename)
        counts = {"created": result.created, "updated": result.updated, "unchanged": result.unchanged}
        fields = {
            "status": JobStatus.DONE,
            "counts": counts,
            "message": f"导入成功：新增 {result.created} 人，更新 {result.updated} 人，未变化 {result.unchanged} 人",
        }
    except ImportRejected as exc:
        errors = [{"row": e.row, "column": e.column, "title": e.title, "message": e.message} for e in exc.errors]
        fields = {"status": JobStatus.FAILED, "message": exc.message, "errors": errors}
    except DomainError as exc:
        fields = {"status": JobStatus.FAILED, "message": exc.message}
    except Exception:
        log.exception("import job %s failed", job_id)
        fields = {"status": JobStatus.FAILED, "message": IMPORT_FAILED}
    default_storage.delete(job.storage_name)
    ImportJob.objects.filter(pk=job_id).update(**fields, storage_name="", finished_at=timezone.now())
    job.refresh_from_db()
    return job
