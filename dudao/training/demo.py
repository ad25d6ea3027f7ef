"""Demo 继续教育: this year's trainings of the demo city (city, each district, the demo school) and the hours its
staff earned in them (bulk: about two attendances per person, ~140,000 rows at city scale), so that most teachers
are still short of the 72 hours and the principal's gap page and the rates have something to show. The demo
school also has a training running today (its sign-in QR can be shown).

Deterministic (seeded); dates follow the demo clock."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

from django.utils import timezone

from dudao.accounts.models import User
from dudao.core.bulk import adapt_datetime, insert_rows, next_id, reset_sequences
from dudao.demo.registry import DemoContext, demo_step
from dudao.orgs.models import OrgUnit
from dudao.training.models import Attendance, Enrolment, TrainingEvent

CITY_EVENTS = [
    ("暑期教师全员培训", "city", "other", 3, 40, "市教师发展中心"),
    ("新时代师德师风专题培训", "city", "ethics", 1, 6, "市教育局报告厅"),
    ("心理健康教育C证培训", "city", "psychology", 2, 12, "市教师发展中心"),
    ("中小学校长任职资格培训", "city", "principal", 2, 16, "市委党校"),
]
DISTRICT_EVENTS = [
    ("班主任能力提升培训", "district", "class_teacher", 1, 8, "区教师进修学校"),
    ("校园安全与应急处置培训", "district", "safety", 1, 4, "区教育局会议室"),
    ("信息技术应用能力提升工程2.0", "district", "it", 2, 24, "区教师进修学校"),
]
SCHOOL_EVENTS = [
    ("新入职教师岗前培训", "school", "new_teacher", 1, 6, "学校多功能厅"),
    ("学科教研专题培训", "school", "subject", 1, 3, "学校录播教室"),
]


def _at(day: dt.date, hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


@demo_step(order=160)
def training(context: DemoContext) -> dict[str, int]:
    rng = random.Random(context.seed * 37 + 2)  # noqa: S311 (deterministic demo data, not security)
    today = context.today
    year = today.year
    city = OrgUnit.objects.get(pk=context.city.root)
    districts = list(OrgUnit.objects.filter(pk__in=context.city.districts).order_by("path"))
    school = OrgUnit.objects.filter(pk=context.city.first_school).first()
    admin = User.objects.filter(unit__path__under=city.path).order_by("id").first()
    if admin is None or not districts:
        return {"training_events": 0, "training_attendances": 0}
    now = adapt_datetime(timezone.now())
    event_id = next_id(TrainingEvent)
    events: list[tuple[Any, ...]] = []
    by_scope: dict[str, list[tuple[int, Decimal, str]]] = {}
    span = max(1, (today - dt.date(year, 1, 1)).days - 3)

    def add(unit: OrgUnit, spec: tuple[str, str, str, int, int, str], start: dt.datetime | None = None) -> None:
        nonlocal event_id
        title, level, category, days, hours, venue = spec
        if start is None:
            day = dt.date(year, 1, 1) + dt.timedelta(days=rng.randrange(span))
            start = _at(day, 9)
            end = start + dt.timedelta(days=days - 1, hours=8)
        else:
            end = start + dt.timedelta(hours=hours + 1)
        events.append((event_id, unit.pk, title, level, category, adapt_datetime(start), adapt_datetime(end), venue,
                       str(hours), "全体教职工", year, admin.pk, now, 1))  # fmt: skip
        if start <= timezone.now():
            by_scope.setdefault(unit.path, []).append((event_id, Decimal(hours), category))
        event_id += 1

    for spec in CITY_EVENTS:
        add(city, spec)
    for district in districts:
        for spec in DISTRICT_EVENTS:
            add(district, spec)
    if school is not None:
        for spec in SCHOOL_EVENTS:
            add(school, spec)
        add(school, ("家校沟通与家庭教育指导培训", "school", "class_teacher", 1, 3, "学校多功能厅"),
            start=_at(today, 14))  # fmt: skip
    fields = ["id", "organiser", "title", "level", "category", "starts_at", "ends_at", "venue", "hours", "audience",
              "year", "created_by", "created_at", "version"]  # fmt: skip
    insert_rows(TrainingEvent, fields, events)
    staff = User.objects.filter(unit__path__under=city.path, is_active=True, staff_profile__isnull=False)
    attendance_id, enrolment_id = next_id(Attendance), next_id(Enrolment)
    attendances: list[tuple[Any, ...]] = []
    enrolments: list[tuple[Any, ...]] = []
    prefixes = sorted(by_scope, key=len)
    for user_id, path, is_class_teacher in staff.order_by("id").values_list(
        "id", "unit__path", "staff_profile__is_class_teacher"
    ):
        pool = [e for p in prefixes if path.startswith(p) for e in by_scope[p]]
        taken = rng.sample(pool, k=min(len(pool), rng.choice([1, 2, 2, 3, 4])))
        if is_class_teacher and rng.random() < 0.7:
            taken += [e for e in pool if e[2] == "class_teacher" and e not in taken][:1]
        for pk, hours, _ in taken:
            attendances.append((attendance_id, pk, user_id, year, str(hours), rng.choice(["qr", "qr", "import"]), now))
            enrolments.append((enrolment_id, pk, user_id, now))
            attendance_id += 1
            enrolment_id += 1
    insert_rows(Enrolment, ["id", "event", "user", "created_at"], enrolments)
    insert_rows(Attendance, ["id", "event", "user", "year", "hours", "method", "signed_at"], attendances)
    reset_sequences([TrainingEvent, Enrolment, Attendance])
    return {"training_events": len(events), "training_attendances": len(attendances)}
