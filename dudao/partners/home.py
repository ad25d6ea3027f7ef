"""Menu entries and home items of 部门协同: reports waiting for review and tasks overdue without a report."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from dudao.accounts.models import User
from dudao.core.home import HomeItem, register
from dudao.core.nav import nav_item
from dudao.orgs.models import RoleAssignment
from dudao.orgs.scoping import can
from dudao.partners import selectors
from dudao.partners.models import TaskStatus

nav_item("部门协同", "partners:index", permission="partner.read", order=70, group="safety")
nav_item("协同任务", "partners:tasks", permission="partner.task_read", order=71, group="safety")


@register("partners")
def partners_home(user: User, acting: RoleAssignment | None) -> list[HomeItem]:
    if acting is None or not can(user, "partner.change"):
        return []
    tasks = selectors.tasks_to_change(user)
    items: list[HomeItem] = []
    waiting = tasks.filter(status=TaskStatus.REPORTED).count()
    if waiting:
        items.append(
            HomeItem(
                title="协作单位已反馈、待审核办结",
                count=waiting,
                url=reverse("partners:tasks") + "?show=reported",
                kind="todo",
                level="warning",
                order=20,
            )
        )
    overdue = selectors.overdue(tasks, timezone.localdate()).count()
    if overdue:
        items.append(
            HomeItem(
                title="协同任务逾期未反馈",
                count=overdue,
                url=reverse("partners:tasks") + "?show=overdue",
                kind="todo",
                level="danger",
                order=21,
            )
        )
    return items
