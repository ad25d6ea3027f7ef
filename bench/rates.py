"""rates_ms: 知晓率 roll-up of a city-wide notice (one receipt per student, ~1.26 M) by district and school.

Product: `dudao.notices.selectors.rates(notice, city_root)`: the city's total, one row per district (and per
school directly under the city) with its schools as children, names included. It is one
GROUP BY (district_id, school_id) over the receipts (COUNT(*), COUNT(confirmed_at)), served by the covering
index (notice, district_id, school_id, confirmed_at), plus one lookup of ~1,500 unit names.
Baseline: one hand-written GROUP BY school_id (COUNT(*), COUNT(confirmed_at)) over the same receipts,
fetched as plain tuples, no names. Target: ratio ≤ 2.

Data: the city demo (bench/.data/city.sqlite3 via bench.scoping.ensure_city, copied to
bench/.data/rates.sqlite3; with DATABASE_URL the configured database), one notice from the root and one
receipt per enrolled student inserted with `core.bulk.insert_rows` (about 83 % confirmed). Built once and
reused while the notice is there.

    python -m bench.rates [--repeat 7]
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import random
import sqlite3
import time
from pathlib import Path

from bench import common

LABEL = "rates"
TITLE = "bench.rates 创建文明城市致家长的一封信"
SEED = 20261129


def _copy_city_sqlite() -> None:
    from django.db import connection

    connection.close()
    source_path, target_path = common.sqlite_path("city"), common.sqlite_path(LABEL)
    partial = Path(f"{target_path}.partial")
    partial.unlink(missing_ok=True)
    source = sqlite3.connect(f"file:{source_path}?mode=ro", uri=True)
    target = sqlite3.connect(partial)
    try:
        source.backup(target)
    finally:
        target.close()
        source.close()
    common.remove_sqlite_files(target_path)
    partial.rename(target_path)


def _notice():  # type: ignore[no-untyped-def]
    from dudao.notices.models import Notice

    return Notice.objects.filter(title=TITLE).first()


def prepare() -> int:
    from bench.scoping import ensure_city

    if common.is_sqlite():
        if common.sqlite_path(LABEL).exists():
            common.use_database(LABEL, fresh=False)
        if not common.sqlite_path(LABEL).exists() or _notice() is None:
            ensure_city()
            _copy_city_sqlite()
            common.use_database(LABEL, fresh=False)
    else:
        # A throwaway database: the city without the apps' demo steps (as in the cached SQLite city).
        from dudao.demo import loader

        run_steps = loader.run_steps
        loader.run_steps = lambda context: {}
        try:
            ensure_city()
        finally:
            loader.run_steps = run_steps
    notice = _notice()
    if notice is None:
        notice = build()
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return int(notice.pk)


def build():  # type: ignore[no-untyped-def]
    from django.db import transaction
    from django.utils import timezone

    from dudao.accounts.models import User
    from dudao.core.bulk import adapt_datetime, insert_rows
    from dudao.notices.models import Notice, NoticeStatus, Receipt
    from dudao.notices.services import owners_of_classes
    from dudao.orgs.models import OrgUnit, Student

    started = time.perf_counter()
    rng = random.Random(SEED)
    root = OrgUnit.objects.get(depth=1)
    now = timezone.now()
    with transaction.atomic():
        notice = Notice.objects.create(
            issuer=root,
            title=TITLE,
            body_html="<p>bench</p>",
            links_expire_at=now + dt.timedelta(days=30),
            status=NoticeStatus.SENT,
            sent_at=now,
            created_by=User.objects.order_by("id").first(),
        )
        classes = dict(OrgUnit.objects.filter(kind="class").values_list("pk", "path"))
        owners = owners_of_classes(classes)
        when = adapt_datetime(now)

        # Read first: the COPY below holds the connection, so no query may run while it streams.
        students = list(Student.objects.filter(status="enrolled").values_list("pk", "klass_id"))

        def rows():  # type: ignore[no-untyped-def]
            for student, klass in students:
                o = owners.get(klass)
                if o is None:
                    continue
                confirmed = rng.random() < 0.83
                yield (
                    notice.pk,
                    student,
                    klass,
                    o.grade,
                    o.school,
                    o.district,
                    when if confirmed else None,
                    "link" if confirmed else "",
                    "{}",
                    "",
                    "",
                )

        fields = [
            "notice",
            "student",
            "klass",
            "grade_id",
            "school_id",
            "district_id",
            "confirmed_at",
            "channel",
            "answers",
            "note",
            "ip",
        ]
        count = insert_rows(Receipt, fields, list(rows()) if common.is_sqlite() else rows())
    common.log(f"inserted {count:,} receipts in {time.perf_counter() - started:.1f}s")
    return notice


def baseline(notice_id: int) -> list[tuple[int, int, int]]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT school_id, COUNT(*), COUNT(confirmed_at) FROM notices_receipt WHERE notice_id = %s "
            "GROUP BY school_id",
            [notice_id],
        )
        return cursor.fetchall()


def product(notice_id: int):  # type: ignore[no-untyped-def]
    from dudao.notices.selectors import rates
    from dudao.orgs.models import OrgUnit

    return rates(notice_id, OrgUnit.objects.get(depth=1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    common.configure(LABEL)
    notice_id = prepare()
    table = product(notice_id)
    base = baseline(notice_id)
    assert table.total == sum(r[1] for r in base) and table.confirmed == sum(r[2] for r in base)
    schools = sum(len(r.children) or 1 for r in table.rows)
    assert schools == len(base), (schools, len(base))
    common.log(
        f"{table.total:,} receipts, {table.confirmed:,} confirmed ({table.rate} %), {len(table.rows)} districts "
        f"and direct schools, {len(base)} schools"
    )
    product_times, baseline_times = [], []
    gc.disable()
    for i in range(args.repeat):
        order = [(product, product_times), (baseline, baseline_times)]
        for fn, times in order if i % 2 == 0 else reversed(order):
            started = time.perf_counter()
            fn(notice_id)
            times.append((time.perf_counter() - started) * 1000)
    gc.enable()
    value, base_ms = common.median(product_times), common.median(baseline_times)
    common.log(f"roll-up {value:.1f} ms (median of {args.repeat}), one GROUP BY {base_ms:.1f} ms")
    common.result("rates_ms", value, "ms", base_ms, value / base_ms)


if __name__ == "__main__":
    main()
