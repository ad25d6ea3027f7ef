"""Helpers shared by the health services."""

from __future__ import annotations

from dudao.core.errors import check_version
from dudao.health.models import AbsenceRecord


def _locked_absence(absence: AbsenceRecord, version: int | None) -> AbsenceRecord:
    fresh = (
        AbsenceRecord.objects.select_for_update(of=("self",))
        .select_related("klass", "diagnosis", "suspected")
        .get(pk=absence.pk)
    )
    check_version(fresh, version)
    return fresh
