"""Demo data for 免疫接种与学校卫生: the catalogue's vaccines (新冠, 流感, 麻腮风) recorded for every enrolled student
with school-to-school variation and a few contraindications, this school year's exams (vision, caries, TB screening of
new students), a health room with staff for most schools, and a week of disinfection logs.

Rows go in through `insert_rows` (one executemany or COPY per table). At city scale only the first district gets
doses and exams, to keep the load quick; rooms and logs cover every school. `school.teacher`'s class is left without
this season's influenza doses for a visitor to tick.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.utils import timezone

from dudao.accounts.models import User
from dudao.core.bulk import adapt_datetime, insert_rows, next_id, reset_sequences
from dudao.demo.registry import DemoContext, demo_step
from dudao.orgs.models import OrgUnit, Student, StudentStatus, UnitKind
from dudao.schoolhealth import tables
from dudao.schoolhealth.models import (
    DisinfectionLog,
    DisinfectionMethod,
    HealthExam,
    HealthRoom,
    HealthStaff,
    RoomKind,
    StaffPost,
    TbResult,
    VaccinationRecord,
)

NEW_STUDENT_GRADES = {"小班", "一年级", "七年级", "高一"}
PLACES = ["教室", "卫生间", "食堂", "宿舍", "楼道及扶手"]
CONTRAINDICATIONS = ["对鸡蛋蛋白严重过敏（有医院证明）", "免疫功能缺陷，遵医嘱暂缓", "既往接种后严重过敏反应"]


def _school_year_start(today: dt.date) -> dt.date:
    return dt.date(today.year if today.month >= 9 else today.year - 1, 9, 1)


@demo_step(order=65)
def schoolhealth_demo(ctx: DemoContext) -> dict[str, int]:
    rng = random.Random(ctx.seed * 7927 + 65)  # noqa: S311 (deterministic demo data)
    scope = OrgUnit.objects.get(pk=ctx.city.districts[0] if ctx.scale != "small" else ctx.city.root)
    doctor = User.objects.filter(username="school.doctor").values_list("pk", flat=True).first()
    now = adapt_datetime(timezone.now().replace(microsecond=0))
    counts = _doses_and_exams(ctx, rng, scope, doctor, now)
    counts.update(_rooms_and_logs(ctx, rng, doctor, now))
    return counts


def _doses_and_exams(
    ctx: DemoContext, rng: random.Random, scope: OrgUnit, doctor: int | None, now: object
) -> dict[str, int]:
    today = ctx.today
    schools = {u.path: u.pk for u in OrgUnit.objects.filter(kind=UnitKind.SCHOOL, path__under=scope.path)}
    grades = dict(OrgUnit.objects.filter(kind=UnitKind.GRADE, path__under=scope.path).values_list("path", "name"))
    classes: dict[int, tuple[int, bool]] = {}
    for pk, path in OrgUnit.objects.filter(kind=UnitKind.CLASS, path__under=scope.path, is_closed=False).values_list(
        "pk", "path"
    ):
        school = next((schools[path[:i]] for i in range(4, len(path), 4) if path[:i] in schools), None)
        if school is not None:
            classes[pk] = (school, grades.get(path[:-4], "") in NEW_STUDENT_GRADES)
    # Coverage differs by school: most near the targets, a few lagging behind (what the page exists to show).
    uptake = {s: (rng.uniform(0.93, 0.995), rng.uniform(0.8, 0.97), rng.uniform(0.35, 0.75)) for s in schools.values()}
    season = max(dt.date(_school_year_start(today).year, 10, 8), today - dt.timedelta(days=60))
    season = min(season, today)
    skip_flu = ctx.city.first_class
    year = _school_year_start(today).year
    doses: list[tuple[object, ...]] = []
    exams: list[tuple[object, ...]] = []
    dose_id, exam_id = next_id(VaccinationRecord), next_id(HealthExam)
    students = Student.objects.filter(klass_id__in=classes, status=StudentStatus.ENROLLED).order_by("pk")
    for pk, klass, birth in students.values_list("pk", "klass_id", "birth_date").iterator(chunk_size=5000):
        school, is_new = classes[klass]
        mmr_rate, covid_rate, flu_rate = uptake[school]
        # 麻腮风: 8 and 18 months of age.
        roll = rng.random()
        if roll < 0.006:
            doses.append((dose_id, pk, klass, "mmr", None, None, False, rng.choice(CONTRAINDICATIONS), doctor, now))
            dose_id += 1
        elif roll < mmr_rate:
            first = birth + dt.timedelta(days=245 + rng.randint(0, 30))
            second = birth + dt.timedelta(days=548 + rng.randint(0, 60))
            for number, day in ((1, first), (2, second)):
                if day <= today:
                    doses.append((dose_id, pk, klass, "mmr", number, day, number == 2, "", doctor, now))
                    dose_id += 1
        # 新冠: two doses in the 2021–2022 campaign, for children born before 2018.
        if birth.year < 2018 and rng.random() < covid_rate:
            first = dt.date(2021, 9, 1) + dt.timedelta(days=rng.randint(0, 120))
            for number, day in ((1, first), (2, first + dt.timedelta(days=rng.randint(21, 56)))):
                doses.append((dose_id, pk, klass, "covid", number, day, number == 2, "", doctor, now))
                dose_id += 1
        # 流感: this season, one dose.
        if klass != skip_flu and rng.random() < flu_rate:
            day = season + dt.timedelta(days=rng.randint(0, max(0, (today - season).days)))
            doses.append((dose_id, pk, klass, "flu", 1, day, True, "", doctor, now))
            dose_id += 1
        # This school year's exam, held in October (or already, early in the year).
        exam_day = min(today, dt.date(year, 10, 10) + dt.timedelta(days=rng.randint(0, 20)))
        if exam_day >= dt.date(year, 9, 1):
            age = (exam_day - birth).days / 365.25
            myopic = rng.random() < min(0.85, max(0.03, (age - 5) * 0.075))
            left = Decimal(str(round(rng.uniform(4.3, 4.9) if myopic else rng.uniform(4.9, 5.3), 1)))
            right = min(Decimal("5.3"), max(Decimal("3.0"), left + Decimal(rng.choice(["-0.1", "0.0", "0.0", "0.1"]))))
            caries = rng.random() < (0.45 if age < 12 else 0.25)
            tb = ""
            if is_new:
                tb = TbResult.NOT_SCREENED if rng.random() < 0.02 else TbResult.NEGATIVE
            exams.append((exam_id, pk, klass, year, exam_day, is_new, tb, left, right, myopic, caries, doctor, now))
            exam_id += 1
    insert_rows(
        VaccinationRecord,
        [
            "id",
            "student",
            "unit",
            "vaccine",
            "dose_number",
            "date",
            "completes_course",
            "contraindication",
            "recorded_by",
            "recorded_at",
        ],
        doses,
    )
    insert_rows(
        HealthExam,
        [
            "id",
            "student",
            "klass",
            "school_year",
            "exam_date",
            "is_new_student",
            "tb_result",
            "vision_left",
            "vision_right",
            "is_myopic",
            "has_caries",
            "recorded_by",
            "recorded_at",
        ],
        exams,
    )
    reset_sequences([VaccinationRecord, HealthExam])
    tables.invalidate()
    return {"schoolhealth.doses": len(doses), "schoolhealth.exams": len(exams)}


def _rooms_and_logs(ctx: DemoContext, rng: random.Random, doctor: int | None, now: object) -> dict[str, int]:
    today = ctx.today
    root = OrgUnit.objects.get(pk=ctx.city.root)
    schools = list(
        OrgUnit.objects.filter(kind=UnitKind.SCHOOL, path__under=root.path, is_closed=False)
        .order_by("path")
        .values_list("pk", flat=True)
    )
    rooms: list[tuple[object, ...]] = []
    staff: list[tuple[object, ...]] = []
    logs: list[tuple[object, ...]] = []
    room_id, staff_id, log_id = next_id(HealthRoom), next_id(HealthStaff), next_id(DisinfectionLog)
    for school in schools:
        roll = 0.0 if school == ctx.city.first_school else rng.random()
        if roll < 0.55:
            expires = today + dt.timedelta(days=rng.randint(-40, 900))
            rooms.append((room_id, school, RoomKind.CLINIC, f"PDY{rng.randint(10000000, 99999999)}", expires, 1, now))
        elif roll < 0.92:
            rooms.append((room_id, school, RoomKind.CARE_ROOM, "", None, 1, now))
        else:
            continue  # no room yet: counts against the 配备率
        room_id += 1
        for n in range(1 if roll >= 0.55 else rng.choice([1, 2])):
            post = StaffPost.DOCTOR if roll < 0.55 and n == 0 else StaffPost.HEALTH_TEACHER
            qualification = (
                "执业医师" if post == StaffPost.DOCTOR else rng.choice(["护士执业证书", "保健员培训合格", ""])
            )
            if school == ctx.city.first_school or rng.random() < 0.93:
                staff.append((staff_id, school, _name(rng), post, qualification, now))
                staff_id += 1
        for back in range(7):
            day = today - dt.timedelta(days=back)
            if day.weekday() >= 5:
                continue
            for place in rng.sample(PLACES, 2):
                method = (
                    DisinfectionMethod.CHLORINE
                    if place in ("卫生间", "食堂")
                    else rng.choice(
                        [DisinfectionMethod.VENTILATION, DisinfectionMethod.ULTRAVIOLET, DisinfectionMethod.CHLORINE]
                    )
                )
                logs.append(
                    (
                        log_id,
                        school,
                        day,
                        place,
                        method,
                        _name(rng),
                        doctor if school == ctx.city.first_school else None,
                        now,
                    )
                )
                log_id += 1
    insert_rows(HealthRoom, ["id", "school", "kind", "licence_no", "licence_expires", "version", "updated_at"], rooms)
    insert_rows(HealthStaff, ["id", "school", "name", "post", "qualification", "created_at"], staff)
    insert_rows(
        DisinfectionLog, ["id", "school", "date", "place", "method", "person", "recorded_by", "recorded_at"], logs
    )
    reset_sequences([HealthRoom, HealthStaff, DisinfectionLog])
    return {
        "schoolhealth.rooms": len(rooms),
        "schoolhealth.health_staff": len(staff),
        "schoolhealth.disinfection": len(logs),
    }


_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
_GIVEN = "芳敏静丽娟霞秀英华红梅兰玉萍燕洁琳雪建国军伟强磊洋勇"


def _name(rng: random.Random) -> str:
    return rng.choice(_SURNAMES) + "".join(rng.choice(_GIVEN) for _ in range(rng.choice([1, 2])))
