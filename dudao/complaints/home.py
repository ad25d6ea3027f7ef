"""Menu entry and home items of 投诉与建议: items to route and to accept (the office), items to answer (the unit),
overdue items below."""

from __future__ import annotations

from django.urls import reverse

from dudao.accounts.models import User
from dudao.complaints import selectors
from dudao.core.home import HomeItem, register
from dudao.core.nav import nav_item
from dudao.orgs.models import RoleAssignment
from dudao.orgs.scoping import can

nav_item("投诉与建议", "complaints:list", permission="complaint.read", group="inspection", order=40)


@register("complaints")
def complaints_home(user: User, acting: RoleAssignment | None) -> list[HomeItem]:
    if acting is None or not can(user, "complaint.read"):
        return []
    counts = selectors.home_counts(user, acting.unit)
    url = reverse("complaints:list")
    items = []
    if counts.to_route:
        items.append(
            HomeItem(
                title="待分办的群众诉求",
                count=counts.to_route,
                url=f"{url}?box=all&status=received",
                kind="todo",
                level="warning",
                hint="请转责任单位办理并确定答复时限",
                order=8,
            )
        )
    if counts.to_accept:
        items.append(
            HomeItem(
                title="待审核的诉求答复",
                count=counts.to_accept,
                url=f"{url}?box=all&status=replied",
                kind="todo",
                level="warning",
                hint="承办单位已答复，请审核后答复群众",
                order=9,
            )
        )
    if counts.to_reply and can(user, "complaint.reply"):
        items.append(
            HomeItem(
                title="待答复的群众诉求",
                count=counts.to_reply,
                url=f"{url}?box=mine&status=routed",
                kind="todo",
                level="danger" if counts.overdue_to_reply else "warning",
                hint=f"其中已逾期 {counts.overdue_to_reply} 件" if counts.overdue_to_reply else "请在答复时限前答复",
                order=10,
            )
        )
    if counts.overdue_below:
        items.append(
            HomeItem(
                title="下级逾期未答复的诉求",
                count=counts.overdue_below,
                url=f"{url}?box=all&status=overdue",
                kind="info",
                level="danger",
                hint="承办单位超过答复时限仍未答复",
                order=11,
            )
        )
    return items
