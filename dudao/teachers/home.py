"""Menu entry and the home item of 教师档案: certificates that expire within 30 days or have expired."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from dudao.accounts.models import User
from dudao.core.home import HomeItem, register
from dudao.core.nav import nav_item
from dudao.orgs.models import RoleAssignment
from dudao.orgs.scoping import can
from dudao.teachers import selectors

nav_item("教师档案", "teachers:list", permission="teacher.read", order=92, group="system")


@register("teachers")
def teachers_home(user: User, acting: RoleAssignment | None) -> list[HomeItem]:
    if acting is None or not can(user, "teacher.change", acting.unit):
        return []
    summary = selectors.summary(user, acting.unit, today=timezone.localdate())
    items: list[HomeItem] = []
    if summary.expired:
        items.append(
            HomeItem(
                "教师证书已过期",
                summary.expired,
                f"{reverse('teachers:list')}?certificate=expired",
                kind="todo",
                level="danger",
                hint="过期的证书请更新（如保安员证、健康证）",
                order=60,
            )
        )
    if summary.expiring:
        items.append(
            HomeItem(
                "教师证书 30 天内到期",
                summary.expiring,
                f"{reverse('teachers:list')}?certificate=expiring",
                kind="todo",
                level="warning",
                order=61,
            )
        )
    return items
