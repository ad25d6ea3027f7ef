"""cockpit_ms: the city director's cockpit at city scale (warm), against the hand-written GROUP BYs it needs.

Value: the median time to serve `GET /cockpit/` (the page `city.director`, bureau leader at the root, sees as home,
without the other apps' to-do items) through Django's test client: every lateness figure for the city and its 36
units one level down (12 district bureaus and the schools directly under the city), today's exceptions, the
ranked table, campaigns, the 30-day trends, the rendered template. The figures come from the indicator summary
(`dudao.command.summary`, refreshed first, as huey does every 10 minutes).
Baseline: the same figures by hand, live: one SQL GROUP BY per lateness indicator (`bench.indicators.HandWritten`,
two for home-visit coverage), one for today's missed duty sign-ins and one for the schools under each unit, fetched
as tuples: what the page would cost without the summary table, before rendering anything.
Ratio: value / baseline (target ≤ 1.5); p95 of the page (target ≤ 300 ms on an otherwise idle machine) and the
load average are printed with it. Also printed: a second baseline reading the stored figures by hand (the summary
rows, the trend rows and the live remainder in plain SQL), the page's query count, the home page (`GET /`) and the
to-do strip it fetches after loading, the refresh itself and the slowest figures live for all 1,500 schools.

    python -m bench.cockpit [--repeat 30]

Data: the city demo (bench/.data/city.sqlite3, see bench.indicators); the `city.director` login is added when the
cached database predates it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import os
import statistics
import time
from typing import Any

from bench import common

USER = "city.director"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=30, help="timed requests per side")
    args = parser.parse_args()

    common.configure("city")
    from bench.scoping import ensure_city

    ensure_city()

    from django.conf import settings
    from django.db import connection
    from django.test import Client, override_settings
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from bench.indicators import HandWritten
    from dudao.accounts.models import User
    from dudao.command import lateness, selectors, summary
    from dudao.command.models import IndicatorFigure
    from dudao.orgs.models import OrgUnit, RoleAssignment

    root = OrgUnit.objects.get(depth=1)
    director = User.objects.filter(username=USER).first()
    if director is None:
        director = User.objects.create(username=USER, full_name="林卫东", title="局长", unit=root)
        RoleAssignment.objects.create(user=director, role="bureau_leader", unit=root)
        common.log(f"added the {USER} login (bureau leader at the root) to the cached city database")
    children = list(selectors.children_of(root))
    today = timezone.localdate()
    start, end = selectors.period(None, today)

    # ----- the summary: 30 days of rows for the trends, then today's ---------------------------------------
    missing = [
        today - dt.timedelta(days=n)
        for n in range(1, 30)
        if not IndicatorFigure.objects.filter(day=today - dt.timedelta(days=n)).exists()
    ]
    if missing:
        common.log(f"backfilling {len(missing)} past days of the summary for the trends ...")
        for day in missing:
            summary.refresh(day=day)
    refreshes = []
    for _ in range(3):
        started = time.perf_counter()
        rows = summary.refresh()
        refreshes.append((time.perf_counter() - started) * 1000)
    units = summary.summary_units()
    window = summary.window(today)
    slow = []
    for indicator in summary.summarised():
        started = time.perf_counter()
        indicator.compute(units, *window, user=None)
        slow.append(((time.perf_counter() - started) * 1000, indicator.code))
    for ms, code in sorted(slow, reverse=True)[:5]:
        print(f"  live for all {len(units):,} units: {code:34s} {ms:7.1f} ms", flush=True)
    common.log(
        f"summary refresh: {rows:,} rows ({len(summary.summary_units()):,} units × {len(summary.summarised())} "
        f"indicators), median {common.median(refreshes):.0f} ms"
    )

    # ----- the page ----------------------------------------------------------------------------------------
    # Static URLs without the collected manifest (a dictionary lookup in production): nothing is collected here.
    override_settings(
        STORAGES={
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        }
    ).enable()
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(director)
    response = client.get("/cockpit/")
    html = response.content.decode()
    assert response.status_code == 200, html[:500]
    assert "数据更新于" in html and 'data-testid="ranking"' in html, "the cockpit did not read the stored figures"
    with CaptureQueriesContext(connection) as captured:
        client.get("/cockpit/")
    board = lateness.board(director, root, start, end)
    common.log(
        f"data scale: {OrgUnit.objects.filter(kind='school').count():,} schools; the cockpit ranks {len(children)} "
        f"units on {len(board.indicators)} indicators; {len(captured.captured_queries)} queries per page"
    )

    # ----- the hand-written baselines ------------------------------------------------------------------------
    hand = HandWritten(connection, root, start, end)
    hand_today = HandWritten(connection, root, today, today)
    codes = [i.code for i in board.indicators]
    qn = connection.ops.quote_name
    like = "GLOB" if common.is_sqlite() else "LIKE"
    pattern = root.path + ("*" if common.is_sqlite() else "%")
    width = len(root.path) + 4

    def schools_per_child() -> dict[str, tuple[float, ...]]:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT SUBSTR(path, 1, {width}), COUNT(*) FROM orgs_orgunit WHERE kind = 'school' "
                f"AND NOT is_closed AND path {like} %s GROUP BY 1",
                [pattern],
            )
            return {row[0]: (float(row[1]),) for row in cursor.fetchall()}

    def live_by_hand() -> int:
        found = 0
        for code in codes:
            found += len(getattr(hand, code.replace(".", "_"))())
        found += len(hand_today.duty_missed_signins())
        found += len(schools_per_child())
        return found

    unit_ids = [root.pk, *(c.pk for c in children)]
    marks = ", ".join(["%s"] * len(unit_ids))
    stored_codes = [c for c in codes if c not in summary.VIEWER_DEPENDENT]
    code_marks = ", ".join(["%s"] * len(stored_codes))
    day = today.isoformat() if common.is_sqlite() else today
    first_day = (today - dt.timedelta(days=29)).isoformat() if common.is_sqlite() else today - dt.timedelta(days=29)
    table = qn("command_indicatorfigure")

    def stored_by_hand() -> int:
        with connection.cursor() as cursor:
            cursor.execute("SELECT computed_at, stale_since FROM command_summarystate WHERE key = 'indicators'")
            cursor.fetchall()
            cursor.execute(
                f"SELECT code, unit_id, value, numerator, denominator FROM {table} "
                f"WHERE day = %s AND code IN ({code_marks}) AND unit_id IN ({marks})",
                [day, *stored_codes, *unit_ids],
            )
            found = len(cursor.fetchall())
            cursor.execute(
                f"SELECT code, day, value FROM {table} WHERE unit_id = %s AND day BETWEEN %s AND %s",
                [root.pk, first_day, day],
            )
            found += len(cursor.fetchall())
        found += len(hand.inspections_latest_score()) + len(hand_today.duty_missed_signins())
        return found + len(schools_per_child())

    # ----- timing -----------------------------------------------------------------------------------------------
    for _ in range(3):
        client.get("/cockpit/")
        live_by_hand()
        stored_by_hand()
    page_ms: list[float] = []
    live_ms: list[float] = []
    stored_ms: list[float] = []
    gc.collect()
    for rep in range(args.repeat):
        sides: list[tuple[list[float], Any]] = [
            (page_ms, lambda: client.get("/cockpit/")),
            (live_ms, live_by_hand),
            (stored_ms, stored_by_hand),
        ]
        for timings, run in sides if rep % 2 == 0 else list(reversed(sides)):
            started = time.perf_counter()
            run()
            timings.append((time.perf_counter() - started) * 1000)
    # CPU time of this process (SQLite runs in it): what the page costs whatever else the machine is doing.
    page_cpu: list[float] = []
    for _ in range(10):
        started = time.process_time()
        client.get("/cockpit/")
        page_cpu.append((time.process_time() - started) * 1000)
    home_ms, todos_ms = [], []
    for _ in range(5):
        started = time.perf_counter()
        client.get("/")
        home_ms.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        client.get("/cockpit/todos/")
        todos_ms.append((time.perf_counter() - started) * 1000)

    value, baseline, stored = common.median(page_ms), common.median(live_ms), common.median(stored_ms)
    p95 = percentile(page_ms, 0.95)
    load = os.getloadavg()
    print(f"  cockpit page      median {value:7.1f} ms  p95 {p95:7.1f} ms  (max {max(page_ms):.1f})", flush=True)
    print(f"  cockpit page CPU  median {common.median(page_cpu):7.1f} ms  (process time, load-independent)")
    print(f"  live GROUP BYs    median {baseline:7.1f} ms  ({len(codes) + 3} queries by hand)", flush=True)
    print(f"  stored rows       median {stored:7.1f} ms  (ratio page/stored {value / stored:.2f})", flush=True)
    print(f"  home page (GET /) median {statistics.median(home_ms):7.1f} ms  (the cockpit as the director's home)")
    print(f"  to-do strip       median {statistics.median(todos_ms):7.1f} ms  (every app's home items, fetched after)")
    common.log(
        f"cockpit at city scale: median {value:.1f} ms, p95 {p95:.1f} ms over {args.repeat} warm requests; "
        f"live hand-written GROUP BYs {baseline:.1f} ms; load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} "
        f"on {os.cpu_count()} CPUs"
    )
    common.result("cockpit_ms", value, "ms", baseline, value / baseline)


if __name__ == "__main__":
    main()
