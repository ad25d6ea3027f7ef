"""Demo data for 一生一案: a handful of cases at every level in a few schools (one crisis with open steps at the
demo school, seen by school.counsellor, school.principal and school.teacher), a screening with suggestions, a
dropout register with returned and still-out students in both districts, home visits covering 60–90 % of each class
(bulk insert), counsellor staffing with gaps, and one break-glass by the designated officer.

Cases go through the services so audit events, alerts and encryption are as in real use; home visits are bulk
inserted (still encrypted by the field) to keep the load quick."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.utils import timezone

from dudao.accounts.models import User
from dudao.cases import services
from dudao.cases.models import (
    CaseFile,
    CaseKind,
    CounsellingRoom,
    CounsellorProfile,
    HomeVisit,
    RiskLevel,
    ScreeningBatch,
    ScreeningResult,
    SuggestionStatus,
    VisitMode,
    term_of,
)
from dudao.demo.registry import DemoContext, demo_step
from dudao.orgs.models import OrgUnit, RoleAssignment, Student, UnitKind

NOTES = [
    ("interview", "个别辅导：学生谈到与父母关系紧张，近两周睡眠差，上课注意力不集中。约定每周二午休面谈。"),
    ("family", "与母亲电话沟通，说明学生近期情绪变化，建议家长减少批评、多陪伴。", "母亲表示理解，愿意配合"),
    ("teacher", "与班主任、语文老师沟通，课堂上多给予正面关注，避免当众批评。", "任课教师已知悉"),
    ("note", "学生主动来心理辅导室，情绪较上周平稳，能说出自己的压力来源。"),
]
VISIT_FINDINGS = [
    "家庭氛围和睦，家长重视学习，孩子有固定的学习空间。",
    "父母在外务工，由祖父母照看，作业辅导有困难，已约定每周电话沟通。",
    "家长对孩子手机使用较担心，共同商定了使用时间。",
    "家庭经济较困难，已告知资助政策并协助申请。",
    "孩子性格内向，建议家长多鼓励参加集体活动。",
]
CADRES = ["王建国 13907001001", "陈晓梅 13907001002", "刘志强 13907001003"]
TOWNSHIPS = ["城关镇 张主任 13907002001", "石桥乡 李干事 13907002002"]
VILLAGES = ["新华村 赵书记 13907003001", "东山村 周主任 13907003002"]


def _user(unit_id: int, role: str) -> User | None:
    holder = RoleAssignment.objects.filter(unit_id=unit_id, role=role).order_by("id").values_list("user_id", flat=True)
    first = holder.first()
    return User.objects.get(pk=first) if first else None


def _students(school: OrgUnit, count: int, rng: random.Random, klass_id: int | None = None) -> list[Student]:
    qs = Student.objects.filter(klass__path__under=school.path).select_related("klass")
    if klass_id:
        qs = qs.filter(klass_id=klass_id)
    ids = list(qs.values_list("pk", flat=True)[:400])
    picked = rng.sample(ids, min(count, len(ids)))
    return list(qs.filter(pk__in=picked).order_by("pk"))


def _psych_cases(
    school: OrgUnit, counsellor: User, rng: random.Random, today: dt.date, klass_id: int | None
) -> list[CaseFile]:
    levels = [RiskLevel.LEVEL3, RiskLevel.LEVEL3, RiskLevel.LEVEL2, RiskLevel.LEVEL2, RiskLevel.LEVEL1]
    students = _students(school, len(levels), rng, klass_id) if klass_id else []
    if len(students) < len(levels):
        students += [s for s in _students(school, len(levels) * 2, rng) if s not in students][
            : len(levels) - len(students)
        ]
    cases = []
    for student, level in zip(students, levels, strict=False):
        case = services.open_case(
            actor=counsellor,
            student=student,
            kind=CaseKind.PSYCH,
            source=rng.choice(["screening", "teacher", "self", "parent"]),
            risk_level=level,
            counsellor=counsellor,
            plan="每两周个别辅导一次；班主任每周观察反馈；家长每月面谈一次。",
        )
        for note in rng.sample(NOTES, 2):
            services.add_note(
                actor=counsellor,
                case=case,
                kind=note[0],
                text=note[1],
                outcome=note[2] if len(note) > 2 else "",
                occurred_on=today - dt.timedelta(days=rng.randint(1, 20)),
            )
        cases.append(case)
    # Some follow-ups are late, as in real life.
    for case in cases[:2]:
        CaseFile.objects.filter(pk=case.pk).update(next_review_on=today - dt.timedelta(days=rng.randint(2, 9)))
    return cases


def _crisis(counsellor: User, case: CaseFile) -> None:
    case.refresh_from_db()
    case = services.change_level(
        actor=counsellor,
        case=case,
        level=RiskLevel.CRISIS,
        reason="学生在周记中写到“不想活了”，班主任当即报告",
        version=case.version,
        guardian_contacted_at=timezone.now() - dt.timedelta(minutes=40),
    )
    services.complete_crisis_step(actor=counsellor, case=case, step="guardian_handover", note="母亲已到校当面接回")


def _dropouts(school: OrgUnit, counsellor: User, rng: random.Random, today: dt.date, index: int) -> int:
    made = 0
    for n, student in enumerate(_students(school, 3, rng)):
        if CaseFile.objects.filter(student=student, kind=CaseKind.DROPOUT, status="open").exists():
            continue
        case = services.open_case(
            actor=counsellor,
            student=student,
            kind=CaseKind.DROPOUT,
            source=rng.choice(["census", "absence", "teacher"]),
            dropout_reason=rng.choice(["learning", "finances", "work", "weariness", "illness", "other"]),
            out_since=today - dt.timedelta(days=rng.randint(8, 90)),
        )
        services.add_note(
            actor=counsellor,
            case=case,
            kind="persuasion",
            text="与村干部一同上门劝返，讲解义务教育法，家长态度有所松动。",
            participants="班主任、村干部、教育局责任干部",
            outcome="约定下周再访",
            occurred_on=today - dt.timedelta(days=rng.randint(1, 7)),
        )
        case.refresh_from_db()
        settled = (n + index) % 3 == 0
        services.update_dropout(
            actor=counsellor,
            case=case,
            version=case.version,
            result="returned" if settled else rng.choice(["out", "at_risk"]),
            returned_on=today - dt.timedelta(days=2) if settled else None,
            teacher_contact=f"{counsellor.display_name} {counsellor.phone}",
            cadre_contact=rng.choice(CADRES),
            township_contact=rng.choice(TOWNSHIPS),
            village_contact=rng.choice(VILLAGES),
        )
        made += 1
    return made


def _screening(school: OrgUnit, counsellor: User, rng: random.Random) -> int:
    batch = ScreeningBatch.objects.create(
        school=school, name="秋季学期心理健康筛查（MHT）", threshold=Decimal(65), uploaded_by=counsellor
    )
    taken = set(CaseFile.objects.filter(school=school).values_list("student_id", flat=True))
    students = [s for s in _students(school, 40, rng) if s.pk not in taken]
    results = []
    for n, student in enumerate(students):
        score = Decimal(rng.randint(66, 85)) if n < 4 else Decimal(rng.randint(20, 60))
        results.append(
            ScreeningResult(
                batch=batch,
                student=student,
                score=score,
                level="中度" if score >= 65 else "无明显风险",
                answers="焦虑分量表偏高；第 12 题选“经常”" if score >= 65 else "",
                is_flagged=score >= 65,
                status=SuggestionStatus.PENDING if score >= 65 else "",
            )
        )
    ScreeningResult.objects.bulk_create(results)
    return len(results)


def _visits(root: OrgUnit, rng: random.Random, today: dt.date) -> int:
    """Visits this term for 60–90 % of each class under `root` (left-behind and 困境 children more often)."""
    term = term_of(today)
    term_start = dt.date(
        today.year if today.month >= 9 else today.year - (1 if today.month == 1 else 0),
        9 if today.month >= 9 or today.month == 1 else 2,
        1,
    )
    span = max(1, (today - term_start).days)
    teachers = dict(
        RoleAssignment.objects.filter(role="class_teacher", unit__path__startswith=root.path).values_list(
            "unit_id", "user_id"
        )
    )
    schools = {s.path: s for s in OrgUnit.objects.filter(kind=UnitKind.SCHOOL, path__startswith=root.path)}
    students = Student.objects.filter(klass__path__startswith=root.path, status="enrolled").values_list(
        "pk", "klass_id", "klass__path", "is_left_behind", "is_in_hardship"
    )
    rows: list[HomeVisit] = []
    coverage: dict[int, float] = {}
    class_school: dict[int, OrgUnit] = {}
    for pk, klass_id, path, left_behind, hardship in students.iterator(chunk_size=5000):
        rate = coverage.setdefault(klass_id, rng.uniform(0.6, 0.9))
        if rng.random() > (min(0.98, rate + 0.1) if left_behind or hardship else rate):
            continue
        school = class_school.get(klass_id)
        if school is None:
            school = class_school[klass_id] = next(s for p, s in schools.items() if path.startswith(p))
        rows.append(
            HomeVisit(
                school=school,
                klass_id=klass_id,
                student_id=pk,
                teacher_id=teachers.get(klass_id),
                term=term,
                visited_on=term_start + dt.timedelta(days=rng.randrange(span)),
                mode=rng.choice([VisitMode.IN_PERSON, VisitMode.IN_PERSON, VisitMode.PHONE, VisitMode.VIDEO]),
                present="父母" if not left_behind else "祖父母",
                findings=rng.choice(VISIT_FINDINGS),
            )
        )
    HomeVisit.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def _staffing(schools: list[OrgUnit], rng: random.Random) -> int:
    profiles, rooms = [], []
    for school in schools:
        counsellor = RoleAssignment.objects.filter(unit=school, role="counsellor").values_list("user_id", flat=True)
        roll = rng.random()
        for user_id in counsellor:
            if roll < 0.15:
                continue  # a gap: the counsellor role exists but no qualified counsellor is recorded
            profiles.append(
                CounsellorProfile(
                    user_id=user_id,
                    school=school,
                    employment="full" if roll > 0.45 else "part",
                    certificate=rng.choice(["A", "B", "B", "C"]),
                )
            )
        if rng.random() < 0.8:
            rooms.append(
                CounsellingRoom(
                    school=school, name="心理辅导室", area_m2=rng.randint(20, 80), meets_standard=rng.random() < 0.7
                )
            )
    CounsellorProfile.objects.bulk_create(profiles)
    CounsellingRoom.objects.bulk_create(rooms)
    return len(profiles)


@demo_step(order=70)
def cases_demo(ctx: DemoContext) -> dict[str, int]:
    rng = random.Random(ctx.seed + 70)  # noqa: S311 (deterministic demo data)
    today = ctx.today
    first = OrgUnit.objects.get(pk=ctx.city.first_school)
    counsellor_demo = User.objects.get(username="school.counsellor")
    district_schools = []
    for district_id in ctx.city.districts[:2]:
        district = OrgUnit.objects.get(pk=district_id)
        district_schools.append(
            list(
                OrgUnit.objects.filter(path__under=district.path, kind=UnitKind.SCHOOL)
                .exclude(pk=first.pk)
                .order_by("path")[:2]
            )
        )
    counts = {"cases": 0, "dropout_cases": 0, "screening_results": 0}
    cases = _psych_cases(first, counsellor_demo, rng, today, ctx.city.first_class)
    _crisis(counsellor_demo, cases[-1])
    counts["cases"] += len(cases)
    counts["dropout_cases"] += _dropouts(first, counsellor_demo, rng, today, 0)
    counts["screening_results"] += _screening(first, counsellor_demo, rng)
    others = [s for group in district_schools for s in group]
    for index, school in enumerate(others, start=1):
        counsellor = _user(school.pk, "counsellor")
        if counsellor is None:
            continue
        counts["cases"] += len(_psych_cases(school, counsellor, rng, today, None))
        counts["dropout_cases"] += _dropouts(school, counsellor, rng, today, index)
    # The designated officer once broke glass on a case at another school: it shows on the access report.
    officer = User.objects.filter(username="city.caseofficer").first()
    target = CaseFile.objects.filter(school__in=others).order_by("id").first()
    if officer is not None and target is not None:
        services.break_glass(actor=officer, case=target, reason="区教育局转来家长投诉，需核实学校是否已落实危机干预")
    # Home visits and staffing for the whole small city; for the big city only the first district (load time).
    root = OrgUnit.objects.get(pk=ctx.city.root if ctx.scale == "small" else ctx.city.districts[0])
    counts["home_visits"] = _visits(root, rng, today)
    counts["counsellor_profiles"] = _staffing(
        list(OrgUnit.objects.filter(kind=UnitKind.SCHOOL, path__startswith=root.path)), rng
    )
    return counts
