"""Menu entries and home items of the integrity app: lists not yet acknowledged in scope (for the party secretary
and the discipline officer), and a leader's own list waiting for acknowledgement (for any role)."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from dudao.accounts.models import User
from dudao.core.home import HomeItem, register
from dudao.core.nav import nav_item
from dudao.integrity import selectors
from dudao.orgs.models import RoleAssignment
from dudao.orgs.scoping import can

nav_item("党风廉政", "integrity:index", permission="integrity.read", order=90, group="workbench")


@register("integrity")
def integrity_home(user: User, acting: RoleAssignment | None) -> list[HomeItem]:
    if acting is None:
        return []
    items: list[HomeItem] = []
    year = timezone.localdate().year
    own = selectors.own_duty_lists(user).filter(acknowledged_at__isnull=True).count()
    if own:
        items.append(
            HomeItem(
                title="我的一岗双责清单待签收",
                count=own,
                url=reverse("integrity:mine"),
                kind="todo",
                level="warning",
                hint="请阅读本人的业务工作和党风廉政建设职责后签收",
                order=6,
            )
        )
    if can(user, "integrity.change"):
        pending = selectors.duty_lists_for(user).filter(year=year, acknowledged_at__isnull=True).count()
        if pending:
            items.append(
                HomeItem(
                    title=f"{year}年一岗双责清单未签收",
                    count=pending,
                    url=reverse("integrity:duties") + "?status=pending",
                    kind="info",
                    level="secondary",
                    order=40,
                )
            )
    return items
