"""Demo partners: the city bureau's partner departments (公安, 交警, 城管, 市场监管, 卫健, 应急管理, 安委办) and the
demo district's own (派出所, 交警大队, 城管, 市场监管所, 街道), each with contacts; the district's 校园周边综合治理
campaign over four schools with problems in every state (one overdue, one reported and waiting for review), and two
tasks the city sent. A fixed number of rows whatever the scale; bulk inserts."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.utils import timezone

from dudao.accounts.models import User
from dudao.demo.registry import DemoContext, demo_step
from dudao.orgs.models import OrgUnit, UnitKind
from dudao.partners import links
from dudao.partners.models import (
    JointCampaign,
    Partner,
    PartnerContact,
    PartnerKind,
    PartnerTask,
    TaskStatus,
)

CITY_PARTNERS = [
    ("市公安局治安支队", PartnerKind.POLICE, "校园及周边治安巡逻、护学岗"),
    ("市公安局交通警察支队", PartnerKind.TRAFFIC, "上下学交通秩序、校车通行"),
    ("市城市管理局", PartnerKind.URBAN, "校园周边流动摊贩、占道经营"),
    ("市市场监督管理局", PartnerKind.MARKET, "校园周边食品经营、学校食堂监管"),
    ("市卫生健康委员会（市疾控中心）", PartnerKind.HEALTH, "传染病防控、学校卫生监督"),
    ("市应急管理局", PartnerKind.EMERGENCY, "防汛、消防安全检查"),
    ("市安全生产委员会办公室", PartnerKind.SAFETY_COMMITTEE, "重大隐患挂牌督办"),
]
DISTRICT_PARTNERS = [
    ("{d}公安分局城关派出所", PartnerKind.POLICE, "护学岗、校园周边巡逻"),
    ("{d}交警大队", PartnerKind.TRAFFIC, "校门口交通疏导、违停治理"),
    ("{d}城市管理综合执法局", PartnerKind.URBAN, "校门口摊贩、店招占道"),
    ("{d}市场监督管理局城关所", PartnerKind.MARKET, "校园周边小卖部、“三无”食品"),
    ("{d}城关街道办事处", PartnerKind.TOWNSHIP, "网吧、娱乐场所排查，控辍保学劝返"),
]
POSTS = ["所长", "副所长", "大队长", "科长", "中队长", "联络员", "副主任"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ["建军", "海涛", "志强", "晓东", "国华", "伟", "丽", "敏", "军", "磊"]
# (title, description, partner index, school index, state, due offset in days)
PROBLEMS: list[tuple[str, str, int, int, str, int]] = [
    (
        "校门口流动摊贩占道经营",
        "放学时段校门口东侧有 4 个流动摊点售卖油炸食品和散装零食，占用人行道。",
        2,
        0,
        "closed",
        -10,
    ),
    (
        "校门口无减速带和警示标志",
        "学校正门临主干道，无减速带和“前方学校、减速慢行”标志，上下学车流混杂。",
        1,
        0,
        "reported",
        3,
    ),
    ("周边小卖部销售“三无”辣条", "学校西侧两家小卖部销售无生产日期、无厂名的辣条和饮料。", 3, 1, "acknowledged", 5),
    ("放学时段护学岗缺岗", "近一周放学时段（16:30—17:30）校门口未见护学岗民警。", 0, 1, "sent", -2),
    ("校园 200 米内新开网吧", "学校北侧约 150 米新开一家网吧，有疑似未成年人出入。", 4, 2, "acknowledged", 7),
    ("接送车辆违停堵塞校门", "早晚接送车辆在校门口双排违停，学生需从车流中穿行。", 1, 2, "sent", 10),
    ("店招广告牌松动", "校门对面商铺店招广告牌固定件锈蚀松动，大风天有坠落风险。", 2, 3, "closed", -5),
    ("周边出租屋人员复杂", "学校围墙外出租屋租住人员流动大，家长反映有陌生人在围墙边逗留。", 0, 3, "reported", 2),
]


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def _phone(rng: random.Random) -> str:
    return f"13{rng.randint(0, 9)}{rng.randint(10**7, 10**8 - 1)}"


@demo_step(order=99)
def partners_demo(context: DemoContext) -> dict[str, Any]:
    rng = random.Random(context.seed + 99)  # noqa: S311 (deterministic demo data, not security)
    now = timezone.now()
    today = context.today
    root = OrgUnit.objects.get(pk=context.city.root)
    first = OrgUnit.objects.filter(pk=context.city.first_school).first()
    district = first.get_parent() if first is not None else None
    city_admin = User.objects.filter(username="city.admin").first()
    district_admin = User.objects.filter(username="district.admin").first()
    if city_admin is None or district_admin is None or district is None or district.kind != UnitKind.DISTRICT:
        return {"partners": 0}
    short = district.short_name or district.name.removesuffix("教育局")
    partners = [
        Partner(owner=root, name=n, kind=k, note=note, created_at=now, updated_at=now) for n, k, note in CITY_PARTNERS
    ]
    partners += [
        Partner(owner=district, name=n.format(d=short), kind=k, note=note, created_at=now, updated_at=now)
        for n, k, note in DISTRICT_PARTNERS
    ]
    Partner.objects.bulk_create(partners)
    PartnerContact.objects.bulk_create(
        [
            PartnerContact(partner=p, name=_name(rng), post=rng.choice(POSTS), phone=_phone(rng), created_at=now)
            for p in partners
            for _ in range(rng.randint(1, 2))
        ]
    )
    local = partners[len(CITY_PARTNERS) :]
    schools = list(
        OrgUnit.objects.filter(kind=UnitKind.SCHOOL, is_closed=False, path__startswith=district.path).order_by("path")[
            :4
        ]
    )
    covers = Partner.covers.through
    covers.objects.bulk_create([covers(partner_id=p.pk, orgunit_id=s.pk) for p in local for s in schools])
    campaign = JointCampaign.objects.create(
        owner=district,
        title=f"{today.year}年秋季校园周边综合治理专项行动",
        description="公安、交警、城管、市场监管、街道联合整治校园周边治安、交通、摊贩、食品和娱乐场所。",
        starts_on=today - dt.timedelta(days=20),
        ends_on=today + dt.timedelta(days=40),
        created_by=district_admin,
    )
    campaign.partners.set(local)
    campaign.schools.set(schools)
    tasks: list[PartnerTask] = []
    for i, (title, description, p, s, state, due) in enumerate(PROBLEMS):
        sent = now - dt.timedelta(days=12 - i)
        task = PartnerTask(
            owner=district,
            partner=local[p],
            campaign=campaign,
            school=schools[s % len(schools)] if schools else None,
            title=title,
            description=description,
            due_on=today + dt.timedelta(days=due),
            link_key=links.new_key(),
            sent_by=district_admin,
            sent_at=sent,
            created_at=sent,
        )
        _advance(task, state, sent, rng)
        tasks.append(task)
    for i, (title, description) in enumerate(
        [
            ("汛期学校周边山体边坡隐患联合排查", "请对全市地势低洼和山体边坡附近学校周边开展联合排查，反馈排查结果。"),
            ("开学季校园周边食品安全联合检查", "请组织对中小学校园周边 200 米内食品经营户开展专项检查。"),
        ]
    ):
        sent = now - dt.timedelta(days=3 - i)
        task = PartnerTask(
            owner=root,
            partner=partners[5 if i == 0 else 3],
            title=title,
            description=description,
            due_on=today + dt.timedelta(days=10),
            link_key=links.new_key(),
            sent_by=city_admin,
            sent_at=sent,
            created_at=sent,
        )
        _advance(task, "acknowledged" if i == 0 else "sent", sent, rng)
        tasks.append(task)
    PartnerTask.objects.bulk_create(tasks)
    return {"partners": len(partners), "partner_tasks": len(tasks)}


def _advance(task: PartnerTask, state: str, sent: dt.datetime, rng: random.Random) -> None:
    if state == "sent":
        return
    task.acknowledged_at = sent + dt.timedelta(hours=rng.randint(1, 20))
    task.acknowledged_by = _name(rng)
    task.status = TaskStatus.ACKNOWLEDGED
    if state in ("reported", "closed"):
        task.reported_at = task.acknowledged_at + dt.timedelta(days=rng.randint(1, 3))
        task.reported_by = task.acknowledged_by
        task.report = "已组织人员到现场处置，相关问题已整改到位，下一步将纳入日常巡查。"
        task.report_count = 1
        task.status = TaskStatus.REPORTED
    if state == "closed":
        task.status = TaskStatus.CLOSED
        assert task.reported_at is not None
        task.closed_at = task.reported_at + dt.timedelta(days=1)
        task.closed_by_id = task.sent_by_id
        task.review_note = "经现场复查，已整改到位"
