"""Demo 师德师风: the city's commitment for this year, acknowledged by about four staff in five (the first school's
class teacher and principal not yet, so a visitor can sign on a phone), a few incidents at various steps (one with
a one-vote veto in force at the first school), and commendations. Rows are bulk-inserted."""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from dudao.accounts.models import User
from dudao.demo.registry import DemoContext, demo_step
from dudao.ethics.models import (
    Acknowledgement,
    Category,
    Commendation,
    Commitment,
    Finding,
    Honour,
    Incident,
    IncidentStatus,
    Level,
    Measure,
    Source,
)
from dudao.ethics.selectors import SCHOOL_KINDS
from dudao.ethics.services import school_year_of
from dudao.orgs.models import OrgUnit, UnitKind

COMMITMENT_TEXT = """作为一名人民教师，我郑重承诺：
一、坚定政治方向，坚持以习近平新时代中国特色社会主义思想为指导，不发表、转发错误观点。
二、自觉爱国守法，忠于祖国、忠于人民，恪守宪法原则，遵守法律法规。
三、传播优秀文化，带头践行社会主义核心价值观，弘扬真善美。
四、潜心教书育人，落实立德树人根本任务，遵循教育规律，不敷衍塞责。
五、关心爱护学生，严慈相济，不歧视、侮辱学生，严禁体罚和变相体罚学生。
六、加强安全防范，增强安全意识，不在教育教学活动中遇突发事件时不顾学生安危、擅离职守。
七、坚持言行雅正，为人师表，不与学生发生任何不正当关系。
八、秉持公平诚信，坚持原则，不在招生、考试、推优、保送、绩效考核、岗位聘用、职称评聘、评优评奖等工作中徇私舞弊。
九、坚守廉洁自律，严于律己，不索要、收受学生及家长财物，不参加由学生及家长付费的宴请、旅游、娱乐休闲等活动。
十、规范从教行为，勤勉敬业，不组织、参与有偿补课，不为校外培训机构和他人介绍生源、提供相关信息。
如有违反，自愿接受组织处理，师德考核不合格的，当年评优评先、职称评聘实行一票否决。"""

FACTS = {
    Category.PAID_TUTORING: "家长反映该教师在暑假期间于校外租用场所组织本班学生有偿补课，每生收费 1800 元。",
    Category.GIFTS: "有家长反映教师节前后该教师收受学生家长购物卡。",
    Category.CORPORAL: "学生家长反映该教师在课堂上因学生未完成作业罚站一节课并推搡学生。",
    Category.VERBAL: "家长反映该教师在班级群中公开点名批评学生并使用侮辱性语言。",
    Category.DUTY: "督查发现该教师多次上课迟到、未按课表上课。",
}
INVESTIGATION = "学校成立调查组，约谈当事教师、学生及家长 6 人，调取班级群聊天记录，当事教师对基本事实无异议。"
HONOURS = [
    (Honour.EXCELLENT_TEACHER, Level.CITY, "市教育局"),
    (Honour.ETHICS_MODEL, Level.DISTRICT, "区教育局"),
    (Honour.EXCELLENT_CLASS_TEACHER, Level.SCHOOL, "本校"),
    (Honour.MODEL_TEACHER, Level.PROVINCIAL, "省教育厅、省人力资源和社会保障厅"),
]


