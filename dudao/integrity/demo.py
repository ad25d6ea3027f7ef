"""Demo 党风廉政 records of the city bureau: this year's 一岗双责 lists of the bureau's leader and of the principals of
the first district (the demo principal's list not yet acknowledged, so `school.principal` has it to sign), a few
talks, two festival checks (国庆中秋, closed with findings and a photo; 元旦春节, open) whose targets include an
office, a district bureau, a school and a person, and the 三重一大 register with a minutes file.

Log in as `city.discipline` (纪检监察员, in DEMO_LOGINS) or `city.director` to see them. Rows are bulk-inserted;
the number of principals' lists grows with the first district's schools, not with the city."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

from django.utils import timezone
from PIL import Image, ImageDraw

from dudao.accounts.models import User
from dudao.core.files import store_upload
from dudao.demo.registry import DemoContext, demo_step
from dudao.integrity.models import (
    DutyList,
    Festival,
    MajorMatter,
    MatterCategory,
    MatterDocument,
    SpotCheck,
    SpotFinding,
    SpotTarget,
    Talk,
    TalkKind,
    Vote,
)
from dudao.orgs.models import OrgUnit, RoleAssignment
from dudao.orgs.roles import Role

DIRECTOR_BUSINESS = (
    "1. 主持市教育局全面工作，落实教育强市建设任务；\n2. 分管办公室、人事科、计划财务科；\n"
    "3. 牵头推进学校安全、基础教育质量提升和教育督导工作。"
)
DIRECTOR_INTEGRITY = (
    "1. 履行全面从严治党第一责任人职责，每年专题研究党风廉政建设不少于 2 次；\n"
    "2. 严格执行“三重一大”集体决策制度；\n3. 对分管科室负责人每年开展廉政谈话不少于 1 次；\n"
    "4. 带头落实中央八项规定及其实施细则精神，管好亲属和身边工作人员。"
)
PRINCIPAL_BUSINESS = "1. 主持学校全面工作，落实立德树人根本任务；\n2. 负责学校安全、教育教学质量和教师队伍建设。"
PRINCIPAL_INTEGRITY = (
    "1. 落实学校党风廉政建设主体责任，抓好师德师风和行风建设；\n2. 规范招生、收费、采购、基建和食堂管理；\n"
    "3. 学校重大事项集体决策，校务公开；\n4. 严禁违规收受礼品礼金、违规组织有偿补课。"
)
TALKS = [
    (
        TalkKind.INTEGRITY,
        "city.director",
        "school.principal",
        40,
        "局党组书记办公室",
        "节前廉政提醒：重申中央八项规定精神，强调食堂采购、校服征订等重点环节的廉洁风险，要求校长带头签订廉洁承诺。",
    ),
    (
        TalkKind.APPOINTMENT,
        "city.director",
        "district.admin",
        120,
        "局党组会议室",
        "任前谈话：提出廉洁从政要求，明确新岗位的廉政风险点（经费审批、项目验收），要求严格执行个人有关事项报告制度。",
    ),
    (
        TalkKind.REMINDER,
        "city.discipline",
        "school.principal",
        12,
        "江东区第五中学校长室",
        "针对群众反映的课后服务收费公示不及时问题进行提醒谈话，要求一周内完成公示并书面说明情况。",
    ),
    (
        TalkKind.SUMMONS,
        "city.discipline",
        "district.admin",
        5,
        "纪检组办公室",
        "就区属学校校服采购程序不规范问题约谈，要求限期整改并报送整改报告。",
    ),
]
MATTERS = [
    (
        MatterCategory.DECISION,
        "关于调整全市义务教育学校招生划片方案的决定",
        55,
        "局党组会议（第9次）",
        Vote.PASSED,
        "同意7票，反对0票，弃权0票",
        None,
    ),
    (
        MatterCategory.APPOINTMENT,
        "关于江东区第五中学副校长拟任人选的决定",
        33,
        "局党组会议（第11次）",
        Vote.PASSED,
        "同意6票，反对0票，弃权1票",
        None,
    ),
    (
        MatterCategory.PROJECT,
        "城南区新建九年一贯制学校建设项目",
        20,
        "局长办公会（第15次）",
        Vote.PASSED,
        "同意7票，反对0票，弃权0票",
        Decimal("12800.00"),
    ),
    (
        MatterCategory.FUNDS,
        "全市中小学校园安全监控升级改造资金安排",
        9,
        "局党组会议（第13次）",
        Vote.PASSED,
        "同意7票，反对0票，弃权0票",
        Decimal("860.50"),
    ),
    (
        MatterCategory.FUNDS,
        "教师培训中心设备采购追加预算",
        3,
        "局党组会议（第14次）",
        Vote.DEFERRED,
        "补充论证材料后再议",
        Decimal("120.00"),
    ),
]
PARTICIPANTS = "林卫东、周建华、吴立新、刘志刚等 7 名局党组成员；列席：计划财务科、纪检组"


def _photo() -> io.BytesIO:
    image = Image.new("RGB", (640, 480), (236, 232, 226))
    draw = ImageDraw.Draw(image)
    draw.rectangle((60, 120, 580, 400), fill=(250, 250, 250), outline=(110, 110, 110), width=4)
    for i in range(5):  # a row of gift boxes on a table
        draw.rectangle((90 + i * 95, 220, 160 + i * 95, 330), fill=(190, 40 + i * 30, 40), outline=(80, 20, 20))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=80)
    out.seek(0)
    out.name = "现场照片.jpg"
    return out


def _minutes(title: str, meeting: str) -> io.BytesIO:
    text = f"{meeting}纪要\n\n议题：{title}\n参会：{PARTICIPANTS}\n会议经集体讨论，形成如下决定……\n"
    out = io.BytesIO(text.encode("utf-8"))
    out.name = "会议纪要.txt"
    return out


@demo_step(order=97)
def integrity_demo(context: DemoContext) -> dict[str, int]:
    root = OrgUnit.objects.get(pk=context.city.root)
    district = OrgUnit.objects.get(pk=context.city.districts[0])
    school = OrgUnit.objects.get(pk=context.city.first_school)
    users = {
        u.username: u
        for u in User.objects.filter(
            username__in=["city.director", "city.discipline", "school.principal", "district.admin"]
        )
    }
    director, discipline = users["city.director"], users["city.discipline"]
    today = context.today
    now = timezone.now()
    year = today.year

    # 一岗双责: the director, and every principal of the first district (the demo principal not yet acknowledged).
    lists = [
        DutyList(
            unit=director.unit or root,
            leader=director,
            year=year,
            post="局党组书记、局长",
            business_duties=DIRECTOR_BUSINESS,
            integrity_duties=DIRECTOR_INTEGRITY,
            issued_by=discipline,
            acknowledged_at=now - dt.timedelta(days=60),
        )
    ]
    principals = (
        RoleAssignment.objects.filter(role=Role.PRINCIPAL, unit__path__startswith=district.path)
        .select_related("user")
        .order_by("unit__path", "user_id")
    )
    seen: set[int] = set()
    for n, assignment in enumerate(principals):
        user = assignment.user
        if user.pk in seen or user.unit_id is None:
            continue
        seen.add(user.pk)
        lists.append(
            DutyList(
                unit_id=user.unit_id,
                leader=user,
                year=year,
                post="校长",
                business_duties=PRINCIPAL_BUSINESS,
                integrity_duties=PRINCIPAL_INTEGRITY,
                issued_by=discipline,
                acknowledged_at=None
                if user.username == "school.principal" or n % 4 == 3
                else now - dt.timedelta(days=30),
            )
        )
    DutyList.objects.bulk_create(lists)

    talks = [
        Talk(
            unit=users[subject].unit or root,
            kind=kind,
            talker=users[talker],
            subject=users[subject],
            held_on=today - dt.timedelta(days=days),
            place=place,
            summary=summary,
            recorded_by=discipline,
        )
        for kind, talker, subject, days, place, summary in TALKS
    ]
    Talk.objects.bulk_create(talks)

    # Festival checks: last autumn's 国庆中秋 check (closed), and one in progress.
    offices = dict(OrgUnit.objects.filter(pk__in=context.city.offices.values()).values_list("name", "pk"))
    finance = OrgUnit.objects.get(pk=offices["计划财务科"]) if "计划财务科" in offices else root
    autumn = SpotCheck.objects.create(
        unit=root,
        name=f"{year}年国庆中秋期间落实中央八项规定精神监督检查",
        festival=Festival.GUOQING,
        starts_on=today - dt.timedelta(days=70),
        ends_on=today - dt.timedelta(days=62),
        focus="公款吃喝、违规发放津补贴、收送节礼、公车私用",
        created_by=discipline,
        closed_at=now - dt.timedelta(days=60),
    )
    current = SpotCheck.objects.create(
        unit=root,
        name=f"{year + 1}年元旦春节期间作风建设明察暗访",
        festival=Festival.CHUNJIE,
        starts_on=today - dt.timedelta(days=2),
        ends_on=today + dt.timedelta(days=40),
        focus="违规收送礼品礼金、违规吃喝、有偿补课",
        created_by=discipline,
    )
    targets = SpotTarget.objects.bulk_create(
        [
            SpotTarget(spot_check=autumn, target_unit=finance),
            SpotTarget(spot_check=autumn, target_unit=district),
            SpotTarget(spot_check=autumn, target_unit=school),
            SpotTarget(spot_check=autumn, target_user=users["school.principal"]),
            SpotTarget(spot_check=current, target_unit=school),
            SpotTarget(spot_check=current, target_user=users["district.admin"]),
        ]
    )
    photo = store_upload(actor=discipline, upload=_photo(), allowed=frozenset({"jpeg"}))
    findings = SpotFinding.objects.bulk_create(
        [
            SpotFinding(
                spot_check=autumn,
                target=targets[0],
                found_on=autumn.starts_on + dt.timedelta(days=1),
                text="查阅节前公务接待清单和报销凭证，未发现问题。",
                is_problem=False,
                recorded_by=discipline,
            ),
            SpotFinding(
                spot_check=autumn,
                target=targets[1],
                found_on=autumn.starts_on + dt.timedelta(days=2),
                text="公车停放登记完整，节假日封存到位。",
                is_problem=False,
                recorded_by=discipline,
            ),
            SpotFinding(
                spot_check=autumn,
                target=targets[2],
                found_on=autumn.starts_on + dt.timedelta(days=3),
                text="学校传达室存放供应商赠送的月饼礼盒 5 盒，未登记上交。",
                is_problem=True,
                photo=photo,
                recorded_by=discipline,
            ),
            SpotFinding(
                spot_check=autumn,
                target=targets[3],
                found_on=autumn.starts_on + dt.timedelta(days=3),
                text="已就礼盒问题当面核实，校长承认未及时处理，已责令退回并作出书面说明。",
                is_problem=True,
                recorded_by=discipline,
            ),
        ]
    )

    matters = MajorMatter.objects.bulk_create(
        [
            MajorMatter(
                unit=root,
                category=category,
                title=title,
                decided_on=today - dt.timedelta(days=days),
                meeting=meeting,
                participants=PARTICIPANTS,
                vote=vote,
                vote_detail=detail,
                amount=amount,
                recorded_by=director,
            )
            for category, title, days, meeting, vote, detail, amount in MATTERS
        ]
    )
    documents = [
        MatterDocument(
            matter=m, file=store_upload(actor=director, upload=_minutes(m.title, m.meeting)), uploaded_by=director
        )
        for m in matters[:2]
    ]
    MatterDocument.objects.bulk_create(documents)
    return {
        "integrity_duty_lists": len(lists),
        "integrity_talks": len(talks),
        "integrity_findings": len(findings),
        "integrity_matters": len(matters),
    }
