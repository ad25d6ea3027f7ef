"""appraisal_compute_ms: a period's results for every school of the city × 12 live items, product vs SQL floor.

Value: ms for `dudao.appraisal.services.compute` of a year scheme run by the city bureau over all its schools
(about 1,500 at city scale) with 12 live items (linear rules on 12 indicators of the registry, January 1st to
today), as `city.admin` computes it from the scheme page: the scheme and its items read, every figure through
`command.selectors.values` in bulk (one or two GROUP BYs per indicator for all schools), scores, bands and ranks in
memory, the results written with one bulk update, one audit event.
Baseline (the hand-written floor for the same figures): one SQL GROUP BY per indicator (bench.indicators'
`HandWritten`, grouped at the schools' path width and added into each school in plain Python), the same linear
scores, totals and competition ranks in plain Python, and one executemany UPDATE of the result rows.
Ratio: value / baseline (target ≤ 3; and the value ≤ 30 s on SQLite). Both sides are first checked to give the same
figure for every school and item, then timed `--repeat` times interleaved; medians are reported.

    python -m bench.appraisal [--repeat 3]

Data: the city demo (bench/.data/city.sqlite3, as bench.indicators; loaded first when missing, which takes minutes).
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import time
from typing import Any

from bench import common

USER = "city.admin"
# Twelve live items: indicator code, floor, target (linear), weight. Weights sum to 100.
ITEMS = [
    ("directives.on_time_rate", 60, 100, 9),
    ("directives.completeness", 60, 100, 9),
    ("directives.unacknowledged", 5, 0, 8),
    ("inspections.latest_score", 60, 95, 9),
    ("rectification.overdue", 5, 0, 8),
    ("rectification.close_rate", 20, 100, 9),
    ("notices.awareness_rate", 60, 100, 9),
    ("notices.unconfirmed", 200, 0, 7),
    ("health.open_alerts", 3, 0, 7),
    ("duty.missed_signins", 3, 0, 8),
    ("duty.drill_coverage", 0, 100, 8),
    ("cases.visit_coverage", 20, 80, 9),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3, help="timed rounds per side")
    args = parser.parse_args()

    common.configure("city")
    from bench.scoping import ensure_city

    ensure_city()

    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from bench.indicators import HandWritten
    from dudao.accounts.models import User
    from dudao.appraisal import services
    from dudao.appraisal.models import AppraisalScheme, ItemKind, Result
    from dudao.appraisal.services.computing import appraised_units, measured_range
    from dudao.orgs.models import OrgUnit

    user = User.objects.get(username=USER)
    root = OrgUnit.objects.get(depth=1)
    today = timezone.localdate()
    AppraisalScheme.objects.filter(name="bench.appraisal").delete()
    scheme = services.create_scheme(
        actor=user,
        unit=root,
        data=services.SchemeIn(
            name="bench.appraisal",
            period_kind="year",
            period_start=dt.date(today.year, 1, 1),
            period_end=dt.date(today.year, 12, 31),
            unit_kind="school",
        ),
    )
    for code, floor, target, weight in ITEMS:
        scheme.refresh_from_db()
        services.add_item(
            actor=user,
            scheme=scheme,
            data=services.ItemIn(code, ItemKind.LIVE, weight, code, "linear", floor, target),
            version=scheme.version,
        )
    scheme.refresh_from_db()
    items = list(scheme.items.all())
    schools = list(appraised_units(scheme))
    start, end = measured_range(scheme)
    common.log(f"data scale: city demo, {len(schools):,} schools × {len(items)} live items; {start} to {end}")

    hand = HandWritten(connection, root, start, end)
    hand.width = max(len(s.path) for s in schools)
    by_path = {s.path: s for s in schools}
    lengths = sorted({len(p) for p in by_path})

    def per_school(rows: dict[str, tuple[float, ...]]) -> dict[int, tuple[float, ...]]:
        """Each group (a path prefix at the schools' width) added into the school whose path starts it."""
        found: dict[int, tuple[float, ...]] = {}
        for prefix, numbers in rows.items():
            for length in lengths:
                school = by_path.get(prefix[:length])
                if school is not None:
                    old = found.get(school.pk, (0.0,) * len(numbers))
                    found[school.pk] = tuple(a + b for a, b in zip(old, numbers, strict=True))
                    break
        return found

    def figure(code: str, counts: tuple[float, ...] | None) -> float | None:
        """The indicator's value from the hand-written counts, rounded as the registry rounds."""
        if code in ("inspections.latest_score",):
            total, n = counts or (0.0, 0.0)
            return round(total / n, 1) if n else None
        if code in (
            "directives.on_time_rate",
            "directives.completeness",
            "rectification.close_rate",
            "notices.awareness_rate",
            "duty.drill_coverage",
            "cases.visit_coverage",
        ):
            part, whole = counts or (0.0, 0.0)
            return round(100 * part / whole, 1) if whole else None
        return (counts or (0.0,))[0]

    def floor_side() -> list[list[Any]]:
        figures = {code: per_school(getattr(hand, code.replace(".", "_"))()) for code, *_ in ITEMS}
        rows: list[list[Any]] = []
        for school in schools:
            entries, total = {}, 0.0
            for item, (code, floor, target, weight) in zip(items, ITEMS, strict=True):
                value = figure(code, figures[code].get(school.pk))
                if value is None:
                    score = float(weight)
                else:
                    score = round(weight * min(max((value - floor) / (target - floor), 0.0), 1.0), 2)
                entries[str(item.pk)] = {"score": score, "max": weight, "value": value}
                total += score
            rows.append([school.pk, json.dumps(entries), round(total, 2)])  # id, items, total (+ rank)
        rows.sort(key=lambda r: (-r[2], by_id[r[0]].path))
        for position, row in enumerate(rows, start=1):
            row.append(rows[position - 2][3] if position > 1 and row[2] == rows[position - 2][2] else position)
        with connection.cursor() as cursor:
            cursor.executemany(
                "UPDATE appraisal_result SET items = %s, total = %s, rank = %s, band = %s, version = version + 1 "
                "WHERE scheme_id = %s AND unit_id = %s",
                [(r[1], r[2], r[3], _band(r[2]), scheme.pk, r[0]) for r in rows],
            )
        return rows

    by_id = {s.pk: s for s in schools}

    # ----- the same figures on both sides -------------------------------------------------------------------
    with CaptureQueriesContext(connection) as captured:
        services.compute(actor=user, scheme=scheme)
    queries = len(captured.captured_queries)
    product = {r.unit_id: r for r in Result.objects.filter(scheme=scheme)}
    for code, *_ in ITEMS:
        want = per_school(getattr(hand, code.replace(".", "_"))())
        item = next(i for i in items if i.indicator_code == code)
        for school in schools:
            got = product[school.pk].items[str(item.pk)]
            expected = figure(code, want.get(school.pk))
            if not (got["value"] == expected or (expected is not None and abs(got["value"] - expected) <= 0.1)):
                raise SystemExit(f"{code} for {school.name}: product {got['value']} vs hand-written {expected}")
    floor_rows = floor_side()
    totals = {r[0]: r[2] for r in floor_rows}
    mismatched = [s.name for s in schools if abs(float(product[s.pk].total) - totals[s.pk]) > 0.05]
    if mismatched:
        raise SystemExit(f"totals differ for {len(mismatched)} schools, e.g. {mismatched[:3]}")
    common.log(f"both sides agree on {len(schools):,} schools × {len(items)} items; product {queries} queries")

    # ----- timing ------------------------------------------------------------------------------------------
    product_rounds: list[float] = []
    floor_rounds: list[float] = []
    gc.collect()
    for rep in range(args.repeat):
        for side in ("product", "floor") if rep % 2 == 0 else ("floor", "product"):
            started = time.perf_counter()
            if side == "product":
                services.compute(actor=user, scheme=scheme)
            else:
                floor_side()
            ms = (time.perf_counter() - started) * 1000
            (product_rounds if side == "product" else floor_rounds).append(ms)
            common.log(f"round {rep + 1} {side}: {ms:.0f} ms")
    value, baseline = common.median(product_rounds), common.median(floor_rounds)
    common.log(
        f"{len(schools):,} schools × {len(items)} live items: product {value:.0f} ms ({queries} queries), "
        f"hand-written floor {baseline:.0f} ms; median of {args.repeat} rounds"
    )
    AppraisalScheme.objects.filter(pk=scheme.pk).delete()
    common.result("appraisal_compute_ms", value, "ms", baseline, value / baseline)


def _band(total: float) -> str:
    return "green" if total >= 90 else "yellow" if total >= 75 else "red"


if __name__ == "__main__":
    main()
