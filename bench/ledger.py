"""ledger_ms: the rectification ledger's two reads at city scale (60,000 items), ORM vs hand-written SQL.

(a) ledger_page: the district ledger page's data. `bench.ledger.district` (district_admin of the
    first district, its only assignment, hence the acting one) asks for
    `paginate(with_rows(ledger(user, LedgerFilters(status="in_progress", overdue=True,
    category="校园环境"), today=TODAY)), page=1, page_size=50)`: the count, the page's ids, the
    page's rows with school, owner and inspection (select_related).
    Baseline: the same answer by hand: one COUNT and one page query (item JOIN org unit with
    `path GLOB 'P*'` on SQLite / `LIKE 'P%'` on PostgreSQL, LEFT JOIN owner and inspection, same
    filters, ORDER BY due_date, id LIMIT 50) fetching the same columns as plain tuples.
(b) city_overview: `counts_by_area(city_user, today=TODAY)` for `bench.ledger.city` (bureau_staff
    at the root): items by area (the units one level below the root) × status, plus overdue.
    Baseline: one hand-written GROUP BY over item JOIN org unit (substr of the path, status,
    COUNT, SUM(CASE overdue)), joined to the area units for their names, as plain tuples.

Each side is checked to give the same answer, warmed, then timed `--repeat` times interleaved
(alternating which side goes first); per-call medians are reported. The user objects stay
loaded between calls (their role assignments cached on them, as within one request).

Output convention: two RESULT lines, `ledger_page_ms` then `city_overview_ms`; a final
`ledger_ms` RESULT line repeats the decisive one, i.e. the figure with the larger (worse) ratio,
so the last line is the figure to judge against the target (ratio ≤ 2).

    python -m bench.ledger [--repeat 200] [--overview-repeat 30] [--try-fix]

--try-fix also times, for information only (the RESULT lines always measure the product as it
is), the product with the changes proposed in the report monkeypatched in: `items_for` adding
its `OR owner = user` branch only when the user owns items outside the scope (so the path index
stays usable), and `paginate` fetching the page's rows by primary key alone.

Data: bench.ledger_data (60,000 items on the city demo; built once, cached in bench/.data).
"""

from __future__ import annotations

import argparse
import gc
import time
from collections.abc import Callable
from typing import Any

from bench import common

PAGE_SIZE = 50


def proposed_items_for(user: Any, action: str = "read") -> Any:
    """Proposed `dudao.rectification.selectors.items_for`: the owner branch only when it adds rows."""
    from django.db.models import Q

    from dudao.orgs.scoping import scope_root_path
    from dudao.rectification.models import RectificationItem

    root = scope_root_path(user, f"rectification.{action}")
    if root is None:
        return RectificationItem.objects.none()
    in_scope = Q(school__path__under=root)
    if RectificationItem.objects.filter(owner_id=user.pk).exclude(in_scope).exists():
        return RectificationItem.objects.filter(in_scope | Q(owner_id=user.pk))
    return RectificationItem.objects.filter(in_scope)


def proposed_paginate(queryset: Any, *, page: object = 1, page_size: object = PAGE_SIZE) -> Any:
    """Proposed `dudao.core.pagination.paginate`: the page's rows by primary key alone.

    The ids already passed the scope and the filters; repeating them in the rows query only
    gives the planner a worse choice (SQLite walks the status index instead of the 50 ids).
    """
    from dudao.core.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, Page, parse_int

    size = parse_int(page_size, DEFAULT_PAGE_SIZE, low=1, high=MAX_PAGE_SIZE)
    number = parse_int(page, 1, low=1, high=10**6)
    count = queryset.count()
    start = (number - 1) * size
    ids = list(queryset.values_list("pk", flat=True)[start : start + size])
    rows = queryset.model._base_manager.all()
    rows.query.select_related = queryset.query.select_related
    rows.query.deferred_loading = queryset.query.deferred_loading
    rows._prefetch_related_lookups = queryset._prefetch_related_lookups
    position = {pk: index for index, pk in enumerate(ids)}
    items = sorted(rows.filter(pk__in=ids), key=lambda obj: position[obj.pk]) if ids else []
    return Page(items=items, count=count, page=number, page_size=size)


