"""Home items and menu entry of inspections; demo data registers on import."""

from __future__ import annotations

from django.db.models import Q
from django.urls import reverse

from dudao.accounts.models import User
from dudao.core.home import HomeItem, register
from dudao.core.nav import nav_item
from dudao.inspections import demo  # noqa: F401  (registers the demo step)
from dudao.inspections.models import InspectionKind, TargetStatus
from dudao.inspections.selectors import targets_for
from dudao.orgs.models import RoleAssignment
from dudao.orgs.scoping import can

nav_item("督查测评", "inspections:rounds", permission="inspection.read", order=30)


@register("inspections")
def inspections_home(user: User, acting: RoleAssignment | None) -> list[HomeItem]:
    if acting is None or not can(user, "inspection.fill"):
        return []
    school_level = acting.unit.kind not in ("bureau", "district", "office")
    mine = targets_for(user).exclude(status=TargetStatus.SUBMITTED)
    if school_level:
        mine = mine.filter(inspection__kind=InspectionKind.SELF)
    else:
        mine = mine.exclude(inspection__kind=InspectionKind.SELF).filter(
            Q(team__members=user) | Q(team__isnull=True, inspection__created_by=user)
        )
    count = mine.distinct().count()
    if not count:
        return []
    return [
        HomeItem(
            title="待填写的自查表" if school_level else "待填写的测评表",
            count=count,
            url=reverse("inspections:rounds"),
            kind="todo",
            level="warning",
            order=20,
        )
    ]
