"""The record of each import, kept apart from the import's own all-or-nothing transaction.

A 20,000-row roster can outlast the proxy's timeout: the browser shows an error while the server goes on and
commits. So every importer wraps its work in `tracked_import`: a record (who, which file, its sha256) is
committed before the work starts and updated, in its own short transaction, when it ends. The page
“导入记录” lists them; the same file sent again into the same unit while it is still running is refused.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from dudao.core.errors import DomainError
from dudao.core.excel import ImportRejected
from dudao.core.models import ImportKind, ImportRecord, ImportStatus

MAX_STORED_ERRORS = 50
INTERRUPTED = "导入未正常结束（服务器进程中断）。导入是整体进行的，中断时一般没有写入任何数据，请核对后重新上传。"


def stale_after() -> dt.timedelta:
    """How long a record may say “running” before it is taken for an import whose process was killed."""
    return dt.timedelta(minutes=settings.DUDAO_IMPORT_STALE_MINUTES)


@dataclass
class Outcome:
    """What the importer reports on success: a sentence for the user and the counts behind it."""

    message: str = ""
    counts: dict[str, int] = field(default_factory=dict)

    def succeeded(self, message: str, **counts: int) -> None:
        self.message = message
        self.counts = counts


@contextmanager
def tracked_import(*, actor: Any, kind: ImportKind, unit: Any, data: bytes, filename: str) -> Iterator[Outcome]:
    """Record the import around the importer's work. Call with no transaction open: the record must be
    committed (and so visible to the user's next request) before the work begins."""
    record = _begin(actor=actor, kind=kind, unit=unit, data=data, filename=filename)
    outcome = Outcome()
    try:
        yield outcome
    except ImportRejected as exc:
        _finish(record, ImportStatus.FAILED, exc.message, errors=[str(e) for e in exc.errors[:MAX_STORED_ERRORS]])
        raise
    except DomainError as exc:
        _finish(record, ImportStatus.FAILED, exc.message)
        raise
    except BaseException:
        _finish(record, ImportStatus.FAILED, "导入时服务器出错，未导入任何数据。请稍后重试，或联系管理员。")
        raise
    _finish(record, ImportStatus.SUCCEEDED, outcome.message, counts=outcome.counts)


def _begin(*, actor: Any, kind: ImportKind, unit: Any, data: bytes, filename: str) -> ImportRecord:
    digest = hashlib.sha256(data).hexdigest()
    now = timezone.now()
    same_file = ImportRecord.objects.filter(kind=kind, unit_path=unit.path, sha256=digest, status=ImportStatus.RUNNING)
    try:
        with transaction.atomic(durable=True):
            same_file.filter(started_at__lt=now - stale_after()).update(
                status=ImportStatus.FAILED, message=INTERRUPTED, finished_at=now
            )
            running = same_file.first()
            if running is not None:
                raise _already_running(running)
            return ImportRecord.objects.create(
                kind=kind,
                unit_path=unit.path,
                unit_name=unit.name[:100],
                file_name=(filename or "未命名文件")[:200],
                sha256=digest,
                size=len(data),
                started_by=actor if getattr(actor, "pk", None) else None,
                started_by_name=str(getattr(actor, "display_name", "") or actor)[:150],
                started_at=now,
            )
    except IntegrityError:
        # Two uploads of the same file at the same moment: the database let one through.
        running = same_file.first()
        raise _already_running(running) from None


def _already_running(record: ImportRecord | None) -> DomainError:
    since = f"（{record.started_by_name} 于 {timezone.localtime(record.started_at):%H:%M} 开始）" if record else ""
    return DomainError(
        f"同一文件正在导入{since}，请勿重复上传。导入在服务器上继续进行，完成后可在“导入记录”中查看结果。",
        code="import_running",
        status=409,
    )


def _finish(
    record: ImportRecord,
    status: ImportStatus,
    message: str,
    *,
    counts: dict[str, int] | None = None,
    errors: list[str] | None = None,
) -> None:
    with transaction.atomic(durable=True):
        ImportRecord.objects.filter(pk=record.pk).update(
            status=status, message=message, counts=counts or {}, errors=errors or [], finished_at=timezone.now()
        )


def records_for(user: Any, *, kind: str = "") -> QuerySet[ImportRecord]:
    """Selector for “导入记录”: the user's units only, newest first."""
    records = ImportRecord.objects.for_user(user, "read")
    if kind in ImportKind.values:
        records = records.filter(kind=kind)
    return records


def is_interrupted(record: ImportRecord) -> bool:
    return record.status == ImportStatus.RUNNING and record.started_at < timezone.now() - stale_after()
