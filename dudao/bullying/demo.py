"""Demo bullying reports: at the first school (the demo logins' school) the counsellor is a designated 防欺凌 person
and five reports show every stage (one waiting to be accepted and already overdue, one under investigation, one
determined and in follow-up, one found not to be bullying and closed, one closed after measures); about one school
in twelve elsewhere has one to three reports of this term, so the district's and the city's counts have rows.

Rows are bulk-inserted; deadlines are counted in weekdays (the demo has no per-school holidays that would move them),
and no query is made per school."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.utils import timezone

from dudao.accounts.models import User
from dudao.bullying.models import (
    NEXT_STEP,
    Channel,
    Designation,
    Involvement,
    Kind,
    Report,
    Role,
    Severity,
    Status,
    Step,
    StepKind,
    term_of,
)
from dudao.bullying.selectors import deadline_days
from dudao.demo.registry import DemoContext, demo_step
from dudao.orgs.models import OrgUnit, RoleAssignment, Student, UnitKind
from dudao.orgs.roles import Role as OrgRole

PLACES = [
    "教学楼三楼男生厕所",
    "操场东侧看台",
    "宿舍楼 302 室",
    "放学路上（校门外小卖部旁）",
    "食堂排队处",
    "班级微信群",
]
STORIES = {
    Kind.PHYSICAL: "课间在{place}，被同班几名同学推搡、踢打，膝盖擦伤，孩子回家后不愿说，第二天不肯上学。",
    Kind.VERBAL: "近两周在{place}多次被几名同学起侮辱性绰号、当众嘲笑家庭情况，孩子情绪低落。",
    Kind.PROPERTY: "在{place}被高年级学生多次索要零花钱，不给就威胁放学后“等着”，已累计被要走约 200 元。",
    Kind.SOCIAL: "在{place}被同学组织孤立，小组活动没人愿意和孩子一组，还让其他同学不要和孩子说话。",
    Kind.CYBER: "有同学在{place}发布孩子的丑化照片并配侮辱性文字，多人转发评论。",
}
STEP_TEXT: dict[str, str] = {
    StepKind.ACCEPT: "已受理，德育处牵头成立调查小组，当天与被欺凌学生家长电话沟通。",
    StepKind.INVESTIGATE: "分别询问当事学生、目击学生和班主任，调取走廊监控，事实基本清楚。",
    StepKind.DETERMINE: "学生欺凌治理委员会会议认定。",
    StepKind.MEASURES: "对实施欺凌学生批评教育并书面检讨，家长到校签订监护承诺；被欺凌学生由心理教师跟进辅导。",
    StepKind.FOLLOW_UP: "一个月后回访双方学生和家长，未再发生类似情况，被欺凌学生情绪稳定。",
    StepKind.CLOSE: "经回访情况良好，予以结案，材料归档。",
}
REPORTERS = ["王女士（母亲）", "李先生（父亲）", "张女士（奶奶）", "陈先生（父亲）", "刘女士（母亲）"]
# (status reached, is_bullying, severity, days since reported, channel) of the first school's five reports.
FIRST_SCHOOL = [
    (Status.REPORTED, None, "", 3, Channel.GUARDIAN),
    (Status.ACCEPTED, None, "", 4, Channel.TEACHER),
    (Status.MEASURES, True, Severity.GENERAL, 25, Channel.GUARDIAN),
    (Status.CLOSED, False, "", 40, Channel.SCHOOL),
    (Status.CLOSED, True, Severity.SERIOUS, 70, Channel.GUARDIAN),
]


def _weekdays_after(day: dt.date, n: int) -> dt.date:
    while n > 0:
        day += dt.timedelta(days=1)
        n -= day.weekday() < 5
    return day


def _at(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, 0), tzinfo=timezone.get_current_timezone())


def _play(
    report: Report, reached: str, is_bullying: bool | None, severity: str, by: int | None, today: dt.date
) -> list[Step]:
    """Walk `report` through the steps up to `reached`, each done a few weekdays after the previous one (before its
    deadline), and set its status and the next deadline."""
    steps: list[Step] = []
    day = timezone.localtime(report.reported_at).date()
    due = _weekdays_after(day, deadline_days(StepKind.ACCEPT))
    status: str = Status.REPORTED
    while status != reached:
        kind, following = NEXT_STEP[status]
        done = min(_weekdays_after(day, max(1, deadline_days(kind) // 2)), today)
        text = STEP_TEXT[kind]
        if kind == StepKind.DETERMINE:
            report.is_bullying, report.severity = is_bullying, severity if is_bullying else ""
            text += "构成" + Severity(severity).label if is_bullying else "经调查系同学间一般冲突，不构成欺凌，已调解。"
            if not is_bullying:
                following = Status.FOLLOWED
        steps.append(Step(report=report, kind=kind, text=text, due_on=due, done_on=done, done_by_id=by))
        status, day = following, done
        if status != Status.CLOSED:
            due = _weekdays_after(day, deadline_days(NEXT_STEP[status][0]))
    report.status = status
    report.due_on = None if status == Status.CLOSED else due
    report.closed_at = _at(day, 16) if status == Status.CLOSED else None
    return steps


@demo_step(order=98)
def bullying_demo(context: DemoContext) -> dict[str, Any]:
    rng = random.Random(context.seed + 98)  # noqa: S311 (deterministic demo data, not security)
    today = context.today
    first = context.city.first_school
    schools = list(
        OrgUnit.objects.filter(kind=UnitKind.SCHOOL, is_closed=False).values_list("pk", flat=True).order_by("path")
    )
    principals = dict(
        RoleAssignment.objects.filter(role=OrgRole.PRINCIPAL, unit__kind=UnitKind.SCHOOL)
        .order_by("id")
        .values_list("unit_id", "user_id")
    )
    counsellor = User.objects.filter(username="school.counsellor").first()
    if first and counsellor is not None:
        Designation.objects.create(
            school_id=first, user=counsellor, duty="心理教师、调查组成员", designated_by_id=principals.get(first)
        )
    plan: list[tuple[int, str, bool | None, str, int, str]] = []
    if first:
        plan += [(first, *row) for row in FIRST_SCHOOL]
    for pk in schools:
        if pk == first or rng.random() >= 1 / 12:
            continue
        for _ in range(rng.randint(1, 3)):
            stage: str = rng.choice(
                [Status.REPORTED, Status.ACCEPTED, Status.DETERMINED, Status.MEASURES, Status.CLOSED]
            )
            verdict = None if stage in (Status.REPORTED, Status.ACCEPTED) else rng.random() < 0.8
            grade: str = (Severity.SERIOUS if rng.random() < 0.15 else Severity.GENERAL) if verdict else ""
            if stage != Status.CLOSED and verdict is False:
                stage = Status.CLOSED
            source: str = rng.choice([Channel.GUARDIAN, Channel.GUARDIAN, Channel.TEACHER, Channel.SCHOOL])
            plan.append((pk, stage, verdict, grade, rng.randint(1, 60), source))
    reports: list[Report] = []
    steps: list[tuple[Report, list[Step]]] = []
    for school_id, reached, bullying, severity, age, channel in plan:
        reported = today - dt.timedelta(days=age)
        kind = rng.choice(list(Kind))
        place = rng.choice(PLACES if kind != Kind.CYBER else ["班级微信群", "短视频平台", "QQ 空间"])
        report = Report(
            school_id=school_id,
            term=term_of(reported),
            channel=channel,
            kind=kind,
            occurred_on=reported - dt.timedelta(days=rng.randint(0, 3)),
            place=place,
            description=STORIES[kind].format(place=place),
            reporter=rng.choice(REPORTERS) + f" 139{rng.randint(10**7, 10**8 - 1)}"
            if channel == Channel.GUARDIAN
            else "班主任",
            reported_at=_at(reported, rng.randint(8, 20)),
            created_at=_at(reported, 8),
            updated_at=_at(reported, 8),
        )
        steps.append((report, _play(report, reached, bullying, severity, principals.get(school_id), today)))
        reports.append(report)
    Report.objects.bulk_create(reports, batch_size=1000)
    all_steps = [s for report, rows in steps for s in rows]
    for report, rows in steps:
        for s in rows:
            s.report_id = report.pk
    Step.objects.bulk_create(all_steps, batch_size=2000)
    involvements = _first_school_students(first, [r for r in reports if r.school_id == first])
    Involvement.objects.bulk_create(involvements)
    return {"bullying_reports": len(reports), "bullying_steps": len(all_steps)}


def _first_school_students(first: int, reports: list[Report]) -> list[Involvement]:
    """Two to four students of one class of the first school per report (one query for the school)."""
    if not reports:
        return []
    school = OrgUnit.objects.get(pk=first)
    pool = list(Student.objects.filter(klass__path__under=school.path).order_by("id").values_list("pk", flat=True)[:60])
    rows: list[Involvement] = []
    for i, report in enumerate(reports):
        chosen = pool[i * 4 : i * 4 + 4]
        roles = [Role.VICTIM, Role.BULLY, Role.BULLY, Role.WITNESS]
        rows += [Involvement(report=report, student_id=pk, role=role) for pk, role in zip(chosen, roles, strict=False)]
    return rows
