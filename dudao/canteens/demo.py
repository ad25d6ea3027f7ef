"""Demo canteens: one canteen at every secondary, nine-year, vocational and special school (they board or keep
pupils for lunch) and at the first school, with staff and their health certificates, suppliers, and a week of
留样 and 陪餐 records up to the demo clock; a few canteens have not recorded today's lunch.

At the first school (the demo logins' school) one health certificate expires in 10 days and one has expired,
and today's lunch 留样 is not recorded yet, so a visitor can record it. Rows are bulk-inserted; the sample photos
are six stored pictures shared by all samples."""

from __future__ import annotations

import datetime as dt
import io
import random
from collections.abc import Callable
from typing import Any

from django.utils import timezone
from PIL import Image, ImageDraw

from dudao.accounts.models import User
from dudao.canteens.models import (
    Canteen,
    CanteenWorker,
    CompanionMeal,
    FoodSample,
    Meal,
    MorningCheck,
    OpenKitchen,
    Supplier,
)
from dudao.canteens.selectors import is_school_day
from dudao.core.files import store_upload
from dudao.core.models import StoredFile
from dudao.demo.registry import DemoContext, demo_step
from dudao.orgs.models import OrgUnit, RoleAssignment, SchoolType, UnitKind
from dudao.orgs.roles import Role

CANTEEN_TYPES = {
    SchoolType.JUNIOR,
    SchoolType.SENIOR,
    SchoolType.COMPLETE,
    SchoolType.NINE_YEAR,
    SchoolType.VOCATIONAL,
    SchoolType.SPECIAL,
}
BOARDING_TYPES = {SchoolType.SENIOR, SchoolType.COMPLETE, SchoolType.VOCATIONAL}
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ["秀英", "桂兰", "建华", "国强", "玉梅", "海燕", "志勇", "丽娟", "红霞", "德明", "春花", "永刚"]
POSTS = ["厨师长", "厨师", "厨师", "面点师", "切配工", "切配工", "保洁员", "仓管员"]
DISHES: dict[str, list[str]] = {
    Meal.BREAKFAST: ["白粥", "馒头", "肉包", "煮鸡蛋", "豆浆", "炒米粉", "咸菜"],
    Meal.LUNCH: ["红烧肉", "番茄炒蛋", "清炒包菜", "土豆丝", "紫菜蛋花汤", "宫保鸡丁", "麻婆豆腐", "米饭"],
    Meal.DINNER: ["青椒肉丝", "冬瓜汤", "蒜蓉菠菜", "鱼香茄子", "米饭", "红烧鸡块"],
}
SUPPLIERS = [
    ("县粮油贸易有限公司", "大米、食用油"),
    ("绿源蔬菜配送中心", "蔬菜、豆制品"),
    ("鑫盛肉类食品有限公司", "猪肉、禽肉"),
    ("城南蛋品批发部", "鸡蛋"),
]
NOTES = [
    "饭菜温度适宜，分量充足，学生反映良好",
    "菜品搭配合理，口味偏咸，已要求厨房调整",
    "米饭软硬适中，蔬菜新鲜，学生吃得干净",
    "汤稍凉，已提醒出餐前保温",
    "荤素搭配合理，排队有序，无浪费现象",
]
LEADERS = [("校长", 0.5), ("副校长", 0.3), ("总务主任", 0.2)]


def _photo(rng: random.Random) -> io.BytesIO:
    image = Image.new("RGB", (640, 480), (230, 236, 240))
    draw = ImageDraw.Draw(image)
    for i in range(4):  # sealed sample boxes on a fridge shelf
        x = 40 + i * 150
        colour = (rng.randint(150, 230), rng.randint(90, 200), rng.randint(40, 120))
        draw.rectangle((x, 180, x + 120, 320), fill=(250, 250, 250), outline=(120, 120, 120), width=3)
        draw.ellipse((x + 15, 200, x + 105, 300), fill=colour)
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=80)
    out.seek(0)
    return out


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def _at(day: dt.date, hour: int, minute: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=timezone.get_current_timezone())


