"""Demo returns: at the first school (the demo logins' school) a screening round for the next opening day with
most students answered (a few held back: a listed risk area, a close contact, a fever; one already cleared), the
doctor's and principal's own answers, one class suspended for the coming school days with its 停课不停学
arrangement, and staggered arrival times per grade. Everything is for one school, so the city scale costs the same;
answers are bulk-inserted."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.utils import timezone

from dudao.accounts.models import User
from dudao.calendars import selectors as calendar
from dudao.core.errors import DomainError
from dudao.demo.registry import DemoContext, demo_step
from dudao.orgs.models import OrgUnit, Student, StudentStatus, UnitKind
from dudao.returns import services
from dudao.returns.models import AnsweredBy, ScreeningAnswer

AREAS = ["广州市白云区", "北京市朝阳区", "成都市郫都区"]
GATES = ["东门", "南门", "西门"]


@demo_step(order=98)
def returns_demo(context: DemoContext) -> dict[str, Any]:
    rng = random.Random(context.seed + 98)  # noqa: S311 (deterministic demo data, not security)
    if not context.city.first_school:
        return {}
    school = OrgUnit.objects.get(pk=context.city.first_school)
    principal = User.objects.get(username="school.principal")
    today = timezone.localdate()
    opening = calendar.next_opening_day(school, today) or today + dt.timedelta(days=14)
    row = services.open_round(
        actor=principal,
        unit=school,
        data=services.RoundIn(
            name="开学返校健康筛查",
            return_on=opening,
            risk_areas="\n".join(AREAS),
            questions=("假期是否离开本市（写明去向）",),
        ),
    )
    students = list(
        Student.objects.filter(klass__path__under=school.path, status=StudentStatus.ENROLLED)
        .select_related("klass")
        .order_by("klass__path", "id")
    )
    now = timezone.now()
    answers: list[ScreeningAnswer] = []
    for i, student in enumerate(students):
        if student.klass_id != context.city.first_class and rng.random() < 0.15:
            continue  # not answered yet
        answer = ScreeningAnswer(
            round=row,
            unit=student.klass,
            school=school,
            student=student,
            answered_by=AnsweredBy.PARENT if rng.random() < 0.85 else AnsweredBy.TEACHER,
            extra={"假期是否离开本市（写明去向）": rng.choice(["否", "否", "否", "回老家过年", "外出旅游"])},
            answered_at=now,
            updated_at=now,
        )
        data = None
        if i % 37 == 5:
            left = min(opening - dt.timedelta(days=rng.randint(1, 4)), today)
            data = services.AnswerIn(travel_area=rng.choice(AREAS), left_area_on=left)
        elif i % 53 == 7:
            data = services.AnswerIn(close_contact=True, contact_on=today - dt.timedelta(days=1))
        elif i % 61 == 11:
            data = services.AnswerIn(symptoms=("fever", "cough"))
            if (i // 61) % 2:
                answer.cleared_on, answer.certificate_no = today, "市人民医院门诊证明"
        if data is not None:  # the service's own rules decide who is held back
            result = services.assess(row, data, today=today)
            answer.travel_area, answer.left_area_on = data.travel_area, data.left_area_on
            answer.close_contact, answer.contact_on = data.close_contact, data.contact_on
            answer.symptoms = list(data.symptoms)
            answer.is_held, answer.hold_reasons, answer.expected_return = (
                result.is_held,
                result.reasons,
                result.expected_return,
            )
            if not result.is_held:
                answer.cleared_on, answer.certificate_no = None, ""
        answers.append(answer)
    ScreeningAnswer.objects.bulk_create(answers, batch_size=1000)
    for username in ("school.doctor", "school.principal"):
        staff = User.objects.get(username=username)
        services.answer_for_self(actor=staff, round=row, data=services.AnswerIn(), version=None)

    suspended = 0
    klass = (
        OrgUnit.objects.filter(path__under=school.path, kind=UnitKind.CLASS)
        .exclude(pk=context.city.first_class)
        .order_by("path")
        .first()
    )
    start = today + dt.timedelta(days=1)
    if klass is not None:
        try:
            services.suspend(
                actor=principal,
                unit=klass,
                data=services.SuspensionIn(
                    starts_on=start,
                    ends_on=start + dt.timedelta(days=4),
                    reason="水痘聚集性疫情",
                    reference="区疾控中心处置意见（晨午检预警）",
                    online_plan="每天 8:30—11:30 按原课表线上授课，下午自主复习；作业在班级群提交。",
                    online_link="https://classroom.example.edu.cn/live",
                    teacher="张丽华",
                    teacher_phone="13800001234",
                ),
            )
            suspended = 1
        except DomainError:
            pass  # the coming days are not inside a term (a holiday demo clock): no suspension

    slots = 0
    start_time = dt.datetime.combine(opening, dt.time(7, 20))
    for n, grade in enumerate(OrgUnit.objects.filter(path__under=school.path, kind=UnitKind.GRADE).order_by("path")):
        begins = start_time + dt.timedelta(minutes=15 * n)
        services.set_arrival(
            actor=principal,
            school=school,
            data=services.ArrivalIn(
                grade=grade,
                day=opening,
                arrives_from=begins.time(),
                arrives_until=(begins + dt.timedelta(minutes=15)).time(),
                gate=GATES[n % len(GATES)],
                note="家长在校门外 50 米处停车，不进校园" if n == 0 else "",
            ),
        )
        slots += 1
    return {"return_answers": len(answers) + 2, "suspensions": suspended, "arrival_slots": slots}
