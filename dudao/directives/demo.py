"""Demo data: ten form templates, the 示范点名单 directive cascaded by every district, a weekly 防溺水 report
with history, and 开学工作方案 going through school → district → city approval.

Everything goes through the services (so audit events and numbers exist as in real use); only the time of
past submissions is moved back afterwards, because the demo cannot wait for last week to happen.
At city scale the reports are filled for the first district only, to keep the load quick.
"""

from __future__ import annotations

import datetime as dt
import io
import random
import zipfile
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from dudao.accounts.models import User
from dudao.demo.registry import DemoContext, demo_step
from dudao.directives import services
from dudao.directives.models import Directive, FormVersion, Submission, SubmissionStatus
from dudao.orgs import enrolment
from dudao.orgs.models import OrgUnit, RoleAssignment, UnitKind

T, INT, D, B, TA, F, C = "text", "integer", "decimal", "boolean", "table", "file", "textarea"


def _f(key: str, label: str, kind: str, **extra: Any) -> dict[str, Any]:
    return {"key": key, "label": label, "type": kind, **extra}


TEMPLATES: list[tuple[str, str, dict[str, Any]]] = [
    (
        "示范点名单报送",
        "各区推荐示范点学校（城区不少于两所，开发区不少于一所）",
        {
            "fields": [
                _f(
                    "sites",
                    "示范点学校",
                    TA,
                    required=True,
                    max_rows=50,
                    columns=[
                        _f("school", "学校名称", T, required=True),
                        _f("reason", "推荐理由", T, required=True),
                        _f("contact", "联系人", T),
                        _f("phone", "联系电话", T),
                    ],
                ),
                _f("note", "备注", C),
            ]
        },
    ),
    (
        "开学工作方案备案",
        "开学工作方案（附件）及准备情况清单",
        {
            "fields": [
                _f("plan", "开学工作方案", F, required=True, help="上传经校长签字的方案（Word 或 PDF）"),
                _f("emergency", "已制定突发公共卫生事件应急预案", B, required=True),
                _f("checks", "晨午检和因病缺勤追踪制度已落实", B, required=True),
                _f("room", "已设置临时隔离观察室", B, required=True),
                _f("supplies", "防疫物资可满足一个月使用", B, required=True),
                _f("opening", "计划开学日期", "date", required=True),
                _f("note", "需要协调解决的问题", C),
            ]
        },
    ),
    (
        "暑期值班安排表",
        "暑假期间带班领导和值班人员安排",
        {
            "fields": [
                _f(
                    "duty",
                    "值班安排",
                    TA,
                    required=True,
                    max_rows=70,
                    columns=[
                        _f("day", "日期", "date", required=True),
                        _f("leader", "带班领导", T, required=True),
                        _f("staff", "值班人员", T, required=True),
                        _f("phone", "值班电话", T),
                    ],
                ),
                _f("phone", "值班室电话", T, required=True),
            ]
        },
    ),
    (
        "防溺水安全教育落实情况",
        "每周报送防溺水专题教育和家长告知情况",
        {
            "fields": [
                _f("lessons", "开展专题教育（次）", INT, required=True, min=0, unit="次"),
                _f("students", "覆盖学生数", INT, required=True, min=0, unit="人"),
                _f("letters", "发放《致家长的一封信》", INT, required=True, min=0, unit="份"),
                _f("returned", "家长签收回执", INT, required=True, min=0, unit="份"),
                _f("signs", "危险水域警示牌已设置", B, required=True),
            ],
            "rules": [{"left": "returned", "op": "<=", "right": "letters"}],
        },
    ),
    (
        "心理健康教师配备情况",
        "专兼职心理健康教师配备",
        {
            "fields": [
                _f("staff", "教职工数", INT, required=True, min=0, unit="人"),
                _f("psych_full", "专职心理教师数", INT, required=True, min=0, unit="人"),
                _f("psych_part", "兼职心理教师数", INT, required=True, min=0, unit="人"),
                _f("room", "心理辅导室已建成", B, required=True),
            ],
            "rules": [{"left": "psych_full", "op": "<=", "right": "staff"}],
            "totals": [{"key": "psych_total", "label": "心理教师合计", "sum": ["psych_full", "psych_part"]}],
        },
    ),
    (
        "疫苗接种情况统计",
        "在校学生疫苗接种情况",
        {
            "fields": [
                _f("students", "在校学生数", INT, required=True, min=0, unit="人"),
                _f("first", "已接种第一剂", INT, required=True, min=0, unit="人"),
                _f("second", "已完成全程接种", INT, required=True, min=0, unit="人"),
                _f("contra", "有禁忌症暂缓接种", INT, min=0, unit="人"),
            ],
            "rules": [
                {"left": "first", "op": "<=", "right": "students"},
                {"left": "second", "op": "<=", "right": "first"},
            ],
        },
    ),
    (
        "防疫物资储备情况",
        "口罩、体温计、消毒液等储备（应满足一个月使用）",
        {
            "fields": [
                _f("masks", "口罩", INT, required=True, min=0, unit="个"),
                _f("thermometers", "体温计", INT, required=True, min=0, unit="支"),
                _f("disinfectant", "消毒液", D, required=True, min=0, unit="升"),
                _f("gloves", "一次性手套", INT, min=0, unit="副"),
                _f("days", "可使用天数", INT, required=True, min=0, unit="天", help="按当前在校人数估算"),
            ]
        },
    ),
    (
        "课后服务开展情况",
        "课后服务“5+2”开展情况",
        {
            "fields": [
                _f("enrolled", "在校学生数", INT, required=True, min=0, unit="人"),
                _f("joined", "参加课后服务学生数", INT, required=True, min=0, unit="人"),
                _f("days", "每周开展天数", INT, required=True, min=0, max=7, unit="天"),
                _f("hours", "每天服务时长", D, required=True, min=0, max=6, unit="小时"),
                _f("teachers", "参与教师数", INT, min=0, unit="人"),
            ],
            "rules": [{"left": "joined", "op": "<=", "right": "enrolled"}],
        },
    ),
    (
        "五项管理落实情况",
        "手机、睡眠、读物、作业、体质管理",
        {
            "fields": [
                _f("phones", "手机管理制度已落实", B, required=True),
                _f("sleep", "睡眠管理已落实", B, required=True),
                _f("reading", "读物管理已落实", B, required=True),
                _f("homework", "作业管理已落实", B, required=True),
                _f("fitness", "体质管理已落实", B, required=True),
                _f("homework_minutes", "书面作业平均时长", INT, min=0, max=300, unit="分钟"),
            ]
        },
    ),
    (
        "维修工程（1万元以上）报备",
        "1万元以上维修工程事前报备",
        {
            "fields": [
                _f(
                    "projects",
                    "维修项目",
                    TA,
                    required=True,
                    max_rows=30,
                    columns=[
                        _f("name", "项目名称", T, required=True),
                        _f("amount", "预算金额（元）", D, required=True, min=10000),
                        _f("start", "计划开工日期", "date"),
                        _f("builder", "施工单位", T),
                    ],
                )
            ]
        },
    ),
]


