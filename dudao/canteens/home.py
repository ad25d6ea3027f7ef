"""Menu entry and home items of the canteens app: today's lunch records missing (red after the deadline) and
documents expired or expiring."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from dudao.accounts.models import User
from dudao.canteens import selectors
from dudao.core.home import HomeItem, register
from dudao.core.nav import nav_item
from dudao.orgs.models import RoleAssignment
from dudao.orgs.scoping import can

nav_item("食堂与食品安全", "canteens:index", permission="canteen.read", order=65, group="safety")


@register("canteens")
def canteens_home(user: User, acting: RoleAssignment | None) -> list[HomeItem]:
    if acting is None or not can(user, "canteen.read"):
        return []
    today = timezone.localdate()
    canteens = selectors.canteens_for(user)
    items: list[HomeItem] = []
    if selectors.is_school_day(today):
        missing = canteens.filter(selectors.lunch_missing_filter(today)).count()
        if missing:
            overdue = selectors.is_overdue_now(today)
            items.append(
                HomeItem(
                    title="今日午餐留样或陪餐未记录",
                    count=missing,
                    url=reverse("canteens:index") + "?show=red",
                    kind="todo",
                    level="danger" if overdue else "warning",
                    hint=f"应在 {selectors.deadline_label()} 前记录",
                    order=9,
                )
            )
    expired = selectors.workers_for(user).filter(is_active=True, certificate_expires_on__lt=today).count()
    if expired:
        items.append(
            HomeItem(
                title="食堂从业人员健康证已过期",
                count=expired,
                url=reverse("canteens:index") + "#documents",
                kind="todo",
                level="danger",
                order=10,
            )
        )
    return items
