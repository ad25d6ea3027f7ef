"""Demo guards and equipment: every open school gets its security profile (senior, complete and vocational
schools board), the guards its enrolment needs (a few schools one short, a few 保安员证 expiring or expired, some
guards sent by a security company) and its equipment (one-button alarm, video, barriers, 护卫器械), mostly checked
on time. The first school (the demo logins' school) has one 保安员证 expiring in 20 days, so its card is yellow.
Rows are bulk-inserted; no query per school."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.utils import timezone

from dudao.demo.registry import DemoContext, demo_step
from dudao.guards.models import DEFAULT_INTERVALS, Employer, Equipment, EquipmentKind, Guard, SecurityProfile
from dudao.guards.rules import required_guards
from dudao.orgs import enrolment
from dudao.orgs.models import OrgUnit, SchoolType, UnitKind
from dudao.orgs.text import id_card_check_digit

BOARDING_TYPES = {SchoolType.SENIOR, SchoolType.COMPLETE, SchoolType.VOCATIONAL}
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ["建国", "卫东", "志刚", "国庆", "建军", "永强", "海涛", "德胜", "春生", "明亮", "金山", "长青"]
COMPANIES = ["市安保服务有限公司", "平安保安服务有限公司", "卫士保安服务有限公司"]
AREAS = ["360102", "360103", "360104", "360111", "360121"]


def _id_number(rng: random.Random) -> str:
    birth = dt.date(rng.randint(1966, 1995), rng.randint(1, 12), rng.randint(1, 28))
    first17 = rng.choice(AREAS) + birth.strftime("%Y%m%d") + f"{rng.randint(0, 999):03d}"
    return first17 + id_card_check_digit(first17)


@demo_step(order=98)
def guards_demo(context: DemoContext) -> dict[str, Any]:
    rng = random.Random(context.seed + 98)  # noqa: S311 (deterministic demo data, not security)
    today = context.today
    first = context.city.first_school
    schools = list(OrgUnit.objects.filter(kind=UnitKind.SCHOOL, is_closed=False).order_by("path"))
    students = enrolment.rollup(schools)
    created = timezone.now()
    profiles: list[SecurityProfile] = []
    guards: list[Guard] = []
    items: list[Equipment] = []
    for school in schools:
        boarding = school.school_type in BOARDING_TYPES
        profiles.append(SecurityProfile(school=school, is_boarding=boarding, updated_at=created))
        need = required_guards(students=students[school.pk].students, is_boarding=boarding)
        count = max(need.day, need.night + 1)
        if school.pk != first and rng.random() < 0.06:
            count -= 1  # one short: the card turns red
        company = rng.choice(COMPANIES) if rng.random() < 0.4 else ""
        for i in range(max(0, count)):
            expires = today + dt.timedelta(days=rng.randint(60, 1400))
            if school.pk != first and rng.random() < 0.02:
                expires = today - dt.timedelta(days=rng.randint(1, 60))
            elif school.pk != first and rng.random() < 0.03:
                expires = today + dt.timedelta(days=rng.randint(1, 30))
            guards.append(
                Guard(
                    school=school,
                    name=rng.choice(SURNAMES) + rng.choice(GIVEN),
                    phone=f"13{rng.randint(5, 9)}{rng.randint(10**7, 10**8 - 1)}",
                    id_card_no=_id_number(rng),
                    licence_number=f"赣{today.year - rng.randint(1, 8)}{rng.randint(10**6, 10**7 - 1)}",
                    licence_expires_on=expires,
                    trained_on=today - dt.timedelta(days=rng.randint(10, 300 if rng.random() < 0.95 else 500)),
                    employer=Employer.COMPANY if company else Employer.SCHOOL,
                    company=company,
                    works_nights=i < need.night or (i == 0 and rng.random() < 0.3),
                    created_at=created,
                )
            )
        for kind in EquipmentKind:
            if school.pk != first and rng.random() < 0.02:
                continue  # not equipped: the card turns red
            interval = DEFAULT_INTERVALS[kind]
            late = school.pk != first and rng.random() < 0.05
            items.append(
                Equipment(
                    school=school,
                    kind=kind,
                    description={"alarm": "门卫室", "video": "校门及重点部位", "barrier": "校门口", "gear": "门卫室"}[
                        kind
                    ],
                    quantity={"alarm": 2, "video": rng.randint(24, 96), "barrier": 2, "gear": 6}[kind],
                    coverage=100 if kind == EquipmentKind.VIDEO else None,
                    linked_to_police=kind in (EquipmentKind.ALARM, EquipmentKind.VIDEO) and rng.random() < 0.97,
                    is_working=school.pk == first or rng.random() > 0.01,
                    last_checked_on=today
                    - dt.timedelta(days=interval + rng.randint(5, 40) if late else rng.randint(0, interval - 1)),
                    check_interval_days=interval,
                    created_at=created,
                )
            )
    # The first school: one licence expiring in 20 days (a yellow card for the demo logins).
    first_guards = [g for g in guards if g.school.pk == first]
    if first_guards:
        first_guards[-1].licence_expires_on = today + dt.timedelta(days=20)
    SecurityProfile.objects.bulk_create(profiles, batch_size=2000)
    Guard.objects.bulk_create(guards, batch_size=2000)
    Equipment.objects.bulk_create(items, batch_size=2000)
    return {"security_profiles": len(profiles), "guards": len(guards), "security_equipment": len(items)}
