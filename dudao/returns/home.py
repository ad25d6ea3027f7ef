"""Menu entry and home item of returns: people still held back (暂缓返校) in open screenings."""

from __future__ import annotations

from django.urls import reverse

from dudao.accounts.models import User
from dudao.core.home import HomeItem, register
from dudao.core.nav import nav_item
from dudao.orgs.models import RoleAssignment
from dudao.orgs.scoping import can
from dudao.returns import selectors

nav_item("返校筛查与停课", "returns:index", permission="returns.read", order=66, group="safety")


@register("returns")
def returns_home(user: User, acting: RoleAssignment | None) -> list[HomeItem]:
    if acting is None or not can(user, "returns.names"):
        return []
    waiting = selectors.held_waiting(user)
    if not waiting:
        return []
    return [
        HomeItem(
            title="暂缓返校人员待准予返校",
            count=waiting,
            url=reverse("returns:index"),
            kind="todo",
            level="warning",
            hint="凭证明经校医审核后准予返校",
            order=11,
        )
    ]
