"""indicators_ms: every monitoring indicator for the city and its districts at city scale, registry vs hand-written SQL.

Value: ms per round of `dudao.command.selectors.figures(user, units, start, end)` for `city.admin` (bureau staff at
the root, who may read every indicator) with `units` = the city and its children as `/api/v1/indicators/{code}/values`
lists them (12 district bureaus and the schools directly under the city), over the last 30 days: all 16 indicators,
each through its module's bulk `compute` (one GROUP BY over the subtree paths, a fixed number of queries).
Baseline: the same figures by hand, one SQL GROUP BY per indicator (two for home-visit coverage: enrolled students,
and visited students driven from the term's visits), joined to the org tree for the path prefix, same conditions,
fetched as plain tuples and added up per unit in plain Python.
Ratio: value / baseline (target ≤ 1.5). Both sides are first checked to give the same numbers, warmed, then timed
`--repeat` times interleaved (alternating which side goes first); the medians of the rounds are reported, with
each indicator's median and the product's query count.

    python -m bench.indicators [--repeat 7]

Data: the city demo with its apps' demo data (bench/.data/city.sqlite3, left by bench.demo_city and reused by
bench.scoping; loaded first when missing, which takes minutes). With DATABASE_URL the configured database is used.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import time
from collections.abc import Callable
from typing import Any

from bench import common

USER = "city.admin"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=7, help="timed rounds per side")
    args = parser.parse_args()

    common.configure("city")
    from bench.scoping import ensure_city

    ensure_city()

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from dudao.accounts.models import User
    from dudao.command import selectors
    from dudao.core.indicators import Value
    from dudao.orgs.models import OrgUnit

    user = User.objects.get(username=USER)
    root = OrgUnit.objects.get(depth=1)
    children = list(selectors.children_of(root))
    units = [root, *children]
    start, end = selectors.period(None, None)
    catalogue = selectors.catalogue(user)
    common.log(
        f"data scale: city demo, {OrgUnit.objects.filter(kind='school').count():,} schools, "
        f"{len(children)} units under the city ({sum(1 for c in children if c.kind == 'district')} districts); "
        f"{len(catalogue)} indicators; {start} to {end}"
    )

    hand = HandWritten(connection, root, start, end)
    baselines: dict[str, Callable[[], dict[str, tuple[float, ...]]]] = {
        code: getattr(hand, code.replace(".", "_")) for code in (i.code for i in catalogue)
    }

    def product_one(code: str) -> dict[Any, Value]:
        indicator = next(i for i in catalogue if i.code == code)
        return selectors.values(user, indicator, units, start, end)

    def per_unit(rows: dict[str, tuple[float, ...]]) -> dict[Any, tuple[float, ...]]:
        """Prefix sums → the city (everything) and each child (its own prefix)."""
        width = max((len(v) for v in rows.values()), default=0)
        total = tuple(sum(v[i] for v in rows.values()) for i in range(width))
        result = {root.pk: total}
        for child in children:
            result[child.pk] = rows.get(child.path, (0,) * width)
        return result

    # ----- the same numbers on both sides ----------------------------------------------------------------------
    queries: dict[str, int] = {}
    for indicator in catalogue:
        with CaptureQueriesContext(connection) as captured:
            got = product_one(indicator.code)
        queries[indicator.code] = len(captured.captured_queries)
        want = per_unit(baselines[indicator.code]())
        for unit in units:
            if not hand.agrees(indicator.code, got[unit.pk], want[unit.pk]):
                raise SystemExit(
                    f"{indicator.code} for {unit.name}: product {got[unit.pk]} vs hand-written {want[unit.pk]}"
                )
        common.log(
            f"{indicator.code}: both sides agree ({queries[indicator.code]} queries); "
            f"city {got[root.pk].value}, first child {got[children[0].pk].value}"
        )

    # ----- timing ------------------------------------------------------------------------------------------
    for _ in range(2):
        selectors.figures(user, units, start, end)
        for fn in baselines.values():
            per_unit(fn())
    product_rounds: list[float] = []
    hand_rounds: list[float] = []
    product_each: dict[str, list[float]] = {code: [] for code in baselines}
    hand_each: dict[str, list[float]] = {code: [] for code in baselines}
    gc.collect()
    for rep in range(args.repeat):
        for side in ("product", "hand") if rep % 2 == 0 else ("hand", "product"):
            round_ms = 0.0
            for code, fn in baselines.items():
                started = time.perf_counter()
                if side == "product":
                    product_one(code)
                else:
                    per_unit(fn())
                ms = (time.perf_counter() - started) * 1000
                (product_each if side == "product" else hand_each)[code].append(ms)
                round_ms += ms
            (product_rounds if side == "product" else hand_rounds).append(round_ms)
    print(f"  {'indicator':36s} {'queries':>7s} {'product ms':>11s} {'hand ms':>9s} {'ratio':>6s}", flush=True)
    for code in baselines:
        p, h = common.median(product_each[code]), common.median(hand_each[code])
        print(f"  {code:36s} {queries[code]:7d} {p:11.2f} {h:9.2f} {p / h:6.2f}", flush=True)
    value, baseline = common.median(product_rounds), common.median(hand_rounds)
    common.log(
        f"all {len(catalogue)} indicators for the city and {len(children)} units below it: product {value:.1f} ms "
        f"({sum(queries.values())} queries), hand-written {baseline:.1f} ms; median of {args.repeat} rounds"
    )
    common.result("indicators_ms", value, "ms", baseline, value / baseline)


class HandWritten:
    """One hand-written GROUP BY per indicator: {path prefix: (numbers…)} with the figure's counts."""

    def __init__(self, connection: Any, root: Any, start: dt.date, end: dt.date) -> None:
        from django.conf import settings
        from django.utils import timezone

        from dudao.cases.models import term_of as case_term
        from dudao.duty.selectors import term_of as duty_term
        from dudao.duty.services.signins import signin_cutoff
        from dudao.health.selectors import is_school_day

        self.connection = connection
        self.sqlite = connection.vendor == "sqlite"
        self.qn = connection.ops.quote_name
        self.like = "GLOB" if self.sqlite else "LIKE"
        self.pattern = root.path + ("*" if self.sqlite else "%")
        self.width = len(root.path) + 4
        tz = timezone.get_current_timezone()
        self.since = self._dt(dt.datetime.combine(start, dt.time.min, tzinfo=tz))
        self.until = self._dt(dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz))
        self.now = self._dt(timezone.now())
        self.today = timezone.localdate()
        self.check_day = min(end, self.today)
        self.school_day = is_school_day(self.check_day)
        self.cutoff = self._dt(signin_cutoff())
        self.drill_term = duty_term(end)
        self.visit_term = case_term(end)
        self.settings = settings

    def _dt(self, value: dt.datetime) -> Any:
        return self.connection.ops.adapt_datetimefield_value(value)

    def _d(self, value: dt.date) -> Any:
        return value.isoformat() if self.sqlite else value

    def _rows(self, sql: str, params: list[Any]) -> dict[str, tuple[float, ...]]:
        with self.connection.cursor() as cursor:
            cursor.execute(sql, params)
            return {row[0]: tuple(float(v or 0) for v in row[1:]) for row in cursor.fetchall()}

    def _prefix(self, alias: str = "u") -> str:
        return f"SUBSTR({alias}.path, 1, {self.width})"

    # ----- directives ----------------------------------------------------------------------------------------

    def _reports(self, select: str, extra: str = "") -> str:
        return (
            f"SELECT {self._prefix()}, {select} FROM directives_submission s "
            "JOIN orgs_orgunit u ON u.id = s.unit_id JOIN directives_period p ON p.id = s.period_id "
            "JOIN directives_directive d ON d.id = s.directive_id "
            f"WHERE u.path {self.like} %s AND p.deadline >= %s AND p.deadline < %s {extra} AND d.status <> 'draft' "
            "AND NOT (u.is_closed AND COALESCE(u.closed_at < p.deadline, FALSE) AND s.status = 'pending') GROUP BY 1"
        )

    def directives_on_time_rate(self) -> dict[str, tuple[float, ...]]:
        on_time = "SUM(CASE WHEN s.status IN ('submitted', 'approved') AND NOT s.is_late THEN 1 ELSE 0 END), COUNT(*)"
        return self._rows(
            self._reports(on_time, "AND p.deadline <= %s"), [self.pattern, self.since, self.until, self.now]
        )

    def directives_completeness(self) -> dict[str, tuple[float, ...]]:
        done = "SUM(CASE WHEN s.status IN ('submitted', 'approved') THEN 1 ELSE 0 END), COUNT(*)"
        return self._rows(self._reports(done), [self.pattern, self.since, self.until])

    def directives_flagged_reports(self) -> dict[str, tuple[float, ...]]:
        flagged = (
            "SUM(CASE WHEN s.status IN ('submitted', 'approved') AND EXISTS "
            "(SELECT 1 FROM directives_valueflag f WHERE f.submission_id = s.id) THEN 1 ELSE 0 END)"
        )
        return self._rows(self._reports(flagged), [self.pattern, self.since, self.until])

    def directives_unacknowledged(self) -> dict[str, tuple[float, ...]]:
        return self._rows(
            f"SELECT {self._prefix()}, COUNT(*) FROM directives_directivetarget t "
            "JOIN orgs_orgunit u ON u.id = t.unit_id JOIN directives_directive d ON d.id = t.directive_id "
            f"WHERE u.path {self.like} %s AND t.acknowledged_at IS NULL AND d.status = 'issued' GROUP BY 1",
            [self.pattern],
        )

    # ----- rectification and inspections ---------------------------------------------------------------------

    def _items(self, select: str, where: str = "") -> str:
        return (
            f"SELECT {self._prefix()}, {select} FROM rectification_rectificationitem i "
            f"JOIN orgs_orgunit u ON u.id = i.school_id WHERE u.path {self.like} %s {where} GROUP BY 1"
        )

    def rectification_overdue(self) -> dict[str, tuple[float, ...]]:
        sql = self._items("COUNT(*)", "AND i.status <> 'closed' AND i.due_date < %s")
        return self._rows(sql, [self.pattern, self._d(self.today)])

    def rectification_close_rate(self) -> dict[str, tuple[float, ...]]:
        return self._rows(self._items("SUM(CASE WHEN i.status = 'closed' THEN 1 ELSE 0 END), COUNT(*)"), [self.pattern])

    def rectification_days_to_close(self) -> dict[str, tuple[float, ...]]:
        days = (
            "SUM(julianday(i.closed_at) - julianday(i.created_at))"
            if self.sqlite
            else "SUM(EXTRACT(EPOCH FROM i.closed_at - i.created_at)) / 86400"
        )
        sql = self._items(f"{days}, COUNT(*)", "AND i.status = 'closed' AND i.closed_at >= %s AND i.closed_at < %s")
        return self._rows(sql, [self.pattern, self.since, self.until])

    def inspections_latest_score(self) -> dict[str, tuple[float, ...]]:
        sql = (
            "SELECT t.school_id, u.path, t.score, t.max_score FROM inspections_target t "
            "JOIN orgs_orgunit u ON u.id = t.school_id JOIN inspections_inspection n ON n.id = t.inspection_id "
            f"WHERE u.path {self.like} %s AND t.status = 'submitted' AND t.score IS NOT NULL AND t.max_score > 0 "
            "AND t.submitted_at >= %s AND t.submitted_at < %s AND n.kind <> 'self' "
            "ORDER BY t.school_id, t.submitted_at, t.id"
        )
        latest: dict[int, tuple[str, float]] = {}
        with self.connection.cursor() as cursor:
            cursor.execute(sql, [self.pattern, self.since, self.until])
            for school_id, path, score, max_score in cursor.fetchall():
                latest[school_id] = (path, round(float(score) / float(max_score) * 100, 1))
        grouped: dict[str, tuple[float, ...]] = {}
        for path, percent in latest.values():
            total, n = grouped.get(path[: self.width], (0.0, 0.0))
            grouped[path[: self.width]] = (total + percent, n + 1)
        return grouped

    # ----- notices ---------------------------------------------------------------------------------------------

    def _receipts(self) -> dict[str, tuple[float, ...]]:
        return self._rows(
            f"SELECT {self._prefix()}, COUNT(*), COUNT(r.confirmed_at) FROM notices_receipt r "
            "JOIN orgs_orgunit u ON u.id = r.school_id WHERE r.notice_id IN (SELECT id FROM notices_notice "
            "WHERE status = 'sent' AND sent_at >= %s AND sent_at < %s) GROUP BY 1",
            [self.since, self.until],
        )

    def notices_awareness_rate(self) -> dict[str, tuple[float, ...]]:
        return {prefix: (confirmed, total) for prefix, (total, confirmed) in self._receipts().items()}

    def notices_unconfirmed(self) -> dict[str, tuple[float, ...]]:
        return {prefix: (total - confirmed,) for prefix, (total, confirmed) in self._receipts().items()}

    # ----- health ----------------------------------------------------------------------------------------------

    def health_unchecked_classes(self) -> dict[str, tuple[float, ...]]:
        if not self.school_day:
            return {}
        return self._rows(
            f"SELECT {self._prefix()}, COUNT(*) - COUNT(c.id) FROM orgs_orgunit u LEFT JOIN health_dailycheck c "
            "ON c.klass_id = u.id AND c.date = %s AND c.session = 'morning' "
            f"WHERE u.kind = 'class' AND NOT u.is_closed AND u.path {self.like} %s GROUP BY 1",
            [self._d(self.check_day), self.pattern],
        )

    def health_open_alerts(self) -> dict[str, tuple[float, ...]]:
        return self._rows(
            f"SELECT {self._prefix()}, COUNT(*) FROM health_alert a JOIN orgs_orgunit u ON u.id = a.school_id "
            f"WHERE u.path {self.like} %s AND a.status <> 'closed' GROUP BY 1",
            [self.pattern],
        )

    # ----- duty ------------------------------------------------------------------------------------------------

    def duty_missed_signins(self) -> dict[str, tuple[float, ...]]:
        return self._rows(
            f"SELECT {self._prefix()}, COUNT(*) FROM duty_dutyshift s JOIN orgs_orgunit u ON u.id = s.unit_id "
            "JOIN duty_dutyroster r ON r.id = s.roster_id "
            f"WHERE u.path {self.like} %s AND r.status = 'published' AND s.starts_at >= %s AND s.starts_at < %s "
            "AND s.starts_at <= %s AND NOT EXISTS (SELECT 1 FROM duty_dutysignin g WHERE g.shift_id = s.id) GROUP BY 1",
            [self.pattern, self.since, self.until, self.cutoff],
        )

    def duty_drill_coverage(self) -> dict[str, tuple[float, ...]]:
        return self._rows(
            f"SELECT {self._prefix()}, SUM(CASE WHEN EXISTS (SELECT 1 FROM duty_drill d WHERE d.unit_id = u.id "
            "AND d.held_on BETWEEN %s AND %s) THEN 1 ELSE 0 END), COUNT(*) FROM orgs_orgunit u "
            f"WHERE u.kind = 'school' AND NOT u.is_closed AND u.path {self.like} %s GROUP BY 1",
            [self._d(self.drill_term[0]), self._d(self.drill_term[1]), self.pattern],
        )

    # ----- cases -----------------------------------------------------------------------------------------------

    def cases_visit_coverage(self) -> dict[str, tuple[float, ...]]:
        students = self._rows(
            f"SELECT {self._prefix()}, COUNT(*) FROM orgs_student s JOIN orgs_orgunit u ON u.id = s.klass_id "
            f"WHERE u.path {self.like} %s AND s.status = 'enrolled' GROUP BY 1",
            [self.pattern],
        )
        visited = self._rows(
            f"SELECT {self._prefix()}, COUNT(DISTINCT v.student_id) FROM cases_homevisit v "
            "JOIN orgs_student s ON s.id = v.student_id JOIN orgs_orgunit u ON u.id = s.klass_id "
            f"WHERE v.term = %s AND v.visited_on IS NOT NULL AND s.status = 'enrolled' AND u.path {self.like} %s "
            "GROUP BY 1",
            [self.visit_term, self.pattern],
        )
        return {prefix: (visited.get(prefix, (0.0,))[0], n) for prefix, (n,) in students.items()}

    def cases_open_dropouts(self) -> dict[str, tuple[float, ...]]:
        return self._rows(
            f"SELECT {self._prefix()}, COUNT(*) FROM cases_casefile c JOIN orgs_orgunit u ON u.id = c.school_id "
            f"WHERE u.path {self.like} %s AND c.kind = 'dropout' AND c.status <> 'archived' "
            "AND c.dropout_result NOT IN ('returned', 'home_teaching', 'transferred') GROUP BY 1",
            [self.pattern],
        )

    def cases_schools_without_counsellor(self) -> dict[str, tuple[float, ...]]:
        return self._rows(
            f"SELECT {self._prefix()}, COUNT(*) FROM orgs_orgunit u WHERE u.kind = 'school' AND NOT u.is_closed "
            f"AND u.path {self.like} %s AND NOT EXISTS (SELECT 1 FROM cases_counsellorprofile p "
            "WHERE p.school_id = u.id) GROUP BY 1",
            [self.pattern],
        )

    # ----- meetings --------------------------------------------------------------------------------------------

    def meetings_overdue_decisions(self) -> dict[str, tuple[float, ...]]:
        return self._rows(
            f"SELECT {self._prefix()}, COUNT(*) FROM meetings_decision d JOIN orgs_orgunit u ON u.id = d.owner_unit_id "
            "LEFT JOIN directives_directive r ON r.id = d.directive_id "
            f"WHERE u.path {self.like} %s AND d.deadline < %s AND ((d.kind = 'task' AND d.done_on IS NULL) "
            "OR (d.kind = 'directive' AND r.status = 'draft')) GROUP BY 1",
            [self.pattern, self._d(self.today)],
        )

    # ----- comparison --------------------------------------------------------------------------------------------

    def agrees(self, code: str, got: Any, want: tuple[float, ...]) -> bool:
        """The product's Value against the hand-written counts: rates by their two counts, counts by the value,
        averages by the value (rounded as the product rounds)."""
        if not want:
            want = (0.0, 0.0)
        if code in ("rectification.days_to_close", "inspections.latest_score"):
            total, n = want
            expected = round(total / n, 1) if n else None
            return bool(got.value == expected or (expected is not None and abs(got.value - expected) <= 0.1))
        if got.denominator is None:
            return bool(got.value == want[0])
        return bool((got.numerator, got.denominator) == want[:2])


if __name__ == "__main__":
    main()
