"""province_worst_ratio_of_target: a province on PostgreSQL, its load time and the reads that grow with it.

Loads `manage.py demo --scale province` (six cities of the city demo's shape under a provincial department:
≈ 9,000 schools, ≈ 7.5 M students; the apps' demo activity is the demo city's) into the configured database when
it holds no demo yet, timing it (target ≤ 45 min on this machine). Then, for the province's director at the root
(`province.director`) and the demo city's director (`city.director`), it times four reads against hand-written SQL
on the same connection, interleaved, warm, as the city-scale benches do, with each bench's own target:

- cockpit: `GET /cockpit/` (figures from the indicator summary, refreshed first) vs one hand-written GROUP BY per
  lateness indicator, live (`bench.indicators.HandWritten`), as bench.cockpit (target ≤ 1.5);
- ledger: `rectification.selectors.counts_by_area` (items by status for each unit one level down) vs one GROUP BY,
  as bench.ledger's overview (target ≤ 2);
- completeness: `directives.selectors.completeness` of the demo's largest directive period vs one GROUP BY, as
  bench.completeness (target ≤ 2);
- roster: pages of `Student.objects.for_user(...)` spread from the first to the last vs the hand-written page,
  as bench.scoping (target ≤ 1.5).

Value: the worst ratio / target over the eight cells (≤ 1: every bench's target holds at province scale).
Baseline: 1 (every target just met). Also printed: each cell's medians and the per-request cost of the
director's home page and roster page, the figures docs/部署与运维.md sizes a province with.

    bash scripts/with-postgres.sh .venv/bin/python -m bench.province [--repeat 15]

PostgreSQL only (SQLite is the embedded default for a county or a city, not a province).
"""

from __future__ import annotations

import argparse
import gc
import os
import time
from collections.abc import Callable
from functools import partial
from typing import Any

from bench import common

TARGETS = {"cockpit": 1.5, "ledger": 2.0, "completeness": 2.0, "roster": 1.5}
LOGINS = ("province.director", "city.director")
PAGE_SIZE = 50


def ensure_province() -> float | None:
    """Load the province demo into an empty database; the load's seconds, or None when it was there already."""
    from dudao.demo.generator import SCALES
    from dudao.demo.loader import database_is_empty, load
    from dudao.orgs.models import OrgUnit, UnitKind

    common.use_database("province", fresh=False)
    scale = SCALES["province"]
    if OrgUnit.objects.filter(kind=UnitKind.DISTRICT).count() == scale.districts * scale.cities:
        common.log("reusing the loaded province demo")
        return None
    if not database_is_empty():
        raise SystemExit("the configured database holds data other than the province demo; use an empty one")
    common.log("loading the province demo (tens of minutes) ...")
    report = load(scale="province")
    common.log(
        f"loaded the province demo: {report.rows:,} rows ({report.counts.get('students', 0):,} students) in "
        f"{report.seconds:.0f} s"
    )
    return report.seconds


def timed_pair(product: Callable[[], Any], hand: Callable[[], Any], repeat: int) -> tuple[float, float]:
    """Median ms of each side over `repeat` interleaved runs (alternating which goes first), after a warm-up."""
    for _ in range(2):
        product()
        hand()
    ours: list[float] = []
    theirs: list[float] = []
    gc.collect()
    for rep in range(repeat):
        sides = [(ours, product), (theirs, hand)]
        for timings, run in sides if rep % 2 == 0 else reversed(sides):
            started = time.perf_counter()
            run()
            timings.append((time.perf_counter() - started) * 1000)
    return common.median(ours), common.median(theirs)


