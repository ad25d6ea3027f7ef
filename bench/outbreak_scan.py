"""outbreak_scan_s: the scheduled outbreak scan over a city-scale day vs reading the same rows once.

Data (built once, cached in bench/.data/outbreak_scan.sqlite3 unless --rebuild; on PostgreSQL rebuilt each run):
1,500 schools with 40,000 classes (26-27 each) under 12 districts; 8 enrolled students per class (the pool the
ill are drawn from); one morning check per class for every weekday of the 30 days before the scanned day and
the day itself (≈ 40,000 checks a day, ≈ 900,000 in all) with background illness of about 1.5 % of a
45-pupil roster; absence rows with symptoms, syndrome and disease code. Planted on the day: 20 class clusters
(rule 1), 10 school-wide influenza-like clusters (rule 3) and 10 schools whose illness rate triples (rule 4).

Product: `dudao.health.services.scan_day(day=DAY)`: three grouped reads (coded cases of the longest
threshold window, similar-symptom cases of 3 days, per-school daily totals of 31 days), the rules in Python,
one read of unresolved alerts, bulk inserts of alerts and their case links and one audit append. Each timed
run is rolled back so every run raises the same alerts.
Baseline: reading the same rows once, no grouping: the 31 days of morning checks (school, date, ill, roster)
and the absences of the 14-day window (the columns the rules use) as plain tuples.

    python -m bench.outbreak_scan [--repeat 5] [--rebuild]
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import time
from typing import Any

from bench import common

DAY = dt.date(2026, 11, 20)
SCHOOLS = 1500
CLASSES = 40_000
PER_CLASS = 8
ROSTER = 45
LABEL = "outbreak_scan"


def build() -> None:
    from django.db import transaction
    from django.utils import timezone

    from dudao.core.bulk import adapt_datetime, insert_rows, reset_sequences
    from dudao.health.models import AbsenceRecord, DailyCheck
    from dudao.orgs.models import OrgUnit, Student

    rng = random.Random(20261120)
    now = adapt_datetime(timezone.now())
    units: list[tuple[Any, ...]] = []
    uid = 1

    def node(path: str, depth: int, name: str, kind: str, numchild: int) -> int:
        nonlocal uid
        units.append((uid, path, depth, numchild, name, "", kind, "", "", "", False, "", 1, now, now))
        uid += 1
        return uid - 1

    def seg(n: int) -> str:
        digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
        out = ""
        for _ in range(4):
            n, r = divmod(n, 36)
            out = digits[r] + out
        return out

    root = seg(1)
    node(root, 1, "市教育局", "bureau", 12)
    class_school: list[tuple[int, int]] = []
    per_district = SCHOOLS // 12
    per_school = CLASSES // SCHOOLS
    extra = CLASSES - per_school * SCHOOLS
    school_no = 0
    for d in range(12):
        dpath = root + seg(d + 1)
        node(dpath, 2, f"第{d + 1}区教育局", "district", per_district)
        for s in range(per_district):
            spath = dpath + seg(s + 1)
            n_classes = per_school + (1 if school_no < extra else 0)
            school = node(spath, 3, f"学校{school_no}", "school", 1)
            gpath = spath + seg(1)
            node(gpath, 4, "年级", "grade", n_classes)
            for c in range(n_classes):
                klass = node(gpath + seg(c + 1), 5, f"{c + 1}班", "class", 0)
                class_school.append((klass, school))
            school_no += 1
    fields = [
        "id",
        "path",
        "depth",
        "numchild",
        "name",
        "short_name",
        "kind",
        "school_type",
        "code",
        "pinyin",
        "is_closed",
        "closed_reason",
        "version",
        "created_at",
        "updated_at",
    ]
    with transaction.atomic():
        insert_rows(OrgUnit, fields, units)
        pool = common.insert_students(
            [k for k, _ in class_school], PER_CLASS, letter="B", gender="M", birth=dt.date(2014, 1, 1)
        )
    common.log(f"org tree: {len(units):,} units, {sum(map(len, pool.values())):,} students")
    days = [DAY - dt.timedelta(days=n) for n in range(30, -1, -1)]
    days = [d for d in days if d.weekday() < 5 or d == DAY]
    cluster_classes = set(rng.sample([k for k, _ in class_school], 20))
    schools = sorted({s for _, s in class_school})
    ili_schools = set(rng.sample(schools, 10))
    surge_schools = set(rng.sample([s for s in schools if s not in ili_schools], 10))
    cid = 1
    aid = 1
    symptom_sets = [
        ('["fever","cough"]', "respiratory", ""),
        ('["cough"]', "respiratory", ""),
        ('["diarrhoea"]', "gastro", ""),
        ('["other"]', "other", ""),
        ('["fever","sore_throat"]', "respiratory", "ILI"),
    ]
    check_fields = [
        "id",
        "klass",
        "school",
        "date",
        "session",
        "roster_size",
        "illness_count",
        "other_count",
        "unwell_count",
        "early_returns",
        "submitted_at",
        "version",
    ]
    absence_fields = [
        "id",
        "check_record",
        "student",
        "klass",
        "school",
        "date",
        "reason",
        "symptoms",
        "syndrome",
        "disease_code",
        "status",
        "guardian_contacted",
        "clinic",
        "note",
        "version",
    ]
    for day in days:
        checks: list[tuple[Any, ...]] = []
        absences: list[tuple[Any, ...]] = []
        recent = (DAY - day).days <= 6
        for klass, school in class_school:
            rate = 0.015 * (3 if day == DAY and school in surge_schools else 1)
            ill = [p for p in pool[klass][:4] if rng.random() < rate * ROSTER / 4]
            if day == DAY and klass in cluster_classes:
                ill = pool[klass][:4]
            rows = []
            for student in ill:
                symptoms, syndrome, code = rng.choice(symptom_sets[:4])  # background: no influenza-like
                if day == DAY and klass in cluster_classes:
                    symptoms, syndrome, code = symptom_sets[0]
                if recent and school in ili_schools and rng.random() < 0.6:
                    symptoms, syndrome, code = symptom_sets[4]
                rows.append(
                    (
                        aid,
                        cid,
                        student,
                        klass,
                        school,
                        day,
                        "illness",
                        symptoms,
                        syndrome,
                        code,
                        "traced",
                        True,
                        "",
                        "",
                        1,
                    )
                )
                aid += 1
            if recent and school in ili_schools and klass % 3 == 0 and not rows:
                rows.append(
                    (
                        aid,
                        cid,
                        pool[klass][5],
                        klass,
                        school,
                        day,
                        "illness",
                        symptom_sets[4][0],
                        "respiratory",
                        "ILI",
                        "traced",
                        True,
                        "",
                        "",
                        1,
                    )
                )
                aid += 1
            absences += rows
            checks.append((cid, klass, school, day, "morning", ROSTER, len(rows), 0, 0, "[]", now, 1))
            cid += 1
        with transaction.atomic():
            insert_rows(DailyCheck, check_fields, checks)
            insert_rows(AbsenceRecord, absence_fields, absences)
    reset_sequences([OrgUnit, Student, DailyCheck, AbsenceRecord])
    common.log(f"checks: {cid - 1:,}, absences: {aid - 1:,} over {len(days)} school days")


def baseline_read(longest: int) -> int:
    from dudao.health.models import AbsenceRecord, DailyCheck

    checks = list(
        DailyCheck.objects.filter(date__range=(DAY - dt.timedelta(days=30), DAY), session="morning").values_list(
            "school_id", "date", "illness_count", "roster_size"
        )
    )
    cases = list(
        AbsenceRecord.objects.filter(date__range=(DAY - dt.timedelta(days=longest - 1), DAY))
        .exclude(reason="other")
        .values_list("pk", "student_id", "school_id", "klass_id", "date", "syndrome", "disease_code")
    )
    return len(checks) + len(cases)


def product_scan() -> dict[str, int]:
    from django.db import transaction

    from dudao.health.services import scan_day

    with transaction.atomic():
        result = scan_day(day=DAY)
        transaction.set_rollback(True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()
    common.configure(LABEL)
    from django.db import connection

    from dudao.health.models import DailyCheck
    from dudao.health.services import thresholds

    cached = common.is_sqlite() and common.sqlite_path(LABEL).exists() and not args.rebuild
    common.use_database(LABEL, fresh=not cached)
    from bench.checkin_load import ensure_disease_tables

    ensure_disease_tables()
    if not DailyCheck.objects.exists():
        common.log("building the city-scale day …")
        build()
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    else:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    longest = max(t.window_days for t in thresholds())
    day_checks = DailyCheck.objects.filter(date=DAY).count()
    common.log(f"checks on the day: {day_checks:,}; longest threshold window {longest} days")
    first = product_scan()
    common.log(f"scan finds {first['findings']} findings, raises {first['new_alerts']} alerts")
    assert first["new_alerts"] >= 30, first
    baseline_read(longest)
    products, baselines = [], []
    for i in range(args.repeat):
        order = [("p", product_scan), ("b", lambda: baseline_read(longest))]
        if i % 2:
            order.reverse()
        for key, fn in order:
            started = time.perf_counter()
            fn()
            elapsed = time.perf_counter() - started
            (products if key == "p" else baselines).append(elapsed)
    product, baseline = common.median(products), common.median(baselines)
    common.log(f"scan median {product:.3f} s, read-once median {baseline:.3f} s")
    common.result("outbreak_scan_s", product, "s", baseline, product / baseline)


if __name__ == "__main__":
    main()
