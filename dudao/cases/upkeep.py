"""Retention (archive closed cases of leavers, purge after N years with counts only) and key rotation."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from functools import partial

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from dudao.audit.services import Entry, append
from dudao.cases.models import (
    CaseAttachment,
    CaseFile,
    CaseNote,
    CaseStatus,
    DropoutSuggestion,
    Referral,
    ScreeningResult,
)
from dudao.core.errors import DomainError
from dudao.core.models import StoredFile
from dudao.orgs.models import StudentStatus

log = logging.getLogger("dudao.cases")

# ----- retention ----------------------------------------------------------------------------------------------


def archive_cases(*, now: dt.datetime | None = None) -> int:
    """Closed cases of students who have left the school system are archived (hidden from daily lists)."""
    now = now or timezone.now()
    with transaction.atomic():
        ids = list(
            CaseFile.objects.filter(status=CaseStatus.CLOSED, student__status=StudentStatus.LEFT).values_list(
                "pk", flat=True
            )
        )
        if ids:
            CaseFile.objects.filter(pk__in=ids).update(status=CaseStatus.ARCHIVED, archived_at=now, updated_at=now)
            append(
                actor=None,
                entries=[
                    Entry(
                        action="case_archive",
                        object_type="cases.casefile",
                        object_repr=f"{len(ids)} 份个案归档",
                        changes={"archived": len(ids)},
                    )
                ],
            )
    return len(ids)


def purge_cases(*, years: int | None = None, now: dt.datetime | None = None, batch: int = 500) -> dict[str, int]:
    """Delete archived cases older than the retention period; the audit record holds counts only."""
    years = settings.DUDAO_CASE_RETENTION_YEARS if years is None else years
    if years < 1:
        raise DomainError("保存年限至少 1 年", code="bad_years")
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=365 * years)
    counts = {"cases": 0, "notes": 0, "referrals": 0, "attachments": 0, "screening_results": 0}
    while True:
        with transaction.atomic():
            ids = list(
                CaseFile.objects.filter(status=CaseStatus.ARCHIVED, archived_at__lt=cutoff)
                .order_by("pk")
                .values_list("pk", flat=True)[:batch]
            )
            if not ids:
                break
            counts["notes"] += CaseNote.objects.filter(case_id__in=ids).count()
            counts["referrals"] += Referral.objects.filter(case_id__in=ids).count()
            # Attachments: the StoredFile rows and their blobs go with the case (nothing else points at them).
            file_ids = list(CaseAttachment.objects.filter(case_id__in=ids).values_list("file_id", flat=True))
            counts["attachments"] += len(file_ids)
            # The screening answers that led to the case are about the same child: purged with it.
            counts["screening_results"] += ScreeningResult.objects.filter(case_id__in=ids).delete()[0]
            DropoutSuggestion.objects.filter(case_id__in=ids).update(case=None)
            CaseFile.objects.filter(pk__in=ids).delete()
            orphans = StoredFile.objects.filter(pk__in=file_ids).exclude(
                pk__in=CaseAttachment.objects.values("file_id")
            )
            blobs = list(orphans.values_list("storage_name", flat=True))
            orphans.delete()
            # The blobs go once the rows are gone for good: a rolled-back batch keeps its files.
            transaction.on_commit(partial(_delete_blobs, blobs))
            counts["cases"] += len(ids)
    with transaction.atomic():
        append(
            actor=None,
            entries=[
                Entry(
                    action="case_purge",
                    object_type="cases.casefile",
                    object_repr=f"清除 {counts['cases']} 份超期归档个案",
                    changes={**counts, "years": years, "cutoff": cutoff.date().isoformat()},
                )
            ],
        )
    return counts


def _delete_blobs(names: list[str]) -> None:
    for name in names:
        try:
            default_storage.delete(name)
        except OSError:
            log.warning("清除个案附件文件失败：%s", name)


# ----- key rotation -------------------------------------------------------------------------------------------


def rotate_keys(*, batch: int = 200, progress: Callable[[str, int], None] | None = None) -> dict[str, int]:
    """Re-encrypt every value not under the current key, row by row in small transactions.

    Readers keep working throughout (old keys still decrypt); a stopped run resumes where it left off because
    rows already under the current key no longer match."""
    from django.db.models import F, TextField
    from django.db.models.functions import Cast

    from dudao.core import crypto

    prefix = f"{crypto.current_key_id()}:"
    counts: dict[str, int] = {}
    for model in crypto.crypto_models():
        fields = [f for f in model._meta.concrete_fields if isinstance(f, crypto.EncryptedTextField)]
        raw = {f"raw_{f.name}": Cast(F(f.name), output_field=TextField()) for f in fields}
        stale = Q()
        for f in fields:
            stale |= ~Q(**{f"raw_{f.name}": ""}) & ~Q(**{f"raw_{f.name}__startswith": prefix})
        done = 0
        while True:
            with transaction.atomic():
                ids = list(
                    model.objects.annotate(**raw).filter(stale).order_by("pk").values_list("pk", flat=True)[:batch]
                )
                if not ids:
                    break
                for row in model.objects.select_for_update().filter(pk__in=ids):
                    row.save(update_fields=[f.name for f in fields])
                done += len(ids)
            if progress:
                progress(model._meta.label, done)
        counts[model._meta.label] = done
    with transaction.atomic():
        append(
            actor=None,
            entries=[
                Entry(
                    action="case_key_rotate",
                    object_type="cases.key",
                    object_repr=f"个案密钥轮换至 {prefix[:-1]}",
                    changes={"key_id": prefix[:-1], **counts},
                )
            ],
        )
    return counts
