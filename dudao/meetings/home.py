"""Home items and the menu entry of meetings: my unit's open meeting tasks (red when overdue), overdue decisions
of the meetings my unit convened, meetings I attend in the next days."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from dudao.accounts.models import User
from dudao.core.home import HomeItem, register
from dudao.core.nav import nav_item
from dudao.meetings import selectors
from dudao.orgs.models import RoleAssignment
from dudao.orgs.scoping import can

nav_item("调度会", "meetings:list", permission="meeting.read", order=17)


@register("meetings")
def meetings_home(user: User, acting: RoleAssignment | None) -> list[HomeItem]:
    if acting is None or not can(user, "meeting.read"):
        return []
    items: list[HomeItem] = []
    today = timezone.localdate()
    if can(user, "meeting.task"):
        deadlines = list(selectors.my_open_tasks(user).values_list("deadline", flat=True))
        if deadlines:
            overdue = sum(1 for d in deadlines if d < today)
            items.append(
                HomeItem(
                    title="调度会交办事项待落实",
                    count=len(deadlines),
                    url=reverse("meetings:ledger") + "?mine=1",
                    kind="todo",
                    level="danger" if overdue else "warning",
                    hint=f"其中 {overdue} 项已逾期" if overdue else "",
                    order=12,
                )
            )
    if can(user, "meeting.change"):
        overdue_count = selectors.organised_overdue(user).count()
        if overdue_count:
            items.append(
                HomeItem(
                    title="本单位调度会议定事项逾期未落实",
                    count=overdue_count,
                    url=reverse("meetings:ledger") + f"?state=overdue&organiser={acting.unit_id}",
                    kind="todo",
                    level="danger",
                    order=13,
                )
            )
    upcoming = list(selectors.upcoming_for(user)[:3])
    if upcoming:
        first = timezone.localtime(upcoming[0].starts_at)
        items.append(
            HomeItem(
                title="近期调度会",
                count=len(upcoming),
                url=reverse("meetings:detail", args=[upcoming[0].pk]),
                kind="info",
                level="primary",
                hint=f"{first.month}月{first.day}日 {first:%H:%M} {upcoming[0].title}",
                order=40,
            )
        )
    return items