@demo_step(order=155)
def ethics_demo(context: DemoContext) -> dict[str, int]:
    rng = random.Random(context.seed * 37 + 3)  # noqa: S311 (deterministic demo data, not security)
    today = context.today
    city = OrgUnit.objects.get(pk=context.city.root)
    publisher = User.objects.filter(username="city.admin").first() or User.objects.order_by("id").first()
    if publisher is None:
        return {}
    commitment = Commitment.objects.create(
        unit=city,
        year=today.year,
        title=f"{today.year} 年度师德承诺书",
        text=COMMITMENT_TEXT,
        due_on=None,
        published_by=publisher,
        published_at=timezone.now() - dt.timedelta(days=20),
    )
    keep_open = set(
        User.objects.filter(username__in=["school.teacher", "school.principal"]).values_list("id", flat=True)
    )
    staff = list(
        User.objects.filter(is_active=True, unit__path__under=city.path, unit__kind__in=SCHOOL_KINDS)
        .order_by("id")
        .values_list("id", "unit_id")
    )
    now = timezone.now()
    acks = [
        Acknowledgement(
            commitment=commitment, user_id=uid, acknowledged_at=now - dt.timedelta(hours=rng.randint(1, 400))
        )
        for uid, _ in staff
        if uid not in keep_open and rng.random() < 0.82
    ]
    Acknowledgement.objects.bulk_create(acks, batch_size=2000)

    schools = dict(OrgUnit.objects.filter(path__under=city.path, kind=UnitKind.SCHOOL).values_list("id", "path"))
    at_schools = [(uid, unit) for uid, unit in staff if unit in schools and uid not in keep_open]
    first_school = User.objects.filter(username="school.principal").values_list("unit_id", flat=True).first()
    # About one incident per 500 staff (at least four), and one at the first school with a veto in force.
    count = max(4, len(at_schools) // 500)
    picked = rng.sample(at_schools, min(count, len(at_schools)))
    local = [p for p in at_schools if p[1] == first_school]
    if local and local[0] not in picked:
        picked[0] = local[0]
    incidents: list[Incident] = []
    categories = list(FACTS)
    statuses = [IncidentStatus.CLOSED, IncidentStatus.INVESTIGATING, IncidentStatus.ACCEPTED, IncidentStatus.HANDLED]
    for n, (uid, unit) in enumerate(picked):
        category = categories[n % len(categories)]
        status = IncidentStatus.CLOSED if n == 0 else statuses[n % len(statuses)]
        reported = today - dt.timedelta(days=rng.randint(20, 150) if n == 0 else rng.randint(3, 60))
        incident = Incident(
            school_id=unit,
            teacher_id=uid,
            source=[Source.COMPLAINT, Source.REPORT, Source.INSPECTION, Source.MEDIA][n % 4],
            source_ref=f"TS{today.year}{n + 1:04d}" if n % 4 == 0 else "",
            category=category,
            reported_on=reported,
            facts=FACTS[category],
            status=status,
            created_by=publisher,
        )
        if status != IncidentStatus.ACCEPTED:
            incident.investigation = INVESTIGATION
        if status in (IncidentStatus.HANDLED, IncidentStatus.CLOSED):
            incident.finding = Finding.SUBSTANTIATED
            incident.found_on = min(today, reported + dt.timedelta(days=10))
            incident.measure = Measure.NO_HONOURS if n == 0 else Measure.CRITICISM
            incident.measure_body = "区教育局"
            incident.measure_on = min(today, reported + dt.timedelta(days=15))
            incident.measure_ref = f"区教师〔{today.year}〕{n + 3} 号"
            if n == 0:
                # The first school's veto runs a year from the decision: in force on the demo day.
                incident.is_veto = True
                incident.veto_from = incident.measure_on
                incident.veto_until = incident.measure_on + dt.timedelta(days=365)
            elif category == Category.PAID_TUTORING:
                incident.is_veto = True
                incident.veto_from, incident.veto_until = school_year_of(incident.measure_on)
            if status == IncidentStatus.CLOSED:
                incident.closed_on = min(today, reported + dt.timedelta(days=20))
        incidents.append(incident)
    Incident.objects.bulk_create(incidents)

    commended = rng.sample(at_schools, min(max(6, len(at_schools) // 300), len(at_schools)))
    vetoed = {i.teacher_id for i in incidents}
    commendations = [
        Commendation(
            school_id=unit,
            teacher_id=uid,
            honour=HONOURS[n % len(HONOURS)][0],
            level=HONOURS[n % len(HONOURS)][1],
            awarded_on=dt.date(today.year - (n % 3), 9, 10)
            if dt.date(today.year, 9, 10) <= today
            else dt.date(today.year - 1 - (n % 3), 9, 10),
            awarded_by=HONOURS[n % len(HONOURS)][2],
            created_by=publisher,
        )
        for n, (uid, unit) in enumerate(commended)
        if uid not in vetoed
    ]
    Commendation.objects.bulk_create(commendations, ignore_conflicts=True)
    return {
        "师德承诺书签署": len(acks),
        "师德失范事件": len(incidents),
        "师德表彰": len(commendations),
    }
