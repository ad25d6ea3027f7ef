"""Demo data: thirteen items from parents and citizens in every state — waiting to be routed, being handled, past
the deadline and escalated, replied and waiting for the office, answered and waiting for a rating, closed
satisfied, reopened after 不满意, closed by the office — on the first district's schools and an office.

Everything goes through the services (numbers, steps, audit events); only the dates are then moved back so that
the items agree with the demo clock (`context.today`). A dozen rows: the same at every scale.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from dudao.accounts.models import User
from dudao.complaints import services
from dudao.complaints.models import Channel, Complaint, ComplaintStep, StepKind
from dudao.complaints.services.intake import Submission
from dudao.complaints.workdays import add_working_days
from dudao.demo.registry import DemoContext, demo_step
from dudao.orgs.models import OrgUnit, RoleAssignment, UnitKind


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


@dataclass(frozen=True)
class Story:
    """One item: what was said, by which channel, `age` days ago, and how far it got (`stage`)."""

    kind: str
    category: str
    title: str
    content: str
    about: str
    name: str
    phone: str
    channel: str
    age: int
    stage: str  # received | routed | overdue | replied | answered | satisfied | basically | reopened |
    # dissatisfied_twice | closed_by_office
    target: str = "school"  # school | school2 | district | office
    reply: str = ""
    measures: str = ""
    comment: str = ""


STORIES = [
    Story(
        "complaint",
        "tutoring",
        "初二数学老师周末在小区开班有偿补课",
        "孩子班上的数学老师每周六、周日在某小区租房给本班学生补课，每人每月收费 800 元，"
        "家长担心不去补课会被区别对待，希望教育局调查处理。",
        "{school}",
        "",
        "",
        Channel.WEB,
        0,
        "received",
    ),
    Story(
        "complaint",
        "fees",
        "学校要求统一购买校服以外的运动装",
        "12345 转来：学校开学要求每名学生购买一套 260 元的运动装，家长认为属于强制收费。",
        "{school2}",
        "王女士",
        "13907551234",
        Channel.HOTLINE_12345,
        1,
        "received",
    ),
    Story(
        "complaint",
        "food",
        "食堂午餐分量少、菜品重复",
        "孩子反映学校食堂午餐最近两周分量明显减少，每天都是土豆和白菜，希望学校改善。",
        "{school}",
        "刘先生",
        "13607558866",
        Channel.WEB,
        2,
        "routed",
    ),
    Story(
        "complaint",
        "safety",
        "放学时段校门口车辆拥堵，存在安全隐患",
        "每天下午放学时校门口接送车辆乱停，学生穿行车辆之间，差点被电动车撞到，请协调交警和学校疏导。",
        "{school}",
        "陈女士",
        "0755-83216547",
        Channel.HOTLINE,
        9,
        "overdue",
    ),
    Story(
        "complaint",
        "ethics",
        "班主任在家长群公开批评学生成绩",
        "班主任在班级家长群里公布每个学生的考试排名，并点名批评成绩差的学生，孩子压力很大。",
        "{school}",
        "",
        "",
        Channel.WEB,
        6,
        "replied",
        reply="经核实，该班主任确有在家长群公布成绩排名的行为。学校已对其进行批评教育，"
        "要求立即撤回相关信息，并在全校重申不得公布学生考试成绩和排名。",
        measures="1. 班主任已在家长群撤回并致歉；2. 学校召开班主任会议重申成绩管理要求；3. 纳入本学期师德考核。",
    ),
    Story(
        "suggestion",
        "admission",
        "建议公布小学学区划分依据",
        "今年学区调整后，我们小区被划到较远的学校，建议教育局在网站公开学区划分的依据和流程。",
        "",
        "赵先生",
        "13825559012",
        Channel.WEB,
        10,
        "answered",
        target="district",
        reply="感谢您的建议。区教育局已于本周在官网“招生入学”专栏公开今年学区划分方案、划分依据和听证情况，"
        "并开通咨询电话，欢迎查阅。",
    ),
    Story(
        "complaint",
        "tutoring",
        "老师推荐学生到校外培训机构上课",
        "有老师在课堂上推荐学生去某培训机构上课，怀疑与机构有利益关系。",
        "{school}",
        "",
        "",
        Channel.WEB,
        20,
        "satisfied",
        reply="经调查，该教师曾向学生推荐培训机构，但未发现收取费用。学校已对其诫勉谈话，"
        "并要求全体教师签订不参与有偿补课承诺书。",
        comment="处理及时，谢谢。",
    ),
    Story(
        "complaint",
        "food",
        "学校小卖部售卖过期零食",
        "孩子在学校小卖部买的饼干已经过期三天，请检查学校小卖部的食品管理。",
        "{school2}",
        "孙女士",
        "13510087765",
        Channel.HOTLINE,
        25,
        "basically",
        target="school2",
        reply="学校已下架全部临期和过期食品，对经营者约谈并责令整改，后勤处每周检查一次保质期。",
        comment="基本满意，希望长期坚持。",
    ),
    Story(
        "complaint",
        "fees",
        "课后服务费用收取不透明",
        "学校收取课后服务费每学期 900 元，没有公示收费依据和服务内容。",
        "{school}",
        "周先生",
        "13688823310",
        Channel.WEB,
        18,
        "reopened",
        reply="课后服务费按区物价部门核定标准收取，学校已在校门口公示栏公示。",
        comment="公示栏只贴了金额，没有服务内容和退费办法，不满意。",
    ),
    Story(
        "complaint",
        "other",
        "学校围墙施工噪音影响居民休息",
        "学校围墙改造晚上十点后仍在施工，影响周边居民休息。",
        "{school2}",
        "吴先生",
        "13922201188",
        Channel.HOTLINE,
        30,
        "dissatisfied_twice",
        target="school2",
        reply="学校已要求施工方每天 20:00 后停止高噪声作业。",
        comment="晚上仍有施工，不满意。",
    ),
    Story(
        "suggestion",
        "other",
        "建议延长图书馆周末开放时间",
        "学校图书馆周末只开放半天，建议延长到全天，方便学生阅读。",
        "{school}",
        "郑同学家长",
        "13760012345",
        Channel.WEB,
        40,
        "satisfied",
        reply="学校采纳您的建议，自下月起图书馆周六全天开放，由教师和家长志愿者轮值。",
        comment="非常满意！",
    ),
    Story(
        "complaint",
        "tutoring",
        "初二数学老师周末有偿补课（重复反映）",
        "与之前反映的情况相同：数学老师周末在小区补课收费。",
        "{school}",
        "",
        "",
        Channel.WEB,
        3,
        "closed_by_office",
    ),
    Story(
        "suggestion",
        "admission",
        "建议优化新生入学网上报名系统",
        "今年网上报名系统上传材料时经常卡顿，建议提前做好压力测试，并提供电话咨询。",
        "",
        "黄女士",
        "13631190022",
        Channel.WEB,
        4,
        "routed",
        target="office",
    ),
]


def _submission(story: Story, names: dict[str, str]) -> Submission:
    return Submission(
        kind=story.kind,
        category=story.category,
        title=story.title,
        content=story.content,
        about=story.about.format(**names),
        is_anonymous=not story.name,
        name=story.name,
        phone=story.phone,
        external_no=f"12345-{story.age:02d}{len(story.title):04d}" if story.channel == Channel.HOTLINE_12345 else "",
    )


def _handler_for(unit: OrgUnit) -> User:
    """Someone who answers for the unit (the demo principal for the first school)."""
    roles = ("principal", "district_admin", "bureau_staff", "school_staff")
    assignment = (
        RoleAssignment.objects.filter(unit=unit, role__in=roles, user__is_active=True)
        .select_related("user")
        .order_by("role", "id")
        .first()
    )
    if assignment is None:
        raise RuntimeError(f"demo: nobody answers for {unit.name}")
    user = assignment.user
    user.acting_assignment_id = assignment.pk  # type: ignore[attr-defined]
    return user


def _backdate(complaint: Complaint, received: dt.date, day_of: dict[str, dt.date]) -> None:
    Complaint.objects.filter(pk=complaint.pk).update(received_at=_at(received, 9, 20))
    ComplaintStep.objects.filter(complaint=complaint, kind=StepKind.RECEIVED).update(created_at=_at(received, 9, 20))
    for kind, day in day_of.items():
        ComplaintStep.objects.filter(complaint=complaint, kind=kind).update(created_at=_at(day, 15))
        field = {"routed": "routed_at", "replied": "replied_at", "answered": "answered_at"}.get(kind)
        if field:
            Complaint.objects.filter(pk=complaint.pk).update(**{field: _at(day, 15)})
        if kind == "replied":
            Complaint.objects.filter(pk=complaint.pk).update(first_replied_on=day)


@demo_step(order=126)
def complaints_demo(context: DemoContext) -> dict[str, int]:
    today = context.today
    clerk = User.objects.get(username="city.admin")
    bureau = OrgUnit.objects.get(pk=context.city.root)
    district = OrgUnit.objects.get(pk=context.city.districts[0])
    school = OrgUnit.objects.get(pk=context.city.first_school)
    school2 = (
        OrgUnit.objects.filter(path__under=district.path, kind=UnitKind.SCHOOL, is_closed=False)
        .exclude(pk=school.pk)
        .order_by("path")
        .first()
        or school
    )
    office = OrgUnit.objects.filter(pk__in=context.city.offices.values()).order_by("path").first() or district
    targets = {"school": school, "school2": school2, "district": district, "office": office}
    names = {"school": school.name, "school2": school2.name}
    made = 0
    for story in STORIES:
        received = today - dt.timedelta(days=story.age)
        if story.channel == Channel.WEB:
            item = services.submit_public(submission=_submission(story, names), bureau=bureau)
        else:
            item = services.record_call(actor=clerk, submission=_submission(story, names), channel=story.channel)
        made += 1
        days: dict[str, dt.date] = {}
        if story.stage == "closed_by_office":
            services.close(actor=clerk, complaint=item, note="重复件，已并入此前同一事项办理。", version=None)
            _backdate(item, received, {"closed": received})
            continue
        if story.stage == "received":
            _backdate(item, received, days)
            continue
        target = targets[story.target]
        services.route(actor=clerk, complaint=item, unit=target, version=None)
        routed_on = min(received + dt.timedelta(days=1), today)
        deadline = add_working_days(routed_on, 5, unit=bureau)
        Complaint.objects.filter(pk=item.pk).update(deadline=deadline)
        ComplaintStep.objects.filter(complaint=item, kind=StepKind.ROUTED).update(
            text=f"转{target.name}办理，请于 {deadline:%Y-%m-%d} 前答复。"
        )
        item.refresh_from_db()
        days["routed"] = routed_on
        if story.stage in ("routed", "overdue"):
            _backdate(item, received, days)
            continue
        handler = _handler_for(target)
        replied_on = min(routed_on + dt.timedelta(days=3), today)
        services.reply(actor=handler, complaint=item, text=story.reply, measures=story.measures, version=None)
        days["replied"] = replied_on
        if story.stage == "replied":
            _backdate(item, received, days)
            continue
        services.accept(actor=clerk, complaint=item, version=None)
        days["answered"] = min(replied_on + dt.timedelta(days=1), today)
        if story.stage == "answered":
            _backdate(item, received, days)
            continue
        rating = {"satisfied": "satisfied", "basically": "basically"}.get(story.stage, "dissatisfied")
        services.rate(complaint=item, rating=rating, comment=story.comment)
        days["rated"] = min(days["answered"] + dt.timedelta(days=2), today)
        days["closed"] = days["rated"]
        if story.stage == "dissatisfied_twice":
            item.refresh_from_db()
            services.reply(
                actor=handler,
                complaint=item,
                text=story.reply + "经再次核查，已更换施工队伍并调整工期，夜间不再施工。",
                version=None,
            )
            services.accept(actor=clerk, complaint=item, version=None)
            services.rate(complaint=item, rating="dissatisfied", comment="问题拖了太久。")
        _backdate(item, received, days)
    # The overdue one: routed nine days ago, its deadline passed; the daily job escalated it.
    services.escalate_overdue(today=today)
    return {"complaints": made}