def timed_pair(
    orm: Callable[[], Any], raw: Callable[[], Any], repeat: int, label: str
) -> tuple[list[float], list[float]]:
    """Per-call ms of both sides, interleaved, alternating which one goes first."""
    orm_ms: list[float] = []
    raw_ms: list[float] = []
    gc.collect()
    for rep in range(repeat):
        for side in ("orm", "raw") if rep % 2 == 0 else ("raw", "orm"):
            started = time.perf_counter()
            if side == "orm":
                orm()
                orm_ms.append((time.perf_counter() - started) * 1000)
            else:
                raw()
                raw_ms.append((time.perf_counter() - started) * 1000)
    common.log(
        f"{label}: product median {common.median(orm_ms):.3f} ms (min {min(orm_ms):.3f}), "
        f"hand-written median {common.median(raw_ms):.3f} ms (min {min(raw_ms):.3f}), {repeat} calls each"
    )
    return orm_ms, raw_ms


def explain(sql: str, params: list[Any] | tuple[Any, ...]) -> None:
    from django.db import connection

    prefix = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN "
    with connection.cursor() as cursor:
        cursor.execute(prefix + sql, params)
        for row in cursor.fetchall():
            print("     ", " | ".join(str(col) for col in row), flush=True)


def show_queries(label: str, fn: Callable[[], Any]) -> None:
    """Run `fn` once, print every SQL statement it sent with its plan."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        fn()
    common.log(f"{label}: {len(captured.captured_queries)} queries")
    for number, query in enumerate(captured.captured_queries, start=1):
        print(f"  [{number}] ({float(query['time']) * 1000:.2f} ms) {query['sql']}", flush=True)


def show_plans(label: str, fn: Callable[[], Any]) -> None:
    """EXPLAIN every statement `fn` sends (re-executed with its parameters)."""
    from django.db import connection

    statements: list[tuple[str, Any]] = []

    def wrapper(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        if not many and sql.lstrip().upper().startswith("SELECT"):
            statements.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        fn()
    for number, (sql, params) in enumerate(statements, start=1):
        print(f"  plan of {label} [{number}]:", flush=True)
        explain(sql, params or ())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=200, help="timed calls per side for the ledger page")
    parser.add_argument("--overview-repeat", type=int, default=30, help="timed calls per side for the overview")
    parser.add_argument("--try-fix", action="store_true", help="also time the proposed product changes (info only)")
    args = parser.parse_args()

    from bench import ledger_data

    common.configure(ledger_data.LABEL)
    from django.db import connection

    from dudao.accounts.models import User
    from dudao.core.pagination import paginate
    from dudao.inspections.models import Inspection
    from dudao.orgs.models import OrgUnit
    from dudao.rectification import selectors
    from dudao.rectification.models import ItemStatus, RectificationItem
    from dudao.rectification.selectors import LedgerFilters, counts_by_area, ledger, with_rows

    data = ledger_data.prepare()
    sqlite = connection.vendor == "sqlite"
    today = data.today
    district_user, city_user = data.district_user, data.city_user
    prefix = data.district.path
    root = OrgUnit.objects.get(depth=1)
    qn = connection.ops.quote_name
    operator, wildcard = ("GLOB", "*") if sqlite else ("LIKE", "%")
    common.log(
        f"data scale: city demo, {OrgUnit.objects.filter(kind='school').count():,} schools, "
        f"{data.items:,} rectification items; today={today}; district {data.district.name} ({prefix}) has "
        f"{RectificationItem.objects.filter(school__path__under=prefix).count():,} items"
    )

    # ----- (a) the district ledger page ---------------------------------------------------------
    filters = LedgerFilters(status=ItemStatus.IN_PROGRESS, overdue=True, category=data.common_category)

    def orm_page() -> tuple[int, list[Any]]:
        page = paginate(with_rows(ledger(district_user, filters, today=today)), page=1, page_size=PAGE_SIZE)
        return page.count, page.items

    item_t, unit_t = qn(RectificationItem._meta.db_table), qn(OrgUnit._meta.db_table)
    user_t, insp_t = qn(User._meta.db_table), qn(Inspection._meta.db_table)

    def cols(alias: str, model: Any) -> str:
        return ", ".join(f"{alias}.{qn(f.column)}" for f in model._meta.concrete_fields)

    where = (
        f"u.{qn('path')} {operator} %s AND i.{qn('status')} = %s AND i.{qn('status')} <> %s "
        f"AND i.{qn('due_date')} < %s AND i.{qn('category')} = %s"
    )
    day: Any = today.isoformat() if sqlite else today
    where_params = [prefix + wildcard, ItemStatus.IN_PROGRESS, ItemStatus.CLOSED, day, data.common_category]
    page_sql = (
        f"SELECT {cols('i', RectificationItem)}, {cols('u', OrgUnit)}, {cols('o', User)}, {cols('n', Inspection)} "
        f"FROM {item_t} i INNER JOIN {unit_t} u ON i.{qn('school_id')} = u.{qn('id')} "
        f"LEFT JOIN {user_t} o ON i.{qn('owner_id')} = o.{qn('id')} "
        f"LEFT JOIN {insp_t} n ON i.{qn('inspection_id')} = n.{qn('id')} "
        f"WHERE {where} ORDER BY i.{qn('due_date')}, i.{qn('id')} LIMIT {PAGE_SIZE}"
    )
    count_sql = (
        f"SELECT COUNT(*) FROM {item_t} i INNER JOIN {unit_t} u ON i.{qn('school_id')} = u.{qn('id')} WHERE {where}"
    )

    def raw_page() -> tuple[int, list[tuple[Any, ...]]]:
        with connection.cursor() as cursor:
            cursor.execute(count_sql, where_params)
            count = cursor.fetchone()[0]
            cursor.execute(page_sql, where_params)
            return count, cursor.fetchall()

    got_count, got_items = orm_page()
    want_count, want_rows = raw_page()
    if got_count != want_count or [item.pk for item in got_items] != [row[0] for row in want_rows]:
        raise SystemExit(
            f"ledger page: product {got_count} / {[i.pk for i in got_items][:5]} vs "
            f"hand-written {want_count} / {[r[0] for r in want_rows][:5]}"
        )
    common.log(f"ledger page: both sides agree: count {got_count:,}, {len(got_items)} rows on page 1")
    show_queries("product ledger page", orm_page)
    show_plans("product ledger page", orm_page)
    print("  plan of hand-written count:", flush=True)
    explain(count_sql, where_params)
    print("  plan of hand-written page:", flush=True)
    explain(page_sql, where_params)
    for _ in range(5):
        orm_page()
        raw_page()
    page_orm, page_raw = timed_pair(orm_page, raw_page, args.repeat, "ledger page")
    if args.try_fix:
        product_items_for = selectors.items_for

        def fixed_page() -> tuple[int, list[Any]]:
            selectors.items_for = proposed_items_for
            try:
                page = proposed_paginate(
                    with_rows(ledger(district_user, filters, today=today)), page=1, page_size=PAGE_SIZE
                )
            finally:
                selectors.items_for = product_items_for
            return page.count, page.items

        fixed = fixed_page()
        if fixed[0] != got_count or [i.pk for i in fixed[1]] != [i.pk for i in got_items]:
            raise SystemExit("ledger page: the proposed fix changes the answer")
        show_queries("ledger page with the proposed fix", fixed_page)
        show_plans("ledger page with the proposed fix", fixed_page)
        timed_pair(fixed_page, raw_page, args.repeat, "ledger page, PROPOSED FIX (info)")

    # ----- (b) the city overview ----------------------------------------------------------------
    root_path = root.path
    width = len(root_path) + OrgUnit.steplen
    overview_sql = (
        f"SELECT a.{qn('id')}, a.{qn('name')}, g.area, g.status, g.n, g.late FROM ("
        f"SELECT SUBSTR(u.{qn('path')}, 1, {width}) AS area, i.{qn('status')} AS status, COUNT(*) AS n, "
        f"SUM(CASE WHEN i.{qn('due_date')} < %s AND i.{qn('status')} <> %s THEN 1 ELSE 0 END) AS late "
        f"FROM {item_t} i INNER JOIN {unit_t} u ON i.{qn('school_id')} = u.{qn('id')} "
        f"WHERE u.{qn('path')} {operator} %s GROUP BY 1, 2"
        f") g INNER JOIN {unit_t} a ON a.{qn('path')} = g.area ORDER BY g.area"
    )
    overview_params = [day, ItemStatus.CLOSED, root_path + wildcard]

    def orm_overview() -> Any:
        return counts_by_area(city_user, today=today)

    def raw_overview() -> list[tuple[Any, ...]]:
        with connection.cursor() as cursor:
            cursor.execute(overview_sql, overview_params)
            return cursor.fetchall()

    areas = orm_overview()
    got = {(a.unit.path, status): n for a in areas for status, n in a.by_status.items()}
    got_late = {a.unit.path: a.overdue for a in areas}
    rows = raw_overview()
    want = {(row[2], row[3]): row[4] for row in rows}
    want_late: dict[str, int] = {}
    for row in rows:
        want_late[row[2]] = want_late.get(row[2], 0) + int(row[5])
    if got != want or got_late != want_late:
        raise SystemExit(f"city overview: product {sorted(got.items())[:6]} vs hand-written {sorted(want.items())[:6]}")
    common.log(
        f"city overview: both sides agree: {len(areas)} areas, {sum(a.total for a in areas):,} items, "
        f"{sum(got_late.values()):,} overdue"
    )
    show_queries("product city overview", orm_overview)
    show_plans("product city overview", orm_overview)
    print("  plan of hand-written overview:", flush=True)
    explain(overview_sql, overview_params)
    for _ in range(2):
        orm_overview()
        raw_overview()
    over_orm, over_raw = timed_pair(orm_overview, raw_overview, args.overview_repeat, "city overview")
    if args.try_fix:
        product_items_for = selectors.items_for

        def fixed_overview() -> Any:
            selectors.items_for = proposed_items_for
            try:
                return counts_by_area(city_user, today=today)
            finally:
                selectors.items_for = product_items_for

        fixed_areas = fixed_overview()
        if {(a.unit.path, k): n for a in fixed_areas for k, n in a.by_status.items()} != got:
            raise SystemExit("city overview: the proposed fix changes the answer")
        show_queries("city overview with the proposed fix", fixed_overview)
        show_plans("city overview with the proposed fix", fixed_overview)
        timed_pair(fixed_overview, raw_overview, args.overview_repeat, "city overview, PROPOSED FIX (info)")

    # ----- results ---------------------------------------------------------------------------------
    figures = []
    for name, orm_ms, raw_ms in (("ledger_page_ms", page_orm, page_raw), ("city_overview_ms", over_orm, over_raw)):
        value, baseline = common.median(orm_ms), common.median(raw_ms)
        figures.append((name, value, baseline, value / baseline))
        common.log(f"{name}: product {value:.3f} ms, hand-written {baseline:.3f} ms, ratio {value / baseline:.3f}")
    for name, value, baseline, ratio in figures:
        common.result(name, value, "ms", baseline, ratio)
    name, value, baseline, ratio = max(figures, key=lambda figure: figure[3])
    common.log(f"decisive (larger ratio): {name}")
    common.result("ledger_ms", value, "ms", baseline, ratio)


if __name__ == "__main__":
    main()
