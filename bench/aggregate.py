"""aggregate_ms: a 30-field form summed over 1,500 schools' reports up the tree (city total and per district).

Value: ms per call of `dudao.directives.selectors.sums_by_child(period, city)`, what the 汇总数据 page runs:
one GROUP BY (district prefix, field) over the narrow `SubmissionValue` table, rolled up in Python to the
city totals and one column per district.
Baseline: the same sums computed by one hand-written SQL query on the same connection.
Ratio: value / baseline (target ≤ 3). Interleaved, repeated; the median repetition is reported.

    python -m bench.aggregate [--schools 1500] [--repeat 7] [--calls 30]

Data: built as in bench.completeness (its own database, a few seconds).
"""

from __future__ import annotations

import argparse
from typing import Any

from bench import common
from bench.completeness import prepare, timed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--schools", type=int, default=1500)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--calls", type=int, default=30)
    args = parser.parse_args()
    data = prepare(args.schools)

    from django.db import connection

    from dudao.directives import selectors
    from dudao.directives.models import SubmissionValue
    from dudao.orgs.models import OrgUnit

    period, root = data["period"], data["root"]
    length = (root.depth + 1) * OrgUnit.steplen
    qn = connection.ops.quote_name
    sqlite = common.is_sqlite()
    operator, pattern = ("GLOB", root.path + "*") if sqlite else ("LIKE", root.path + "%")
    sql = (
        f"SELECT substr({qn('unit_path')}, 1, {length}), {qn('field_key')}, SUM({qn('number')}) "
        f"FROM {qn(SubmissionValue._meta.db_table)} "
        f"WHERE {qn('period_id')} = %s AND {qn('unit_path')} {operator} %s GROUP BY 1, 2"
    )
    count = SubmissionValue.objects.filter(period=period).count()
    reports = SubmissionValue.objects.filter(period=period).values("submission").distinct().count()
    common.log(f"summing {count:,} values of {reports:,} submitted reports (30 fields each)")

    def orm() -> Any:
        return selectors.sums_by_child(period, root)

    def raw() -> list[tuple[Any, ...]]:
        with connection.cursor() as cursor:
            cursor.execute(sql, [period.pk, pattern])
            return list(cursor.fetchall())

    totals, by_child = orm()
    want = {(prefix, key): value for prefix, key, value in raw()}
    got = {(prefix, key): value for prefix, values in by_child.items() for key, value in values.items()}
    if got != want:
        raise SystemExit("sums_by_child and the hand-written query disagree")
    common.log(f"both sides agree: {len(by_child)} districts x {len(totals)} fields; city f01 = {totals['f01']:,.0f}")
    medians = timed({"sums_by_child": orm, "hand-written": raw}, args.repeat, args.calls)
    value, baseline = medians["sums_by_child"], medians["hand-written"]
    common.log(f"median: sums_by_child {value:.3f} ms, hand-written SQL {baseline:.3f} ms")
    common.result("aggregate_ms", value, "ms", baseline, value / baseline)


if __name__ == "__main__":
    main()
