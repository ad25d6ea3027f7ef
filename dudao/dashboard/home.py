"""Home items and menu entry of bulletins: principals confirm reading the bulletins sent to their school."""

from __future__ import annotations

from django.urls import reverse

from dudao.accounts.models import User
from dudao.core.home import HomeItem, register
from dudao.core.nav import nav_item
from dudao.dashboard.models import BulletinRecipient
from dudao.orgs.models import RoleAssignment
from dudao.orgs.scoping import can

nav_item("通报", "dashboard:bulletins", permission="bulletin.read", order=32)


@register("dashboard")
def bulletins_home(user: User, acting: RoleAssignment | None) -> list[HomeItem]:
    if acting is None or not can(user, "bulletin.read") or not can(user, "rectification.assign"):
        return []
    unread = BulletinRecipient.objects.for_user(user, "read").filter(read_at__isnull=True).count()
    if not unread:
        return []
    return [
        HomeItem(
            title="待确认阅读的通报",
            count=unread,
            url=reverse("dashboard:bulletins"),
            kind="todo",
            level="danger",
            order=15,
        )
    ]
