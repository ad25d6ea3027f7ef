"""The ledger's side of `dudao.core.ledger`: hazards handed over by domain apps on the ledger's floor (the risk
register's checks) become ordinary ledger items through the same path as problems raised by form."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from django.urls import reverse
from django.utils import timezone

from dudao.accounts.models import User
from dudao.core.ledger import Hazard, ItemState
from dudao.orgs.models import OrgUnit, UnitKind
from dudao.rectification.models import ItemPhoto, ItemSource, ItemStatus, PhotoStage, RectificationItem, StepKind
from dudao.rectification.services import create_items
from dudao.rectification.sources import finding_source


@dataclass
class _Handed:
    school: OrgUnit
    category: str
    description: str
    severity: str
    due_limit: object
    source: str


class LedgerIntake:
    def hand_over(self, *, actor: User, hazards: Sequence[Hazard]) -> list[int]:
        """A school's hazard is its own 自查 problem (closed inside the school, spot-checked by the district);
        a district's or office's goes in as 其他 and is verified from above, like any of their items."""
        if not hazards:
            return []
        handed = [
            _Handed(h.unit, h.category[:100], h.description[:500], h.severity, h.due_limit, h.source_ref[:100])
            for h in hazards
        ]
        findings = finding_source().record_handed_over(actor=actor, findings=handed)  # type: ignore[arg-type]
        sources = [
            (ItemSource.SELF_CHECK if h.unit.kind == UnitKind.SCHOOL else ItemSource.OTHER, h.source_ref)
            for h in hazards
        ]
        items = create_items(actor=actor, findings=findings, sources=sources)
        photos = [
            ItemPhoto(
                item=item,
                step=item.steps.get(kind=StepKind.CREATED),
                stage=PhotoStage.BEFORE,
                file_id=file_id,
            )
            for item, hazard in zip(items, hazards, strict=True)
            for file_id in hazard.photo_ids
        ]
        ItemPhoto.objects.bulk_create(photos)
        return [item.pk for item in items]

    def states(self, item_ids: Collection[int]) -> dict[int, ItemState]:
        today = timezone.localdate()
        rows = RectificationItem.objects.filter(pk__in=list(item_ids)).select_related("owner")
        return {
            item.pk: ItemState(
                item_id=item.pk,
                status_label=item.get_status_display(),
                is_closed=item.status == ItemStatus.CLOSED,
                due_date=item.due_date,
                is_overdue=item.is_overdue_on(today),
                owner_name=item.owner.display_name if item.owner else "",
                url=reverse("rectification:item", args=[item.pk]),
            )
            for item in rows
        }
