"""Home items and menu entry of notices: parents still to reach, per person's scope."""

from __future__ import annotations

from django.urls import reverse

from dudao.accounts.models import User
from dudao.core.home import HomeItem, register
from dudao.core.nav import nav_item
from dudao.notices import selectors
from dudao.orgs.models import RoleAssignment, UnitKind
from dudao.orgs.scoping import can

nav_item("家长告知书", "notices:list", permission="notice.read", order=50)


@register("notices")
def notices_home(user: User, acting: RoleAssignment | None) -> list[HomeItem]:
    if acting is None or not can(user, "notice.read"):
        return []
    live = list(selectors.live_notices(user).order_by("-sent_at")[:20])
    if not live:
        return []
    counts = selectors.rates_by_notice([n.pk for n in live], acting.unit)
    pending = sum(total - confirmed for total, confirmed in counts.values())
    total = sum(t for t, _ in counts.values())
    if not total:
        return []
    rate = 100 * (total - pending) / total
    teacher = acting.unit.kind == UnitKind.CLASS and can(user, "notice.confirm")
    return [
        HomeItem(
            # The count is the parents still to confirm, so it is labelled so; the rate goes in the hint.
            title="告知书未确认的家长",
            count=pending,
            url=reverse("notices:list"),
            kind="todo" if teacher and pending else "info",
            level="warning" if pending else "success",
            hint=f"知晓率 {rate:.1f}%：{len(live)} 份告知书，已确认 {total - pending}/{total}",
            order=20,
        )
    ]
