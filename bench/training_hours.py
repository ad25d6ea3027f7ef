"""training_hours_s: yearly training hours and completion rates for 72,000 staff at city scale, by the product's
selector vs one hand-written GROUP BY.

Data (rebuilt each run in bench/.data/training_hours.sqlite3): a city bureau over 12 districts and 1,500 schools,
48 staff per school (72,000 accounts with a 教师档案, a third of them class teachers, a fifth holding a 心理健康教育
certificate), this year's trainings (4 by the city, 3 per district, 1 per school) and about 2.6 attendances per
person (~190,000 rows).

Product: `dudao.training.selectors.rates(units, year)` for the city, its 12 districts and 1,500 schools (what the
cockpit and appraisal ask): staff, staff meeting the 72 hours, class teachers, class teachers trained by a 班主任
training, certificate holders. Baseline: the same five figures per school from one hand-written SQL statement (a
per-person sum of hours joined to the staff, GROUP BY school path), the districts and the city added up in Python.
Both sides must agree.

    python -m bench.training_hours [--repeat 3]
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import time
from typing import Any

from bench import common

LABEL = "training_hours"
DISTRICTS = 12
SCHOOLS = 1500
STAFF_PER_SCHOOL = 48
YEAR = 2026


def seg(n: int) -> str:
    digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    out = ""
    for _ in range(4):
        n, r = divmod(n, 36)
        out = digits[r] + out
    return out


def build() -> None:
    from django.db import transaction
    from django.utils import timezone

    from dudao.accounts.models import User
    from dudao.core.bulk import adapt_datetime, insert_rows
    from dudao.orgs.models import OrgUnit
    from dudao.teachers.models import Certificate, StaffProfile
    from dudao.training.models import Attendance, TrainingEvent

    rng = random.Random(22)
    now = adapt_datetime(timezone.now())
    units: list[tuple[Any, ...]] = []

    def node(path: str, depth: int, name: str, kind: str, numchild: int) -> int:
        units.append((len(units) + 1, path, depth, numchild, name, "", kind, "", "", "", False, "", 1, now, now))
        return len(units)

    root = seg(1)
    root_id = node(root, 1, "市教育局", "bureau", DISTRICTS)
    per_district = SCHOOLS // DISTRICTS
    schools: list[tuple[int, int]] = []  # (school id, district id)
    districts: list[int] = []
    for d in range(DISTRICTS):
        dpath = root + seg(d + 1)
        district = node(dpath, 2, f"第{d + 1}区教育局", "district", per_district)
        districts.append(district)
        for s in range(per_district):
            schools.append((node(dpath + seg(s + 1), 3, f"第{d + 1}区学校{s + 1}", "school", 0), district))
    fields = ["id", "path", "depth", "numchild", "name", "short_name", "kind", "school_type", "code", "pinyin",
              "is_closed", "closed_reason", "version", "created_at", "updated_at"]  # fmt: skip

    def at(day: int) -> Any:
        start = timezone.make_aware(dt.datetime(YEAR, 1, 1, 9)) + dt.timedelta(days=day)
        return adapt_datetime(start), adapt_datetime(start + dt.timedelta(days=2))

    events: list[tuple[Any, ...]] = []
    pools: dict[int, list[tuple[int, str, str]]] = {}  # unit id → (event id, hours, category)

    def event(unit: int, category: str, hours: int) -> None:
        pk = len(events) + 1
        start, end = at(rng.randrange(300))
        events.append((pk, unit, f"培训{pk}", "city", category, start, end, "会场", str(hours), "", YEAR, 1, now, 1))
        pools.setdefault(unit, []).append((pk, str(hours), category))

    for category, hours in (("other", 40), ("ethics", 6), ("psychology", 12), ("it", 10)):
        event(root_id, category, hours)
    for district in districts:
        for category, hours in (("class_teacher", 8), ("safety", 4), ("subject", 24)):
            event(district, category, hours)
    for school, _ in schools:
        event(school, "subject", 3)
    users: list[tuple[Any, ...]] = []
    profiles: list[tuple[Any, ...]] = []
    certificates: list[tuple[Any, ...]] = []
    attendances: list[tuple[Any, ...]] = []
    uid = 1
    for school, district in schools:
        pool = pools[root_id] + pools[district] + pools[school]
        for n in range(STAFF_PER_SCHOOL):
            class_teacher = n % 3 == 0
            users.append(
                (uid, "!", f"s{uid}", f"教师{uid}", "", "", "", "", "", True, False, False, now, school, False, 1)
            )
            profiles.append((uid, uid, "", "", "teaching", "established", "", class_teacher, "none", "", "", now, 1))
            if rng.random() < 0.2:
                certificates.append((len(certificates) + 1, uid, "psych_c", "", "", now))
            for pk, hours, _ in rng.sample(pool, k=rng.choice([1, 2, 3, 3, 4])):
                attendances.append((len(attendances) + 1, pk, uid, YEAR, hours, "qr", now))
            uid += 1
    user_fields = ["id", "password", "username", "full_name", "first_name", "last_name", "email", "phone", "title",
                   "is_active", "is_staff", "is_superuser", "date_joined", "unit", "is_demo", "version"]  # fmt: skip
    with transaction.atomic():
        insert_rows(OrgUnit, fields, units)
        insert_rows(User, user_fields, users)
        insert_rows(StaffProfile, ["id", "user", "gender", "id_card_no", "post", "employment", "subjects",
                                   "is_class_teacher", "title", "qualification", "qualification_no", "updated_at",
                                   "version"], profiles)  # fmt: skip
        insert_rows(Certificate, ["id", "profile", "kind", "name", "number", "created_at"], certificates)
        event_fields = ["id", "organiser", "title", "level", "category", "starts_at", "ends_at", "venue", "hours",
                        "audience", "year", "created_by", "created_at", "version"]  # fmt: skip
        insert_rows(TrainingEvent, event_fields, events)
        insert_rows(Attendance, ["id", "event", "user", "year", "hours", "method", "signed_at"], attendances)
    from django.db import connection

    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    common.log(f"{len(users):,} staff, {len(events):,} trainings, {len(attendances):,} attendances")


def product(units: list[Any]) -> dict[Any, tuple[int, ...]]:
    from dudao.training.selectors import rates

    return {pk: (r.staff, r.met, r.class_teachers, r.class_trained, r.psych) for pk, r in rates(units, YEAR).items()}


BASELINE_SQL = """
SELECT u.unit_id, COUNT(*),
       SUM(CASE WHEN h.total >= %s THEN 1 ELSE 0 END),
       SUM(CASE WHEN p.is_class_teacher THEN 1 ELSE 0 END),
       SUM(CASE WHEN p.is_class_teacher AND h.class_trained > 0 THEN 1 ELSE 0 END),
       SUM(CASE WHEN c.profile_id IS NOT NULL THEN 1 ELSE 0 END)
