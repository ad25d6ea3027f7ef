"""Home items and menu entries of 一生一案: crisis steps still open, new alerts, suggestions, overdue reviews."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils import timezone

from dudao.accounts.models import User
from dudao.cases import selectors
from dudao.cases.models import CaseStatus
from dudao.core.home import HomeItem, register
from dudao.core.nav import nav_item
from dudao.orgs.models import RoleAssignment
from dudao.orgs.registry import open_work_checker
from dudao.orgs.scoping import can

nav_item("一生一案", "cases:list", permission="case.read", order=40)
nav_item("个案统计", "cases:stats", permission="case.stats", order=41)
nav_item("家访", "cases:visits", permission="homevisit.read", order=42)
nav_item("家访覆盖", "cases:visit_coverage", permission="homevisit.stats", order=43)
nav_item("心理健康队伍", "cases:staffing", permission="staffing.read", order=44)
nav_item("个案访问报告", "cases:access_report", permission="case.access_report", order=94, group="system")


@register("cases")
def cases_home(user: User, acting: RoleAssignment | None) -> list[HomeItem]:
    if acting is None:
        return []
    items: list[HomeItem] = []
    alerts = selectors.unread_alerts(user).count()
    if alerts:
        items.append(
            HomeItem(title="个案通知", count=alerts, url=reverse("cases:alerts"), kind="todo", level="danger", order=1)
        )
    if can(user, "case.read"):
        steps = list(selectors.open_crisis_steps(user).order_by("case_id", "id")[:20])
        for case_id in dict.fromkeys(s.case_id for s in steps):
            names = "、".join(s.get_step_display() for s in steps if s.case_id == case_id)
            items.append(
                HomeItem(
                    title=f"危机个案 #{case_id} 待完成处置",
                    count=sum(1 for s in steps if s.case_id == case_id),
                    url=reverse("cases:detail", args=[case_id]),
                    kind="todo",
                    level="danger",
                    hint=names,
                    order=2,
                )
            )
        overdue = (
            selectors.cases_for(user).filter(status=CaseStatus.OPEN, next_review_on__lt=timezone.localdate()).count()
        )
        if overdue:
            items.append(
                HomeItem(
                    title="个案逾期未随访",
                    count=overdue,
                    url=reverse("cases:list") + "?overdue=1",
                    kind="todo",
                    level="warning",
                    order=14,
                )
            )
    suggestions = selectors.screening_suggestions(user).count() + selectors.dropout_suggestions(user).count()
    if suggestions:
        items.append(
            HomeItem(
                title="待处理的建案建议",
                count=suggestions,
                url=reverse("cases:suggestions"),
                kind="todo",
                level="warning",
                order=15,
            )
        )
    return items


@open_work_checker
def open_cases(unit: Any) -> list[str]:
    from dudao.cases.models import CaseFile

    count = CaseFile.objects.filter(school__path__under=unit.path, status=CaseStatus.OPEN).count()
    return [f"{count} 份跟进中的个案" if count else ""] if count else []
