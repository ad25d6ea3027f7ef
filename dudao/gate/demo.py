"""Demo gate data: a week of visitors at the first school and three more schools of its district (parents, deliveries,
repairs, an official check), a returning parent, a visitor with a fever, and one visitor still inside at the first
school. Adds the login `school.guard` (门卫 of the first school)."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.utils import timezone

from dudao.accounts.models import User
from dudao.demo.loader import DEMO_PASSWORD
from dudao.demo.registry import DemoContext, demo_step
from dudao.gate.models import Visit, VisitReason
from dudao.orgs.models import OrgUnit, RoleAssignment, UnitKind
from dudao.orgs.roles import Role
from dudao.orgs.text import id_card_check_digit

GUARD_USERNAME = "school.guard"
# The returning parent of the guide: type this phone number on the registration form.
RETURNING_PHONE = "13907910021"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = [
    "秀英",
    "建华",
    "丽娟",
    "志强",
    "海燕",
    "国庆",
    "桂兰",
    "晓东",
    "红梅",
    "永刚",
    "春花",
    "文军",
    "雪梅",
    "德明",
    "小平",
    "玉兰",
]
# (reason, share, free-text hosts for outsiders, other reason text)
REASONS: list[tuple[str, int]] = [
    (VisitReason.PARENT, 40),
    (VisitReason.DELIVERY, 20),
    (VisitReason.REPAIR, 15),
    (VisitReason.OFFICIAL, 8),
    (VisitReason.MEETING, 8),
    (VisitReason.INTERVIEW, 4),
    (VisitReason.OTHER, 5),
]
OUTSIDE_HOSTS: dict[str, list[str]] = {
    VisitReason.DELIVERY: ["总务处", "食堂", "图书室"],
    VisitReason.REPAIR: ["总务处", "信息中心"],
    VisitReason.OFFICIAL: ["校长室", "办公室"],
}
OTHER_REASONS = ["送学生遗忘的物品", "校园开放日参观", "办理转学手续"]
TRAVEL = ["广州市", "上海市浦东新区", "云南省西双版纳州"]


def _id_card(rng: random.Random) -> str:
    birth = dt.date(1965, 1, 1) + dt.timedelta(days=rng.randrange(0, 365 * 35))
    first17 = f"3601{rng.randrange(1, 30):02d}{birth:%Y%m%d}{rng.randrange(1, 999):03d}"
    return first17 + id_card_check_digit(first17)


def _guard(school: OrgUnit) -> User:
    probe = User()
    probe.set_password(DEMO_PASSWORD)
    guard = User.objects.create(
        username=GUARD_USERNAME,
        full_name="陈建国",
        title="门卫",
        unit=school,
        is_demo=True,
        password=probe.password,
        phone="13900000000",
    )
    RoleAssignment.objects.create(user=guard, role=Role.GUARD, unit=school)
    return guard


@demo_step(order=96)
def gate_demo(context: DemoContext) -> dict[str, int]:
    rng = random.Random(context.seed + 20)  # noqa: S311 (deterministic demo data)
    first = OrgUnit.objects.get(pk=context.city.first_school)
    district = OrgUnit.objects.get(pk=context.city.districts[0])
    others = list(
        OrgUnit.objects.filter(path__startswith=district.path, kind=UnitKind.SCHOOL)
        .exclude(pk=first.pk)
        .order_by("path")[:3]
    )
    guard = _guard(first)
    now = timezone.localtime()
    today = context.today
    reasons = [r for r, _ in REASONS]
    weights = [w for _, w in REASONS]
    returning = ("王秀英", _id_card(rng), RETURNING_PHONE)
    visits: list[Visit] = []
    for school in [first, *others]:
        staff = list(User.objects.filter(unit__path__startswith=school.path, is_active=True).order_by("id")[:40])
        registrar = guard if school == first else (staff[0] if staff else guard)
        returning_days = {6, 5, 2, 1}
        for back in range(7, 0, -1):
            day = today - dt.timedelta(days=back)
            count = rng.randint(3, 7) if day.weekday() < 5 else rng.randint(0, 1)
            for _ in range(count):
                reason = rng.choices(reasons, weights)[0]
                name = rng.choice(SURNAMES) + rng.choice(GIVEN)
                person = (name, _id_card(rng), f"1{rng.choice('3589')}{rng.randrange(10**9):09d}")
                if school == first and reason == VisitReason.PARENT and back in returning_days:
                    person = returning
                    returning_days.discard(back)  # once a day
                start = timezone.make_aware(dt.datetime.combine(day, dt.time(7, 40))) + dt.timedelta(
                    minutes=rng.randrange(0, 9 * 60)
                )
                visits.append(_visit(rng, school, person, reason, start, staff, registrar))
        # Today: visitors before now, all gone again, except one still inside at the first school.
        for minutes_ago in (150, 95) if school == first else (120,):
            start = now - dt.timedelta(minutes=minutes_ago)
            if start.date() == today:
                person = (rng.choice(SURNAMES) + rng.choice(GIVEN), _id_card(rng), f"139{rng.randrange(10**8):08d}")
                visits.append(_visit(rng, school, person, VisitReason.DELIVERY, start, staff, registrar))
    if now.date() == today:
        inside = _visit(
            rng,
            first,
            ("刘志远", _id_card(rng), "13807913366"),
            VisitReason.REPAIR,
            max(now - dt.timedelta(minutes=35), timezone.make_aware(dt.datetime.combine(today, dt.time(0, 5)))),
            [],
            guard,
        )
        inside.host_text, inside.checked_out_at = "总务处", None
        visits.append(inside)
    Visit.objects.bulk_create(visits, batch_size=500)
    return {"gate.visit": len(visits)}


def _visit(
    rng: random.Random,
    school: OrgUnit,
    person: tuple[str, str, str],
    reason: str,
    start: dt.datetime,
    staff: list[User],
    registrar: User,
) -> Visit:
    name, id_card_no, phone = person
    host = (
        rng.choice(staff)
        if staff and reason in (VisitReason.PARENT, VisitReason.MEETING, VisitReason.INTERVIEW)
        else None
    )
    fever = rng.random() < 0.03
    travel = rng.choice(TRAVEL) if rng.random() < 0.05 else ""
    stay = dt.timedelta(minutes=rng.randrange(10, 120))
    out = min(start + stay, timezone.now())
    return Visit(
        school=school,
        name=name,
        id_card_no=id_card_no,
        phone=phone,
        host=host,
        host_text="" if host else rng.choice(OUTSIDE_HOSTS.get(reason, ["办公室"])),
        reason=reason,
        reason_other=rng.choice(OTHER_REASONS) if reason == VisitReason.OTHER else "",
        has_symptoms=fever,
        temperature=Decimal("37.8") if fever else Decimal(f"36.{rng.randrange(1, 8)}"),
        travel_history=travel,
        checked_in_at=start,
        checked_out_at=out,
        registered_by=registrar,
        checked_out_by=registrar,
    )
