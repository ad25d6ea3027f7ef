"""Menu entries and the home item of the risk register: my risk checks due or overdue."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from dudao.accounts.models import User
from dudao.core.home import HomeItem, register
from dudao.core.nav import nav_item
from dudao.orgs.models import RoleAssignment
from dudao.risks import selectors

nav_item("风险分级管控", "risks:points", permission="risk.read", order=63, group="safety")
nav_item("我的风险排查", "risks:mine", permission="risk.check", order=64, group="safety")
nav_item("重大较大风险总览", "risks:overview", permission="risk.read", order=65, group="safety")


@register("risks")
def risks_home(user: User, acting: RoleAssignment | None) -> list[HomeItem]:
    if acting is None:
        return []
    today = timezone.localdate()
    mine = selectors.my_points(user).filter(next_check_on__lte=today)
    overdue = mine.filter(check_deadline__lt=today).count()
    due = mine.count()
    if not due:
        return []
    return [
        HomeItem(
            title="风险点排查逾期" if overdue else "今日待排查的风险点",
            count=overdue or due,
            url=reverse("risks:mine"),
            kind="todo",
            level="danger" if overdue else "warning",
            hint="按排查频次应已排查、截止日已过" if overdue else "按排查频次本周期内待排查",
            order=9,
        )
    ]
