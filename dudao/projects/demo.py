"""Demo repair projects: about three schools in ten has a project (roof waterproofing, fire hydrants, toilet
renovation, the gate's anti-ramming barrier …) at every stage of 立项 → 验收, some below the ¥10,000 filing line
(simple procedure), the larger ones filed; a few are past their deadline (秋季开学前投入使用). The first school
has one project estimated above ¥10,000 and not yet filed, so a visitor meets the filing rule, and one linked to
an open hazard of its ledger if it has one. Rows are bulk-inserted."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

from django.utils import timezone

from dudao.accounts.models import User
from dudao.demo.registry import DemoContext, demo_step
from dudao.orgs.models import OrgUnit, RoleAssignment, UnitKind
from dudao.orgs.roles import Role
from dudao.projects import selectors
from dudao.projects.models import Funding, Milestone, Project, ProjectKind, ProjectStatus
from dudao.projects.rules import filing_threshold

TEMPLATES = [
    ("教学楼屋面防水维修", ProjectKind.BUILDING, (20000, 180000)),
    ("宿舍楼消防栓及喷淋系统更换", ProjectKind.FIRE, (30000, 250000)),
    ("校园厕所改造", ProjectKind.RENOVATION, (50000, 400000)),
    ("校门防冲撞设施安装", ProjectKind.SECURITY, (8000, 60000)),
    ("老旧电线线路改造", ProjectKind.UTILITIES, (15000, 120000)),
    ("围墙局部加固", ProjectKind.BUILDING, (4000, 9500)),
    ("运动场塑胶跑道修补", ProjectKind.SPORTS, (5000, 90000)),
    ("食堂排烟管道清洗更换", ProjectKind.OTHER, (3000, 9800)),
]
STATUSES = [
    ProjectStatus.PROPOSED,
    ProjectStatus.FILED,
    ProjectStatus.BUILDING,
    ProjectStatus.BUILDING,
    ProjectStatus.COMPLETED,
    ProjectStatus.ACCEPTED,
]


def _autumn_opening(today: dt.date) -> dt.date:
    opening = dt.date(today.year, 8, 31)
    return opening if opening >= today else dt.date(today.year + 1, 8, 31)


@demo_step(order=99)
def projects_demo(context: DemoContext) -> dict[str, Any]:
    rng = random.Random(context.seed + 99)  # noqa: S311 (deterministic demo data, not security)
    today = context.today
    first = context.city.first_school
    schools = list(
        OrgUnit.objects.filter(kind=UnitKind.SCHOOL, is_closed=False).order_by("path").values_list("pk", flat=True)
    )
    chosen = [pk for pk in schools if pk == first or rng.random() < 0.3]
    principals = dict(
        RoleAssignment.objects.filter(role=Role.PRINCIPAL, unit_id__in=chosen)
        .order_by("id")
        .values_list("unit_id", "user_id")
    )
    fallback = User.objects.get(username="school.principal").pk
    threshold = filing_threshold()
    opening = _autumn_opening(today)
    created = timezone.now()
    projects: list[Project] = []
    for pk in chosen:
        title, kind, (low, high) = rng.choice(TEMPLATES)
        status = ProjectStatus.PROPOSED if pk == first else rng.choice(STATUSES)
        estimate = Decimal(rng.randint(low // 100, high // 100) * 100)
        if pk == first:
            title, kind, estimate = "教学楼屋面防水维修", ProjectKind.BUILDING, Decimal(85000)
        filed = status != ProjectStatus.PROPOSED and estimate >= threshold
        started = today - dt.timedelta(days=rng.randint(20, 90))
        late = rng.random() < 0.15
        deadline = today - dt.timedelta(days=rng.randint(3, 30)) if late else opening
        if status in (ProjectStatus.PROPOSED, ProjectStatus.FILED) and late:
            deadline = today + dt.timedelta(days=rng.randint(20, 60))
        if pk == first:
            deadline = opening
        projects.append(
            Project(
                school_id=pk,
                title=title,
                kind=kind,
                estimate=estimate,
                funding=rng.choice([Funding.FISCAL, Funding.FISCAL, Funding.SPECIAL, Funding.SELF])
                if estimate >= threshold
                else Funding.SELF,
                description=f"{title}，按安全检查发现的问题整改",
                filing_number=f"教基建备〔{today.year}〕{rng.randint(1, 300)}号" if filed else "",
                filed_on=started - dt.timedelta(days=rng.randint(5, 20)) if filed else None,
                status=status,
                deadline=deadline,
                deadline_note="秋季开学前投入使用" if deadline == opening else "",
                started_on=started if status in ("building", "completed", "accepted") else None,
                completed_on=started + dt.timedelta(days=15) if status in ("completed", "accepted") else None,
                accepted_on=started + dt.timedelta(days=19) if status == "accepted" else None,
                created_by_id=principals.get(pk, fallback),
                created_at=created,
                updated_at=created,
            )
        )
    if first in principals:
        # The first school's roof repair fixes a hazard of its ledger, if the ledger demo left one open.
        hazards = selectors.open_hazards(User.objects.get(pk=principals[first]), OrgUnit.objects.get(pk=first), 1)
        for p in projects:
            if hazards and p.school_id == first:
                p.hazard_item_id = hazards[0].item_id
    projects = Project.objects.bulk_create(projects, batch_size=1000)
    milestones: list[Milestone] = []
    for p in projects:
        base = p.started_on or today + dt.timedelta(days=14)
        for i, name in enumerate(["施工单位进场", "主体施工完成", "完工自检"]):
            planned = base + dt.timedelta(days=5 + i * 6)
            done = p.completed_on is not None or (p.started_on is not None and planned < today and i < 2)
            milestones.append(Milestone(project=p, name=name, planned_on=planned, actual_on=planned if done else None))
    Milestone.objects.bulk_create(milestones, batch_size=2000)
    return {"projects": len(projects), "project_milestones": len(milestones)}
