"""Home items and menu entry of the ledger: what each person must do about rectification today."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils import timezone

from dudao.accounts.models import User
from dudao.core.home import HomeItem, register
from dudao.core.nav import nav_item
from dudao.orgs.models import RoleAssignment, UnitKind
from dudao.orgs.registry import open_work_checker
from dudao.orgs.scoping import can
from dudao.rectification import rules
from dudao.rectification.models import ItemSource, ItemStatus, RectificationItem
from dudao.rectification.selectors import items_for, recheck_queue, unread_reminders

nav_item("整改台账", "rectification:ledger", permission="rectification.read", order=31)

OPEN = (ItemStatus.OPEN, ItemStatus.IN_PROGRESS, ItemStatus.AWAITING_VERIFICATION)


@register("rectification")
def rectification_home(user: User, acting: RoleAssignment | None) -> list[HomeItem]:
    if acting is None or not can(user, "rectification.read"):
        return []
    today = timezone.localdate()
    ledger = reverse("rectification:ledger")
    items: list[HomeItem] = []
    unread = unread_reminders(user).count()
    if unread:
        items.append(
            HomeItem(
                title="新的整改提醒",
                count=unread,
                url=reverse("rectification:reminders"),
                kind="todo",
                level="danger",
                order=9,
            )
        )
    scoped = items_for(user)
    mine = scoped.filter(owner=user, status__in=(ItemStatus.OPEN, ItemStatus.IN_PROGRESS))
    mine_count = mine.count()
    if mine_count:
        late = mine.filter(due_date__lt=today).count()
        items.append(
            HomeItem(
                title="我负责的整改问题",
                count=mine_count,
                url=f"{ledger}?owner={user.pk}",
                kind="todo",
                level="danger" if late else "warning",
                hint=f"其中 {late} 项已逾期" if late else "",
                order=10,
            )
        )
    if can(user, "rectification.assign"):
        unassigned = scoped.filter(owner__isnull=True).exclude(status=ItemStatus.CLOSED).count()
        if unassigned:
            items.append(
                HomeItem(
                    title="待落实四定的问题",
                    count=unassigned,
                    url=f"{ledger}?unassigned=1",
                    kind="todo",
                    level="warning",
                    order=11,
                )
            )
    own_unit = acting.unit if acting.unit.kind != UnitKind.SCHOOL and rules.manages(user, acting.unit) else None
    if own_unit is not None:
        # A district bureau's own problems (巡视、审计 …) wait for its 四定 like a school's.
        unassigned_own = RectificationItem.objects.filter(school=own_unit, owner__isnull=True).exclude(
            status=ItemStatus.CLOSED
        )
        if count := unassigned_own.count():
            items.append(
                HomeItem(
                    title="本单位待落实四定的问题",
                    count=count,
                    url=f"{ledger}?unit={own_unit.pk}&unassigned=1",
                    kind="todo",
                    level="warning",
                    order=11,
                )
            )
    if can(user, "rectification.assign"):
        in_school = (
            scoped.filter(status=ItemStatus.AWAITING_VERIFICATION, source=ItemSource.SELF_CHECK)
            .exclude(owner=user)
            .exclude(closeout_requested_by=user)
            .count()
        )
        if in_school:
            items.append(
                HomeItem(
                    title="待校内验收的自查问题",
                    count=in_school,
                    url=f"{ledger}?status=awaiting_verification&source=self_check",
                    kind="todo",
                    level="primary",
                    order=12,
                )
            )
    if can(user, "rectification.verify"):
        rechecks = recheck_queue(user).count()
        if rechecks:
            items.append(
                HomeItem(
                    title="待抽查复核的自查销号",
                    count=rechecks,
                    url=reverse("rectification:rechecks"),
                    kind="todo",
                    level="info",
                    order=12,
                )
            )
        waiting = (
            scoped.filter(status=ItemStatus.AWAITING_VERIFICATION)
            .exclude(owner=user)
            .exclude(school=acting.unit)
            .count()
        )
        if waiting:
            items.append(
                HomeItem(
                    title="待验收销号",
                    count=waiting,
                    url=f"{ledger}?status=awaiting_verification",
                    kind="todo",
                    level="primary",
                    order=12,
                )
            )
    overdue = scoped.filter(status__in=OPEN, due_date__lt=today).count()
    items.append(
        HomeItem(
            title="逾期未销号问题",
            count=overdue,
            url=f"{ledger}?overdue=1",
            kind="todo" if overdue and can(user, "rectification.assign") else "info",
            level="danger" if overdue else "success",
            order=13,
        )
    )
    return items


@open_work_checker
def open_rectification(unit: Any) -> list[str]:
    count = RectificationItem.objects.filter(school__path__under=unit.path, status__in=OPEN).count()
    return [f"{count} 个未销号的整改问题"] if count else []
