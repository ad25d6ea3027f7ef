"""Home items and menu entries of 晨午检: today's check, the follow-up queue, late classes, alerts with countdowns."""

from __future__ import annotations

from django.db.models import Count, Min, Q
from django.urls import reverse
from django.utils import timezone

from dudao.accounts.models import User
from dudao.core.home import HomeItem, register
from dudao.core.nav import nav_item
from dudao.health import selectors
from dudao.health.models import AlertStatus, Session
from dudao.health.templatetags.health_tags import countdown
from dudao.orgs.models import RoleAssignment, UnitKind
from dudao.orgs.scoping import can

nav_item("晨午检", "health:today", permission="health.read", order=40)


@register("health")
def health_home(user: User, acting: RoleAssignment | None) -> list[HomeItem]:
    if acting is None or not can(user, "health.read"):
        return []
    today = timezone.localdate()
    items: list[HomeItem] = []
    if acting.role == "class_teacher" and can(user, "health.check"):
        classes = list(selectors.classes_for(user))
        done = set(
            selectors.checks_for(user)
            .filter(date=today, session=Session.MORNING, klass__in=classes)
            .values_list("klass_id", flat=True)
        )
        for klass in classes:
            if klass.pk not in done:
                items.append(
                    HomeItem(
                        title=f"{klass.name} 今日晨检未填报",
                        url=reverse("health:check", args=[klass.pk]),
                        kind="todo",
                        level="danger" if selectors.is_school_day(today) and selectors.deadline_passed() else "warning",
                        order=5,
                    )
                )
    if can(user, "health.followup"):
        queue = selectors.followup_queue(user).count()
        if queue:
            items.append(
                HomeItem(
                    title="今日待追因的因病缺勤",
                    count=queue,
                    url=reverse("health:followup"),
                    kind="todo",
                    level="warning",
                    order=6,
                )
            )
        waiting = selectors.awaiting_clearance(user).count()
        if waiting:
            items.append(
                HomeItem(
                    title="等待复课证明的学生",
                    count=waiting,
                    url=reverse("health:followup") + "#awaiting",
                    kind="info",
                    level="secondary",
                    order=60,
                )
            )
    if acting.unit.kind in (UnitKind.SCHOOL, UnitKind.CAMPUS, UnitKind.GRADE) and acting.role != "class_teacher":
        late = sum(1 for r in selectors.class_statuses(user, today) if r.is_late)
        if late:
            items.append(
                HomeItem(
                    title="逾时未晨检的班级",
                    count=late,
                    url=reverse("health:today"),
                    kind="todo",
                    level="danger",
                    order=7,
                )
            )
    # Over every unresolved alert in scope, not a page of the newest: one aggregate query.
    figures = (
        selectors.alerts_for(user)
        .unresolved()
        .aggregate(
            total=Count("pk"),
            escalated=Count("pk", filter=Q(escalated_at__isnull=False, status=AlertStatus.OPEN)),
            soonest=Min("report_due_at", filter=Q(reported_at__isnull=True)),
        )
    )
    total = figures["total"] or 0
    if total:
        escalated = figures["escalated"] or 0
        soonest = figures["soonest"]
        hint = f"最近报告时限：{countdown(soonest)}" if soonest else ""
        if escalated:
            hint = f"{escalated} 条超 2 小时未确认；" + hint
        items.append(
            HomeItem(
                title="未结的疫情预警",
                count=total,
                url=reverse("health:alerts"),
                kind="todo" if can(user, "health.alert") else "info",
                level="danger",
                hint=hint,
                order=4,
            )
        )
    return items