FROM accounts_user u
JOIN teachers_staffprofile p ON p.user_id = u.id
LEFT JOIN (SELECT a.user_id, SUM(a.hours) AS total,
                  SUM(CASE WHEN e.category = 'class_teacher' THEN 1 ELSE 0 END) AS class_trained
           FROM training_attendance a JOIN training_trainingevent e ON e.id = a.event_id
           WHERE a.year = %s GROUP BY a.user_id) h ON h.user_id = u.id
LEFT JOIN (SELECT DISTINCT profile_id FROM teachers_certificate
           WHERE kind IN ('psych_a', 'psych_b', 'psych_c')) c ON c.profile_id = p.id
WHERE u.is_active
GROUP BY u.unit_id
"""


def baseline(units: list[Any]) -> dict[Any, tuple[int, ...]]:
    from django.db import connection

    from dudao.orgs.models import OrgUnit

    path_of = dict(OrgUnit.objects.values_list("id", "path"))
    totals = {u.pk: [0] * 5 for u in units}
    by_path = {u.path: u.pk for u in units}
    with connection.cursor() as cursor:
        cursor.execute(BASELINE_SQL, [72, YEAR])
        for unit_id, *numbers in cursor.fetchall():
            path = path_of[unit_id]
            for length in (4, 8, 12):
                pk = by_path.get(path[:length])
                if pk is not None:
                    row = totals[pk]
                    for i, value in enumerate(numbers):
                        row[i] += int(value or 0)
    return {pk: tuple(row) for pk, row in totals.items()}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    common.configure(LABEL)
    common.use_database(LABEL, fresh=True)
    build()
    from dudao.orgs.models import OrgUnit

    units = list(OrgUnit.objects.filter(kind__in=["bureau", "district", "school"]).order_by("path"))
    first = product(units)
    assert first == baseline(units), "the two sides disagree"
    city = first[units[0].pk]
    common.log(
        f"city: staff {city[0]:,}, met {city[1]:,}, class teachers {city[2]:,} trained {city[3]:,}, C证 {city[4]:,}"
    )
    products: list[float] = []
    baselines: list[float] = []
    for i in range(args.repeat):
        order = [("p", lambda: product(units)), ("b", lambda: baseline(units))]
        if i % 2:
            order.reverse()
        for key, fn in order:
            started = time.perf_counter()
            fn()
            (products if key == "p" else baselines).append(time.perf_counter() - started)
    p, b = common.median(products), common.median(baselines)
    common.log(f"{len(units):,} units: selector {p:.3f} s, one GROUP BY {b:.3f} s")
    common.result("training_hours_s", p, "s", b, p / b)


if __name__ == "__main__":
    main()
