"""calendar_term_s: every school-day question of a term for 40,000 classes, from the calendar's rules vs from a
precomputed day table.

Data (rebuilt each run in bench/.data/calendar.sqlite3): a city bureau over 12 districts, 1,500 schools and 40,000
classes (one grade per school); the published 2026–2027 year of the demo (two terms, 中秋, 国庆 with two 调休 days,
元旦, 寒假, exam weeks); a teacher-training day in each district and a sports day in 300 schools.

Product: `SchoolCalendar()` loads the years and every entry under the city at once (`preload`, three queries),
then, class by class as a caller grouped by school chain does (`chain = cal.chain(class)`), asks
`is_school_day` for each of the 145 days of the first term and `nth_school_day(day, ±3)` for each of its Mondays.
Baseline: the same questions answered from a precomputed day table (school, date, is_school_day) read from the
database into a dictionary per school, the design that stores every day instead of the rules: the same loops, a
plain lookup per day and the same walk for the n-th day.

    python -m bench.calendar [--repeat 3]
"""

from __future__ import annotations

import argparse
import datetime as dt
import time
from typing import Any

from bench import common

LABEL = "calendar"
DISTRICTS = 12
SCHOOLS = 1500
CLASSES = 40_000
TERM_START, TERM_END = dt.date(2026, 9, 1), dt.date(2027, 1, 23)


def seg(n: int) -> str:
    digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    out = ""
    for _ in range(4):
        n, r = divmod(n, 36)
        out = digits[r] + out
    return out


def build() -> tuple[list[str], dict[str, int]]:
    """The tree, the year and the local days; returns the class paths and each class's school id."""
    from django.db import transaction
    from django.utils import timezone

    from dudao.accounts.models import User
    from dudao.calendars.demo import DAYS, TERMS
    from dudao.calendars.models import CalendarEntry, EntryKind, SchoolYear, Term
    from dudao.core.bulk import adapt_datetime, insert_rows
    from dudao.orgs.models import OrgUnit

    now = adapt_datetime(timezone.now())
    units: list[tuple[Any, ...]] = []
    class_paths: list[str] = []
    school_of: dict[str, int] = {}
    school_ids: list[int] = []
    district_ids: list[int] = []

    def node(path: str, depth: int, name: str, kind: str, numchild: int) -> int:
        units.append((len(units) + 1, path, depth, numchild, name, "", kind, "", "", "", False, "", 1, now, now))
        return len(units)

    root = seg(1)
    root_id = node(root, 1, "市教育局", "bureau", DISTRICTS)
    per_district, per_school = SCHOOLS // DISTRICTS, CLASSES // SCHOOLS
    extra = CLASSES - per_school * SCHOOLS
    school_no = 0
    for d in range(DISTRICTS):
        dpath = root + seg(d + 1)
        district_ids.append(node(dpath, 2, f"第{d + 1}区教育局", "district", per_district))
        for s in range(per_district):
            spath = dpath + seg(s + 1)
            n_classes = per_school + (1 if school_no < extra else 0)
            school = node(spath, 3, f"学校{school_no}", "school", 1)
            school_ids.append(school)
            gpath = spath + seg(1)
            node(gpath, 4, "年级", "grade", n_classes)
            for c in range(n_classes):
                path = gpath + seg(c + 1)
                node(path, 5, f"{c + 1}班", "class", 0)
                class_paths.append(path)
                school_of[path] = school
            school_no += 1
    fields = ["id", "path", "depth", "numchild", "name", "short_name", "kind", "school_type", "code", "pinyin",
              "is_closed", "closed_reason", "version", "created_at", "updated_at"]  # fmt: skip
    with transaction.atomic():
        insert_rows(OrgUnit, fields, units)
        admin = User.objects.create(username="bench.calendar", full_name="校历基准")
        year = SchoolYear.objects.create(
            unit_id=root_id, name="2026—2027学年", starts_on=dt.date(2026, 9, 1), ends_on=dt.date(2027, 8, 31),
            is_published=True, created_by=admin,
        )  # fmt: skip
        Term.objects.bulk_create(
            Term(year=year, name=n, starts_on=dt.date(2026 + so, *s), ends_on=dt.date(2026 + eo, *e))
            for n, s, so, e, eo in TERMS
        )
        rows = [
            CalendarEntry(year=year, unit_id=root_id, kind=k, name=n, starts_on=dt.date(2026 + o, *s),
                          ends_on=dt.date(2026 + o, *e), created_by=admin)
            for k, n, s, e, o in DAYS
        ]  # fmt: skip
        rows += [
            CalendarEntry(year=year, unit_id=pk, kind=EntryKind.LOCAL_OFF, name="教师培训日",
                          starts_on=dt.date(2026, 10, 14 + i % 3), ends_on=dt.date(2026, 10, 14 + i % 3),
                          created_by=admin)
            for i, pk in enumerate(district_ids)
        ]  # fmt: skip
        rows += [
            CalendarEntry(year=year, unit_id=pk, kind=EntryKind.LOCAL_OFF, name="校运动会",
                          starts_on=dt.date(2026, 10, 22), ends_on=dt.date(2026, 10, 23), created_by=admin)
            for pk in school_ids[::5]
        ]  # fmt: skip
        CalendarEntry.objects.bulk_create(rows)
    return class_paths, school_of


