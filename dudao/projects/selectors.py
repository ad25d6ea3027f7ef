"""Project reads, scoped by `for_user`: the bureau's list by status with budgets, and the hazard a project repairs
(a ledger item, read through the rectification ledger's own scoped selector)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum
from django.urls import reverse

from dudao.accounts.models import User
from dudao.orgs.models import OrgUnit
from dudao.projects.models import Milestone, Project, ProjectPhoto, ProjectStatus
from dudao.rectification import selectors as ledger
from dudao.rectification.models import ItemStatus


def projects_for(user: User, action: str = "read") -> QuerySet[Project]:
    return Project.objects.for_user(user, action).select_related("school")


@dataclass(frozen=True)
class Filters:
    status: str = ""
    overdue: bool = False
    unit_path: str = ""


def project_list(user: User, filters: Filters, today: dt.date) -> QuerySet[Project]:
    qs = projects_for(user)
    if filters.unit_path:
        qs = qs.filter(school__path__under=filters.unit_path)
    if filters.status in ProjectStatus.values:
        qs = qs.filter(status=filters.status)
    if filters.overdue:
        qs = qs.filter(overdue_filter(today))
    return qs.order_by("deadline", "school__path", "id")


def overdue_filter(today: dt.date) -> Q:
    return Q(deadline__lt=today) & ~Q(status__in=[ProjectStatus.COMPLETED, ProjectStatus.ACCEPTED])


@dataclass(frozen=True)
class StatusRow:
    status: str
    label: str
    count: int
    budget: Decimal

    @property
    def budget_label(self) -> str:
        return f"{self.budget:,.2f}"


def by_status(qs: QuerySet[Project]) -> list[StatusRow]:
    """Projects and the sum of their estimates per status, in the order of the workflow (one query)."""
    sums = {
        row["status"]: (row["n"], row["total"] or Decimal(0))
        for row in qs.order_by().values("status").annotate(n=Count("id"), total=Sum("estimate"))
    }
    return [
        StatusRow(s.value, s.label, sums.get(s.value, (0, Decimal(0)))[0], sums.get(s.value, (0, Decimal(0)))[1])
        for s in ProjectStatus
    ]


@dataclass(frozen=True)
class Hazard:
    item_id: int
    title: str
    status_label: str
    is_closed: bool
    url: str


def hazards_of(user: User, item_ids: Collection[int]) -> dict[int, Hazard]:
    """The ledger items the user may read among `item_ids` (one query); others are left out."""
    ids = [i for i in item_ids if i]
    if not ids:
        return {}
    rows = ledger.items_for(user).filter(pk__in=ids).only("pk", "category", "description", "status")
    return {
        item.pk: Hazard(
            item_id=item.pk,
            title=f"{item.category}：{item.description}",
            status_label=item.get_status_display(),
            is_closed=item.status == ItemStatus.CLOSED,
            url=reverse("rectification:item", args=[item.pk]),
        )
        for item in rows
    }


def hazard_for(user: User, item_id: int, school: OrgUnit) -> Hazard | None:
    """A ledger item of `school` that the user may read, for linking a new project to it."""
    item = ledger.items_for(user).filter(pk=item_id, school=school).first()
    if item is None:
        return None
    return hazards_of(user, [item.pk])[item.pk]


def open_hazards(user: User, school: OrgUnit, limit: int = 50) -> list[Hazard]:
    """The school's ledger items not yet closed: choices for "关联隐患"."""
    items = (
        ledger.items_for(user)
        .filter(school=school)
        .exclude(status=ItemStatus.CLOSED)
        .order_by("due_date", "id")
        .only("pk")[:limit]
    )
    found = hazards_of(user, [i.pk for i in items])
    return [found[i.pk] for i in items if i.pk in found]


def milestones_for(user: User) -> QuerySet[Milestone]:
    return Milestone.objects.for_user(user).select_related("project__school")


def photo_for(user: User, pk: int) -> ProjectPhoto | None:
    """A photo of a project the user may read."""
    return (
        ProjectPhoto.objects.filter(pk=pk, project__in=projects_for(user).values("pk")).select_related("file").first()
    )
