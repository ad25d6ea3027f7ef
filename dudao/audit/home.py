from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.urls import reverse
from django.utils import timezone

from dudao.audit.models import AuditEvent, EventKind
from dudao.core.home import HomeItem, register
from dudao.core.nav import nav_item
from dudao.orgs.scoping import can

if TYPE_CHECKING:
    from dudao.accounts.models import User
    from dudao.orgs.models import RoleAssignment

nav_item("审计", "audit:events", permission="audit.read_access", order=93)


@register("audit")
def audit_home(user: User, acting: RoleAssignment | None) -> list[HomeItem]:
    if not can(user, "audit.read_access"):
        return []
    since = timezone.now() - dt.timedelta(days=1)
    events = AuditEvent.objects.for_user(user).filter(at__gte=since)
    security_count = events.filter(kind=EventKind.SECURITY).count()
    items = [
        HomeItem(
            title="24 小时内敏感数据访问",
            count=events.filter(kind=EventKind.ACCESS).count(),
            url=reverse("audit:events") + "?kind=access",
            order=10,
        ),
        HomeItem(
            title="24 小时内安全事件",
            count=security_count,
            url=reverse("audit:events") + "?kind=security",
            order=9,
            level="danger" if security_count else "secondary",
            hint="如同一地址登录失败过多被暂停登录",
        ),
    ]
    if can(user, "audit.read"):
        items.append(
            HomeItem(
                title="24 小时内数据变更",
                count=events.filter(kind=EventKind.CHANGE).count(),
                url=reverse("audit:events") + "?kind=change",
                order=11,
            )
        )
    return items