def ledger_cell(login: str, user: Any, root: str, today: Any, repeat: int) -> tuple[float, float]:
    """`counts_by_area` for `user` vs one hand-written GROUP BY (same answer checked first): the two medians, ms."""
    from django.db import connection

    from dudao.orgs.models import OrgUnit
    from dudao.rectification.models import ItemStatus, RectificationItem
    from dudao.rectification.selectors import counts_by_area

    qn = connection.ops.quote_name
    item_t, unit_t = qn(RectificationItem._meta.db_table), qn(OrgUnit._meta.db_table)
    width = len(root) + OrgUnit.steplen
    overview_sql = (
        f"SELECT a.{qn('id')}, a.{qn('name')}, g.area, g.status, g.n, g.late FROM ("
        f"SELECT SUBSTR(u.{qn('path')}, 1, {width}) AS area, i.{qn('status')} AS status, COUNT(*) AS n, "
        f"SUM(CASE WHEN i.{qn('due_date')} < %s AND i.{qn('status')} <> %s THEN 1 ELSE 0 END) AS late "
        f"FROM {item_t} i INNER JOIN {unit_t} u ON i.{qn('school_id')} = u.{qn('id')} "
        f"WHERE u.{qn('path')} LIKE %s GROUP BY 1, 2"
        f") g INNER JOIN {unit_t} a ON a.{qn('path')} = g.area ORDER BY g.area"
    )

    def overview_by_hand() -> list[Any]:
        with connection.cursor() as cursor:
            cursor.execute(overview_sql, [today, ItemStatus.CLOSED, root + "%"])
            return cursor.fetchall()

    areas = counts_by_area(user, today=today)
    got = sum(a.total for a in areas)
    want = sum(int(row[4]) for row in overview_by_hand())
    if got != want:
        raise SystemExit(f"{login}: ledger overview {got} items vs hand-written {want}")
    return timed_pair(partial(counts_by_area, user, today=today), overview_by_hand, repeat)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=15, help="timed runs per side and cell")
    parser.add_argument("--pages", type=int, default=12, help="roster pages from the first to the last")
    args = parser.parse_args()

    common.configure("province")
    if common.is_sqlite():
        raise SystemExit("bench.province runs on PostgreSQL: bash scripts/with-postgres.sh .venv/bin/python -m ...")
    loaded = ensure_province()

    from django.conf import settings
    from django.db import connection
    from django.db.models import Count
    from django.test import Client, override_settings
    from django.utils import timezone

    from bench.indicators import HandWritten
    from bench.scoping import spread_offsets
    from dudao.accounts.models import User
    from dudao.command import lateness, selectors, summary
    from dudao.directives import selectors as directive_selectors
    from dudao.directives.models import DirectiveTarget, Period, Submission
    from dudao.orgs.models import OrgUnit, Student
    from dudao.orgs.scoping import acting_assignment
    from dudao.rectification.models import RectificationItem

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    students = Student.objects.count()
    schools = OrgUnit.objects.filter(kind="school").count()
    common.log(f"data scale: {schools:,} schools, {students:,} students, {RectificationItem.objects.count():,} items")
    started = time.perf_counter()
    rows = summary.refresh()
    refresh_s = time.perf_counter() - started
    common.log(f"indicator summary refresh: {rows:,} rows in {refresh_s:.1f} s (huey, every 10 minutes)")

    override_settings(
        STORAGES={
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        }
    ).enable()
    qn = connection.ops.quote_name
    unit_t = qn(OrgUnit._meta.db_table)
    today = timezone.localdate()
    start, end = selectors.period(None, today)
    # The demo's directive period with the most reports: the completeness the directive page shows.
    busiest = Submission.objects.values("period_id").annotate(n=Count("id")).order_by("-n", "period_id")[0]
    period = Period.objects.get(pk=busiest["period_id"])
    cells: list[tuple[str, str, float, float]] = []
    costs: list[str] = []
    for login in LOGINS:
        user = User.objects.get(username=login)
        unit = acting_assignment(user).unit  # type: ignore[union-attr]
        root = unit.path
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(user)

        # ----- cockpit ---------------------------------------------------------------------------------------
        response = client.get("/cockpit/")
        assert response.status_code == 200 and "数据更新于" in response.content.decode(), login
        board = lateness.board(user, unit, start, end)
        codes = [i.code for i in board.indicators]
        hand = HandWritten(connection, unit, start, end)
        hand_today = HandWritten(connection, unit, today, today)

        def live_by_hand(hand: Any = hand, hand_today: Any = hand_today, codes: list[str] = codes) -> int:
            found = sum(len(getattr(hand, code.replace(".", "_"))()) for code in codes)
            return found + len(hand_today.duty_missed_signins())

        ours, theirs = timed_pair(partial(client.get, "/cockpit/"), live_by_hand, args.repeat)
        cells.append((login, "cockpit", ours, theirs))

        # ----- ledger overview -------------------------------------------------------------------------------
        ours, theirs = ledger_cell(login, user, root, today, args.repeat)
        cells.append((login, "ledger", ours, theirs))

        # ----- completeness ----------------------------------------------------------------------------------
        length = (unit.depth + 1) * OrgUnit.steplen
        completeness_sql = (
            f"SELECT substr(u.{qn('path')}, 1, {length}) AS prefix, COUNT(*), "
            f"SUM(CASE WHEN t.{qn('acknowledged_at')} IS NOT NULL THEN 1 ELSE 0 END), "
            f"SUM(CASE WHEN s.{qn('status')} IN ('submitted', 'approved') THEN 1 ELSE 0 END), "
            f"SUM(CASE WHEN s.{qn('status')} IN ('submitted', 'approved') AND s.{qn('is_late')} THEN 1 ELSE 0 END), "
            f"SUM(CASE WHEN s.{qn('status')} = 'approved' THEN 1 ELSE 0 END) "
            f"FROM {qn(Submission._meta.db_table)} s "
            f"JOIN {unit_t} u ON u.{qn('id')} = s.{qn('unit_id')} "
            f"JOIN {qn(DirectiveTarget._meta.db_table)} t ON t.{qn('id')} = s.{qn('target_id')} "
            f"WHERE s.{qn('period_id')} = %s AND u.{qn('path')} LIKE %s "
            f"AND NOT (u.{qn('is_closed')} AND u.{qn('closed_at')} < %s AND s.{qn('status')} = 'pending') "
            f"GROUP BY 1 ORDER BY 1"
        )

        def completeness_by_hand(sql: str = completeness_sql, root: str = root) -> list[Any]:
            with connection.cursor() as cursor:
                cursor.execute(sql, [period.pk, root + "%", period.deadline])
                return cursor.fetchall()

        total, _ = directive_selectors.completeness(period, user)
        want = sum(int(row[1]) for row in completeness_by_hand())
        if total.expected != want:
            raise SystemExit(f"{login}: completeness expects {total.expected} reports vs hand-written {want}")
        ours, theirs = timed_pair(
            partial(directive_selectors.completeness, period, user), completeness_by_hand, args.repeat
        )
        cells.append((login, "completeness", ours, theirs))

        # ----- roster pages ----------------------------------------------------------------------------------
        columns = ", ".join(f"s.{qn(field.column)}" for field in Student._meta.concrete_fields)
        page_sql = (
            f"SELECT {columns} FROM {qn(Student._meta.db_table)} s "
            f"INNER JOIN {unit_t} u ON s.{qn('klass_id')} = u.{qn('id')} "
            f"WHERE u.{qn('path')} LIKE %s ORDER BY s.{qn('id')} LIMIT {PAGE_SIZE} OFFSET %s"
        )
        in_scope = Student.objects.filter(klass__path__under=root).count()
        offsets = spread_offsets(in_scope, args.pages)

        def pages_ours(user: Any = user, offsets: list[int] = offsets) -> None:
            for offset in offsets:
                list(Student.objects.for_user(user, "read").order_by("id")[offset : offset + PAGE_SIZE])

        def pages_by_hand(sql: str = page_sql, root: str = root, offsets: list[int] = offsets) -> None:
            with connection.cursor() as cursor:
                for offset in offsets:
                    cursor.execute(sql, [root + "%", offset])
                    cursor.fetchall()

        first = [s.pk for s in Student.objects.for_user(user, "read").order_by("id")[offsets[-1] : offsets[-1] + 5]]
        with connection.cursor() as cursor:
            cursor.execute(page_sql, [root + "%", offsets[-1]])
            if [row[0] for row in cursor.fetchall()[:5]] != first:
                raise SystemExit(f"{login}: the last roster page differs from the hand-written one")
        ours, theirs = timed_pair(pages_ours, pages_by_hand, max(3, args.repeat // 3))
        cells.append((login, "roster", ours / len(offsets), theirs / len(offsets)))

        # ----- per-request costs the sizing uses ---------------------------------------------------------------
        for url in ("/", f"/orgs/{unit.pk}/students/"):
            times = []
            for _ in range(5):
                begun = time.perf_counter()
                status = client.get(url).status_code
                times.append((time.perf_counter() - begun) * 1000)
            costs.append(f"{login} GET {url}: {status}, median {common.median(times):.0f} ms")
        common.log(f"{login}: {unit.name}, {in_scope:,} students in scope")

    print(f"{'viewer':18s} {'read':13s} {'product ms':>11s} {'hand ms':>9s} {'ratio':>6s} {'target':>6s}", flush=True)
    worst = 0.0
    worst_cell = ("", "", 0.0, 0.0)
    for login, read, ours, theirs in cells:
        ratio = ours / theirs if theirs else float("inf")
        print(f"{login:18s} {read:13s} {ours:11.1f} {theirs:9.1f} {ratio:6.2f} {TARGETS[read]:6.1f}", flush=True)
        if ratio / TARGETS[read] > worst:
            worst, worst_cell = ratio / TARGETS[read], (login, read, ours, theirs)
    for line in costs:
        print("  " + line, flush=True)
    if loaded is not None:
        common.log(f"province demo load: {loaded / 60:.1f} min (target ≤ 45 min)")
    common.log(
        f"worst cell: {worst_cell[0]} {worst_cell[1]} ({worst_cell[2]:.1f} ms vs {worst_cell[3]:.1f} ms); "
        f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs"
    )
    common.result("province_worst_ratio_of_target", worst, "x", 1.0, worst)


if __name__ == "__main__":
    main()
