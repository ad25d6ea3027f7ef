"""Partner reads, scoped: partners and campaigns by the keeping unit's subtree, tasks also by the school concerned
(a principal reads the tasks about the school); per-partner counts in one query; hazards through the ledger's own
scoped selector."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from dudao.accounts.models import User
from dudao.orgs.scoping import scope_root_path
from dudao.partners.models import OPEN_STATES, JointCampaign, Partner, PartnerTask, TaskStatus
from dudao.rectification import selectors as ledger
from dudao.rectification.models import RectificationItem


def partners_for(user: User, action: str = "read") -> QuerySet[Partner]:
    return Partner.objects.for_user(user, action).select_related("owner")


def campaigns_for(user: User, action: str = "read") -> QuerySet[JointCampaign]:
    return JointCampaign.objects.for_user(user, action).select_related("owner")


def tasks_for(user: User) -> QuerySet[PartnerTask]:
    """Tasks sent by a unit in scope, or about a school in scope."""
    root = scope_root_path(user, "partner.task_read")
    if root is None:
        return PartnerTask.objects.none()
    return PartnerTask.objects.filter(Q(owner__path__under=root) | Q(school__path__under=root)).select_related(
        "partner", "school", "owner", "campaign"
    )


def tasks_to_change(user: User) -> QuerySet[PartnerTask]:
    """Tasks the user may revoke, resend or close: those sent by a unit in the `partner.change` scope."""
    root = scope_root_path(user, "partner.change")
    if root is None:
        return PartnerTask.objects.none()
    return PartnerTask.objects.filter(owner__path__under=root).select_related("partner", "school", "owner")


def overdue(tasks: QuerySet[PartnerTask], today: dt.date) -> QuerySet[PartnerTask]:
    """Not reported back (nor closed) by the deadline."""
    return tasks.filter(due_on__lt=today, status__in=OPEN_STATES)


def public_task(task_id: int, key: str) -> PartnerTask | None:
    """The task behind a live link: the key must be the current one and the link not revoked."""
    task = (
        PartnerTask.objects.filter(pk=task_id, link_revoked_at__isnull=True)
        .select_related("partner", "school", "owner")
        .first()
    )
    if task is None or task.link_key != key:
        return None
    return task


@dataclass
class PartnerStats:
    sent: int = 0
    acknowledged: int = 0
    reported: int = 0
    closed: int = 0
    overdue: int = 0


def stats_by_partner(tasks: QuerySet[PartnerTask], today: dt.date) -> dict[int, PartnerStats]:
    """{partner id: counts} over `tasks`, in one GROUP BY query. `reported` counts tasks reported back at least
    once (closed ones included); `overdue` those not reported by their deadline."""
    rows = (
        tasks.order_by()
        .values("partner_id")
        .annotate(
            sent=Count("id"),
            acknowledged=Count("id", filter=Q(acknowledged_at__isnull=False)),
            reported=Count("id", filter=Q(reported_at__isnull=False)),
            closed=Count("id", filter=Q(status=TaskStatus.CLOSED)),
            overdue=Count("id", filter=Q(due_on__lt=today, status__in=OPEN_STATES)),
        )
    )
    return {
        r["partner_id"]: PartnerStats(r["sent"], r["acknowledged"], r["reported"], r["closed"], r["overdue"])
        for r in rows
    }


def hazard_for(user: User, hazard_id: int) -> RectificationItem | None:
    """A ledger item the user may read (the sender picks a hazard of the schools in scope)."""
    return ledger.items_for(user).select_related("school").filter(pk=hazard_id).first()


def hazards_by_id(user: User, ids: Iterable[int | None]) -> dict[int, RectificationItem]:
    wanted = {i for i in ids if i}
    if not wanted:
        return {}
    return {i.pk: i for i in ledger.items_for(user).select_related("school").filter(pk__in=wanted)}


def photos_of(task: PartnerTask) -> list[int]:
    return list(task.photos.order_by("id").values_list("file_id", flat=True))
