"""Home items and menu entries of the school-bus app: today's pre-trip checks to do (the riding teacher's and the
school office's), checks missing after the departure time (red), documents expiring within 30 days or expired."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from dudao.accounts.models import User
from dudao.buses import selectors
from dudao.core.home import HomeItem, register
from dudao.core.nav import nav_item
from dudao.orgs.models import RoleAssignment
from dudao.orgs.scoping import can

nav_item("校车管理", "buses:index", permission="bus.read", order=65, group="safety")
nav_item("校车出车检查", "buses:checks_today", permission="bus.check", order=66, group="safety")


@register("buses")
def buses_home(user: User, acting: RoleAssignment | None) -> list[HomeItem]:
    if acting is None:
        return []
    items: list[HomeItem] = []
    routes = list(selectors.checkable_routes(user)[:50])
    if routes:
        trips = [t for row in selectors.board(routes) for t in row.trips]
        missing = sum(1 for t in trips if t.state == "missing")
        due = sum(1 for t in trips if t.state == "due")
        if missing or due:
            items.append(
                HomeItem(
                    title="校车出车前检查未做" if missing else "今日校车出车前检查",
                    count=missing or due,
                    url=reverse("buses:checks_today"),
                    kind="todo",
                    level="danger" if missing else "warning",
                    hint="已过发车时间仍未检查" if missing else "发车前由随车照管人员或学校管理员检查",
                    order=9,
                )
            )
    if can(user, "bus.read"):
        rows = selectors.documents_due(user, acting.unit, timezone.localdate())
        counts = selectors.counts_by_state(rows)
        if counts:
            expired = counts.get("expired", 0)
            items.append(
                HomeItem(
                    title="校车证件已过期" if expired else "校车证件即将到期",
                    count=expired or counts.get("expiring", 0),
                    url=reverse("buses:documents"),
                    kind="todo",
                    level="danger" if expired else "warning",
                    hint="年检、保险、驾驶证、无违法记录核查；过期即禁止出车" if expired else "30 天内到期，请及时办理",
                    order=10,
                )
            )
    return items
