"""scoping_page_ms: one page of a district's students through `Student.objects.for_user`.

Value: mean ms per page of `list(Student.objects.for_user(user, "read").order_by("id")[k:k + 50])`
for the `district.admin` demo user (district_admin of the first district), over pages spread
through the whole district, deep offsets included.
Baseline: the same pages by a hand-written SQL query on the same connection (JOIN on the class,
`path GLOB 'prefix*'` on SQLite / `LIKE 'prefix%'` on PostgreSQL, ORDER BY id LIMIT 50 OFFSET k)
fetching every student column as plain tuples.
Ratio: value / baseline (target ≤ 1.5). Both sides are warmed once, interleaved page by page
(alternating which goes first), repeated; the median repetition is reported.

    python -m bench.scoping [--pages 200] [--repeat 5]

Needs the city demo: reuses bench/.data/city.sqlite3 (left by bench.demo_city) when it is
loaded, otherwise loads it first (a few minutes).
"""

from __future__ import annotations

import argparse
import gc
import time
from typing import Any

from bench import common

PAGE_SIZE = 50
DEMO_USER = "district.admin"


def city_is_loaded() -> bool:
    from dudao.accounts.models import User
    from dudao.demo.generator import SCALES
    from dudao.orgs.models import OrgUnit, UnitKind

    return (
        User.objects.filter(username=DEMO_USER).exists()
        and OrgUnit.objects.filter(kind=UnitKind.DISTRICT).count() == SCALES["city"].districts
    )


def ensure_city() -> None:
    from dudao.demo.loader import database_is_empty, load

    common.use_database("city", fresh=False)
    if city_is_loaded():
        common.log("reusing the loaded city demo database")
        return
    if not database_is_empty():
        if not common.is_sqlite():
            raise SystemExit("the configured database holds data other than the city demo; use an empty one")
        common.log("the city database holds other data: recreating it")
        common.use_database("city", fresh=True)
    common.log("the city demo is not loaded: loading it now (takes minutes) ...")
    report = load(scale="city")
    common.log(f"loaded the city demo: {report.rows:,} rows in {report.seconds:.1f}s")


