"""Menu entries and the home item of 继续教育: for a teacher, the hours still owed this year."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from dudao.accounts.models import User
from dudao.core.home import HomeItem, register
from dudao.core.nav import nav_item
from dudao.orgs.models import RoleAssignment
from dudao.training import selectors

nav_item("继续教育", "training:index", permission="training.read", order=93, group="system")
nav_item("我的培训学时", "training:mine", permission=None, order=94, group="system")


@register("training")
def training_home(user: User, acting: RoleAssignment | None) -> list[HomeItem]:
    if not hasattr(user, "staff_profile"):
        return []
    year = timezone.localdate().year
    mine = selectors.hours_of(user, year)
    if mine.met:
        return []
    return [
        HomeItem(
            f"{year}年继续教育学时未达标",
            int(mine.gap),
            reverse("training:mine"),
            kind="todo",
            level="warning",
            hint=f"已获 {mine.year_hours} 学时，年度要求 {mine.required.yearly} 学时，还差（学时）",
            order=70,
        )
    ]
