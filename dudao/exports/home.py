"""The download centre's menu entry and the home page's reminder of files ready to download."""

from __future__ import annotations

from django.urls import reverse

from dudao.accounts.models import User
from dudao.core.home import HomeItem, register
from dudao.core.nav import nav_item
from dudao.exports import selectors
from dudao.orgs.models import RoleAssignment

nav_item("下载中心", "exports:center", permission=None, order=96, group="system")


@register("exports")
def exports_home(user: User, acting: RoleAssignment | None) -> list[HomeItem]:
    items: list[HomeItem] = []
    running = selectors.active_jobs(user).count()
    ready = selectors.ready_files(user).count()
    if ready:
        items.append(
            HomeItem(
                title="导出文件已生成",
                count=ready,
                url=reverse("exports:center"),
                kind="todo",
                level="success",
                order=8,
            )
        )
    if running:
        items.append(HomeItem(title="正在导出", count=running, url=reverse("exports:center"), order=90))
    return items
