"""Menu entry and home items: projects past their deadline and not yet in use; finished works awaiting 验收 for
those who accept them."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from dudao.accounts.models import User
from dudao.core.home import HomeItem, register
from dudao.core.nav import nav_item
from dudao.orgs.models import RoleAssignment
from dudao.orgs.scoping import can
from dudao.projects import selectors
from dudao.projects.models import ProjectStatus

nav_item("维修改造项目", "projects:index", permission="project.read", order=67, group="safety")


@register("projects")
def projects_home(user: User, acting: RoleAssignment | None) -> list[HomeItem]:
    if acting is None or not can(user, "project.read"):
        return []
    today = timezone.localdate()
    projects = selectors.projects_for(user)
    items: list[HomeItem] = []
    overdue = projects.filter(selectors.overdue_filter(today)).count()
    if overdue:
        items.append(
            HomeItem(
                title="维修改造项目逾期未投入使用",
                count=overdue,
                url=reverse("projects:index") + "?overdue=1",
                kind="todo",
                level="danger",
                order=13,
            )
        )
    if can(user, "project.accept"):
        waiting = projects.filter(status=ProjectStatus.COMPLETED).count()
        if waiting:
            items.append(
                HomeItem(
                    title="已完工待验收的维修改造项目",
                    count=waiting,
                    url=reverse("projects:index") + "?status=completed",
                    kind="todo",
                    level="warning",
                    order=14,
                )
            )
    return items
