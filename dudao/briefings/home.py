"""Home items and menu entry of briefings: heads confirm reading; writers see drafts waiting to be published."""

from __future__ import annotations

from django.urls import reverse

from dudao.accounts.models import User
from dudao.briefings import selectors
from dudao.briefings.models import Briefing, BriefingStatus
from dudao.core.home import HomeItem, register
from dudao.core.nav import nav_item
from dudao.orgs.models import RoleAssignment
from dudao.orgs.scoping import can

nav_item("调度通报", "briefings:list", permission="briefing.read", order=18)


@register("briefings")
def briefings_home(user: User, acting: RoleAssignment | None) -> list[HomeItem]:
    if acting is None or not can(user, "briefing.read"):
        return []
    items = []
    unread = selectors.to_confirm(user).count()
    if unread:
        items.append(
            HomeItem(
                title="待确认阅读的调度通报",
                count=unread,
                url=reverse("briefings:list") + "?mine=1",
                kind="todo",
                level="danger",
                order=14,
            )
        )
    if can(user, "briefing.change"):
        drafts = Briefing.objects.for_user(user, "change").filter(status=BriefingStatus.DRAFT).count()
        if drafts:
            items.append(
                HomeItem(
                    title="待发布的调度通报",
                    count=drafts,
                    url=reverse("briefings:list") + "?status=draft",
                    kind="todo",
                    level="warning",
                    hint="已生成，请审改后发布",
                    order=16,
                )
            )
    return items
