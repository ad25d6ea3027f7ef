"""Demo duty data: a holiday duty roster for every bureau, district and school (bulk-inserted, with a few
days without a leader and a few missed sign-ins), contingency plans and drills for each school, one triggered
inspection response in progress and two approved leave requests.

`school.principal` leads today's duty at the first school (all day) and has not signed in, so a visitor can.
"""

from __future__ import annotations

import datetime as dt
import io
import random
from collections import defaultdict
from typing import Any

from django.utils import timezone
from PIL import Image, ImageDraw

from dudao.accounts.models import User
from dudao.demo.registry import DemoContext, demo_step
from dudao.duty import services
from dudao.duty.models import (
    ContingencyPlan,
    Drill,
    DutyRoster,
    DutyShift,
    DutySignIn,
    PlanStep,
    PlanType,
    ResponseTask,
    RosterStatus,
    ShiftRole,
)
from dudao.duty.selectors import term_of
from dudao.orgs.models import OrgUnit, RoleAssignment, UnitKind
from dudao.orgs.roles import Role

DAYS_BEFORE, DAYS_AFTER = 10, 20
LEADER_TITLES = {"校长", "副校长", "局长", "副局长", "科长", "副科长"}
STAFF_TITLES = {"德育主任", "安全专干", "心理教师", "校医", "基教股长", "安全股长", "督学", "科员"}

STEPS: dict[str, list[tuple[str, str, str]]] = {
    PlanType.INSPECTION: [
        ("成立迎检工作组，明确分工", Role.PRINCIPAL, "校长任组长，分管副校长具体负责，责任到人"),
        ("校园环境与设施自查整治", Role.SCHOOL_STAFF, "卫生死角、破损设施、车辆停放、公益广告"),
        ("创建档案资料整理归档", Role.SCHOOL_STAFF, "按测评体系分类整理，做到有方案、有记录、有照片"),
        ("学生健康与晨午检台账核查", Role.DOCTOR, "晨午检、因病缺勤追踪、复课证明"),
        ("心理辅导室开放与记录", Role.COUNSELLOR, "辅导室开放时间上墙，个案记录规范"),
        ("班级文化与学生应知应会", Role.CLASS_TEACHER, "核心价值观、学生守则熟记熟背"),
        ("迎检情况汇总上报", Role.PRINCIPAL, "检查前一天 17:00 前报区县教育局"),
    ],
    PlanType.FLOOD: [
        ("汛前隐患排查", Role.SCHOOL_STAFF, "排水沟、低洼地带、围墙、避雷设施"),
        ("暴雨预警停课与学生转移", Role.PRINCIPAL, "按预警等级启动"),
        ("灾情信息报送", Role.SCHOOL_STAFF, "1 小时内报区县教育局"),
    ],
    PlanType.DROWNING: [
        ("防溺水安全教育", Role.CLASS_TEACHER, "每周一课，假期前专题教育"),
        ("致家长一封信与家访", Role.CLASS_TEACHER, "留守儿童重点关注"),
        ("危险水域巡查", Role.SCHOOL_STAFF, "配合乡镇、村委设置警示标志"),
    ],
    PlanType.EPIDEMIC: [
        ("晨午检与因病缺勤追踪", Role.DOCTOR, "发现聚集性症状立即报告"),
        ("隔离观察与通知家长", Role.DOCTOR, "临时观察室，联系一校一院"),
        ("疫情报告", Role.PRINCIPAL, "24 小时内报疾控中心和教育局"),
        ("环境消毒", Role.SCHOOL_STAFF, "教室、食堂、宿舍"),
    ],
    PlanType.FOOD_SAFETY: [
        ("食材进货查验与留样", Role.SCHOOL_STAFF, "留样 48 小时，每样不少于 125 克"),
        ("疑似食物中毒处置", Role.DOCTOR, "停止供餐、封存留样、送医"),
        ("报告市场监管与教育局", Role.PRINCIPAL, "2 小时内报告"),
    ],
    PlanType.FIRE: [
        ("消防设施检查", Role.SCHOOL_STAFF, "灭火器、消防通道、应急照明"),
        ("疏散引导", Role.CLASS_TEACHER, "按疏散路线到操场集合清点人数"),
        ("报警与初期火灾扑救", Role.SCHOOL_STAFF, "拨打 119，义务消防队处置"),
    ],
}
EVALUATIONS = [
    "疏散有序，用时符合要求",
    "个别班级集合较慢，已现场讲评",
    "分工明确，报告及时",
    "器材使用熟练，需加强低年级引导",
]


