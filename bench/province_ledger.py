"""province_ledger_ms: the ledger overview at province scale, with a province's volume of rectification items.

bench.province times `rectification.selectors.counts_by_area` on the province demo, whose ledger holds only the demo
city's few dozen items: both sides then take well under a millisecond and the ratio measures the ORM's fixed cost,
not how the read grows. This bench gives the province the ledger volume bench.ledger gives one city (60,000 items
per city, 360,000 in all, spread over the ≈ 9,000 schools by bench.ledger_data) and times the same cell for the
province's director at the root and the demo city's director, as bench.province does (`bench.province.ledger_cell`:
the same answer checked first, warm, interleaved).

The province is loaded without its students and the apps' demo steps (the ledger reads neither): units, staff and
role assignments only, then the items. That takes minutes instead of bench.province's twenty.

Value: the worse of the two medians; baseline: the hand-written GROUP BY of that cell (target ratio ≤ 2).

    bash scripts/with-postgres.sh .venv/bin/python -m bench.province_ledger [--repeat 15]

Also runs on SQLite (bench/.data/province_ledger.sqlite3), for comparison.
"""

from __future__ import annotations

import argparse
import os
import time
from typing import Any

from bench import common, ledger_data

LABEL = "province_ledger"
CITIES = 6
ITEMS = ledger_data.ITEMS * CITIES
LOGINS = ("province.director", "city.director")


def _no_students(self: Any, school: Any) -> tuple[list[Any], list[Any]]:
    return [], []


def _no_demo_steps(context: Any) -> dict[str, int]:
    return {}


def ensure_data() -> None:
    """The province's units and staff (no students, no demo steps) and 360,000 items, built once."""
    from dudao.demo import generator, loader
    from dudao.demo.generator import SCALES
    from dudao.orgs.models import OrgUnit, UnitKind
    from dudao.rectification.models import RectificationItem

    common.use_database(LABEL, fresh=False)
    scale = SCALES["province"]
    assert scale.cities == CITIES
    if OrgUnit.objects.filter(kind=UnitKind.DISTRICT).count() != scale.districts * scale.cities:
        if not loader.database_is_empty():
            raise SystemExit("the configured database holds data other than this bench's; use an empty one")
        common.log("loading the province's units and staff (no students, no demo steps) ...")
        students, run_steps = generator.Generator.students, loader.run_steps  # type: ignore[attr-defined]
        generator.Generator.students = _no_students  # type: ignore[method-assign]
        loader.run_steps = _no_demo_steps  # type: ignore[attr-defined]
        try:
            report = loader.load(scale="province")
        finally:
            generator.Generator.students = students  # type: ignore[method-assign]
            loader.run_steps = run_steps  # type: ignore[attr-defined]
        common.log(f"loaded {report.rows:,} rows in {report.seconds:.0f} s")
    if RectificationItem.objects.count() < ITEMS:
        common.log(f"generating {ITEMS:,} findings and items over the province's schools ...")
        started = time.perf_counter()
        rows = ledger_data.generate(items=ITEMS)
        common.log(f"{rows:,} rows in {time.perf_counter() - started:.0f} s")
    if not common.is_sqlite():
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=15, help="timed runs per side and viewer")
    args = parser.parse_args()

    common.configure(LABEL)
    ensure_data()

    from bench.province import ledger_cell
    from dudao.accounts.models import User
    from dudao.orgs.models import OrgUnit
    from dudao.orgs.scoping import acting_assignment
    from dudao.rectification.models import RectificationItem

    common.log(
        f"data scale: {OrgUnit.objects.filter(kind='school').count():,} schools, "
        f"{RectificationItem.objects.count():,} rectification items"
    )
    cells: list[tuple[str, float, float, int]] = []
    for login in LOGINS:
        user = User.objects.get(username=login)
        root = acting_assignment(user).unit.path  # type: ignore[union-attr]
        ours, theirs = ledger_cell(login, user, root, ledger_data.TODAY, args.repeat)
        items = RectificationItem.objects.filter(school__path__startswith=root).count()
        cells.append((login, ours, theirs, items))
    worst = max(cells, key=lambda cell: cell[1] / cell[2])
    for login, ours, theirs, items in cells:
        common.log(f"{login}: {items:,} items in scope, counts_by_area {ours:.1f} ms vs hand-written {theirs:.1f} ms")
    common.log(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs; target ratio ≤ 2")
    common.result("province_ledger_ms", worst[1], "ms", worst[2], worst[1] / worst[2])


if __name__ == "__main__":
    main()
