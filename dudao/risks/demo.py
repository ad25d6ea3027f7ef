"""Demo risk register: every school lists its everyday risk points; some have red or orange ones (a school by the
river, an old teaching building, secondary schools' chemical stores). Four weeks of checks follow each point's
frequency, a few points are left overdue, and one check at the first school found a hazard that sits in the
rectification ledger. Bulk-inserted; only the hazard goes through the service (it hands over to the ledger).

`school.teacher` is responsible for the first school's chemical store, so the teacher's 我的排查 has work.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.utils import timezone

from dudao.accounts.models import User
from dudao.demo.registry import DemoContext, demo_step
from dudao.orgs.models import OrgUnit, UnitKind
from dudao.risks import services
from dudao.risks.models import (
    Category,
    CheckResult,
    Frequency,
    Grade,
    HazardLevel,
    RiskCheck,
    RiskPoint,
    next_due,
    period_end,
)

# (category, place, description, grade, frequency, measures, responsible title)
Template = tuple[str, str, str, str, str, str, str]
EVERYDAY: list[Template] = [
    (
        Category.TRAFFIC,
        "校门口上下学时段",
        "上下学高峰接送车辆、电动车与学生混行，存在交通事故风险",
        Grade.GENERAL,
        Frequency.DAILY,
        "护学岗教师与家长志愿者值守；交警高峰时段疏导；设置减速带和隔离护栏；学生排队出校",
        "德育主任",
    ),
    (
        Category.FOOD,
        "学校食堂后厨",
        "食材进货、加工、留样环节不规范可能引发食物中毒",
        Grade.GENERAL,
        Frequency.DAILY,
        "索证索票与进货查验；每餐每样留样不少于125克、冷藏48小时；明厨亮灶；校领导陪餐",
        "副校长",
    ),
    (
        Category.ELECTRICAL,
        "配电房及教学楼电气线路",
        "线路老化、私拉乱接、配电柜未上锁可能引发触电或电气火灾",
        Grade.GENERAL,
        Frequency.MONTHLY,
        "配电房上锁并张贴警示标志；电工持证每月巡检；禁止私拉乱接和使用大功率电器",
        "安全专干",
    ),
    (
        Category.FIRE,
        "教学楼与图书室消防设施",
        "灭火器过期、疏散通道堵塞、应急照明失效，火灾时影响疏散",
        Grade.GENERAL,
        Frequency.WEEKLY,
        "每周检查灭火器压力和有效期；疏散通道保持畅通；每学期至少一次疏散演练",
        "安全专干",
    ),
    (
        Category.CROWD,
        "操场集会与课间操上下楼",
        "集中上下楼和大型集会时人员密集，存在拥挤踩踏风险",
        Grade.LOW,
        Frequency.TERM,
        "分年级错峰上下楼；楼梯口教师值守；集会前明确疏散路线",
        "德育主任",
    ),
    (
        Category.SURROUNDINGS,
        "校园周边商铺与流动摊贩",
        "周边“三无”食品、网吧和流动摊贩影响学生安全",
        Grade.LOW,
        Frequency.MONTHLY,
        "每月联合城管、市场监管巡查；发现问题报区县教育局协调处置",
        "安全专干",
    ),
]
RIVER: Template = (
    Category.WATER,
    "校园西侧临河段",
    "学校西侧紧邻河道，护栏低矮，汛期水位上涨，学生放学途经，有溺水风险",
    Grade.MAJOR,
    Frequency.DAILY,
    "临河段加装1.5米防护栏和警示牌；放学时段教师巡查；汛期与村委联防；“六不”防溺水教育每周一课",
    "安全专干",
)
OLD_BUILDING: Template = (
    Category.BUILDING,
    "老教学楼（1985年建）",
    "砖混结构，外墙瓷砖空鼓、局部开裂，存在坠物和结构安全风险",
    Grade.LARGE,
    Frequency.WEEKLY,
    "楼下划定隔离带并设防坠网；每周目视巡查裂缝和瓷砖；已申报校舍维修项目，待鉴定",
    "副校长",
)
LAB: Template = (
    Category.LAB,
    "化学实验室危化品储存柜",
    "存放浓硫酸、浓盐酸、酒精等危险化学品，管理不当可能灼伤、中毒或起火",
    Grade.LARGE,
    Frequency.WEEKLY,
    "双人双锁、专柜存放；领用登记台账；实验室通风和防护用品齐全；过期药品统一回收处置",
    "安全专干",
)
SECONDARY = {"junior", "senior", "complete", "nine_year", "vocational"}
RESPONSIBLE_TITLES = {"安全专干", "德育主任", "副校长", "校长"}
WEEKS_BACK = 4
NEGLECTED_SHARE = 0.06


def _templates(rng: random.Random, school_type: str, first: bool) -> list[Template]:
    chosen = [t for t in EVERYDAY if first or rng.random() < 0.75]
    if first or rng.random() < 0.08:
        chosen.append(RIVER)
    if first or rng.random() < 0.1:
        chosen.append(OLD_BUILDING)
    if first or school_type in SECONDARY:
        chosen.append(LAB)
    return chosen


def _check_days(rng: random.Random, frequency: str, start: dt.date, today: dt.date, neglected: bool) -> list[dt.date]:
    """One check per period from `start` to yesterday, on a weekday of the period; a neglected point stops early."""
    days: list[dt.date] = []
    due = start
    while due < today:
        deadline = period_end(frequency, due)
        last = min(deadline, today - dt.timedelta(days=1))
        if deadline >= today and rng.random() < 0.5:
            break  # this period's check is still to come
        if neglected and deadline < today and rng.random() < 0.5:
            break  # skipped: overdue from here on
        span = [due + dt.timedelta(days=n) for n in range((last - due).days + 1)]
        weekdays = [d for d in span if d.weekday() < 5] or span
        day = rng.choice(weekdays)
        days.append(day)
        due = next_due(frequency, day)
    return days


@demo_step(order=66)
def risks_demo(context: DemoContext) -> dict[str, int]:
    rng = random.Random(context.seed + 66)  # noqa: S311 (deterministic demo data)
    today = context.today
    root = OrgUnit.objects.get(pk=context.city.root)
    schools = list(
        OrgUnit.objects.filter(path__under=root.path, kind=UnitKind.SCHOOL, is_closed=False)
        .order_by("path")
        .values_list("pk", "school_type")
    )
    staff: dict[tuple[int, str], int] = {}
    for unit_id, user_id, title in (
        User.objects.filter(unit__path__under=root.path, unit__kind=UnitKind.SCHOOL, title__in=RESPONSIBLE_TITLES)
        .order_by("id")
        .values_list("unit_id", "id", "title")
    ):
        staff.setdefault((unit_id, title), user_id)
    teacher = User.objects.get(username="school.teacher")
    principal = User.objects.get(username="school.principal")
    start = today - dt.timedelta(weeks=WEEKS_BACK)
    created_at = timezone.now() - dt.timedelta(weeks=WEEKS_BACK)
    points: list[RiskPoint] = []
    plans: list[list[dt.date]] = []
    for school_id, school_type in schools:
        first = school_id == context.city.first_school
        for category, place, description, grade, frequency, measures, title in _templates(rng, school_type, first):
            responsible = staff.get((school_id, title)) or staff.get((school_id, "校长")) or principal.pk
            if first and category == Category.LAB:
                responsible = teacher.pk
            neglected = not first and rng.random() < NEGLECTED_SHARE
            days = _check_days(rng, frequency, start, today, neglected)
            due = next_due(frequency, days[-1]) if days else start
            points.append(
                RiskPoint(
                    unit_id=school_id,
                    category=category,
                    place=place,
                    description=description,
                    grade=grade,
                    measures=measures,
                    responsible_id=responsible,
                    frequency=frequency,
                    next_check_on=due,
                    check_deadline=period_end(frequency, due),
                    last_checked_on=days[-1] if days else None,
                    created_by_id=principal.pk if first else responsible,
                    created_at=created_at,
                    updated_at=created_at,
                )
            )
            plans.append(days)
    RiskPoint.objects.bulk_create(points, batch_size=2000)
    tz = timezone.get_current_timezone()
    checks = [
        RiskCheck(
            point_id=point.pk,
            checked_on=day,
            checked_by_id=point.responsible_id,
            result=CheckResult.NORMAL,
            created_at=dt.datetime.combine(day, dt.time(8 + rng.randint(0, 8), rng.randint(0, 59)), tzinfo=tz),
        )
        for point, days in zip(points, plans, strict=True)
        for day in days
    ]
    RiskCheck.objects.bulk_create(checks, batch_size=5000)
    hazards = _first_school_hazard(context, today)
    return {"risk_points": len(points), "risk_checks": len(checks) + hazards}


def _first_school_hazard(context: DemoContext, today: dt.date) -> int:
    """This week's check of the old teaching building found fallen tiles: a ledger item through the service."""
    point = RiskPoint.objects.select_related("unit").get(unit_id=context.city.first_school, category=Category.BUILDING)
    day = today - dt.timedelta(days=min(today.weekday(), 2))
    RiskCheck.objects.filter(point=point, checked_on__gte=day).delete()
    RiskPoint.objects.filter(pk=point.pk).update(
        next_check_on=day, check_deadline=period_end(point.frequency, day), last_checked_on=None
    )
    point.refresh_from_db()
    responsible: Any = point.responsible
    services.record_check(
        actor=responsible,
        point=point,
        checked_on=day,
        result=CheckResult.HAZARD,
        note="北侧外墙三楼窗下瓷砖脱落约2平方米，下方为学生通道",
        hazard_level=HazardLevel.GENERAL,
    )
    return 1
