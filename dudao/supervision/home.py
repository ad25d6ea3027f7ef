"""Home items and menu entry of 督办与问责: orders to answer, answers to close, overdue orders below."""

from __future__ import annotations

from django.urls import reverse

from dudao.accounts.models import User
from dudao.core.home import HomeItem, register
from dudao.core.nav import nav_item
from dudao.orgs.models import RoleAssignment
from dudao.orgs.scoping import can
from dudao.supervision import selectors

nav_item("督办问责", "supervision:list", permission="supervision.read", order=19)


@register("supervision")
def supervision_home(user: User, acting: RoleAssignment | None) -> list[HomeItem]:
    if acting is None or not can(user, "supervision.read"):
        return []
    counts = selectors.home_counts(user, acting.unit)
    url = reverse("supervision:list")
    items = []
    if counts.to_answer and can(user, "supervision.respond"):
        items.append(
            HomeItem(
                title="待办理的督办单",
                count=counts.to_answer,
                url=f"{url}?box=in",
                kind="todo",
                level="danger" if counts.overdue_to_answer else "warning",
                hint=f"其中已逾期 {counts.overdue_to_answer} 件" if counts.overdue_to_answer else "请按办结时限反馈",
                order=5,
            )
        )
    if counts.to_close and can(user, "supervision.issue"):
        items.append(
            HomeItem(
                title="待审核的督办反馈",
                count=counts.to_close,
                url=f"{url}?box=out&status=responded",
                kind="todo",
                level="warning",
                hint="承办单位已反馈，请办结或退回",
                order=6,
            )
        )
    if counts.escalated_below:
        items.append(
            HomeItem(
                title="逾期未反馈的督办单",
                count=counts.escalated_below,
                url=f"{url}?status=overdue",
                kind="info",
                level="danger",
                hint="下级单位超过办结时限仍未反馈",
                order=7,
            )
        )
    return items
