"""Demo school buses: five schools of the first district run buses into the villages around them (the first
school is the demo principal's), with a week of pre-trip checks before today.

Deliberate cases, relative to the demo clock: one vehicle's insurance expires in 20 days (the first school's
second bus), one driver's licence expired five days ago while still on a route (the third school: that route shows
禁止出车 and has no checks since), one check failed on tyres three days ago, and today the fourth school's morning
check is missing. Today's checks at the first school are left for the visitor (`school.teacher` rides route 1,
`school.principal` may check every route). The same rows at every scale: a few dozen inserts.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from dudao.accounts.models import User
from dudao.buses.models import Driver, PreTripCheck, Route, RouteStop, Trip, Vehicle
from dudao.demo.registry import DemoContext, demo_step
from dudao.orgs.models import OrgUnit, SchoolType, UnitKind

SCHOOLS = 5
VILLAGES = [
    ["李家村口", "王家湾", "石桥铺", "桂花村委会"],
    ["枫树坪", "新塘", "陈家冲", "白沙渡口"],
    ["龙潭村", "高坎", "杨柳湾", "水口"],
    ["茶园里", "庙前", "大坪村", "黄土岭"],
    ["梅子坳", "下湾", "塘头", "金盆村"],
    ["麻石桥", "柏树湾", "长冲", "谢家铺"],
]
OPERATORS = ["县公共交通有限公司", "县顺安校车服务有限公司"]
DRIVERS = [
    ("刘建国", "13974101", "A1"),
    ("陈卫东", "13974102", "B1"),
    ("周志强", "13974103", "A1"),
    ("黄永胜", "13974104", "A3"),
    ("邓国平", "13974105", "A1"),
    ("谭家明", "13974106", "B1"),
    ("彭友良", "13974107", "A1"),
]


def _time(minutes: int) -> dt.time:
    return dt.time(minutes // 60, minutes % 60)


def _at(day: dt.date, t: dt.time) -> dt.datetime:
    return dt.datetime.combine(day, t, tzinfo=timezone.get_current_timezone())


@demo_step(order=97)
def buses_demo(ctx: DemoContext) -> dict[str, int]:
    today = ctx.today
    first = OrgUnit.objects.get(pk=ctx.city.first_school)
    district = first.get_parent()
    assert district is not None
    others = OrgUnit.objects.filter(
        kind=UnitKind.SCHOOL,
        path__under=district.path,
        is_closed=False,
        school_type__in=[SchoolType.PRIMARY, SchoolType.NINE_YEAR, SchoolType.JUNIOR],
    )
    schools = [first, *others.exclude(pk=first.pk).order_by("path")[: SCHOOLS - 1]]
    teacher = User.objects.filter(username="school.teacher").first()
    principal = User.objects.filter(username="school.principal").first()
    vehicles: list[Vehicle] = []
    drivers: list[Driver] = []
    plan: list[tuple[OrgUnit, int, int, int]] = []  # (school, vehicle index, driver index, route number)
    for n, school in enumerate(schools):
        buses = 2 if n in (0, 2) else 1
        for b in range(buses):
            serial = len(vehicles)
            seats = 19 if serial % 3 == 1 else 35
            insurance = today + dt.timedelta(days=200 + 17 * serial)
            if n == 0 and b == 1:
                insurance = today + dt.timedelta(days=20)  # flagged on the home card and the list
            vehicles.append(
                Vehicle(
                    school=school,
                    plate=f"湘N{'D' if serial % 4 == 3 else ''}{58301 + 37 * serial}",
                    seats=seats,
                    operator=OPERATORS[serial % 2],
                    inspection_due=today + dt.timedelta(days=90 + 23 * serial),
                    insurance_due=insurance,
                )
            )
            name, phone, licence = DRIVERS[serial % len(DRIVERS)]
            if seats >= 20:
                licence = "A1"
            expires = today + dt.timedelta(days=400 + 41 * serial)
            if n == 2 and b == 1:
                expires = today - dt.timedelta(days=5)  # still on route 2 of the third school: that route is blocked
            drivers.append(
                Driver(
                    school=school,
                    name=name,
                    phone=f"{phone}{serial:03d}",
                    licence_class=licence,
                    licence_expires=expires,
                    violation_checked_on=today - dt.timedelta(days=60 + 11 * serial),
                )
            )
            plan.append((school, serial, serial, b + 1))
    Vehicle.objects.bulk_create(vehicles)
    Driver.objects.bulk_create(drivers)
    staff: dict[int, int | None] = {}
    for school in schools:
        staff[school.pk] = (
            User.objects.filter(unit__path__under=school.path, is_active=True, is_demo=False)
            .order_by("id")
            .values_list("pk", flat=True)
            .first()
        )
    routes: list[Route] = []
    for school, v, d, number in plan:
        attendant_id = teacher.pk if school.pk == first.pk and number == 1 and teacher else staff[school.pk]
        if school.pk == first.pk and number == 2 and principal is not None:
            attendant_id = staff[school.pk] or principal.pk
        start = 6 * 60 + 30 + 10 * (len(routes) % 3)
        routes.append(
            Route(
                school=school,
                name=f"{number}号线（{VILLAGES[len(routes) % len(VILLAGES)][0]}方向）",
                vehicle=vehicles[v],
                driver=drivers[d],
                attendant_id=attendant_id,
                morning_departure=_time(start),
                afternoon_departure=_time(16 * 60 + 40 + 10 * (len(routes) % 2)),
            )
        )
    Route.objects.bulk_create(routes)
    stops = [
        RouteStop(
            route=r,
            position=i + 1,
            name=name,
            time=_time(r.morning_departure.hour * 60 + r.morning_departure.minute + 12 * (i + 1)),
        )
        for k, r in enumerate(routes)
        for i, name in enumerate([*VILLAGES[k % len(VILLAGES)][:3], r.school.short_name or "学校"])
    ]
    RouteStop.objects.bulk_create(stops)
    checks: list[PreTripCheck] = []
    for back in range(7, -1, -1):
        day = today - dt.timedelta(days=back)
        if day.weekday() >= 5:
            continue
        for k, r in enumerate(routes):
            school_no = schools.index(r.school)
            assert r.driver is not None and r.vehicle is not None
            if r.driver.licence_expires < day:
                continue  # blocked: no trips
            for trip, departure in ((Trip.MORNING, r.morning_departure), (Trip.AFTERNOON, r.afternoon_departure)):
                if back == 0 and (school_no in (0, 3) or trip == Trip.AFTERNOON):
                    continue  # today: the first school's for the visitor, the fourth school's missing
                failed = ["tyres"] if back == 3 and k == 1 and trip == Trip.MORNING else []
                at = _at(day, departure) - dt.timedelta(minutes=15 + k % 7)
                if at > timezone.now():
                    continue
                checks.append(
                    PreTripCheck(
                        school=r.school,
                        route=r,
                        vehicle=r.vehicle,
                        driver=r.driver,
                        day=day,
                        trip=trip,
                        failed_items=failed,
                        alcohol_passed=True,
                        head_count=min(r.vehicle.seats, 14 + (k * 5 + back) % 12),
                        note="左后轮胎面磨损到限，已换备用车辆出车" if failed else "",
                        passed=not failed,
                        checked_by_id=r.attendant_id or (principal.pk if principal else 0),
                        checked_at=at,
                    )
                )
    PreTripCheck.objects.bulk_create(checks)
    return {"bus_vehicles": len(vehicles), "bus_routes": len(routes), "bus_checks": len(checks)}
