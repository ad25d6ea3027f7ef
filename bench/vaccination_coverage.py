"""vaccination_coverage_ms: vaccination coverage of a city and its districts at city scale vs one hand-written GROUP BY.

Data (built once, cached in bench/.data/vaccination_coverage.sqlite3 unless --rebuild; on PostgreSQL rebuilt each
run): 1,500 schools with 40,000 classes under 12 districts, 1,260,000 enrolled students (31–32 per class) and
their doses: 麻腮风 two doses for ~95 %, 流感 one dose for ~60 %, 新冠 two doses for ~85 %, ~0.5 % contraindications
(≈ 6.6 M dose rows), bulk-inserted.

Product: `dudao.schoolhealth.selectors.coverage_counts([city, *districts], ["mmr", "flu", "covid"])` cold, i.e.
with the cached per-class table (`schoolhealth.tables`) dropped first: one GROUP BY (student's class id, vaccine)
over the completing doses and contraindications of enrolled students, named by class path and rolled up per unit in
Python (what the coverage page, the API and the indicators run when the table is stale; enrolment comes from the
cached roster table and is part of neither side). The warm figure (table cached, roll-up only) is logged too.
Baseline: the same figures by one hand-written SQL GROUP BY (district prefix, vaccine) over the same join, added up
for the city in Python.
Ratio: value / baseline (target ≤ 2). Both sides are checked to give the same numbers, warmed, then timed
`--repeat` times interleaved; medians reported.

    python -m bench.vaccination_coverage [--repeat 5] [--rebuild]
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import time
from typing import Any

from bench import common

SCHOOLS = 1500
CLASSES = 40_000
STUDENTS = 1_260_000
LABEL = "vaccination_coverage"
CODES = ["mmr", "flu", "covid"]


def _seg(n: int) -> str:
    digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    out = ""
    for _ in range(4):
        n, r = divmod(n, 36)
        out = digits[r] + out
    return out


def build() -> None:
    from django.db import transaction
    from django.utils import timezone

    from dudao.core.bulk import adapt_datetime, insert_rows, reset_sequences
    from dudao.orgs.models import OrgUnit
    from dudao.schoolhealth.models import VaccinationRecord

    rng = random.Random(20261207)
    now = adapt_datetime(timezone.now())
    units: list[tuple[Any, ...]] = []
    uid = 1

    def node(path: str, depth: int, name: str, kind: str, numchild: int) -> int:
        nonlocal uid
        units.append((uid, path, depth, numchild, name, "", kind, "", "", "", False, "", 1, now, now))
        uid += 1
        return uid - 1

    root = _seg(1)
    node(root, 1, "市教育局", "bureau", 12)
    classes: list[int] = []
    per_district, per_school = SCHOOLS // 12, CLASSES // SCHOOLS
    extra = CLASSES - per_school * SCHOOLS
    school_no = 0
    for d in range(12):
        dpath = root + _seg(d + 1)
        node(dpath, 2, f"第{d + 1}区教育局", "district", per_district)
        for s in range(per_district):
            spath = dpath + _seg(s + 1)
            n_classes = per_school + (1 if school_no < extra else 0)
            node(spath, 3, f"学校{school_no}", "school", 1)
            gpath = spath + _seg(1)
            node(gpath, 4, "年级", "grade", n_classes)
            classes.extend(node(gpath + _seg(c + 1), 5, f"{c + 1}班", "class", 0) for c in range(n_classes))
            school_no += 1
    fields = ["id", "path", "depth", "numchild", "name", "short_name", "kind", "school_type", "code", "pinyin"]
    fields += ["is_closed", "closed_reason", "version", "created_at", "updated_at"]
    per_class, remainder = divmod(STUDENTS, CLASSES)
    with transaction.atomic():
        insert_rows(OrgUnit, fields, units)
        pool: dict[int, list[int]] = {}
        for n, chunk_start in enumerate(range(0, len(classes), 10_000)):
            # The first `remainder` classes take one student more, so that the total is exactly STUDENTS.
            indexed = list(enumerate(classes[chunk_start : chunk_start + 10_000], start=chunk_start))
            for group, size in (
                ([k for i, k in indexed if i < remainder], per_class + 1),
                ([k for i, k in indexed if i >= remainder], per_class),
            ):
                if group:
                    pool.update(_students(group, size, offset=sum(map(len, pool.values())), letter=f"V{n}"))
    common.log(f"org tree: {len(units):,} units, {sum(map(len, pool.values())):,} students")
    record_fields = [
        "id",
        "student",
        "unit",
        "vaccine",
        "dose_number",
        "date",
        "completes_course",
        "contraindication",
        "recorded_at",
    ]
    rid = 1
    batch: list[tuple[Any, ...]] = []
    day = dt.date(2025, 10, 15)
    with transaction.atomic():
        for klass, students in pool.items():
            for sid in students:
                for code, doses, share in (("mmr", 2, 0.95), ("flu", 1, 0.6), ("covid", 2, 0.85)):
                    roll = rng.random()
                    if roll < 0.005:
                        batch.append((rid, sid, klass, code, None, None, False, "过敏", now))
                        rid += 1
                    elif roll < share:
                        for number in range(1, doses + 1):
                            batch.append((rid, sid, klass, code, number, day, number == doses, "", now))
                            rid += 1
            if len(batch) > 200_000:
                insert_rows(VaccinationRecord, record_fields, batch)
                batch = []
        insert_rows(VaccinationRecord, record_fields, batch)
        reset_sequences([VaccinationRecord])
    common.log(f"dose rows: {rid - 1:,}")


def _students(class_ids: list[int], per_class: int, *, offset: int, letter: str) -> dict[int, list[int]]:
    from django.utils import timezone

    from dudao.core.bulk import adapt_datetime, insert_rows
    from dudao.demo.generator import STUDENT_FIELDS
    from dudao.orgs.models import Student

    now = adapt_datetime(timezone.now())
    rows: list[tuple[Any, ...]] = []
    pool: dict[int, list[int]] = {}
    sid = offset
    birth = dt.date(2014, 1, 1)
    for klass in class_ids:
        pool[klass] = []
        for _ in range(per_class):
            sid += 1
            pool[klass].append(sid)
            flags = (False, False, False, False, False)
            rows.append(
                (sid, klass, f"学生{sid}", "F", birth, f"{letter}{sid:09d}", "", *flags, "enrolled", 1, now, now, "")
            )
    insert_rows(Student, STUDENT_FIELDS, rows)
    return pool


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()
    common.configure(LABEL)
    from django.db import connection

    from dudao.core.bulk import analyze, reset_sequences
    from dudao.orgs.models import OrgUnit, Student

    fresh = args.rebuild or not common.is_sqlite() or not common.sqlite_path(LABEL).exists()
    common.use_database(LABEL, fresh=fresh)
    if fresh or not OrgUnit.objects.exists():
        build()
        reset_sequences([OrgUnit, Student])
    from dudao.schoolhealth import selectors, tables
    from dudao.schoolhealth.models import VaccinationRecord

    analyze([OrgUnit, Student, VaccinationRecord])
    root = OrgUnit.objects.get(depth=1)
    districts = list(OrgUnit.objects.filter(depth=2).order_by("path"))
    units = [root, *districts]
    common.log(
        f"data: {OrgUnit.objects.filter(kind='school').count():,} schools, {Student.objects.count():,} students, "
        f"{VaccinationRecord.objects.count():,} dose rows"
    )

    def product() -> dict[Any, dict[str, tuple[int, int]]]:
        """Cold: the per-class table dropped first, so this is its GROUP BY plus the roll-up."""
        tables.invalidate()
        return selectors.coverage_counts(units, CODES)

    def warm() -> dict[Any, dict[str, tuple[int, int]]]:
        return selectors.coverage_counts(units, CODES)

    records, students, orgs = (m._meta.db_table for m in (VaccinationRecord, Student, OrgUnit))
    sql = (
        f"SELECT SUBSTR(o.path, 1, 8), r.vaccine, "
        f"SUM(CASE WHEN r.completes_course THEN 1 ELSE 0 END), SUM(CASE WHEN r.dose_number IS NULL THEN 1 ELSE 0 END) "
        f"FROM {records} r JOIN {students} s ON s.id = r.student_id JOIN {orgs} o ON o.id = s.klass_id "
        f"WHERE (r.completes_course OR r.dose_number IS NULL) AND s.status = 'enrolled' AND o.path LIKE %s "
        f"AND r.vaccine IN ('mmr', 'flu', 'covid') GROUP BY 1, 2"
    )
    by_path = {d.path: d.pk for d in districts}

    def baseline() -> dict[Any, dict[str, tuple[int, int]]]:
        with connection.cursor() as cursor:
            cursor.execute(sql, [root.path + "%"])
            rows = cursor.fetchall()
        out: dict[Any, dict[str, list[int]]] = {u.pk: {c: [0, 0] for c in CODES} for u in units}
        for prefix, code, covered, contra in rows:
            for pk in (root.pk, by_path[prefix]):
                out[pk][code][0] += covered
                out[pk][code][1] += contra
        return {pk: {c: (v[0], v[1]) for c, v in codes.items()} for pk, codes in out.items()}

    expected, got = baseline(), product()
    assert got == expected, "product and baseline disagree"
    common.log(f"city 麻腮风 covered {got[root.pk]['mmr'][0]:,}, contraindicated {got[root.pk]['mmr'][1]:,}")
    times: dict[str, list[float]] = {"product": [], "baseline": []}
    for n in range(args.repeat):
        for side in ("product", "baseline") if n % 2 == 0 else ("baseline", "product"):
            fn = product if side == "product" else baseline
            started = time.perf_counter()
            fn()
            times[side].append((time.perf_counter() - started) * 1000)
    warm()
    warm_ms = []
    for _ in range(args.repeat):
        started = time.perf_counter()
        assert warm() == expected
        warm_ms.append((time.perf_counter() - started) * 1000)
    common.log(f"warm (cached per-class table, roll-up only): median {common.median(warm_ms):.1f} ms")
    value, base = common.median(times["product"]), common.median(times["baseline"])
    common.log(
        f"product {[round(t) for t in times['product']]} ms, baseline {[round(t) for t in times['baseline']]} ms"
    )
    common.result("vaccination_coverage_ms", value, "ms", base, value / base)


if __name__ == "__main__":
    main()
