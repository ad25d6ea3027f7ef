"""Menu entries and home items of 师德师风: this year's commitment not yet acknowledged (the person's own to-do),
open incidents for those who handle them."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from dudao.accounts.models import User
from dudao.core.home import HomeItem, register
from dudao.core.nav import nav_item
from dudao.ethics import selectors
from dudao.orgs.models import RoleAssignment
from dudao.orgs.scoping import can

nav_item("师德师风", "ethics:index", permission=("ethics.read", "ethics.commitments"), order=93, group="system")
nav_item("我的师德", "ethics:mine", permission="ethics.acknowledge", order=94, group="system")


@register("ethics")
def ethics_home(user: User, acting: RoleAssignment | None) -> list[HomeItem]:
    if acting is None:
        return []
    items: list[HomeItem] = []
    if can(user, "ethics.acknowledge"):
        commitment = selectors.commitment_of(user, timezone.localdate().year)
        if commitment is not None and selectors.has_acknowledged(user, commitment) is None:
            items.append(
                HomeItem(
                    title=f"请签署{commitment.title}",
                    count=1,
                    url=reverse("ethics:mine"),
                    kind="todo",
                    level="warning",
                    hint=f"截止 {commitment.due_on:%Y-%m-%d}" if commitment.due_on else "",
                    order=30,
                )
            )
    if can(user, "ethics.handle"):
        open_count = (
            selectors.incidents_for(user)
            .filter(school__path__under=acting.unit.path, status__in=selectors.OPEN_STATUSES)
            .exclude(teacher=user)
            .count()
        )
        if open_count:
            items.append(
                HomeItem(
                    title="师德事件待办理",
                    count=open_count,
                    url=reverse("ethics:index") + "?status=",
                    kind="todo",
                    level="warning",
                    order=31,
                )
            )
    return items
