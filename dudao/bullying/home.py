"""Menu entry and home items of the bullying app: reports waiting for the next step, and steps past their deadline,
for the school's principal and designated people."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from dudao.accounts.models import User
from dudao.bullying import selectors
from dudao.bullying.models import Status, overdue_q
from dudao.core.home import HomeItem, register
from dudao.core.nav import nav_item
from dudao.orgs.models import RoleAssignment

nav_item(
    "学生欺凌防治",
    "bullying:index",
    permission=("bullying.report", "bullying.handle", "bullying.count"),
    order=67,
    group="safety",
)


@register("bullying")
def bullying_home(user: User, acting: RoleAssignment | None) -> list[HomeItem]:
    if acting is None:
        return []
    if selectors.handled_school(user) is None:
        return []
    reports = selectors.reports_for(user)
    today = timezone.localdate()
    overdue = reports.filter(overdue_q(today)).count()
    waiting = reports.filter(status=Status.REPORTED).count()
    items: list[HomeItem] = []
    if overdue:
        items.append(
            HomeItem(
                title="欺凌报告处理环节超期",
                count=overdue,
                url=reverse("bullying:index") + "?status=open&overdue=1",
                kind="todo",
                level="danger",
                order=6,
            )
        )
    if waiting:
        items.append(
            HomeItem(
                title="欺凌报告待受理",
                count=waiting,
                url=reverse("bullying:index") + "?status=reported",
                kind="todo",
                level="warning",
                hint="应在报告后 1 个上课日内受理",
                order=7,
            )
        )
    return items
