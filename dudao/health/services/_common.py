"""Helpers shared by the health services."""

from __future__ import annotations

from dudao.core.locking import locked
from dudao.health.models import AbsenceRecord


def _locked_absence(absence: AbsenceRecord, version: int | None) -> AbsenceRecord:
    return locked(AbsenceRecord.objects.select_related("klass", "diagnosis", "suspected"), absence.pk, version)