def _roster_title(today: dt.date) -> str:
    season = "暑期" if today.month in (6, 7, 8) else "寒假" if today.month in (1, 2) else "节假日及重点时段"
    return f"{today.year}年{season}值班表"


def _people(units: list[OrgUnit]) -> dict[int, tuple[list[User], list[User]]]:
    """Leaders and staff of each unit: a school's or district's own people, the bureau's office heads and staff."""
    by_path = {u.path: u.pk for u in units}
    root = min(units, key=lambda u: u.depth)
    found: dict[int, tuple[list[User], list[User]]] = {u.pk: ([], []) for u in units}
    users = (
        User.objects.filter(is_active=True, unit__path__under=root.path)
        .exclude(username__in=("city.sysadmin", "city.security", "city.auditor"))
        .select_related("unit")
        .order_by("id")
    )
    for user in users:
        unit = user.unit
        assert unit is not None
        owner = by_path.get(unit.path)
        if owner is None and unit.kind == UnitKind.OFFICE and unit.depth == root.depth + 1:
            owner = root.pk
        if owner is None:
            continue
        if user.title in LEADER_TITLES:
            found[owner][0].append(user)
        elif user.title in STAFF_TITLES:
            found[owner][1].append(user)
    return found


def _rosters(context: DemoContext, rng: random.Random) -> dict[str, int]:
    today = context.today
    tz = timezone.get_current_timezone()
    now = timezone.now()
    units = list(OrgUnit.objects.filter(kind__in=services.ROSTER_UNIT_KINDS, is_closed=False).order_by("path"))
    people = _people(units)
    principal = User.objects.get(username="school.principal")
    admin = User.objects.get(username="city.admin")
    starts_on, ends_on = today - dt.timedelta(days=DAYS_BEFORE), today + dt.timedelta(days=DAYS_AFTER)
    rosters = DutyRoster.objects.bulk_create(
        [
            DutyRoster(
                unit=u,
                title=_roster_title(today),
                starts_on=starts_on,
                ends_on=ends_on,
                status=RosterStatus.PUBLISHED,
                created_by=admin,
                published_at=now - dt.timedelta(days=DAYS_BEFORE + 3),
            )
            for u in units
        ]
    )
    schools = [u for u in units if u.kind == UnitKind.SCHOOL]
    # A few schools leave two days without a leader: the gaps the page flags.
    gaps = {s.pk for s in rng.sample(schools, min(3, len(schools)))} - {context.city.first_school}
    shifts: list[DutyShift] = []
    for roster, unit in zip(rosters, units, strict=True):
        leaders, staff = people[unit.pk]
        if unit.pk == context.city.first_school:
            leaders = [u for u in leaders if u.pk != principal.pk] or leaders
        for n in range((ends_on - starts_on).days + 1):
            day = starts_on + dt.timedelta(days=n)
            eight = dt.datetime.combine(day, dt.time(8), tzinfo=tz)
            if unit.pk == context.city.first_school and day == today:
                midnight = dt.datetime.combine(day, dt.time(0), tzinfo=tz)
                shifts.append(
                    DutyShift(
                        roster=roster,
                        unit=unit,
                        person=principal,
                        role=ShiftRole.LEADER,
                        starts_at=midnight,
                        ends_at=midnight + dt.timedelta(days=1),
                        phone=principal.phone,
                    )
                )
            elif leaders and not (unit.pk in gaps and n - DAYS_BEFORE in (3, 4)):
                leader = leaders[n % len(leaders)]
                shifts.append(
                    DutyShift(
                        roster=roster,
                        unit=unit,
                        person=leader,
                        role=ShiftRole.LEADER,
                        starts_at=eight,
                        ends_at=eight + dt.timedelta(days=1),
                        phone=leader.phone,
                    )
                )
            if staff:
                day_person = staff[(2 * n) % len(staff)]
                shifts.append(
                    DutyShift(
                        roster=roster,
                        unit=unit,
                        person=day_person,
                        role=ShiftRole.STAFF,
                        starts_at=eight,
                        ends_at=eight + dt.timedelta(hours=12),
                        phone=day_person.phone,
                    )
                )
                if len(staff) > 1:
                    night_person = staff[(2 * n + 1) % len(staff)]
                    shifts.append(
                        DutyShift(
                            roster=roster,
                            unit=unit,
                            person=night_person,
                            role=ShiftRole.STAFF,
                            starts_at=eight + dt.timedelta(hours=12),
                            ends_at=eight + dt.timedelta(days=1),
                            phone=night_person.phone,
                        )
                    )
    shifts = DutyShift.objects.bulk_create(shifts, batch_size=2000)
    signins = []
    for shift in shifts:
        if shift.starts_at > now or shift.person_id == principal.pk:
            continue
        # Most people sign in within minutes; a few forget (they show red for the head and the district).
        if rng.random() < 0.06:
            continue
        late = rng.random() < 0.08
        signed_at = shift.starts_at + dt.timedelta(minutes=rng.randint(35, 90) if late else rng.randint(-20, 15))
        if signed_at > now:
            continue
        signins.append(
            DutySignIn(shift=shift, person_id=shift.person_id, signed_at=signed_at, user_agent="演示数据", is_late=late)
        )
    DutySignIn.objects.bulk_create(signins, batch_size=2000)
    return {"duty_rosters": len(rosters), "duty_shifts": len(shifts), "duty_signins": len(signins)}