def _user(role: str, unit_id: int) -> User:
    assignment = RoleAssignment.objects.filter(role=role, unit_id=unit_id).select_related("user").order_by("id").first()
    assert assignment is not None, f"no {role} at unit {unit_id}"
    user = assignment.user
    user.acting_assignment_id = assignment.pk  # type: ignore[attr-defined]
    return user


def _friday(today: dt.date) -> dt.date:
    return today + dt.timedelta(days=(4 - today.weekday()) % 7)


def _at(day: dt.date, hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))


def _docx(title: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        archive.writestr("word/document.xml", f'<?xml version="1.0"?><w:document><w:t>{title}</w:t></w:document>')
    return buffer.getvalue()


def _backdate(submission: Submission, when: dt.datetime) -> None:
    Submission.objects.filter(pk=submission.pk).update(submitted_at=when, updated_at=when, is_late=False)


def _model_school_lists(
    context: DemoContext,
    admin: User,
    versions: dict[str, FormVersion],
    districts: list[OrgUnit],
    filled_districts: list[OrgUnit],
) -> int:
    """示范点名单 cascaded city → districts → schools: submitted, returned and missing reports."""
    submitted = 0
    # 示范点名单: city → districts, due this Friday; each district forwards to its schools a day earlier.
    friday = _friday(context.today)
    due = _at(friday, 17)
    if due <= timezone.now():
        due = _at(friday + dt.timedelta(days=7), 17)
    parent = services.create_directive(
        actor=admin,
        title="关于报送文明校园创建示范点名单的通知",
        body="各城区、开发区教育局：\n请于本周星期五17:00之前将示范点名单报到市教育局基础教育科。"
        "城区不少于两所，开发区不少于一所。\n请各区先组织学校自荐，汇总后报送。",
        deadline=due,
        targets={"mode": "kind", "kind": UnitKind.DISTRICT},
        form_version=versions["示范点名单报送"],
        approval_kinds=[],
        issue=True,
    )
    for d_index, district in enumerate(districts):
        district_admin = _user("district_admin", district.pk)
        child = services.cascade_directive(
            actor=district_admin,
            parent=parent,
            deadline=due - dt.timedelta(days=1) if due - dt.timedelta(days=1) > timezone.now() else due,
            body=f"请各校于截止时间前自荐，{district.short_name or district.name}教育局汇总后报市局。",
        )
        if district not in filled_districts:
            continue
        schools = list(
            Submission.objects.filter(directive=child).select_related("unit", "period").order_by("unit__path")
        )
        for index, submission in enumerate(schools if context.scale == "small" else schools[:30]):
            if index == 0 and d_index == 0:
                continue  # the demo principal's school still has it to do
            if index % 3 == 2:
                continue  # missing
            principal = _user("principal", submission.unit_id)
            values = {
                "sites": [{"school": submission.unit.name, "reason": "校园文化建设扎实，文明礼仪教育有特色"}],
                "note": "",
            }
            services.submit(actor=principal, submission=submission, values=values)
            submitted += 1
            if index == 1 and d_index == 0:
                services.return_submission(
                    actor=district_admin, submission=submission, comment="推荐理由过于笼统，请补充具体做法和成效"
                )

    # One district has already sent its aggregate (its schools' lists merged) up to the city.
    if len(filled_districts) > 1:
        last = filled_districts[-1]
        services.submit(
            actor=_user("district_admin", last.pk),
            submission=Submission.objects.get(directive=parent, unit=last),
            values={"note": "已组织各校自荐，经区教育局审核后推荐以上学校"},
        )
        submitted += 1
    return submitted


def _drowning_season(today: dt.date) -> str:
    """Why the weekly 防溺水 report runs now: summer swimming, or thin ice in winter (冬季防溺冰)."""
    if today.month in (5, 6, 7, 8, 9):
        return "夏季是溺水事故高发期。"
    if today.month in (11, 12, 1, 2):
        return "冬季河湖冰面不结实，学生滑冰、嬉冰落水事故时有发生。"
    return "春秋季节学生结伴外出增多，野外水域溺水风险不容忽视。"


def _weekly_drowning_reports(
    context: DemoContext,
    rng: random.Random,
    admin: User,
    versions: dict[str, FormVersion],
    filled_districts: list[OrgUnit],
) -> int:
    """The weekly 防溺水 report with five weeks of history."""
    submitted = 0
    # Weekly 防溺水 report with five weeks of history; its reason follows the demo clock's season.
    first_due = _at(_friday(context.today) - dt.timedelta(days=35), 17)
    weekly = services.create_directive(
        actor=admin,
        title="关于每周报送防溺水安全教育落实情况的通知",
        body=_drowning_season(context.today) + "请各学校每周五17:00前报送防溺水专题教育、家长告知和危险水域警示情况。",
        deadline=first_due,
        targets={"mode": "kind", "kind": UnitKind.SCHOOL},
        form_version=versions["防溺水安全教育落实情况"],
        recurrence="weekly",
        repeat_until=context.today + dt.timedelta(days=42),
        issue=True,
    )
    # At city scale, history for the first twenty schools of the first district keeps the load quick.
    history_limit = None if context.scale == "small" else 20
    past = list(weekly.periods.filter(deadline__lt=timezone.now()).order_by("index"))
    # Each school's figures are steady from week to week (its roster size, when it has one), so the plausibility
    # check has a history to compare with; in the latest week two schools report something odd to look into.
    city = OrgUnit.objects.get(pk=context.city.root)
    enrolled = enrolment.rollup(OrgUnit.objects.filter(path__under=city.path, kind=UnitKind.SCHOOL))
    steady: dict[int, tuple[int, int]] = {}
    odd = 0
    for period in past:
        reports = Submission.objects.filter(period=period).select_related("unit", "period").order_by("unit__path")
        if context.scale != "small":
            reports = reports.filter(unit__path__under=filled_districts[0].path)
        for submission in reports[:history_limit]:
            if rng.random() < 0.12:
                continue
            roster = enrolled[submission.unit_id].students if submission.unit_id in enrolled else 0
            base, lessons = steady.setdefault(submission.unit_id, (roster or rng.randint(300, 2500), rng.randint(1, 3)))
            students = base - rng.randint(0, max(1, base // 40))
            if period is past[-1] and odd < 2 and rng.random() < 0.3:
                students, odd = base * 4, odd + 1  # a typo or an inflated figure
            letters = students - rng.randint(0, 20)
            services.submit(
                actor=_user("principal", submission.unit_id),
                submission=submission,
                values={
                    "lessons": lessons,
                    "students": students,
                    "letters": max(letters, 0),
                    "returned": max(letters - rng.randint(0, 40), 0),
                    "signs": True,
                },
            )
            submitted += 1
            if rng.random() < 0.85:
                _backdate(submission, period.deadline - dt.timedelta(hours=rng.randint(2, 70)))
    return submitted


def _opening_plans(
    context: DemoContext, admin: User, versions: dict[str, FormVersion], districts: list[OrgUnit]
) -> int:
    """开学工作方案 at every stage of the school → district → city approval chain."""
    submitted = 0
    # 开学工作方案: school → district → city approval, for the first district's schools.
    opening = services.create_directive(
        actor=admin,
        title="关于做好秋季学期开学工作方案审核备案的通知",
        body="开学工作方案须经学校审定、区县教育局审核后报市教育局审批，未经审批的学校不得开学。",
        deadline=_at(context.today + dt.timedelta(days=10), 17),
        targets={
            "mode": "list",
            "units": list(
                OrgUnit.objects.filter(path__under=districts[0].path, kind=UnitKind.SCHOOL, is_closed=False)
                .order_by("path")
                .values_list("pk", flat=True)[:8]
            ),
        },
        form_version=versions["开学工作方案备案"],
        approval_kinds=[UnitKind.SCHOOL, UnitKind.DISTRICT],
        allow_late=False,
        issue=True,
    )
    district_admin = _user("district_admin", districts[0].pk)
    for index, submission in enumerate(
        Submission.objects.filter(directive=opening).select_related("unit").order_by("unit__path")
    ):
        if index == 0:
            continue
        principal = _user("principal", submission.unit_id)
        services.attach_to_submission(
            actor=principal,
            submission=submission,
            upload=SimpleUploadedFile(
                f"{submission.unit.short_name or submission.unit.name}开学工作方案.docx", _docx("开学工作方案")
            ),
            field_key="plan",
        )
        submission.refresh_from_db()
        plan: dict[str, Any] = {
            **submission.values,
            "emergency": True,
            "checks": True,
            "room": True,
            "supplies": index % 4 != 3,
            "opening": (context.today + dt.timedelta(days=14)).isoformat(),
        }
        services.submit(actor=principal, submission=submission, values=plan)
        submitted += 1
        if index >= 2:
            services.approve(actor=principal, submission=submission)
        if index >= 3:
            services.approve(actor=district_admin, submission=submission)
        if index >= 5:
            services.approve(actor=admin, submission=submission)
    return submitted


def _life_cycle_examples(
    context: DemoContext, admin: User, versions: dict[str, FormVersion], districts: list[OrgUnit]
) -> None:
    """A draft still being written, a directive withdrawn with its reason and one corrected (更正通知); a saved
    常用分组 (the first school of each district: the 食品安全 spot-check schools)."""
    spot_checks = [
        school
        for district in districts
        if (
            school := OrgUnit.objects.filter(path__under=district.path, kind=UnitKind.SCHOOL, is_closed=False)
            .order_by("path")
            .first()
        )
        is not None
    ]
    if spot_checks:
        services.save_group(actor=admin, name="食品安全抽查学校", units=spot_checks)
    services.create_directive(
        actor=admin,
        title="关于报送冬春季学校防疫物资储备情况的通知",
        body="各区县教育局、市直属学校：\n冬春季是流感、诺如病毒等传染病高发季节。请各单位清点口罩、体温计、"
        "消毒用品和手套等防疫物资，确保储备满足一个月使用，并于截止时间前报送储备情况。",
        deadline=_at(context.today + dt.timedelta(days=14), 17),
        targets={"mode": "subtree"},
        form_version=versions["防疫物资储备情况"],
        issue=False,
    )
    withdrawn = services.create_directive(
        actor=admin,
        title="关于报送课后服务开展情况的通知",
        body="请各区县教育局于截止时间前报送本区课后服务开展情况。",
        deadline=_at(context.today + dt.timedelta(days=10), 17),
        targets={"mode": "kind", "kind": UnitKind.DISTRICT},
        form_version=versions["课后服务开展情况"],
        issue=True,
    )
    services.withdraw_directive(
        actor=admin,
        directive=withdrawn,
        reason="与省教育厅统一部署的课后服务专项调查重复，请改按省厅表格报送，本通知不再报送。",
    )
    corrected = Directive.objects.filter(title="关于报送文明校园创建示范点名单的通知", parent__isnull=True).first()
    if corrected is not None:
        services.correct_directive(
            actor=admin,
            directive=corrected,
            text="通知第二段“开发区不少于一所”更正为“开发区不少于两所”，其余内容不变。",
        )


@demo_step(order=20)
def directives_demo(context: DemoContext) -> dict[str, int]:
    rng = random.Random(context.seed)  # noqa: S311 (deterministic demo data)
    city = context.city
    admin = User.objects.get(username="city.admin")
    versions: dict[str, FormVersion] = {}
    for name, description, schema in TEMPLATES:
        form = services.create_form(actor=admin, name=name, description=description, schema=schema, is_template=True)
        versions[name] = services.publish_form(actor=admin, form=form)
    districts = list(OrgUnit.objects.filter(pk__in=city.districts).order_by("path"))
    filled_districts = districts if context.scale == "small" else districts[:1]
    submitted = _model_school_lists(context, admin, versions, districts, filled_districts)
    submitted += _weekly_drowning_reports(context, rng, admin, versions, filled_districts)
    submitted += _opening_plans(context, admin, versions, districts)
    _life_cycle_examples(context, admin, versions, districts)
    return {
        "directives": Directive.objects.count(),
        "submissions": Submission.objects.count(),
        "submissions_filled": submitted,
        "approved": Submission.objects.filter(status=SubmissionStatus.APPROVED).count(),
    }
