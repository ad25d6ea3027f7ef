"""Home page to-dos: reports the unit owes, directives to acknowledge, reports awaiting my approval, reminders."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from dudao.accounts.models import User
from dudao.core.home import HomeItem, register
from dudao.directives import selectors
from dudao.directives.models import DirectiveStatus, DirectiveTarget
from dudao.orgs.models import RoleAssignment
from dudao.orgs.scoping import can


@register("directives")
def directives_home(user: User, acting: RoleAssignment | None) -> list[HomeItem]:
    if acting is None or not can(user, "directive.read"):
        return []
    items: list[HomeItem] = []
    if can(user, "submission.change"):
        tasks = list(selectors.my_open_tasks(user).values_list("period__deadline", flat=True))
        if tasks:
            now = timezone.now()
            overdue = sum(1 for deadline in tasks if deadline < now)
            items.append(
                HomeItem(
                    title="待报送",
                    count=len(tasks),
                    kind="todo",
                    level="danger" if overdue else "warning",
                    hint=f"其中 {overdue} 项已逾期" if overdue else "",
                    url=reverse("directives:list") + "?mine=1",
                    order=10,
                )
            )
    if can(user, "directive.acknowledge"):
        unacknowledged = DirectiveTarget.objects.filter(
            unit=acting.unit, acknowledged_at__isnull=True, directive__status=DirectiveStatus.ISSUED
        ).count()
        if unacknowledged:
            items.append(
                HomeItem(
                    title="待签收的通知",
                    count=unacknowledged,
                    kind="todo",
                    level="warning",
                    url=reverse("directives:list") + "?mine=1",
                    order=11,
                )
            )
    if can(user, "submission.approve"):
        waiting = len(selectors.awaiting_my_approval(user))
        if waiting:
            items.append(
                HomeItem(
                    title="待审核的报送",
                    count=waiting,
                    kind="todo",
                    level="primary",
                    url=reverse("directives:approvals"),
                    order=12,
                )
            )
    today = timezone.localdate()
    reminders = selectors.reminders_for(user).filter(day=today).count()
    if reminders:
        items.append(
            HomeItem(
                title="今日提醒（催报、撤回、更正）",
                count=reminders,
                kind="todo",
                level="danger",
                url=reverse("directives:reminders"),
                order=13,
            )
        )
    return items