def _with_checked_date(canteen: Canteen) -> Canteen:
    """A canteen without 明厨亮灶 has no check date."""
    if canteen.open_kitchen == OpenKitchen.NONE:
        canteen.open_kitchen_checked_on = None
    return canteen


@demo_step(order=97)
def canteens_demo(context: DemoContext) -> dict[str, Any]:
    rng = random.Random(context.seed + 97)  # noqa: S311 (deterministic demo data, not security)
    today = context.today
    first = context.city.first_school
    schools = list(
        OrgUnit.objects.filter(kind=UnitKind.SCHOOL, is_closed=False)
        .filter(school_type__in=CANTEEN_TYPES)
        .values_list("pk", "school_type")
        .order_by("path")
    )
    if first and all(pk != first for pk, _ in schools):
        schools.insert(0, (first, OrgUnit.objects.get(pk=first).school_type))
    principals = dict(
        RoleAssignment.objects.filter(role=Role.PRINCIPAL, unit_id__in=[pk for pk, _ in schools])
        .order_by("id")
        .values_list("unit_id", "user_id")
    )
    fallback = User.objects.get(username="school.principal")
    photos = [store_upload(actor=fallback, upload=_photo(rng), name=f"留样{i + 1}.jpg") for i in range(6)]

    created = timezone.now()
    canteens = Canteen.objects.bulk_create(
        [
            _with_checked_date(
                Canteen(
                    school_id=pk,
                    name="学生食堂",
                    licence_number=f"JY3{rng.randint(10**12, 10**13 - 1)}",
                    licence_expires_on=today + dt.timedelta(days=rng.randint(90, 1500)),
                    open_kitchen=rng.choices(
                        [OpenKitchen.FULL, OpenKitchen.PARTIAL, OpenKitchen.NONE], weights=[70, 22, 8]
                    )[0],
                    open_kitchen_checked_on=today - dt.timedelta(days=rng.randint(5, 120)),
                    serves_breakfast=school_type in BOARDING_TYPES or pk == first,
                    serves_dinner=school_type in BOARDING_TYPES,
                    created_at=created,
                    updated_at=created,
                )
            )
            for pk, school_type in schools
        ],
        batch_size=1000,
    )

    workers: list[CanteenWorker] = []
    suppliers: list[Supplier] = []
    for c in canteens:
        for post in POSTS[: rng.randint(5, 8)]:
            workers.append(
                CanteenWorker(
                    canteen=c,
                    name=_name(rng),
                    post=post,
                    certificate_number=f"{today.year - 1}{rng.randint(10**7, 10**8 - 1)}",
                    certificate_expires_on=today + dt.timedelta(days=rng.randint(45, 360)),
                    created_at=created,
                )
            )
        for name, supplies in rng.sample(SUPPLIERS, 3):
            suppliers.append(
                Supplier(
                    canteen=c,
                    name=name,
                    licence_number=f"JY1{rng.randint(10**12, 10**13 - 1)}",
                    licence_expires_on=today + dt.timedelta(days=rng.randint(40, 900)),
                    supplies=supplies,
                    contact=f"{_name(rng)} 139{rng.randint(10**7, 10**8 - 1)}",
                    created_at=created,
                )
            )
    # The first school: one certificate expiring in 10 days, one expired 5 days ago; a few more expired elsewhere.
    first_workers = [w for w in workers if w.canteen.school_id == first]
    if len(first_workers) >= 2:
        first_workers[0].certificate_expires_on = today + dt.timedelta(days=10)
        first_workers[1].certificate_expires_on = today - dt.timedelta(days=5)
    for w in rng.sample(workers, min(len(workers) // 60, 40)):
        if w.canteen.school_id != first:
            w.certificate_expires_on = today - dt.timedelta(days=rng.randint(1, 40))
    CanteenWorker.objects.bulk_create(workers, batch_size=2000)
    Supplier.objects.bulk_create(suppliers, batch_size=2000)

    samples, companions, checks = _daily_records(
        rng, canteens, workers, lambda c: principals.get(c.school_id, fallback.pk), photos, today, first
    )
    FoodSample.objects.bulk_create(samples, batch_size=2000)
    CompanionMeal.objects.bulk_create(companions, batch_size=2000)
    MorningCheck.objects.bulk_create(checks, batch_size=5000)
    return {
        "canteens": len(canteens),
        "canteen_workers": len(workers),
        "canteen_samples": len(samples),
        "canteen_companions": len(companions),
    }


def _daily_records(
    rng: random.Random,
    canteens: list[Canteen],
    workers: list[CanteenWorker],
    recorder_of: Callable[[Canteen], int],
    photos: list[StoredFile],
    today: dt.date,
    first: int,
) -> tuple[list[FoodSample], list[CompanionMeal], list[MorningCheck]]:
    """A week of school days' 留样, 陪餐 and 晨检 up to now."""
    now = timezone.now()
    samples: list[FoodSample] = []
    companions: list[CompanionMeal] = []
    checks: list[MorningCheck] = []
    times: dict[str, tuple[int, int]] = {Meal.BREAKFAST: (7, 10), Meal.LUNCH: (11, 25), Meal.DINNER: (17, 30)}
    # Today a few canteens have not recorded lunch (the red rows); the first school's lunch sample is left open.
    gaps = {c.pk for c in rng.sample(canteens, max(1, len(canteens) // 12))}
    by_canteen: dict[int, list[CanteenWorker]] = {}
    for w in workers:
        by_canteen.setdefault(w.canteen_id, []).append(w)
    for offset in range(6, -1, -1):
        day = today - dt.timedelta(days=offset)
        if not is_school_day(day):
            continue
        for c in canteens:
            recorder = recorder_of(c)
            for meal in c.meals:
                hour, minute = times[meal]
                at = _at(day, hour, minute + rng.randint(0, 20))
                if at > now:
                    continue
                is_gap = offset == 0 and meal == Meal.LUNCH and (c.pk in gaps or c.school_id == first)
                if not is_gap:
                    dishes = rng.sample(DISHES[meal], 4 if meal == Meal.LUNCH else 3)
                    samples.append(
                        FoodSample(
                            canteen=c,
                            served_on=day,
                            meal=meal,
                            dishes=[{"name": d, "grams": rng.choice([125, 130, 150, 150, 160, 200])} for d in dishes],
                            sampled_at=at,
                            sampled_by=_name(rng),
                            photo=rng.choice(photos),
                            recorded_by_id=recorder,
                            created_at=at,
                        )
                    )
                if meal == Meal.LUNCH and not (offset == 0 and c.pk in gaps) and rng.random() < 0.97:
                    title = rng.choices([t for t, _ in LEADERS], weights=[w for _, w in LEADERS])[0]
                    companions.append(
                        CompanionMeal(
                            canteen=c,
                            served_on=day,
                            meal=meal,
                            leader_name=_name(rng),
                            leader_title=title,
                            note=rng.choice(NOTES),
                            recorded_by_id=recorder,
                            created_at=at + dt.timedelta(minutes=40),
                        )
                    )
            if _at(day, 6, 30) <= now:
                for w in by_canteen.get(c.pk, []):
                    expired = w.certificate_expires_on < day
                    sick = not expired and rng.random() < 0.01
                    if expired:
                        continue  # not put on duty: the page flags the certificate instead
                    checks.append(
                        MorningCheck(
                            canteen=c,
                            worker=w,
                            checked_on=day,
                            is_well=not sick,
                            symptoms="腹泻" if sick else "",
                            checked_by_id=recorder,
                            created_at=_at(day, 6, 30),
                        )
                    )
    return samples, companions, checks
