"""Home items and menu entries of the duty app: my shift today, missed sign-ins (red), leave to approve,
inspection checklists waiting."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from dudao.accounts.models import User
from dudao.core.home import HomeItem, register
from dudao.core.nav import nav_item
from dudao.duty import selectors
from dudao.duty.models import ResponseTask
from dudao.orgs.models import RoleAssignment
from dudao.orgs.scoping import can

nav_item("值班值守", "duty:now", permission="duty.read", order=60)
nav_item("应急预案与演练", "duty:plans", permission="plan.read", order=61)
nav_item("离市外出", "duty:leave", permission="leave.read", order=62)


@register("duty")
def duty_home(user: User, acting: RoleAssignment | None) -> list[HomeItem]:
    if acting is None:
        return []
    items: list[HomeItem] = []
    now = timezone.now()
    mine = [s for s in selectors.my_shifts(user)[:20] if s.starts_at <= now + dt.timedelta(hours=12)]
    unsigned = [s for s in mine if s.signin_record is None]
    if mine:
        items.append(
            HomeItem(
                title="我的值班（待签到）" if unsigned else "我的值班",
                count=len(unsigned) or len(mine),
                url=reverse("duty:mine"),
                kind="todo" if unsigned else "info",
                level="warning" if unsigned else "success",
                order=5,
            )
        )
    if can(user, "duty.read") and can(user, "duty.change"):
        missed = selectors.missed_for(user, now).count()
        if missed:
            items.append(
                HomeItem(
                    title="值班未签到",
                    count=missed,
                    url=reverse("duty:now") + "?show=missed",
                    kind="todo",
                    level="danger",
                    hint=f"截至 {settings.DUDAO_DUTY_SIGNIN_DEADLINE} 未签到的班次",
                    order=6,
                )
            )
    if can(user, "leave.approve"):
        pending = selectors.pending_approvals(user).count()
        if pending:
            items.append(
                HomeItem(
                    title="待审批的离市外出申请",
                    count=pending,
                    url=reverse("duty:leave"),
                    kind="todo",
                    level="warning",
                    order=7,
                )
            )
    if can(user, "plan.task"):
        open_tasks = (
            ResponseTask.objects.filter(target__in=selectors.visible_targets(user).values("pk"), done_at=None)
            .filter(Q(assignee_id=user.pk) | Q(responsible_role=acting.role))
            .count()
        )
        if open_tasks:
            items.append(
                HomeItem(
                    title="迎检任务待完成",
                    count=open_tasks,
                    url=reverse("duty:responses"),
                    kind="todo",
                    level="warning",
                    order=8,
                )
            )
    return items