def _photo(colour: tuple[int, int, int]) -> io.BytesIO:
    image = Image.new("RGB", (640, 420), colour)
    draw = ImageDraw.Draw(image)
    for x in range(40, 600, 60):
        draw.ellipse((x, 300, x + 30, 330), fill=(250, 250, 250))
    out = io.BytesIO()
    image.save(out, format="JPEG")
    out.seek(0)
    return out


def _plans_and_drills(context: DemoContext, rng: random.Random) -> dict[str, int]:
    today = context.today
    city = OrgUnit.objects.get(pk=context.city.root)
    schools = list(
        OrgUnit.objects.filter(path__under=city.path, kind=UnitKind.SCHOOL, is_closed=False).order_by("path")
    )
    districts = list(OrgUnit.objects.filter(path__under=city.path, kind=UnitKind.DISTRICT).order_by("path"))
    plans: list[ContingencyPlan] = []
    for district in districts:
        plans.append(
            ContingencyPlan(
                unit=district,
                plan_type=PlanType.INSPECTION,
                title=f"{district.short_name or district.name}迎检工作预案",
            )
        )
    for school in schools:
        types = [PlanType.INSPECTION, PlanType.FIRE, PlanType.DROWNING]
        types += [t for t in (PlanType.FLOOD, PlanType.EPIDEMIC, PlanType.FOOD_SAFETY) if rng.random() < 0.7]
        if school.pk != context.city.first_school and rng.random() < 0.15:
            types.remove(PlanType.INSPECTION)  # falls back to the district's plan when an inspection comes
        for plan_type in types:
            plans.append(
                ContingencyPlan(
                    unit=school,
                    plan_type=plan_type,
                    title=f"{school.short_name or school.name}{PlanType(plan_type).label}应急预案",
                    summary="按照“统一领导、分级负责、快速反应”的原则处置。",
                )
            )
    plans = ContingencyPlan.objects.bulk_create(plans)
    PlanStep.objects.bulk_create(
        [
            PlanStep(plan=plan, position=n, title=title, detail=detail, responsible_role=role)
            for plan in plans
            for n, (title, role, detail) in enumerate(STEPS[plan.plan_type], start=1)
        ],
        batch_size=2000,
    )
    term_start, _ = term_of(today)
    span = max((today - term_start).days, 1)
    creators: dict[int, int] = dict(
        RoleAssignment.objects.filter(role=Role.SCHOOL_STAFF, unit__kind=UnitKind.SCHOOL, unit__path__under=city.path)
        .order_by("-id")
        .values_list("unit_id", "user_id")
    )
    admin = User.objects.get(username="city.admin")
    drills = []
    for plan in plans:
        if plan.unit.kind != UnitKind.SCHOOL or rng.random() < 0.35:
            continue  # some plans not yet drilled this term: the coverage page shows them
        drills.append(
            Drill(
                unit=plan.unit,
                plan=plan,
                held_on=term_start + dt.timedelta(days=rng.randrange(span)),
                participants=rng.randint(40, 1200),
                duration_minutes=rng.choice([15, 20, 30, 45, 60]),
                evaluation=rng.choice(EVALUATIONS),
                created_by_id=creators.get(plan.unit_id, admin.pk),
            )
        )
    drills = Drill.objects.bulk_create(drills)
    # One drill of the first school with photos taken through the file service (EXIF stripped, hashed).
    first = next((d for d in drills if d.unit_id == context.city.first_school), None)
    if first is not None:
        from dudao.core.files import store_upload

        first.photos.add(
            store_upload(actor=admin, upload=_photo((200, 70, 60)), name="演练现场.jpg"),
            store_upload(actor=admin, upload=_photo((60, 120, 200)), name="集合清点.jpg"),
        )
    return {"plans": len(plans), "drills": len(drills)}


