"""The menu entry of the message centre (every signed-in user) and a home card for unread urgent messages."""

from __future__ import annotations

from django.urls import reverse

from dudao.accounts.models import User
from dudao.core.home import HomeItem, register
from dudao.core.nav import nav_item
from dudao.messaging.models import Message
from dudao.orgs.models import RoleAssignment

# Beside 下载中心 under 系统: the bell in the header is the everyday way in; the menu entry is for finding it.
nav_item("消息中心", "messaging:inbox", permission=None, order=97, group="system")
# For the administrators who keep 企业微信/钉钉/SMS working: what did not arrive, and a retry.
nav_item("推送失败记录", "messaging:failed", permission="push.read", order=98, group="system")


@register("messaging")
def messaging_home(user: User, acting: RoleAssignment | None) -> list[HomeItem]:
    urgent = Message.objects.filter(recipient_id=user.pk, read_at__isnull=True, urgent=True).count()
    if not urgent:
        return []
    return [
        HomeItem(
            title="未读紧急消息",
            count=urgent,
            url=reverse("messaging:inbox") + "?unread=1",
            kind="todo",
            level="danger",
            hint="疫情预警等紧急消息，请尽快查看",
            order=1,
        )
    ]