def term_days() -> list[dt.date]:
    return [TERM_START + dt.timedelta(days=n) for n in range((TERM_END - TERM_START).days + 1)]


def product(class_paths: list[str], days: list[dt.date], mondays: list[dt.date]) -> int:
    from dudao.calendars.selectors import SchoolCalendar

    cal = SchoolCalendar()
    cal.preload(class_paths[:1] + class_paths[-1:])
    answered = 0
    for path in class_paths:
        chain = cal.chain(path)
        is_school_day = chain.is_school_day
        answered += sum(1 for day in days if is_school_day(day))
        for day in mondays:
            answered += chain.nth_school_day(day, 3).day + chain.nth_school_day(day, -3).day
    return answered


def materialise(class_paths: list[str], school_of: dict[str, int], days: list[dt.date]) -> None:
    """The baseline's table, filled with the product's own answers (so both sides answer the same)."""
    from django.db import connection

    from dudao.calendars.selectors import SchoolCalendar

    cal = SchoolCalendar()
    seen: set[int] = set()
    rows = []
    for path in class_paths:
        school = school_of[path]
        if school in seen:
            continue
        seen.add(school)
        chain = cal.chain(path)
        rows += [(school, day.isoformat(), chain.is_school_day(day)) for day in days]
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_day_table")
        cursor.execute("CREATE TABLE bench_day_table (school_id integer, date varchar(10), is_school boolean)")
        cursor.executemany("INSERT INTO bench_day_table VALUES (%s, %s, %s)", rows)
    common.log(f"day table: {len(rows):,} rows")


def walk(table: dict[dt.date, bool], day: dt.date, n: int) -> dt.date:
    step = dt.timedelta(days=1 if n > 0 else -1)
    remaining = abs(n)
    while remaining:
        day += step
        if table.get(day, day.weekday() < 5):
            remaining -= 1
    return day


def baseline(class_paths: list[str], school_of: dict[str, int], days: list[dt.date], mondays: list[dt.date]) -> int:
    from django.db import connection

    tables: dict[int, dict[dt.date, bool]] = {}
    with connection.cursor() as cursor:
        cursor.execute("SELECT school_id, date, is_school FROM bench_day_table")
        for school, on, flag in cursor.fetchall():
            tables.setdefault(school, {})[dt.date.fromisoformat(on)] = bool(flag)
    answered = 0
    for path in class_paths:
        table = tables[school_of[path]]
        answered += sum(1 for day in days if table[day])
        for day in mondays:
            answered += walk(table, day, 3).day + walk(table, day, -3).day
    return answered


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    common.configure(LABEL)
    common.use_database(LABEL, fresh=True)
    class_paths, school_of = build()
    days = term_days()
    mondays = [d for d in days if d.weekday() == 0]
    common.log(f"{len(class_paths):,} classes, {len(days)} days, {len(mondays)} Mondays")
    materialise(class_paths, school_of, days)
    first = product(class_paths, days, mondays)
    assert first == baseline(class_paths, school_of, days, mondays), "the two sides disagree"
    products: list[float] = []
    baselines: list[float] = []
    for i in range(args.repeat):
        order = [("p", lambda: product(class_paths, days, mondays)),
                 ("b", lambda: baseline(class_paths, school_of, days, mondays))]  # fmt: skip
        if i % 2:
            order.reverse()
        for key, fn in order:
            started = time.perf_counter()
            fn()
            (products if key == "p" else baselines).append(time.perf_counter() - started)
    p, b = common.median(products), common.median(baselines)
    questions = len(class_paths) * (len(days) + 2 * len(mondays))
    common.log(f"{questions:,} questions: rules {p:.3f} s, day table {b:.3f} s")
    common.result("calendar_term_s", p, "s", b, p / b)


if __name__ == "__main__":
    main()