def _inspection_response(context: DemoContext) -> dict[str, int]:
    admin = User.objects.get(username="city.admin")
    district = OrgUnit.objects.get(pk=context.city.districts[0])
    schools = list(
        OrgUnit.objects.filter(path__under=district.path, kind=UnitKind.SCHOOL)
        .order_by("path")
        .values_list("pk", flat=True)[:8]
    )
    response = services.trigger_inspection(
        actor=admin,
        title="全国文明城市实地测评迎检",
        expected_on=context.today + dt.timedelta(days=5),
        note="测评组将随机抽查，请各校按迎检预案逐项落实，每日 17:00 前更新进度。",
        schools=schools,
    )
    # Under way: the first steps done at most schools, nothing yet at the demo school.
    done_by: dict[int, int] = {}
    for task in ResponseTask.objects.filter(target__response=response).select_related("target").order_by("id"):
        if task.target.school_id == context.city.first_school or task.position > 1 + task.target.school_id % 4:
            continue
        done_by[task.pk] = task.assignee_id or admin.pk
    done_at = timezone.now() - dt.timedelta(hours=3)
    for pk, user_id in done_by.items():
        ResponseTask.objects.filter(pk=pk).update(done_at=done_at, done_by_id=user_id, note="已落实")
    return {"inspection_responses": 1, "response_tasks_done": len(done_by)}


def _leave(context: DemoContext) -> dict[str, int]:
    today = context.today
    admin = User.objects.get(username="city.admin")
    campaign = services.set_campaign(
        actor=admin,
        title="创建全国文明城市迎检管控期",
        starts_on=today - dt.timedelta(days=3),
        ends_on=today + dt.timedelta(days=30),
    )
    district = OrgUnit.objects.get(pk=context.city.districts[0])
    approver = (
        User.objects.filter(assignments__role=Role.BUREAU_LEADER, assignments__unit=district).order_by("id").first()
    )
    schools = list(
        OrgUnit.objects.filter(path__under=district.path, kind=UnitKind.SCHOOL)
        .exclude(pk=context.city.first_school)
        .order_by("path")[:2]
    )
    staff: dict[int, dict[str, User]] = defaultdict(dict)
    for user in User.objects.filter(unit__in=schools, title__in=("校长", "副校长")).order_by("id"):
        staff[user.unit_id].setdefault(user.title, user)
    trips = [(0, 2, "南昌", "参加省教育厅校长培训班"), (1, 3, "上海", "带队参加全国青少年科技创新大赛")]
    count = 0
    for school, (start, length, destination, reason) in zip(schools, trips, strict=False):
        head, deputy = staff[school.pk].get("校长"), staff[school.pk].get("副校长")
        if head is None or deputy is None or approver is None:
            continue
        request = services.file_leave(
            actor=head,
            campaign=campaign,
            starts_on=today + dt.timedelta(days=start),
            ends_on=today + dt.timedelta(days=start + length),
            destination=destination,
            reason=reason,
            deputy=deputy,
        )
        services.decide_leave(actor=approver, request=request, approve=True, note="同意，注意安全，保持通讯畅通")
        count += 1
    return {"leave_requests": count}


@demo_step(order=90)
def duty_demo(context: DemoContext) -> dict[str, Any]:
    rng = random.Random(context.seed + 90)  # noqa: S311 (deterministic demo data, not security)
    counts: dict[str, int] = {}
    counts.update(_rosters(context, rng))
    counts.update(_plans_and_drills(context, rng))
    counts.update(_inspection_response(context))
    counts.update(_leave(context))
    return counts
