"""Demo meetings: the city's 创城 工作专班 (attached to the campaign “创建全国文明城市迎检” when the campaigns step made
it), last week's 调度会 with decisions at every state (done on time, done late, overdue, not yet due, one turned into
a draft directive) and tomorrow's, which opens with last week's decisions.

Dates follow the demo clock (`context.today`). Last week's decisions have deadlines already past, which the service
refuses (a decision cannot be given a past deadline), so those rows are written directly as they stood; the
directive decision and the task force go through the services.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from dudao.accounts.models import User
from dudao.campaigns.models import Campaign
from dudao.demo.registry import DemoContext, demo_step
from dudao.meetings import services
from dudao.meetings.models import Attendance, Attendee, Decision, DecisionKind, Meeting, MemberDuty, ProgressNote
from dudao.orgs.models import OrgUnit

CAMPAIGN = "创建全国文明城市迎检"
MINUTES = """会议听取了各区县教育局创城迎检工作进展汇报，分析了上周模拟测评发现的问题。

会议指出，距实地测评不足一个月，校园周边环境、公益广告设置和未成年人思想道德建设档案仍是薄弱环节。各单位要坚持问题导向，倒排工期、挂图作战，做到问题整改日结日清，严禁弄虚作假。

会议要求：一是各区县教育局对辖区学校开展一轮全覆盖自查；二是市局督导室组织交叉检查；三是下周调度会通报整改进度，对进度滞后的单位点名通报。"""


def _at(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, 0), tzinfo=timezone.get_current_timezone())


@demo_step(order=120)
def meetings_demo(context: DemoContext) -> dict[str, int]:
    today = context.today
    city = context.city
    logins = ["city.director", "city.admin", "city.inspector", "district.admin", "school.principal"]
    people = {u.username: u for u in User.objects.filter(username__in=logins)}
    director, admin, city_inspector = people["city.director"], people["city.admin"], people["city.inspector"]
    district_admin, principal = people["district.admin"], people["school.principal"]
    district = OrgUnit.objects.get(pk=city.districts[0])
    other_district = OrgUnit.objects.get(pk=city.districts[1]) if len(city.districts) > 1 else district
    school = OrgUnit.objects.get(pk=city.first_school)
    campaign = Campaign.objects.filter(name=CAMPAIGN).order_by("id").first()

    task_force = services.create_task_force(
        actor=admin,
        name="创建全国文明城市迎检工作专班",
        campaign=campaign,
        duties="统筹全市教育系统创城迎检工作：每周召开调度会，督办议定事项，通报进度滞后的单位。",
        members=[
            services.MemberIn(director, MemberDuty.LEAD),
            services.MemberIn(admin, MemberDuty.DEPUTY),
            services.MemberIn(city_inspector, MemberDuty.MEMBER),
            services.MemberIn(district_admin, MemberDuty.MEMBER),
            services.MemberIn(principal, MemberDuty.LIAISON),
        ],
    )
    last_week = today - dt.timedelta(days=7)
    held = Meeting.objects.create(
        unit_id=city.root,
        title="创城迎检工作第三次调度会",
        starts_at=_at(last_week, 15),
        place="市教育局三楼会议室",
        chair=director,
        task_force=task_force,
        campaign=campaign,
        minutes=MINUTES,
        created_by=admin,
        created_at=_at(last_week, 18),
        updated_at=_at(last_week, 18),
    )
    attendance = {principal.pk: (Attendance.LEAVE, "参加省级培训，由分管副校长代会")}
    Attendee.objects.bulk_create(
        Attendee(
            meeting=held,
            person=m.person,
            attendance=attendance.get(m.person_id, (Attendance.PRESENT, ""))[0],
            note=attendance.get(m.person_id, ("", ""))[1],
        )
        for m in task_force.members.all()
    )
    day = dt.timedelta(days=1)
    # (text, owner unit, owner person, deadline, done on)
    plan = [
        (
            "完成辖区学校校园周边环境全覆盖排查，建立问题清单",
            district,
            district_admin,
            last_week + 2 * day,
            last_week + day,
        ),
        ("各校核心价值观和学生守则宣传栏按标准更新到位", school, principal, last_week + 2 * day, last_week + 5 * day),
        ("补齐未成年人思想道德建设档案，按测评体系分类归档", district, district_admin, today - 2 * day, None),
        (
            "组织对各区县的交叉检查，形成检查通报",
            OrgUnit.objects.get(pk=city.offices["教育督导室"]),
            city_inspector,
            today + 3 * day,
            None,
        ),
        ("食堂公筷公勺桌牌全覆盖，拍照留档", other_district, None, today - day, None),
    ]
    decisions = Decision.objects.bulk_create(
        Decision(
            meeting=held,
            position=n,
            text=text,
            owner_unit=unit,
            owner_person=person,
            deadline=deadline,
            kind=DecisionKind.TASK,
            done_on=done,
            done_by=person if done else None,
            created_by=admin,
            created_at=_at(last_week, 18),
        )
        for n, (text, unit, person, deadline, done) in enumerate(plan, start=1)
    )
    notes = [
        ProgressNote(
            decision=decisions[0],
            author=district_admin,
            unit=district,
            marks_done=True,
            text="已完成 38 所学校周边排查，发现问题 21 项，清单已报市局。",
            created_at=_at(last_week + day, 17),
        ),
        ProgressNote(
            decision=decisions[1],
            author=principal,
            unit=school,
            text="宣传栏已制作，等待安装。",
            created_at=_at(last_week + 2 * day, 16),
        ),
        ProgressNote(
            decision=decisions[1],
            author=principal,
            unit=school,
            marks_done=True,
            text="宣传栏已全部安装到位，照片已上传。",
            created_at=_at(last_week + 5 * day, 10),
        ),
        ProgressNote(
            decision=decisions[2],
            author=district_admin,
            unit=district,
            text="已完成 60%，剩余学校档案本周内补齐。",
            created_at=_at(today - 3 * day, 11),
        ),
    ]
    ProgressNote.objects.bulk_create(notes)
    # One decision turned into a draft directive for the district, as the organiser would from the meeting page.
    services.add_decision(
        actor=admin,
        meeting=held,
        text="报送各区创城示范校名单（城区每区不少于两所）",
        owner_unit=district,
        deadline=today + 4 * day,
        kind=DecisionKind.DIRECTIVE,
    )
    services.create_meeting(
        actor=admin,
        title="创城迎检工作第四次调度会",
        starts_at=_at(today + day, 15),
        place="市教育局三楼会议室",
        chair=director,
        task_force=task_force,
    )
    return {
        "meetings.task_forces": 1,
        "meetings.meetings": 2,
        "meetings.decisions": len(decisions) + 1,
    }