def spread_offsets(total: int, pages: int) -> list[int]:
    """`pages` page offsets spread evenly from the first page to the last."""
    last_page = max(0, (total - 1) // PAGE_SIZE)
    if pages <= 1 or last_page == 0:
        return [0]
    indexes = sorted({round(i * last_page / (pages - 1)) for i in range(pages)})
    return [index * PAGE_SIZE for index in indexes]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    common.configure("city")
    from django.db import connection

    from dudao.accounts.models import User
    from dudao.orgs.models import OrgUnit, Student
    from dudao.orgs.scoping import acting_assignment

    ensure_city()
    sqlite = connection.vendor == "sqlite"
    if not sqlite:
        # A freshly bulk-loaded PostgreSQL table has no statistics until autovacuum gets to it;
        # measure the steady state, not the first minute after the load.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        common.log("ran ANALYZE (PostgreSQL)")
    user = User.objects.get(username=DEMO_USER)
    assignment = acting_assignment(user)
    if assignment is None or assignment.role != "district_admin":
        raise SystemExit(f"{DEMO_USER} does not act as district_admin: {assignment}")
    district = assignment.unit
    prefix = district.path

    def orm_page(offset: int) -> list[Student]:
        return list(Student.objects.for_user(user, "read").order_by("id")[offset : offset + PAGE_SIZE])

    qn = connection.ops.quote_name
    columns = ", ".join(f"s.{qn(field.column)}" for field in Student._meta.concrete_fields)
    pk = qn("id")
    operator, pattern = ("GLOB", prefix + "*") if sqlite else ("LIKE", prefix + "%")
    raw_sql = (
        f"SELECT {columns} FROM {qn(Student._meta.db_table)} s "
        f"INNER JOIN {qn(OrgUnit._meta.db_table)} u ON s.{qn(Student._meta.get_field('klass').column)} = u.{pk} "
        f"WHERE u.{qn(OrgUnit._meta.get_field('path').column)} {operator} %s "
        f"ORDER BY s.{pk} LIMIT {PAGE_SIZE} OFFSET %s"
    )

    def raw_page(offset: int) -> list[tuple[Any, ...]]:
        with connection.cursor() as cursor:
            cursor.execute(raw_sql, [pattern, offset])
            return list(cursor.fetchall())

    total = Student.objects.filter(klass__path__under=prefix).count()
    all_students = Student.objects.count()
    offsets = spread_offsets(total, args.pages)
    common.log(
        f"data scale: city demo, {all_students:,} students; district {district.name} ({prefix}) has {total:,} "
        f"students = {(total + PAGE_SIZE - 1) // PAGE_SIZE:,} pages of {PAGE_SIZE}"
    )
    common.log(f"timing {len(offsets)} pages (offsets {offsets[0]} .. {offsets[-1]}) x {args.repeat} repetitions")

    query = Student.objects.for_user(user, "read").order_by("id")[:PAGE_SIZE]
    common.log(f"for_user SQL: {query.query}")
    print("EXPLAIN (for_user page):", flush=True)
    plan_text = query.explain()
    print(plan_text, flush=True)
    if sqlite and f"SCAN {OrgUnit._meta.db_table}" in plan_text:
        common.log("WARNING: the for_user query scans the whole org-unit table instead of using the path index")
    with connection.cursor() as cursor:
        explain = "EXPLAIN QUERY PLAN " if sqlite else "EXPLAIN "
        cursor.execute(explain + raw_sql, [pattern, 0])
        plan = cursor.fetchall()
    print("EXPLAIN (hand-written page):", flush=True)
    for row in plan:
        print("  ", " | ".join(str(col) for col in row), flush=True)

    # Both sides must return the same rows; this pass also warms the cache.
    for offset in offsets:
        got = [student.pk for student in orm_page(offset)]
        want = [row[0] for row in raw_page(offset)]
        if got != want:
            raise SystemExit(f"for_user and the hand-written query disagree at offset {offset}")
    common.log("warm-up done; both sides return identical pages")

    orm_means: list[float] = []
    raw_means: list[float] = []
    # Per page: its times (ms) over the repetitions, to show how cost grows with the offset.
    orm_by_page: list[list[float]] = [[] for _ in offsets]
    raw_by_page: list[list[float]] = [[] for _ in offsets]
    for rep in range(args.repeat):
        gc.collect()
        for index, offset in enumerate(offsets):
            for side in ("orm", "raw") if (rep + index) % 2 == 0 else ("raw", "orm"):
                started = time.perf_counter()
                if side == "orm":
                    orm_page(offset)
                    orm_by_page[index].append((time.perf_counter() - started) * 1000)
                else:
                    raw_page(offset)
                    raw_by_page[index].append((time.perf_counter() - started) * 1000)
        orm_means.append(sum(times[rep] for times in orm_by_page) / len(offsets))
        raw_means.append(sum(times[rep] for times in raw_by_page) / len(offsets))
        common.log(
            f"repetition {rep + 1}: for_user {orm_means[-1]:.3f} ms/page, hand-written {raw_means[-1]:.3f} ms/page"
        )

    for index in sorted({0, len(offsets) // 4, len(offsets) // 2, len(offsets) - 1}):
        common.log(
            f"page at offset {offsets[index]:>7,}: for_user {common.median(orm_by_page[index]):8.3f} ms, "
            f"hand-written {common.median(raw_by_page[index]):8.3f} ms (median of {args.repeat})"
        )
    value, baseline = common.median(orm_means), common.median(raw_means)
    common.log(f"median: for_user {value:.3f} ms/page, hand-written {baseline:.3f} ms/page")
    common.result("scoping_page_ms", value, "ms", baseline, value / baseline)


if __name__ == "__main__":
    main()
