"""What the ledger asks inspections about findings: the `FindingSource` of dudao.rectification.sources, plugged in
when InspectionsConfig.ready() imports this module."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from django.db.models import QuerySet

from dudao.accounts.models import User
from dudao.inspections.models import AnswerPhoto, Finding, Inspection, InspectionKind
from dudao.inspections.selectors import rounds_for
from dudao.rectification.sources import HandedOverFinding, plug


class InspectionFindings:
    def rounds_for(self, user: User) -> QuerySet[Inspection]:
        return rounds_for(user)

    def record_handed_over(self, *, actor: User, findings: Sequence[HandedOverFinding]) -> list[Finding]:
        return Finding.objects.bulk_create(
            [
                Finding(
                    school=f.school,
                    category=f.category,
                    description=f.description,
                    severity=f.severity,
                    due_limit=f.due_limit,
                    source=f.source or "外部移交",
                    created_by=actor,
                )
                for f in findings
            ]
        )

    def self_check_rounds(self, round_ids: Collection[int]) -> set[int]:
        if not round_ids:
            return set()
        return set(Inspection.objects.filter(pk__in=round_ids, kind=InspectionKind.SELF).values_list("pk", flat=True))

    def picture_uses(self, file_ids: Collection[int]) -> set[tuple[int, int | None]]:
        uses: set[tuple[int, int | None]] = set(
            Finding.objects.filter(photos__in=file_ids).values_list("school_id", "item__id")
        )
        uses.update(
            (school_id, None)
            for school_id in AnswerPhoto.objects.filter(file_id__in=file_ids).values_list(
                "target__school_id", flat=True
            )
        )
        return uses


plug(InspectionFindings())
